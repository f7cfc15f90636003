package policy

import (
	"net/netip"
	"time"
)

// Challenge is what a UI login must pass before it may go on.
type Challenge string

const (
	ChallengeNone      Challenge = ""
	ChallengeTOTP      Challenge = "TOTP"       // enter a code from the authenticator app
	ChallengeTOTPEnrol Challenge = "TOTP_ENROL" // first use: register a key, then enter a code
	ChallengeEmailCode Challenge = "EMAIL_CODE" // a verification code goes out by email
)

// ViaActivatedBrowser: the browser carries this user's activation cookie.
const (
	ViaActivatedBrowser Via = "ACTIVATED_BROWSER"
	ViaFirstLogin       Via = "FIRST_LOGIN"
	ViaEmailCode        Via = "VERIFICATION_CODE"
)

// Reasons of browser-login steps that are not an outcome yet, or are a
// wrong answer to a challenge. They stay in login history.
const (
	ReasonCodeSent         Reason = "VERIFICATION_CODE_SENT"
	ReasonTOTPRequired     Reason = "TOTP_CODE_REQUIRED"
	ReasonInvalidCode      Reason = "INVALID_VERIFICATION_CODE"
	ReasonInvalidTOTP      Reason = "INVALID_TOTP_CODE"
	ReasonChallengeExpired Reason = "VERIFICATION_EXPIRED"
)

// UILogin holds the facts of a browser login once the password has been
// checked, and what this attempt has already passed.
type UILogin struct {
	At            time.Time
	IP            netip.Addr
	PasswordOK    bool
	Hours         LoginHours
	LoginIPRanges IPRanges
	TrustedRanges IPRanges
	TwoFactorUI   bool // the user has "two-factor for UI logins"
	HasTOTPKey    bool
	TOTPPassed    bool // a TOTP code was accepted in this login
	// TOTPEnrolled: the code passed was of a key enrolled in this very
	// login. It proves the user holds the app just set up, not who they are,
	// so it verifies no browser.
	TOTPEnrolled         bool
	ActivatedBrowser     bool // the browser carries this user's activation cookie
	FirstLogin           bool // the user has never logged in
	EmailCodePassed      bool // an emailed verification code was accepted in this login
	RequireHighAssurance bool
	Levels               map[Method]Level
	// PasswordExpired: the password has expired; PasswordChanged: a new one
	// was chosen in this login (expired.go).
	PasswordExpired, PasswordChanged bool
}

// UIDecision is the outcome of a UI login step: allowed, denied, or a
// challenge to pass first.
type UIDecision struct {
	Allowed   bool
	Reason    Reason
	Via       Via
	Challenge Challenge
	// Activate: set this user's activation cookie on the browser.
	Activate bool
	// Level is the session's level when allowed.
	Level Level
	// CountsAsFailure: the step counts toward lockout (a wrong password, or a
	// verification email sent, as login-restrictions.txt says).
	CountsAsFailure bool
	// Trace is each rule evaluated, in order, with its outcome.
	Trace Trace
}

// totpStep asks for a TOTP code, or for a key to be enrolled first.
// Enrolling adds a factor to the account, so the password alone may not do
// it from a browser nobody has verified: only from an activated browser, on
// the user's very first login (the seed's one exception), or once an emailed
// verification code has been passed in this login, which is asked first.
func (f UILogin) totpStep() UIDecision {
	switch {
	case f.HasTOTPKey:
		return UIDecision{Challenge: ChallengeTOTP}
	case f.ActivatedBrowser || f.FirstLogin || f.EmailCodePassed:
		return UIDecision{Challenge: ChallengeTOTPEnrol}
	}
	return UIDecision{Challenge: ChallengeEmailCode, CountsAsFailure: true}
}

// DecideUILogin applies login-restrictions.txt steps 1–5 to a browser login,
// then the profile's "High Assurance required at login", then an expired
// password's forced change.
func DecideUILogin(f UILogin) UIDecision {
	var t Trace
	d := expiredUI(decideUIAccess(f, &t), f, &t)
	d.Trace = t
	return d
}

