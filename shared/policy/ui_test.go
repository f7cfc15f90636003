package policy

import (
	"net/netip"
	"testing"
	"time"
)

func TestDecideUILogin(t *testing.T) {
	at := time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC) // Monday 10:00 in New York
	home := netip.MustParseAddr("198.51.100.20")
	office := netip.MustParseAddr("203.0.113.7")
	officeRange, _ := ParseIPRanges("203.0.113.0-203.0.113.255")
	night, _ := ParseLoginHours("America/New_York", "mon=20:00-23:00")
	base := func(mod func(*UILogin)) UILogin {
		f := UILogin{At: at, IP: home, PasswordOK: true}
		if mod != nil {
			mod(&f)
		}
		return f
	}
	std, ha := LevelStandard, LevelHighAssurance
	tests := []struct {
		name string
		f    UILogin
		want UIDecision
	}{
		{"a wrong password is invalid and counts", base(func(f *UILogin) { f.PasswordOK = false }),
			UIDecision{Reason: ReasonInvalidCredentials, CountsAsFailure: true}},
		{"outside login hours denies a UI login", base(func(f *UILogin) { f.Hours = night }),
			UIDecision{Reason: ReasonRestrictedTime}},
		{"a new browser from an untrusted IP is sent a verification code, which counts", base(nil),
			UIDecision{Challenge: ChallengeEmailCode, CountsAsFailure: true}},
		{"the very first login needs no code and activates the browser", base(func(f *UILogin) { f.FirstLogin = true }),
			UIDecision{Allowed: true, Reason: ReasonAllowed, Via: ViaFirstLogin, Activate: true, Level: std}},
		{"an activated browser needs no code", base(func(f *UILogin) { f.ActivatedBrowser = true }),
			UIDecision{Allowed: true, Reason: ReasonAllowed, Via: ViaActivatedBrowser, Level: std}},
		{"a trusted range needs no code", base(func(f *UILogin) { f.TrustedRanges = officeRange; f.IP = office }),
			UIDecision{Allowed: true, Reason: ReasonAllowed, Via: ViaTrustedRange, Level: std}},
		{"a passed verification code logs in and activates the browser", base(func(f *UILogin) { f.EmailCodePassed = true }),
			UIDecision{Allowed: true, Reason: ReasonAllowed, Via: ViaEmailCode, Activate: true, Level: std}},
		{"inside a profile range no challenge", base(func(f *UILogin) { f.LoginIPRanges = officeRange; f.IP = office }),
			UIDecision{Allowed: true, Reason: ReasonAllowed, Via: ViaProfileRange, Level: std}},
		{"outside every profile range is denied, activated browser or not", base(func(f *UILogin) { f.LoginIPRanges = officeRange; f.ActivatedBrowser = true }),
			UIDecision{Reason: ReasonRestrictedDomain}},
		{"two-factor for UI logins asks for a code after the password", base(func(f *UILogin) { f.TwoFactorUI = true; f.HasTOTPKey = true; f.ActivatedBrowser = true }),
			UIDecision{Challenge: ChallengeTOTP}},
		{"two-factor for UI logins without a key asks to enrol", base(func(f *UILogin) { f.TwoFactorUI = true; f.ActivatedBrowser = true }),
			UIDecision{Challenge: ChallengeTOTPEnrol}},
		{"a passed TOTP code verifies a new browser and activates it", base(func(f *UILogin) { f.TwoFactorUI = true; f.TOTPPassed = true }),
			UIDecision{Allowed: true, Reason: ReasonAllowed, Via: ViaTOTP, Activate: true, Level: ha}},
		{"a TOTP code does not get past profile ranges", base(func(f *UILogin) { f.TOTPPassed = true; f.LoginIPRanges = officeRange }),
			UIDecision{Reason: ReasonRestrictedDomain}},
		{"a passed TOTP code gives a High Assurance session", base(func(f *UILogin) { f.TwoFactorUI = true; f.TOTPPassed = true; f.ActivatedBrowser = true }),
			UIDecision{Allowed: true, Reason: ReasonAllowed, Via: ViaActivatedBrowser, Level: ha}},
		{"High Assurance required at login asks for TOTP (enrolling) before a session", base(func(f *UILogin) { f.RequireHighAssurance = true; f.FirstLogin = true }),
			UIDecision{Challenge: ChallengeTOTPEnrol}},
		{"enrolment from a browser nobody verified needs the emailed code first", base(func(f *UILogin) { f.TwoFactorUI = true }),
			UIDecision{Challenge: ChallengeEmailCode, CountsAsFailure: true}},
		{"enrolment from a trusted range still needs the emailed code first", base(func(f *UILogin) { f.TwoFactorUI = true; f.TrustedRanges = officeRange; f.IP = office }),
			UIDecision{Challenge: ChallengeEmailCode, CountsAsFailure: true}},
		{"enrolment inside a profile range still needs the emailed code first", base(func(f *UILogin) {
			f.RequireHighAssurance = true
			f.LoginIPRanges, f.IP = officeRange, office
		}), UIDecision{Challenge: ChallengeEmailCode, CountsAsFailure: true}},
		{"once the emailed code is passed the key may be enrolled", base(func(f *UILogin) { f.TwoFactorUI = true; f.EmailCodePassed = true }),
			UIDecision{Challenge: ChallengeTOTPEnrol}},
		{"a key enrolled in this login does not verify the browser", base(func(f *UILogin) { f.TwoFactorUI = true; f.TOTPPassed = true; f.TOTPEnrolled = true }),
			UIDecision{Challenge: ChallengeEmailCode, CountsAsFailure: true}},
		{"a key enrolled after the emailed code logs in, activated by the code", base(func(f *UILogin) {
			f.TwoFactorUI, f.EmailCodePassed, f.TOTPPassed, f.TOTPEnrolled = true, true, true, true
		}), UIDecision{Allowed: true, Reason: ReasonAllowed, Via: ViaEmailCode, Activate: true, Level: ha}},
		{"a key enrolled on the very first login activates by that rule", base(func(f *UILogin) {
			f.TwoFactorUI, f.FirstLogin, f.TOTPPassed, f.TOTPEnrolled = true, true, true, true
		}), UIDecision{Allowed: true, Reason: ReasonAllowed, Via: ViaFirstLogin, Activate: true, Level: ha}},
		{"High Assurance required at login is met by TOTP", base(func(f *UILogin) { f.RequireHighAssurance = true; f.TOTPPassed = true; f.ActivatedBrowser = true }),
			UIDecision{Allowed: true, Reason: ReasonAllowed, Via: ViaActivatedBrowser, Level: ha}},
		{"with two-factor rated Standard, High Assurance at login cannot be met", base(func(f *UILogin) {
			f.RequireHighAssurance, f.TOTPPassed, f.ActivatedBrowser = true, true, true
			f.Levels = map[Method]Level{MethodTOTP: LevelStandard}
		}), UIDecision{Reason: ReasonHighAssuranceLogin}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DecideUILogin(tt.f)
			got.Trace = Trace{} // the trace has its own tests (trace_test.go)
			if got != tt.want {
				t.Fatalf("DecideUILogin = %+v; want %+v", got, tt.want)
			}
		})
	}
}

