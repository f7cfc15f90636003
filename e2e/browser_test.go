package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"loginguard/shared/domain"
	"loginguard/shared/policy"
	"loginguard/shared/secret"
	"loginguard/shared/store/dynamo"
)

// chromiumPath is Debian's chromium (make test installs it), or $CHROMIUM.
func chromiumPath(t *testing.T) string {
	p := os.Getenv("CHROMIUM")
	if p == "" {
		p = "/usr/bin/chromium"
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("chromium is needed for the browser tests (make test installs Debian's package): %v", err)
	}
	return p
}

type browserRun struct {
	OK      bool              `json:"ok"`
	Error   string            `json:"error"`
	Steps   []string          `json:"steps"`
	Cookies []browserCookie   `json:"cookies"`
	Headers map[string]string `json:"headers"`
	Generic string            `json:"genericText"`
	Locked  string            `json:"lockedText"`
}

type browserCookie struct {
	Name     string `json:"name"`
	Secure   bool   `json:"secure"`
	HTTPOnly bool   `json:"httpOnly"`
	SameSite string `json:"sameSite"`
	Path     string `json:"path"`
	Session  bool   `json:"session"`
}

// browse runs one scenario of e2e/js/browser.mjs in headless Chromium.
// Screenshots land in test-artifacts/browser/.
func (s *stack) browse(t *testing.T, scenario string, a account, extra map[string]any) browserRun {
	t.Helper()
	return s.chromium(t, "browser.mjs", scenario, a, extra)
}

// chromium runs one scenario of a Chromium script of e2e/js (browser.mjs,
// console.mjs) as a, with extra input.
func (s *stack) chromium(t *testing.T, script, scenario string, a account, extra map[string]any) browserRun {
	t.Helper()
	in := map[string]any{"scenario": scenario, "baseUrl": s.baseURL, "sesUrl": s.sesURL,
		"artifacts": filepath.Join(s.root, "test-artifacts", "browser"), "chromium": chromiumPath(t),
		"username": a.username, "password": a.password, "email": a.username}
	for k, v := range extra {
		in[k] = v
	}
	b, _ := json.Marshal(in)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", filepath.Join(s.root, "e2e", "js", script), string(b))
	cmd.Dir = s.root
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	runErr := cmd.Run()
	var r browserRun
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("browser harness: %v (run: %v)\nstdout: %s\nstderr: %s", err, runErr, out.String(), errOut.String())
	}
	if !r.OK {
		t.Fatalf("%s: %s (pages seen: %v)", scenario, r.Error, r.Steps)
	}
	return r
}

// returning makes a user who has logged in before, so a new browser is
// challenged (only the very first login activates a browser without a code).
func (s *stack) returning(t *testing.T, a account) {
	t.Helper()
	ctx := context.Background()
	u, err := s.st.User(ctx, a.username)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.st.Succeed(ctx, u, time.Now().Add(-24*time.Hour), "", 0); err != nil {
		t.Fatal(err)
	}
}

