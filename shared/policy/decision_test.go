package policy

import (
	"net/netip"
	"testing"
	"time"
)

func mustRanges(t *testing.T, spec string) IPRanges {
	t.Helper()
	rs, err := ParseIPRanges(spec)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func mustHours(t *testing.T, zone, spec string) LoginHours {
	t.Helper()
	h, err := ParseLoginHours(zone, spec)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestDecideAPILogin(t *testing.T) {
	// Monday 2026-11-23 10:00 in New York (15:00 UTC).
	mondayTen := time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)
	office := netip.MustParseAddr("203.0.113.7")
	home := netip.MustParseAddr("198.51.100.20")
	workHours := mustHours(t, "America/New_York", "mon=08:00-18:00,tue=08:00-18:00,wed=08:00-18:00,thu=08:00-18:00,fri=08:00-18:00")
	nightHours := mustHours(t, "America/New_York", "mon=20:00-23:00")
	officeRange := mustRanges(t, "203.0.113.0-203.0.113.255")

	base := func(mod func(*APILogin)) APILogin {
		f := APILogin{At: mondayTen, IP: home, Credentials: PasswordAndToken, APIEnabled: true}
		if mod != nil {
			mod(&f)
		}
		return f
	}
	tests := []struct {
		name  string
		facts APILogin
		want  Decision
	}{
		{"wrong password is invalid and counts",
			base(func(f *APILogin) { f.Credentials = CredentialsInvalid }),
			Decision{Reason: ReasonInvalidCredentials, CountsAsFailure: true}},
		{"wrong password is invalid even outside login hours (nothing about the account leaks)",
			base(func(f *APILogin) { f.Credentials = CredentialsInvalid; f.Hours = nightHours }),
			Decision{Reason: ReasonInvalidCredentials, CountsAsFailure: true}},
		{"a profile without API Enabled is refused",
			base(func(f *APILogin) { f.APIEnabled = false }),
			Decision{Reason: ReasonAPIDisabled}},
		{"outside login hours denies API login",
			base(func(f *APILogin) { f.Hours = nightHours }),
			Decision{Reason: ReasonRestrictedTime}},
		{"login hours are checked before profile ranges",
			base(func(f *APILogin) { f.Hours = nightHours; f.LoginIPRanges = officeRange; f.IP = office }),
			Decision{Reason: ReasonRestrictedTime}},
		{"inside login hours with token is allowed",
			base(func(f *APILogin) { f.Hours = workHours }),
			Decision{Allowed: true, Reason: ReasonAllowed, Via: ViaSecurityToken}},
		{"outside every profile range denies, even with the token",
			base(func(f *APILogin) { f.LoginIPRanges = officeRange }),
			Decision{Reason: ReasonRestrictedDomain}},
		{"profile range denial wins over an org trusted range",
			base(func(f *APILogin) {
				f.LoginIPRanges = officeRange
				f.TrustedRanges = mustRanges(t, "198.51.100.0-198.51.100.255")
			}),
			Decision{Reason: ReasonRestrictedDomain}},
		{"inside a profile range needs no token",
			base(func(f *APILogin) { f.LoginIPRanges = officeRange; f.IP = office; f.Credentials = PasswordOnly }),
			Decision{Allowed: true, Reason: ReasonAllowed, Via: ViaProfileRange}},
		{"inside a profile range a token is accepted too",
			base(func(f *APILogin) { f.LoginIPRanges = officeRange; f.IP = office }),
			Decision{Allowed: true, Reason: ReasonAllowed, Via: ViaProfileRange}},
		{"an org trusted range needs no token",
			base(func(f *APILogin) {
				f.TrustedRanges = mustRanges(t, "198.51.100.0-198.51.100.255")
				f.Credentials = PasswordOnly
			}),
			Decision{Allowed: true, Reason: ReasonAllowed, Via: ViaTrustedRange}},
		{"an IPv4 client matches a trusted range written in IPv4-mapped IPv6",
			base(func(f *APILogin) {
				f.TrustedRanges = mustRanges(t, "::ffff:198.51.100.0-::ffff:198.51.100.255")
				f.Credentials = PasswordOnly
			}),
			Decision{Allowed: true, Reason: ReasonAllowed, Via: ViaTrustedRange}},
		{"untrusted IP with the token is allowed",
			base(nil),
			Decision{Allowed: true, Reason: ReasonAllowed, Via: ViaSecurityToken}},
		{"untrusted IP without the token must use the security token, and it counts",
			base(func(f *APILogin) { f.Credentials = PasswordOnly }),
			Decision{Reason: ReasonMustUseSecurityToken, CountsAsFailure: true}},
		{"a password login is refused when the profile requires High Assurance at login",
			base(func(f *APILogin) { f.RequireHighAssurance = true }),
			Decision{Reason: ReasonHighAssuranceLogin}},
		{"a TOTP login meets a High Assurance requirement",
			base(func(f *APILogin) { f.RequireHighAssurance = true; f.TwoFactor = true; f.Credentials = PasswordAndTOTP }),
			Decision{Allowed: true, Reason: ReasonAllowed, Via: ViaTOTP}},
		{"with two-factor rated Standard by the org, a profile requiring High Assurance cannot log in",
			base(func(f *APILogin) {
				f.RequireHighAssurance, f.TwoFactor, f.Credentials = true, true, PasswordAndTOTP
				f.Levels = map[Method]Level{MethodTOTP: LevelStandard}
			}),
			Decision{Reason: ReasonHighAssuranceLogin}},
		{"a two-factor user's security token is refused",
			base(func(f *APILogin) { f.TwoFactor = true; f.Credentials = PasswordAndToken }),
			Decision{Reason: ReasonTwoFactorRequired, CountsAsFailure: true}},
		{"a TOTP code stands in for the token from an untrusted IP",
			base(func(f *APILogin) { f.TwoFactor = true; f.Credentials = PasswordAndTOTP }),
			Decision{Allowed: true, Reason: ReasonAllowed, Via: ViaTOTP}},
		{"a TOTP login outside every profile range is still denied",
			base(func(f *APILogin) { f.TwoFactor = true; f.Credentials = PasswordAndTOTP; f.LoginIPRanges = officeRange }),
			Decision{Reason: ReasonRestrictedDomain}},
		{"an IPv6 client outside an IPv4 trusted range must use the token",
			base(func(f *APILogin) {
				f.IP = netip.MustParseAddr("2001:db8::1")
				f.TrustedRanges = mustRanges(t, "0.0.0.0-255.255.255.255")
				f.Credentials = PasswordOnly
			}),
			Decision{Reason: ReasonMustUseSecurityToken, CountsAsFailure: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DecideAPILogin(tt.facts)
			got.Trace = Trace{} // the trace has its own tests (trace_test.go)
			if got != tt.want {
				t.Fatalf("DecideAPILogin = %+v; want %+v", got, tt.want)
			}
		})
	}
}

func TestLockout(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	five15 := Lockout{MaxAttempts: 5, Period: 15 * time.Minute}
	tests := []struct {
		name string
		l    Lockout
		s    LockState
		want bool
	}{
		{"below the maximum is not locked", five15, LockState{Attempts: 4, LockEndsAt: now.Add(time.Minute)}, false},
		{"at the maximum within the period is locked", five15, LockState{Attempts: 5, LockEndsAt: now.Add(time.Second)}, true},
		{"at the maximum after the period is not locked", five15, LockState{Attempts: 5, LockEndsAt: now}, false},
		{"until-unlocked stays locked however long ago", Lockout{MaxAttempts: 3}, LockState{Attempts: 3, LockEndsAt: now.Add(-1000 * time.Hour)}, true},
		{"no limit never locks", Lockout{Period: time.Hour}, LockState{Attempts: 1000, LockEndsAt: now.Add(time.Hour)}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.l.Locked(tt.s, now); got != tt.want {
				t.Fatalf("Locked = %v; want %v", got, tt.want)
			}
		})
	}
	if five15.AttemptAfterLapse(5) || !five15.AttemptAfterLapse(6) {
		t.Fatal("only a count above the maximum is an attempt after an expired lock")
	}
	if (Lockout{}).AttemptAfterLapse(1000) {
		t.Fatal("with no limit there is no lapse")
	}
	if (Lockout{MaxAttempts: 3}).LockFor() != Forever || five15.LockFor() != 15*time.Minute {
		t.Fatal("LockFor wrong")
	}
}