func TestResetChallenge(t *testing.T) {
	home := netip.MustParseAddr("198.51.100.20")
	office := netip.MustParseAddr("203.0.113.7")
	officeRange, _ := ParseIPRanges("203.0.113.0-203.0.113.255")
	tests := []struct {
		name string
		f    UILogin
		want Challenge
	}{
		{"a new browser from an untrusted IP is asked the emailed code", UILogin{IP: home}, ChallengeEmailCode},
		{"a new browser of a user with a key is asked the TOTP code", UILogin{IP: home, HasTOTPKey: true}, ChallengeTOTP},
		{"an activated browser is asked nothing", UILogin{IP: home, ActivatedBrowser: true, HasTOTPKey: true}, ChallengeNone},
		{"the org's trusted range is asked nothing", UILogin{IP: office, TrustedRanges: officeRange}, ChallengeNone},
		{"the profile's login IP range is asked nothing", UILogin{IP: office, LoginIPRanges: officeRange}, ChallengeNone},
		{"outside the profile's ranges an activated browser is asked a code", UILogin{IP: home, LoginIPRanges: officeRange, ActivatedBrowser: true}, ChallengeEmailCode},
		{"outside the profile's ranges a trusted range is asked a code", UILogin{IP: office, LoginIPRanges: IPRanges{mustRange(t, "192.0.2.0-192.0.2.255")}, TrustedRanges: officeRange}, ChallengeEmailCode},
		{"two-factor for UI logins asks the TOTP code even from a trusted range", UILogin{IP: office, TrustedRanges: officeRange, TwoFactorUI: true, HasTOTPKey: true}, ChallengeTOTP},
		{"two-factor for UI logins without a key asks the emailed code", UILogin{IP: home, ActivatedBrowser: true, TwoFactorUI: true}, ChallengeEmailCode},
		{"High Assurance at login asks the TOTP code from an activated browser", UILogin{IP: home, ActivatedBrowser: true, RequireHighAssurance: true, HasTOTPKey: true}, ChallengeTOTP},
		{"High Assurance at login met by a password asks nothing there", UILogin{IP: home, ActivatedBrowser: true, RequireHighAssurance: true,
			Levels: map[Method]Level{MethodPassword: LevelHighAssurance}}, ChallengeNone},
		{"a first login is no exemption", UILogin{IP: home, FirstLogin: true}, ChallengeEmailCode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ResetChallenge(tt.f); got != tt.want {
				t.Fatalf("ResetChallenge = %q; want %q", got, tt.want)
			}
		})
	}
}

func mustRange(t *testing.T, s string) IPRange {
	t.Helper()
	r, err := ParseIPRanges(s)
	if err != nil || len(r) != 1 {
		t.Fatal(s, err)
	}
	return r[0]
}

// The reset page asks a code wherever the browser login, its password
// right and no code passed yet (and not a first login), would not let the
// user straight in: every combination of the facts that decide it.
func TestResetChallengeAsksACodeWhereTheBrowserLoginWould(t *testing.T) {
	at := time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)
	office := netip.MustParseAddr("203.0.113.7")
	officeRange, _ := ParseIPRanges("203.0.113.0-203.0.113.255")
	otherRange, _ := ParseIPRanges("192.0.2.0-192.0.2.255")
	for bits := 0; bits < 1<<7; bits++ {
		on := func(i int) bool { return bits&(1<<i) != 0 }
		f := UILogin{At: at, IP: office, PasswordOK: true, ActivatedBrowser: on(0), TwoFactorUI: on(1), HasTOTPKey: on(2), RequireHighAssurance: on(3)}
		if on(4) {
			f.TrustedRanges = officeRange
		}
		switch {
		case on(5) && on(6):
			f.LoginIPRanges = officeRange
		case on(5):
			f.LoginIPRanges = otherRange
		}
		d := DecideUILogin(f)
		got := ResetChallenge(f)
		if (got != ChallengeNone) == d.Allowed {
			t.Errorf("%+v: login %+v, reset page asks %q", f, d, got)
		}
		if got == ChallengeTOTP && !f.HasTOTPKey || got == ChallengeEmailCode && f.HasTOTPKey {
			t.Errorf("%+v: reset page asks %q", f, got)
		}
	}
}