func (s *stack) history(t *testing.T, a account) []domain.LoginEvent {
	t.Helper()
	u, err := s.st.User(context.Background(), a.username)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := s.st.History(context.Background(), dynamo.HistoryFilter{UserID: u.ID, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func TestBrowserLogin(t *testing.T) {
	s := startStack(t)

	t.Run("first login needs no code; cookies and headers; logout", func(t *testing.T) {
		a := s.account(t, nil, nil)
		r := s.browse(t, "first-login", a, nil)
		seen := map[string]browserCookie{}
		for _, c := range r.Cookies {
			seen[c.Name] = c
			if !c.Secure || !c.HTTPOnly || c.SameSite != "Lax" || c.Path != "/" {
				t.Errorf("cookie %s: %+v; want Secure, HttpOnly, SameSite=Lax, Path=/", c.Name, c)
			}
			if !strings.HasPrefix(c.Name, "__Host-") {
				t.Errorf("cookie %s lacks the __Host- prefix", c.Name)
			}
		}
		if c, ok := seen["__Host-sid"]; !ok || !c.Session {
			t.Errorf("session cookie %+v: want a browser-session cookie named __Host-sid", c)
		}
		if c, ok := seen["__Host-lg_device"]; !ok || c.Session {
			t.Errorf("activation cookie %+v: want a long-lived __Host-lg_device", c)
		}
		h := r.Headers
		for k, want := range map[string]string{
			"content-security-policy": "frame-ancestors 'none'", "referrer-policy": "no-referrer",
			"x-content-type-options": "nosniff", "strict-transport-security": "max-age=",
		} {
			if !strings.Contains(h[k], want) {
				t.Errorf("header %s = %q; want it to contain %q", k, h[k], want)
			}
		}
		if csp := h["content-security-policy"]; strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("CSP %q must allow only same-origin scripts", csp)
		}
		evs := s.history(t, a)
		if len(evs) == 0 || evs[0].LoginType != "UI" || !evs[0].Allowed || evs[0].Via != string(policy.ViaFirstLogin) {
			t.Fatalf("history: %+v; want a UI login via FIRST_LOGIN", evs)
		}
	})

	t.Run("a new browser gets a code by email, then is activated", func(t *testing.T) {
		a := s.account(t, nil, nil)
		s.browse(t, "new-browser", a, nil)
		evs := s.history(t, a)
		var sent, viaCode bool
		for _, e := range evs {
			sent = sent || (e.Reason == string(policy.ReasonCodeSent) && e.Challenge == string(policy.ChallengeEmailCode))
			viaCode = viaCode || (e.Allowed && e.Via == string(policy.ViaEmailCode) && e.Challenge == string(policy.ChallengeEmailCode))
		}
		if !sent || !viaCode {
			t.Fatalf("history should show the code sent and the login by code: %+v", evs)
		}
		u, _ := s.st.User(context.Background(), a.username)
		if len(u.Devices) != 2 {
			t.Fatalf("activated browsers: %d; want 2 (first login, then by code)", len(u.Devices))
		}
	})

	t.Run("the email and each wrong code count toward lockout", func(t *testing.T) {
		lo, _ := policy.NewLockout(3, 15*time.Minute)
		a := s.account(t, func(o *domain.Org) { o.Lockout = lo }, nil)
		s.returning(t, a)
		r := s.browse(t, "wrong-code", a, nil)
		u, _ := s.st.User(context.Background(), a.username)
		if !u.Policy.Lockout.Locked(u.Lock, time.Now()) {
			t.Fatalf("after the email and two wrong codes the user should be locked: %+v", u.Lock)
		}
		wrong := 0
		for _, e := range s.history(t, a) {
			if e.Reason == string(policy.ReasonInvalidCode) {
				wrong++
			}
		}
		if wrong != 2 {
			t.Fatalf("history has %d wrong codes; want 2", wrong)
		}
		g := s.browse(t, "wrong-password", s.account(t, nil, nil), nil)
		if r.Locked != g.Generic {
			t.Fatalf("locked %q and wrong password %q must read alike", r.Locked, g.Generic)
		}
	})

	t.Run("a trusted range needs no code", func(t *testing.T) {
		a := s.account(t, func(o *domain.Org) { o.TrustedRanges = ranges(t, "127.0.0.1") }, nil)
		s.returning(t, a)
		s.browse(t, "trusted", a, nil)
	})

	t.Run("two-factor for UI logins: enrolment, then a prompt", func(t *testing.T) {
		a := s.account(t, nil, func(p *domain.Profile) { p.TwoFactorUI = true })
		s.returning(t, a)
		s.browse(t, "totp-enrol", a, nil)
		u, _ := s.st.User(context.Background(), a.username)
		if u.TOTPSealed == "" {
			t.Fatal("the enrolled key was not stored")
		}
	})

	t.Run("High Assurance required at login", func(t *testing.T) {
		a := s.account(t, nil, func(p *domain.Profile) { p.RequireHighAssurance = true })
		u, _ := s.st.User(context.Background(), a.username)
		k, _ := secret.NewTOTPKey("e2e", a.username, rand.Reader)
		sealed, _ := s.sealer.Seal(context.Background(), k.Secret(), u.ID, rand.Reader)
		if err := s.st.SetTOTPKey(context.Background(), a.username, sealed); err != nil {
			t.Fatal(err)
		}
		s.browse(t, "high-assurance", a, map[string]any{"totpKey": k.Secret()})
	})

	t.Run("step-up to High Assurance with a TOTP code", func(t *testing.T) {
		a := s.account(t, func(o *domain.Org) { o.HighAssurance = map[string]policy.Action{"reports": policy.ActionRaise} }, nil)
		s.browse(t, "step-up", a, nil)
		var stepped bool
		for _, e := range s.history(t, a) {
			stepped = stepped || (e.Reason == "STEP_UP" && e.Allowed && e.Via == string(policy.ViaTOTP))
		}
		if !stepped {
			t.Fatalf("history should record the step-up: %+v", s.history(t, a))
		}
	})

	t.Run("a POST without the CSRF token is refused", func(t *testing.T) {
		s.browse(t, "csrf", s.account(t, nil, nil), nil)
	})

	t.Run("outside login hours the login is denied", func(t *testing.T) {
		now := time.Now().UTC()
		// A window that closed an hour ago today (or, just after midnight, none today).
		spec := strings.ToLower(now.Weekday().String()[:3]) + "=00:00-00:00"
		if now.Hour() >= 2 {
			spec = strings.ToLower(now.Weekday().String()[:3]) + "=00:00-" + now.Add(-time.Hour).Format("15") + ":00"
		}
		hours, err := policy.ParseLoginHours("UTC", spec)
		if err != nil {
			t.Fatal(err)
		}
		a := s.account(t, nil, func(p *domain.Profile) { p.LoginHours = hours })
		s.browse(t, "hours", a, nil)
	})

	t.Run("caching and autocomplete off", func(t *testing.T) {
		s.browse(t, "no-caching", s.account(t, func(o *domain.Org) { o.NoLoginPageCaching = true }, nil), nil)
	})

	t.Run("idle timeout prompt: continue, then logged out", func(t *testing.T) {
		a := s.account(t, func(o *domain.Org) { o.SessionTimeout = 15 * time.Minute }, nil)
		s.browse(t, "timeout", a, map[string]any{"timeoutSeconds": 900})
	})
}
