package e2e

import (
	"testing"
	"time"

	"loginguard/shared/domain"
	"loginguard/shared/policy"
)

// The session UI in headless Chromium (issue 13, parts 4 to 6): the
// idle-timeout prompt on every signed-in page, "Remember me until logout"
// and "Enable user switching" (scenarios at the end of e2e/js/browser.mjs).

// twoUsers makes an org (and profile) as org and prof say, with two users.
func (s *stack) twoUsers(t *testing.T, org func(*domain.Org), prof func(*domain.Profile)) (account, account) {
	t.Helper()
	o, p := s.orgAndProfile(t, org, prof)
	return s.userIn(t, o, p), s.userIn(t, o, p)
}

func others(b account) map[string]any {
	return map[string]any{"other": b.username, "otherPassword": b.password}
}

func TestBrowserSessionUI(t *testing.T) {
	s := startStack(t)

	t.Run("remember me on: offered, a persistent session cookie through the emailed code, signed in after reopening until logout", func(t *testing.T) {
		a, b := s.twoUsers(t, func(o *domain.Org) { o.RememberMe = true }, nil)
		s.returning(t, b) // new to the browser: an emailed code after the password
		s.browse(t, "remember-on", a, others(b))
		var viaCode bool
		for _, e := range s.history(t, b) {
			viaCode = viaCode || (e.Allowed && e.Via == string(policy.ViaEmailCode))
		}
		if !viaCode {
			t.Fatalf("the remembered login should have passed the emailed code: %+v", s.history(t, b))
		}
	})

	t.Run("remember me off: no checkbox; a forged field gets a browser-session cookie", func(t *testing.T) {
		s.browse(t, "remember-off", s.account(t, func(o *domain.Org) { o.RememberMe = false }, nil), nil)
	})

	t.Run("user switching on: both names offered, choosing one fills it, forget takes it off", func(t *testing.T) {
		a, b := s.twoUsers(t, func(o *domain.Org) { o.UserSwitching = true }, nil)
		s.browse(t, "user-switching", a, merge(others(b), map[string]any{"expect": "on"}))
	})

	t.Run("user switching off: no names offered or kept", func(t *testing.T) {
		a, b := s.twoUsers(t, func(o *domain.Org) { o.UserSwitching = false }, nil)
		s.browse(t, "user-switching", a, merge(others(b), map[string]any{"expect": "off"}))
	})

	t.Run("caching off wins over user switching: nothing offered, autocomplete off", func(t *testing.T) {
		a, b := s.twoUsers(t, func(o *domain.Org) { o.UserSwitching, o.NoLoginPageCaching = true, true }, nil)
		s.browse(t, "user-switching", a, merge(others(b), map[string]any{"expect": "no-caching"}))
	})

	pages := func(o *domain.Org) {
		o.SessionTimeout = 15 * time.Minute
		o.HighAssurance = map[string]policy.Action{"reports": policy.ActionRaise}
	}
	admin := func(p *domain.Profile) { p.ManageUsers = true }

	t.Run("idle timeout prompt on the settings, setup and step-up pages", func(t *testing.T) {
		s.browse(t, "timeout-pages", s.account(t, pages, admin), map[string]any{"timeoutSeconds": 900})
	})

	t.Run("idle timeout prompt: tabs share Continue and logout", func(t *testing.T) {
		s.browse(t, "timeout-tabs", s.account(t, pages, admin), map[string]any{"timeoutSeconds": 900})
	})
}

func merge(a, b map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}
