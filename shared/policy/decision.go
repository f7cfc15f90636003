package policy

import (
	"net/netip"
	"time"
)

// Reason is the stable code of a login outcome. Denials use Salesforce's
// ExceptionCode names where one exists; the rest are ours and never reach a
// client (they answer as INVALID_LOGIN) but stay in login history.
type Reason string

const (
	ReasonAllowed              Reason = "SUCCESS"
	ReasonInvalidCredentials   Reason = "INVALID_CREDENTIALS" // wrong password, or wrong token with it
	ReasonUnknownUser          Reason = "UNKNOWN_USER"
	ReasonUserInactive         Reason = "USER_INACTIVE"
	ReasonUserLocked           Reason = "USER_LOCKED"
	ReasonRestrictedTime       Reason = "LOGIN_DURING_RESTRICTED_TIME"
	ReasonRestrictedDomain     Reason = "LOGIN_DURING_RESTRICTED_DOMAIN"
	ReasonMustUseSecurityToken Reason = "LOGIN_MUST_USE_SECURITY_TOKEN"
	ReasonAPIDisabled          Reason = "API_CURRENTLY_DISABLED"
	ReasonTwoFactorRequired    Reason = "TWO_FACTOR_CODE_REQUIRED" // answers as INVALID_LOGIN
	ReasonTOTPReused           Reason = "TOTP_CODE_REUSED"         // answers as INVALID_LOGIN
	ReasonHighAssuranceLogin   Reason = "LOGIN_HIGH_ASSURANCE_REQUIRED"
	// ReasonSessionsEnded: the user's sessions were ended (deactivated,
	// password reset) while the login was under way.
	ReasonSessionsEnded Reason = "SESSIONS_ENDED_DURING_LOGIN" // answers as INVALID_LOGIN
)

// Via says which rule let an allowed login through without (or with) a challenge.
type Via string

const (
	ViaProfileRange  Via = "PROFILE_IP_RANGE"
	ViaTrustedRange  Via = "TRUSTED_IP_RANGE"
	ViaSecurityToken Via = "SECURITY_TOKEN"
	ViaTOTP          Via = "TOTP"
)

// Credentials is what the password check found, before any policy applies.
type Credentials int

const (
	// CredentialsInvalid: neither the whole string nor its prefix was the password.
	CredentialsInvalid Credentials = iota
	// PasswordOnly: the whole string was the password; no token was appended.
	PasswordOnly
	// PasswordAndToken: the prefix was the password and the suffix the user's security token.
	PasswordAndToken
	// PasswordAndTOTP: the prefix was the password and the suffix a current,
	// unused TOTP code of the user's key.
	PasswordAndTOTP
)

// APILogin holds the facts of an API (SOAP or REST) login once the password
// has been checked.
type APILogin struct {
	At          time.Time
	IP          netip.Addr
	Credentials Credentials
	// TwoFactor: the user has "two-factor for API logins" and a TOTP key, so
	// a TOTP code must stand in place of the security token.
	TwoFactor  bool
	APIEnabled bool
	// RequireHighAssurance is the profile's "High Assurance required at
	// login"; Levels the org's level of each login method (nil: defaults).
	RequireHighAssurance bool
	Levels               map[Method]Level
	Hours                LoginHours
	LoginIPRanges        IPRanges
	TrustedRanges        IPRanges
	// PasswordExpired: the user's password has expired (policy.Expired);
	// CanSetPassword: the channel can set a new one (SOAP's setPassword),
	// so an allowed login gets a session restricted to that (expired.go).
	PasswordExpired, CanSetPassword bool
}

// Decision is the outcome of a login: allowed or not, and why.
type Decision struct {
	Allowed bool
	Reason  Reason
	Via     Via
	// CountsAsFailure: the attempt counts toward lockout (a wrong password,
	// a wrong or missing security token).
	CountsAsFailure bool
	// PasswordExpired: allowed, but the session may only set the password.
	PasswordExpired bool
	// Trace is each rule evaluated, in order, with its outcome.
	Trace Trace
}

// DecideAPILogin applies login-restrictions.txt to an API login, in the
// seed's order: credentials, login hours, profile IP ranges (inside: no token
// needed; outside: denied), then org trusted ranges, else the security token;
// last, an expired password narrows what an allowed login grants.
func DecideAPILogin(f APILogin) Decision {
	var t Trace
	d := expiredAPI(decideAPIAccess(f, &t), f, &t)
	d.Trace = t
	return d
}

func decideAPIAccess(f APILogin, t *Trace) Decision {
	d := decideAPILogin(f, t)
	if !d.Allowed {
		return d
	}
	if !f.RequireHighAssurance {
		t.add(RuleHighAssurance, NotSet)
		return d
	}
	m := MethodPassword
	if f.Credentials == PasswordAndTOTP {
		m = MethodTOTP
	}
	if !CanLogIn(m, f.Levels, true) {
		t.add(RuleHighAssurance, Refused)
		return Decision{Reason: ReasonHighAssuranceLogin}
	}
	t.add(RuleHighAssurance, Passed)
	return d
}

func decideAPILogin(f APILogin, t *Trace) Decision {
	if f.Credentials == CredentialsInvalid {
		t.add(RuleCredentials, Refused)
		return Decision{Reason: ReasonInvalidCredentials, CountsAsFailure: true}
	}
	t.add(RuleCredentials, Passed)
	if !f.APIEnabled {
		t.add(RuleAPIEnabled, Refused)
		return Decision{Reason: ReasonAPIDisabled}
	}
	t.add(RuleAPIEnabled, Passed)
	if ok, err := f.Hours.Allows(f.At); err != nil || !ok {
		// An unreadable zone denies: failing closed is the only safe reading.
		t.add(RuleLoginHours, Refused)
		return Decision{Reason: ReasonRestrictedTime}
	}
	t.add(RuleLoginHours, passedOr(f.Hours.IsSet()))
	if f.TwoFactor && f.Credentials != PasswordAndTOTP {
		// A security token is refused too: the code stands in its place.
		t.add(RuleTwoFactor, Refused)
		return Decision{Reason: ReasonTwoFactorRequired, CountsAsFailure: true}
	}
	t.add(RuleTwoFactor, passedOr(f.TwoFactor))
	if len(f.LoginIPRanges) > 0 {
		if !f.LoginIPRanges.Contains(f.IP) {
			t.add(RuleProfileRange, Refused)
			return Decision{Reason: ReasonRestrictedDomain}
		}
		t.add(RuleProfileRange, Admitted)
		return Decision{Allowed: true, Reason: ReasonAllowed, Via: ViaProfileRange}
	}
	t.add(RuleProfileRange, NotSet)
	if f.Credentials == PasswordAndTOTP {
		t.add(RuleTOTP, Admitted)
		return Decision{Allowed: true, Reason: ReasonAllowed, Via: ViaTOTP}
	}
	if f.TrustedRanges.Contains(f.IP) {
		t.add(RuleTrustedRange, Admitted)
		return Decision{Allowed: true, Reason: ReasonAllowed, Via: ViaTrustedRange}
	}
	t.add(RuleTrustedRange, Missed)
	if f.Credentials == PasswordAndToken {
		t.add(RuleSecurityToken, Admitted)
		return Decision{Allowed: true, Reason: ReasonAllowed, Via: ViaSecurityToken}
	}
	t.add(RuleSecurityToken, Refused)
	return Decision{Reason: ReasonMustUseSecurityToken, CountsAsFailure: true}
}
