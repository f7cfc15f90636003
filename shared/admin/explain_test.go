package admin_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"loginguard/shared/account"
	"loginguard/shared/admin"
	"loginguard/shared/domain"
	"loginguard/shared/login"
	"loginguard/shared/policy"
)

// Each refusal reason of the login decision (and of the reservation
// before it, and of a challenge's answer), made by a real login and
// explained from the line it left: the summary and the rules' trace.
func TestExplainEachRefusalReason(t *testing.T) {
	w := newLogins(t, func(o *domain.Org) {
		o.Lockout = policy.Lockout{MaxAttempts: 3, Period: 15 * time.Minute}
		o.Password.ExpiryDays = 90
	})
	hours, _ := policy.ParseLoginHours("America/New_York", "mon=08:00-18:00")
	office, _ := policy.ParseIPRanges("203.0.113.0-203.0.113.255")
	plain := w.profile("Plain", nil)
	tests := []struct {
		name    string
		profile func(*domain.Profile)
		user    func(*domain.User)
		at      string
		do      func(t *testing.T, name, token string)
		reason  policy.Reason
		summary string
		trace   string
	}{
		{name: "a wrong password", do: func(t *testing.T, name, tok string) { _ = w.api("SOAP", name, "Wrong-Horse-9"+tok, trustedIP) },
			reason: policy.ReasonInvalidCredentials, trace: "c-",
			summary: "refused: wrong password (or a wrong security token or TOTP code appended to it)"},
		{name: "a profile without API Enabled", profile: func(p *domain.Profile) { p.APIEnabled = false },
			do:     func(t *testing.T, name, tok string) { _ = w.api("SOAP", name, loginPassword+tok, homeIP) },
			reason: policy.ReasonAPIDisabled, trace: "c+a-", summary: "refused: the profile does not have the API Enabled permission"},
		{name: "outside the profile's login hours", profile: func(p *domain.Profile) { p.LoginHours = hours }, at: "2026-11-23 18:05",
			do:     func(t *testing.T, name, tok string) { _ = w.api("SOAP", name, loginPassword+tok, homeIP) },
			reason: policy.ReasonRestrictedTime, trace: "c+a+h-",
			summary: "refused: outside the profile's login hours, Mon 08:00–18:00 America/New_York; attempt at 18:05 there"},
		{name: "two-factor for API logins without a code", profile: func(p *domain.Profile) { p.TwoFactorAPI = true },
			user:   func(u *domain.User) { u.TOTPSealed = "a sealed key" },
			do:     func(t *testing.T, name, tok string) { _ = w.api("SOAP", name, loginPassword, trustedIP) },
			reason: policy.ReasonTwoFactorRequired, trace: "c+a+h.2-",
			summary: "refused: the user has two-factor authentication for API logins: a current TOTP code must follow the password, in place of the security token"},
		{name: "outside the profile's login IP ranges", profile: func(p *domain.Profile) { p.LoginIPRanges = office },
			do:     func(t *testing.T, name, tok string) { _ = w.api("SOAP", name, loginPassword, homeIP) },
			reason: policy.ReasonRestrictedDomain, trace: "c+a+h.2.p-",
			summary: "refused: 198.51.100.7 is outside the profile's login IP ranges (none of 1)"},
		{name: "no security token from outside the trusted ranges",
			do:     func(t *testing.T, name, tok string) { _ = w.api("SOAP", name, loginPassword, homeIP) },
			reason: policy.ReasonMustUseSecurityToken, trace: "c+a+h.2.p.t~k-",
			summary: "refused: 198.51.100.7 is outside the org's trusted IP ranges (none of 1), and no security token was appended to the password"},
		{name: "High Assurance required at login", profile: func(p *domain.Profile) { p.RequireHighAssurance = true },
			do:     func(t *testing.T, name, tok string) { _ = w.api("SOAP", name, loginPassword+tok, homeIP) },
			reason: policy.ReasonHighAssuranceLogin, trace: "c+a+h.2.p.t~k=H-",
			summary: "refused: the profile requires a High Assurance session at login, and this login's method is rated Standard"},
		{name: "an expired password on OAuth", user: func(u *domain.User) { u.PasswordChangedAt = time.Date(2026, 8, 15, 12, 0, 0, 0, time.UTC) },
			do:     func(t *testing.T, name, tok string) { _ = w.api("REST", name, loginPassword+tok, homeIP) },
			reason: policy.ReasonPasswordExpired, trace: "c+a+h.2.p.t~k=H.x-",
			summary: "refused: the password has expired (set 2026-08-15, the org's passwords last 90 days), and this channel (OAuth) cannot set a new one"},
		{name: "a locked-out user",
			do: func(t *testing.T, name, tok string) {
				for i := 0; i < 4; i++ {
					_ = w.api("SOAP", name, "Wrong-Horse-9", trustedIP)
				}
			},
			reason: policy.ReasonUserLocked, trace: "u+i+l-",
			summary: "refused: the user is locked out: 3 failed attempts, the org's maximum is 3"},
		{name: "a deactivated user", user: func(u *domain.User) { u.Active = false },
			do:     func(t *testing.T, name, tok string) { _ = w.api("SOAP", name, loginPassword+tok, homeIP) },
			reason: policy.ReasonUserInactive, trace: "u+i-", summary: "refused: the user is deactivated"},
		{name: "a browser outside the profile's login IP ranges", profile: func(p *domain.Profile) { p.LoginIPRanges = office },
			do:     func(t *testing.T, name, tok string) { _, _ = w.ui(name, loginPassword, homeIP) },
			reason: policy.ReasonRestrictedDomain, trace: "c+h.2.p-",
			summary: "refused: 198.51.100.7 is outside the profile's login IP ranges (none of 1)"},
		{name: "a wrong emailed verification code",
			do: func(t *testing.T, name, tok string) {
				out, err := w.ui(name, loginPassword, homeIP)
				if err != nil || out.ChallengeID == "" {
					t.Fatalf("the login page should ask for a code: %+v, %v", out, err)
				}
				w.tick()
				_, _ = w.app.Browser.Answer(w.ctx, login.BrowserAnswer{ChallengeID: out.ChallengeID, Code: "000000", IP: homeIP, Client: "test browser"})
			},
			reason: policy.ReasonInvalidCode, trace: "v-", summary: "refused: the verification code entered was wrong"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w.at("2026-11-23 10:00")
			if tt.at != "" {
				w.at(tt.at)
			}
			p := plain
			if tt.profile != nil {
				p = w.profile(tt.name, tt.profile)
			}
			name, tok := w.user("u"+string(rune('a'+i)), p, tt.user)
			tt.do(t, name, tok)
			x, err := w.admin.ExplainLine(w.ctx, admin.CLI, admin.ExplainQuery{User: name})
			if err != nil {
				t.Fatal(err)
			}
			if x.Reason != string(tt.reason) || x.Outcome != admin.OutcomeRefused {
				t.Fatalf("explained %s (%s); want the refusal %s", x.Reason, x.Outcome, tt.reason)
			}
			if x.Summary != tt.summary {
				t.Errorf("summary\n%q\nwant\n%q", x.Summary, tt.summary)
			}
			if !strings.HasSuffix(x.Grounds, ";t="+tt.trace) || len(x.Trace) != len(tt.trace)/2 {
				t.Errorf("grounds %q (%d steps); want the trace %q", x.Grounds, len(x.Trace), tt.trace)
			}
			if text := x.Text(); !strings.HasPrefix(text, tt.summary+"\n") || !strings.Contains(text, "Rules, in order:\n  1. ") {
				t.Errorf("text:\n%s", text)
			}
		})
	}
	t.Run("the lockout counts before and after", func(t *testing.T) {
		name, _ := w.user("counted", plain, nil)
		_ = w.api("SOAP", name, "Wrong-Horse-9", trustedIP)
		x, _ := w.admin.ExplainLine(w.ctx, admin.CLI, admin.ExplainQuery{User: name})
		if l := x.Lockout; l == nil || *l != (admin.LockoutCounts{Before: 0, After: 1, Max: 3}) {
			t.Fatalf("lockout %+v; want 0 before, 1 after, maximum 3", l)
		}
	})
	t.Run("an unknown user name", func(t *testing.T) {
		_ = w.api("SOAP", "nobody@acme.example", loginPassword, trustedIP)
		evs, err := w.st.History(w.ctx, domain.HistoryFilter{Username: "nobody@acme.example", Limit: 1})
		if err != nil || len(evs) != 1 {
			t.Fatal(evs, err)
		}
		if x := admin.Explain(evs[0]); x.Summary != "refused: no user has the user name tried" || !strings.HasSuffix(x.Grounds, ";t=u-") {
			t.Fatalf("%+v", x)
		}
	})
}

