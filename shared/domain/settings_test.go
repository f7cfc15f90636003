package domain

import (
	"strings"
	"testing"
	"time"

	"loginguard/shared/policy"
)

func TestSettingsValidate(t *testing.T) {
	org := func(f func(*OrgSettings)) OrgSettings {
		s := OrgSettings{TimeZone: "UTC", Lockout: policy.DefaultLockout, SessionTimeout: policy.DefaultSessionTimeout, Password: policy.DefaultPasswordPolicy}
		f(&s)
		return s
	}
	for _, c := range []struct {
		name string
		s    OrgSettings
		want string // "" : valid
	}{
		{"a new org's defaults are valid", org(func(*OrgSettings) {}), ""},
		{"an unknown time zone is refused", org(func(s *OrgSettings) { s.TimeZone = "Mars/Base" }), "not a known time zone"},
		{"no time zone is refused", org(func(s *OrgSettings) { s.TimeZone = "" }), "not a known time zone"},
		{"a password policy not offered is refused", org(func(s *OrgSettings) { s.Password.MinLength = 6 }), "minimum password length"},
		{"a lockout maximum not offered is refused", org(func(s *OrgSettings) { s.Lockout.MaxAttempts = 4 }), "choose 3, 5, 10 or none"},
		{"a lockout period not offered is refused", org(func(s *OrgSettings) { s.Lockout.Period = 20 * time.Minute }), "choose 15m"},
		{"no lockout, until unlocked, is valid", org(func(s *OrgSettings) { s.Lockout = policy.Lockout{} }), ""},
		{"a session timeout not offered is refused", org(func(s *OrgSettings) { s.SessionTimeout = 3 * time.Hour }), "15m, 30m"},
		{"a level other than standard or high assurance is refused",
			org(func(s *OrgSettings) { s.Levels = map[policy.Method]policy.Level{policy.MethodTOTP: "MEDIUM"} }), "high-assurance or standard"},
		{"a standard two-factor level is valid",
			org(func(s *OrgSettings) {
				s.Levels = map[policy.Method]policy.Level{policy.MethodTOTP: policy.LevelStandard}
			}), ""},
		{"a resource action other than block or raise is refused",
			org(func(s *OrgSettings) { s.HighAssurance = map[string]policy.Action{"reports": "ALLOW"} }), "block or raise"},
	} {
		t.Run(c.name, func(t *testing.T) { checkValid(t, c.s.Validate(), c.want) })
	}

	hours, err := policy.ParseLoginHours("Europe/Paris", "mon=08:00-18:00")
	if err != nil {
		t.Fatal(err)
	}
	gone := hours
	gone.Zone = "Gone/Zone"
	for _, c := range []struct {
		name string
		s    ProfileSettings
		want string
	}{
		{"a profile without restrictions is valid", ProfileSettings{APIEnabled: true}, ""},
		{"login hours in a known zone are valid", ProfileSettings{LoginHours: hours}, ""},
		{"login hours in a zone that no longer exists are refused", ProfileSettings{LoginHours: gone}, "unknown time zone"},
	} {
		t.Run(c.name, func(t *testing.T) { checkValid(t, c.s.Validate(), c.want) })
	}
}

func checkValid(t *testing.T, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Errorf("refused: %v", err)
	case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
		t.Errorf("got %v, want an error containing %q", err, want)
	}
}
