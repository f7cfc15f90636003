package e2e

import (
	"context"
	"os"
	"strings"
	"testing"

	"loginguard/internal/testenv"
	acct "loginguard/shared/account"
	"loginguard/shared/domain"
	"loginguard/shared/secret"
)

// newestToken is the token in the newest security-token mail to a user,
// after checking the mail carries it in its body only.
func (s *stack) newestToken(t *testing.T, to string) string {
	t.Helper()
	var last *testenv.Mail
	mails := testenv.Mails(t, s.sesURL, to)
	for i := range mails {
		if strings.Contains(mails[i].Body.Text, "Security token (case-sensitive): ") {
			last = &mails[i]
		}
	}
	if last == nil {
		t.Fatalf("no security-token mail reached %s", to)
	}
	_, after, _ := strings.Cut(last.Body.Text, "Security token (case-sensitive): ")
	tok := strings.Fields(after)[0]
	if len(tok) != secret.TokenLen {
		t.Fatalf("token %q in the mail has the wrong length", tok)
	}
	if last.From != "no-reply@e2e.example" || len(last.Destination.To) != 1 || last.Destination.To[0] != to {
		t.Errorf("mail from %q to %v; want from the configured sender to the user only", last.From, last.Destination.To)
	}
	if strings.Contains(last.Subject, tok) || strings.Contains(last.From, tok) {
		t.Error("the token must be in the body only, never in the subject or addresses")
	}
	if !strings.Contains(last.Body.HTML, tok) || !strings.Contains(last.Body.Text, "127.0.0.1") {
		t.Error("the mail should carry the token in both parts and say where the request came from")
	}
	return tok
}

// profileIn adds a profile to an org.
func (s *stack) profileIn(t *testing.T, o domain.Org, mod func(*domain.Profile)) domain.Profile {
	t.Helper()
	return testenv.SeedProfile(t, s.st, o, func(p *domain.Profile) { p.Name = "Standard User" }, mod)
}

func (s *stack) loginWorks(t *testing.T, username, secret string) bool {
	t.Helper()
	r := s.jsforce(t, "login", username, secret)
	if !r.OK && r.Code != "INVALID_LOGIN" && r.Code != "LOGIN_MUST_USE_SECURITY_TOKEN" {
		t.Fatalf("jsforce login: %+v", r)
	}
	return r.OK
}

func TestSecurityTokenLifecycle(t *testing.T) {
	s := startStack(t)
	var secrets []string // every token and password seen: none may reach a log line

	t.Run("self-service reset: the old token works until the new one is mailed", func(t *testing.T) {
		a := s.account(t, nil, nil)
		if !s.loginWorks(t, a.username, a.password+a.token) {
			t.Fatal("jsforce with the first token")
		}
		s.browse(t, "token-reset", a, nil)
		tok := s.newestToken(t, a.username)
		secrets = append(secrets, a.token, tok, a.password)
		if s.loginWorks(t, a.username, a.password+a.token) {
			t.Fatal("the old token still works after the reset")
		}
		if !s.loginWorks(t, a.username, a.password+tok) {
			t.Fatal("the new token from the mail does not work")
		}
	})

	t.Run("password change issues a new token", func(t *testing.T) {
		a := s.account(t, nil, nil)
		newPw := "Changed-" + a.password
		s.browse(t, "password-change", a, map[string]any{"newPassword": newPw})
		tok := s.newestToken(t, a.username)
		secrets = append(secrets, a.token, tok, a.password, newPw)
		if s.loginWorks(t, a.username, a.password+a.token) || s.loginWorks(t, a.username, newPw+a.token) {
			t.Fatal("the old password or the old token still works")
		}
		if !s.loginWorks(t, a.username, newPw+tok) {
			t.Fatal("the new password with the new token does not work")
		}
	})

	o, admins := s.orgAndProfile(t, nil, func(p *domain.Profile) { p.Name = "System Administrator"; p.ManageUsers = true })
	plain := s.profileIn(t, o, nil)

	t.Run("an admin with Manage Users resets another user's token", func(t *testing.T) {
		admin, target := s.userIn(t, o, admins), s.userIn(t, o, plain)
		s.browse(t, "admin-reset", admin, map[string]any{"target": target.username})
		tok := s.newestToken(t, target.username)
		secrets = append(secrets, admin.password, admin.token, target.token, tok)
		if s.loginWorks(t, target.username, target.password+target.token) || !s.loginWorks(t, target.username, target.password+tok) {
			t.Fatal("after the admin's reset only the new token may work")
		}
	})

	t.Run("a user without Manage Users is refused", func(t *testing.T) {
		user, target := s.userIn(t, o, plain), s.userIn(t, o, plain)
		s.browse(t, "not-admin", user, map[string]any{"target": target.username})
		secrets = append(secrets, user.password, user.token, target.token)
		if !s.loginWorks(t, target.username, target.password+target.token) {
			t.Fatal("a refused reset changed the token")
		}
	})

	t.Run("the audit trail has every change and refusal", func(t *testing.T) {
		trail, err := s.st.AuditTrail(context.Background(), o.ID, 50)
		if err != nil {
			t.Fatal(err)
		}
		var done, refused int
		for _, e := range trail {
			if e.Via != "UI" || e.IP != "127.0.0.1" || e.Actor == "" || e.At.IsZero() {
				t.Errorf("audit line lacks who, when or where: %+v", e)
			}
			switch e.Outcome {
			case acct.OutcomeDone:
				done++
			case acct.ErrNotPermitted.Code:
				refused++
			}
		}
		if done != 1 || refused < 2 {
			t.Fatalf("audit of the admin org: %d done, %d refused; want 1 and at least 2: %+v", done, refused, trail)
		}
	})

	// Last: it stops the SES stand-in for the rest of this stack.
	t.Run("SES down: the reset fails cleanly and the old token still works", func(t *testing.T) {
		a := s.account(t, nil, nil)
		secrets = append(secrets, a.token, a.password)
		s.stopSES()
		s.browse(t, "token-reset", a, map[string]any{"expectFailure": true})
		if !s.loginWorks(t, a.username, a.password+a.token) {
			t.Fatal("the old token must still work when the mail could not be sent")
		}
		u, _ := s.st.User(context.Background(), a.username)
		if !secret.MatchDigest(secret.PurposeToken, a.token, u.TokenHash) {
			t.Fatal("the stored token changed")
		}
	})

	t.Run("no token or password in any log line", func(t *testing.T) {
		logs, err := os.ReadFile(s.logPath)
		if err != nil {
			t.Fatal(err)
		}
		if len(logs) == 0 {
			t.Fatal("the functions logged nothing; the check would prove nothing")
		}
		for _, sec := range secrets {
			if strings.Contains(string(logs), sec) {
				t.Errorf("a secret (%d characters) appears in the function logs", len(sec))
			}
		}
	})
}
