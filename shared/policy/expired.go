package policy

// An expired password (PasswordPolicy.Expired) does not refuse a login whose
// credentials are right: it narrows what the login grants. The browser must
// choose a new password before any session opens; a SOAP login gets a
// session that may only set the password (the partner API's setPassword,
// passwordExpired=true in its answer); an OAuth password grant, which has no
// way to set one, is refused.

const (
	// ReasonPasswordExpired: the password was right but has expired. In
	// login history for an OAuth grant refused and for the browser's step
	// to a forced change; a SOAP login allowed with a restricted session
	// records it as its reason too.
	ReasonPasswordExpired Reason = "PASSWORD_EXPIRED"
	// ReasonSessionPasswordExpired: a session opened on an expired
	// password was used for anything but setting the password. The name is
	// Salesforce's ExceptionCode for it.
	ReasonSessionPasswordExpired Reason = "INVALID_OPERATION_WITH_EXPIRED_PASSWORD"
)

// ChallengeNewPassword: the browser must choose a new password, the last
// step of a login whose password has expired (after every other
// challenge: a password alone must not be enough to replace itself where
// the login would have asked more).
const ChallengeNewPassword Challenge = "NEW_PASSWORD"

// expiredAPI narrows an API decision for an expired password: allowed
// decisions become restricted (where the channel can set a password) or
// refused; refusals stay what they are.
func expiredAPI(d Decision, f APILogin, t *Trace) Decision {
	if !d.Allowed {
		return d
	}
	if !f.PasswordExpired {
		t.add(RulePasswordExpiry, Passed)
		return d
	}
	if !f.CanSetPassword {
		t.add(RulePasswordExpiry, Refused)
		return Decision{Reason: ReasonPasswordExpired}
	}
	// Allowed, narrowed to setting the password.
	t.add(RulePasswordExpiry, Admitted)
	d.PasswordExpired, d.Reason = true, ReasonPasswordExpired
	return d
}

// expiredUI puts the forced change after an allowed browser decision, until
// the new password is chosen (PasswordChanged).
func expiredUI(d UIDecision, f UILogin, t *Trace) UIDecision {
	if !d.Allowed {
		return d
	}
	if !f.PasswordExpired || f.PasswordChanged {
		t.add(RulePasswordExpiry, Passed)
		return d
	}
	t.add(RulePasswordExpiry, Challenged)
	return UIDecision{Challenge: ChallengeNewPassword, Reason: ReasonPasswordExpired, Via: d.Via, Level: d.Level, Activate: d.Activate}
}

// expiredSession refuses every use of a restricted session but setting the
// password.
func expiredSession(c SessionCheck) bool {
	return c.PasswordExpired && !c.SettingPassword
}