func decideUIAccess(f UILogin, t *Trace) UIDecision {
	if !f.PasswordOK {
		t.add(RuleCredentials, Refused)
		return UIDecision{Reason: ReasonInvalidCredentials, CountsAsFailure: true}
	}
	t.add(RuleCredentials, Passed)
	if ok, err := f.Hours.Allows(f.At); err != nil || !ok {
		t.add(RuleLoginHours, Refused)
		return UIDecision{Reason: ReasonRestrictedTime}
	}
	t.add(RuleLoginHours, passedOr(f.Hours.IsSet()))
	if f.TwoFactorUI && !f.TOTPPassed {
		t.add(RuleTwoFactor, Challenged)
		return f.totpStep()
	}
	t.add(RuleTwoFactor, passedOr(f.TwoFactorUI))
	d := decideUIPlace(f, t)
	if !d.Allowed {
		return d
	}
	method := MethodPassword
	if f.TOTPPassed {
		method = MethodTOTP
	}
	d.Level = LevelOf(method, f.Levels)
	if !f.RequireHighAssurance {
		t.add(RuleHighAssurance, NotSet)
		return d
	}
	if d.Level != LevelHighAssurance {
		if !f.TOTPPassed {
			t.add(RuleHighAssurance, Challenged)
			return f.totpStep()
		}
		// Two-factor passed, but the org rates it Standard: nothing can
		// satisfy the profile.
		t.add(RuleHighAssurance, Refused)
		return UIDecision{Reason: ReasonHighAssuranceLogin}
	}
	t.add(RuleHighAssurance, Passed)
	return d
}

// UIPlace is where a browser login comes from, as steps 4 and 5 see it.
type UIPlace struct {
	IP               netip.Addr
	LoginIPRanges    IPRanges
	TrustedRanges    IPRanges
	ActivatedBrowser bool // the browser carries the user's activation cookie
}

// Place is where the login f comes from.
func (f UILogin) Place() UIPlace {
	return UIPlace{IP: f.IP, LoginIPRanges: f.LoginIPRanges, TrustedRanges: f.TrustedRanges, ActivatedBrowser: f.ActivatedBrowser}
}

// Admits says how a browser login from p goes on without a verification
// code (steps 4 and 5): from inside the profile's login IP ranges where it
// has any (outside them nothing admits it, and the login is refused), else
// from the org's trusted ranges or an activated browser. false: the login
// must pass a code first, or is refused.
func (p UIPlace) Admits() (Via, bool) { return p.admits(nil) }

// admits is Admits, each rule it reads added to t.
func (p UIPlace) admits(t *Trace) (Via, bool) {
	if len(p.LoginIPRanges) > 0 {
		if !p.LoginIPRanges.Contains(p.IP) {
			t.add(RuleProfileRange, Refused)
			return ViaProfileRange, false
		}
		t.add(RuleProfileRange, Admitted)
		return ViaProfileRange, true
	}
	t.add(RuleProfileRange, NotSet)
	if p.TrustedRanges.Contains(p.IP) {
		t.add(RuleTrustedRange, Admitted)
		return ViaTrustedRange, true
	}
	t.add(RuleTrustedRange, Missed)
	if p.ActivatedBrowser {
		t.add(RuleActivatedBrowser, Admitted)
		return ViaActivatedBrowser, true
	}
	t.add(RuleActivatedBrowser, Missed)
	return "", false
}

// ResetChallenge is the code the password-reset page asks for besides its
// link: one exactly where a browser login of the same user, its password
// right, would be asked one before it may go on (two-factor for UI
// logins; High Assurance required at login, which a password alone does
// not give; a place Admits does not let in), and then the TOTP code of a
// user who has a key, else an emailed one. A first login is no exemption
// here: it goes without a code because it activates the browser, and a
// reset activates nothing.
func ResetChallenge(f UILogin) Challenge {
	_, admitted := f.Place().Admits()
	totp := f.TwoFactorUI || f.RequireHighAssurance && LevelOf(MethodPassword, f.Levels) != LevelHighAssurance
	switch {
	case admitted && !totp:
		return ChallengeNone
	case f.HasTOTPKey:
		return ChallengeTOTP
	}
	return ChallengeEmailCode
}

// decideUIPlace is steps 4 and 5: where the login comes from.
func decideUIPlace(f UILogin, t *Trace) UIDecision {
	if via, ok := f.Place().admits(t); ok {
		return UIDecision{Allowed: true, Reason: ReasonAllowed, Via: via}
	}
	switch {
	case len(f.LoginIPRanges) > 0:
		return UIDecision{Reason: ReasonRestrictedDomain}
	case f.TOTPPassed && !f.TOTPEnrolled:
		// The user proved who they are with their authenticator app: a
		// stronger check than an emailed code, and it activates the browser.
		t.add(RuleTOTP, Admitted)
		return UIDecision{Allowed: true, Reason: ReasonAllowed, Via: ViaTOTP, Activate: true}
	case f.FirstLogin:
		// No code on a user's very first login: it activates this browser.
		t.add(RuleFirstLogin, Admitted)
		return UIDecision{Allowed: true, Reason: ReasonAllowed, Via: ViaFirstLogin, Activate: true}
	case f.EmailCodePassed:
		t.add(RuleEmailCode, Admitted)
		return UIDecision{Allowed: true, Reason: ReasonAllowed, Via: ViaEmailCode, Activate: true}
	}
	t.add(RuleEmailCode, Challenged)
	return UIDecision{Challenge: ChallengeEmailCode, CountsAsFailure: true}
}
