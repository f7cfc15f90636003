package policy

import (
	"net/netip"
	"testing"
	"time"
)

func TestAnExpiredPasswordNarrowsOnlyAllowedAPILogins(t *testing.T) {
	at := time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)
	ip := netip.MustParseAddr("198.51.100.7")
	base := APILogin{At: at, IP: ip, Credentials: PasswordAndToken, APIEnabled: true, PasswordExpired: true}
	tests := []struct {
		name        string
		mod         func(*APILogin)
		allowed     bool
		restricted  bool
		reason      Reason
		countsAsBad bool
	}{
		{"SOAP: allowed, restricted to setPassword", func(f *APILogin) { f.CanSetPassword = true }, true, true, ReasonPasswordExpired, false},
		{"OAuth: refused, not a failure", nil, false, false, ReasonPasswordExpired, false},
		{"not expired: as always", func(f *APILogin) { f.PasswordExpired, f.CanSetPassword = false, true }, true, false, ReasonAllowed, false},
		{"a wrong password stays a wrong password", func(f *APILogin) { f.Credentials, f.CanSetPassword = CredentialsInvalid, true }, false, false, ReasonInvalidCredentials, true},
		{"a missing token stays a missing token", func(f *APILogin) { f.Credentials, f.CanSetPassword = PasswordOnly, true }, false, false, ReasonMustUseSecurityToken, true},
		{"outside login hours stays refused", func(f *APILogin) {
			f.CanSetPassword = true
			h, err := ParseLoginHours("UTC", "mon=08:00-09:00")
			if err != nil {
				t.Fatal(err)
			}
			f.Hours = h
		}, false, false, ReasonRestrictedTime, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := base
			if tt.mod != nil {
				tt.mod(&f)
			}
			d := DecideAPILogin(f)
			if d.Allowed != tt.allowed || d.PasswordExpired != tt.restricted || d.Reason != tt.reason || d.CountsAsFailure != tt.countsAsBad {
				t.Fatalf("decision %+v; want allowed %v, restricted %v, %s, counts %v", d, tt.allowed, tt.restricted, tt.reason, tt.countsAsBad)
			}
		})
	}
}

func TestAnExpiredPasswordIsTheBrowserLoginsLastStep(t *testing.T) {
	at := time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)
	f := UILogin{At: at, IP: netip.MustParseAddr("198.51.100.7"), PasswordOK: true, PasswordExpired: true}
	// From an unknown browser of a returning user: the code first.
	if d := DecideUILogin(f); d.Challenge != ChallengeEmailCode {
		t.Fatalf("unrecognised browser: %+v; want the emailed code before the change", d)
	}
	f.EmailCodePassed = true
	d := DecideUILogin(f)
	if d.Allowed || d.Challenge != ChallengeNewPassword || d.Reason != ReasonPasswordExpired || d.CountsAsFailure || d.Via != ViaEmailCode || !d.Activate {
		t.Fatalf("code passed: %+v; want the forced change, carrying how the login got there", d)
	}
	f.PasswordChanged = true
	if d := DecideUILogin(f); !d.Allowed || d.Via != ViaEmailCode {
		t.Fatalf("new password chosen: %+v; want allowed", d)
	}
	// Two-factor: the code, then the change.
	g := UILogin{At: at, PasswordOK: true, PasswordExpired: true, TwoFactorUI: true, HasTOTPKey: true}
	if d := DecideUILogin(g); d.Challenge != ChallengeTOTP {
		t.Fatalf("two-factor user: %+v; want the TOTP prompt first", d)
	}
	g.TOTPPassed = true
	if d := DecideUILogin(g); d.Challenge != ChallengeNewPassword || d.Level != LevelHighAssurance {
		t.Fatalf("TOTP passed: %+v; want the change, at High Assurance", d)
	}
	// A refusal is never turned into a change.
	h := UILogin{At: at, PasswordOK: false, PasswordExpired: true}
	if d := DecideUILogin(h); d.Challenge != ChallengeNone || d.Reason != ReasonInvalidCredentials {
		t.Fatalf("wrong password: %+v", d)
	}
}

func TestASessionOpenedOnAnExpiredPasswordMayOnlySetIt(t *testing.T) {
	now := time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)
	c := SessionCheck{LoginType: LoginSOAP, Channel: ChannelAPI, Now: now, LastSeenAt: now, Timeout: time.Hour, SafeMethod: true, PasswordExpired: true}
	if d := CheckSession(c); d.Allowed || d.Reason != ReasonSessionPasswordExpired {
		t.Fatalf("a read with it: %+v; want %s", d, ReasonSessionPasswordExpired)
	}
	c.SettingPassword = true
	if d := CheckSession(c); !d.Allowed {
		t.Fatalf("setting the password: %+v; want allowed", d)
	}
	// Expiry of the session itself still comes first.
	c.Now = now.Add(2 * time.Hour)
	if d := CheckSession(c); d.Reason != ReasonSessionExpired {
		t.Fatalf("an idle restricted session: %+v; want expired", d)
	}
}