func TestExplainOneLineByID(t *testing.T) {
	w := newLogins(t, nil)
	name, tok := w.user("ann", w.profile("Sales", nil), nil)
	if err := w.api("SOAP", name, loginPassword+tok, homeIP); err != nil {
		t.Fatal(err)
	}
	line := w.lastLine(name)
	for _, q := range []admin.ExplainQuery{{User: name, ID: line.ID}, {Org: w.org.ID, ID: line.ID}} {
		x, err := w.admin.ExplainLine(w.ctx, admin.CLI, q)
		if err != nil {
			t.Fatal(err)
		}
		if want := "allowed: the security token was appended to the password (session level Standard)"; x.Summary != want || x.ID != line.ID {
			t.Fatalf("%+v; want %q", x, want)
		}
	}
	if _, err := w.admin.ExplainLine(w.ctx, admin.CLI, admin.ExplainQuery{User: name}); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("no refusal yet: %v", err)
	}
	if _, err := w.admin.ExplainLine(w.ctx, admin.CLI, admin.ExplainQuery{Org: w.org.ID, ID: "2026-01-01T00:00:00Z#000000000000"}); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("no such line: %v", err)
	}
	if _, err := w.admin.ExplainLine(w.ctx, admin.CLI, admin.ExplainQuery{Org: w.org.ID}); code(err) != domain.CodeInvalidQuery {
		t.Fatalf("an org without --id: %v", err)
	}
	// Reading a line is reading login history: View Setup at least.
	outsider, _ := w.user("outsider", w.profile("NoSetup", nil), nil)
	u, err := w.st.User(w.ctx, outsider)
	if err != nil {
		t.Fatal(err)
	}
	actor := account.Actor{User: u, Via: "UI", Level: policy.LevelHighAssurance}
	if _, err := w.admin.ExplainLine(w.ctx, actor, admin.ExplainQuery{Org: w.org.ID, ID: line.ID}); code(err) != domain.CodeNotPermitted {
		t.Fatalf("a user without View Setup: %v", err)
	}
}
