package e2e

import (
	"context"
	"testing"
	"time"

	"loginguard/shared/domain"
)

// The console (/setup/...) in headless Chromium: e2e/js/console.mjs and its
// console-*.mjs scenarios. Screenshots land in test-artifacts/browser/.

// console runs one console scenario as a.
func (s *stack) console(t *testing.T, scenario string, a account, extra map[string]any) browserRun {
	t.Helper()
	return s.chromium(t, "console.mjs", scenario, a, extra)
}

func TestConsoleSettings(t *testing.T) {
	s := startStack(t)
	ctx := context.Background()

	t.Run("Session Settings: changed, read back, a bad time zone refused with its rule", func(t *testing.T) {
		a := s.account(t, nil, func(p *domain.Profile) { p.CustomizeApplication = true })
		s.console(t, "session-settings", a, map[string]any{"zoneError": `"Mars/Olympus_Mons" is not a known time zone`})
		o, err := s.st.Org(ctx, a.org.ID)
		if err != nil {
			t.Fatal(err)
		}
		if o.SessionTimeout != 30*time.Minute || o.Lockout.MaxAttempts != 5 || !o.RememberMe || o.TimeZone != a.org.TimeZone {
			t.Fatalf("stored settings: timeout %v, lockout %d, remember me %v, zone %q (was %q)",
				o.SessionTimeout, o.Lockout.MaxAttempts, o.RememberMe, o.TimeZone, a.org.TimeZone)
		}
	})

	t.Run("View Setup reads, cannot change: a forged form is refused and changes nothing", func(t *testing.T) {
		a := s.account(t, nil, func(p *domain.Profile) { p.ViewSetup = true })
		s.console(t, "read-only", a, nil)
		o, err := s.st.Org(ctx, a.org.ID)
		if err != nil {
			t.Fatal(err)
		}
		if o.Version != a.org.Version {
			t.Fatalf("the org changed (version %d → %d)", a.org.Version, o.Version)
		}
	})

	t.Run("no setup permission: refused, naming View Setup", func(t *testing.T) {
		s.console(t, "no-permission", s.account(t, nil, nil), nil)
	})
}
