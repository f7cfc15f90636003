package settings_test

import (
	"net/url"
	"testing"
	"time"

	"loginguard/shared/admin"
	"loginguard/shared/domain"
	"loginguard/shared/settings"
)

func TestFormShowsAndAppliesTheFlagsTexts(t *testing.T) {
	s := admin.DefaultOrgSettings()
	s.SessionTimeout = 2 * time.Hour
	names := []string{"session-timeout", "remember-me", "trusted-ranges", "lockout-max", "no-such-setting"}
	fields := settings.Form(settings.Org, s, names...)
	if len(fields) != 4 {
		t.Fatalf("fields %+v: an unknown name should be left out", fields)
	}
	if f := fields[0]; f.Value != "2h" || len(f.Choices) == 0 || f.Label != "session timeout" {
		t.Fatalf("session timeout shown as %+v: want the choice 2h", f)
	}
	if f := fields[1]; !f.IsBool || f.Checked != s.RememberMe {
		t.Fatalf("remember me shown as %+v", f)
	}

	form := url.Values{"session-timeout": {"30m"}, "remember-me": {"on"}, "trusted-ranges": {"10.0.0.0-10.0.0.255,192.0.2.1"}}
	if err := settings.ApplyForm(settings.Org, &s, settings.Env{}, form, names...); err != nil {
		t.Fatal(err)
	}
	if s.SessionTimeout != 30*time.Minute || !s.RememberMe || len(s.TrustedRanges) != 2 {
		t.Fatalf("applied: %v %v %v", s.SessionTimeout, s.RememberMe, s.TrustedRanges)
	}
	if got := settings.Form(settings.Org, s, "trusted-ranges")[0].Value; got != "10.0.0.0-10.0.0.255,192.0.2.1" {
		t.Fatalf("ranges shown as %q: want the flag's text", got)
	}

	// An unticked checkbox is off; a text not sent is unchanged; the first
	// refusal is returned after every setting was tried.
	before := s.Lockout
	err := settings.ApplyForm(settings.Org, &s, settings.Env{}, url.Values{"trusted-ranges": {"10.0.0.9-10.0.0.1"}, "session-timeout": {"1h"}}, names...)
	if domain.ErrorCode(err) != domain.CodeInvalidField {
		t.Fatalf("a bad range: %v", err)
	}
	if s.RememberMe || s.SessionTimeout != time.Hour || s.Lockout != before {
		t.Fatalf("after a refused form: remember me %v, timeout %v, lockout %v", s.RememberMe, s.SessionTimeout, s.Lockout)
	}
}
