package e2e

import (
	"context"
	"os"
	"strings"
	"testing"

	acct "loginguard/shared/account"
)

// "Forgot your password?" in headless Chromium: the mail from the SES
// stand-in, the link, the emailed code, the new password, a login with it.
func TestForgotPassword(t *testing.T) {
	s := startStack(t)
	a := s.account(t, nil, nil)
	newPw := "Forgot-Harbor-Lamps-9"
	s.browse(t, "forgot-password", a, map[string]any{"newPassword": newPw})
	tok := s.newestToken(t, a.username)
	if s.loginWorks(t, a.username, a.password+a.token) || s.loginWorks(t, a.username, newPw+a.token) {
		t.Fatal("the old password or the old token still works")
	}
	if !s.loginWorks(t, a.username, newPw+tok) {
		t.Fatal("the new password with the new token does not work")
	}
	trail, err := s.st.AuditTrail(context.Background(), a.org.ID, 20)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, e := range trail {
		got[e.Action+" "+e.Outcome] = true
	}
	if !got[acct.ActionPasswordResetRequest+" "+acct.OutcomeDone] || !got[acct.ActionPasswordResetLink+" "+acct.OutcomeDone] {
		t.Fatalf("audit %+v", trail)
	}
	logs, err := os.ReadFile(s.logPath)
	if err != nil || len(logs) == 0 {
		t.Fatalf("function logs: %d bytes, %v", len(logs), err)
	}
	for _, sec := range []string{a.password, a.token, newPw, tok} {
		if strings.Contains(string(logs), sec) {
			t.Errorf("a secret (%d characters) appears in the function logs", len(sec))
		}
	}
	if strings.Contains(string(logs), "/login/reset?u=") && strings.Contains(string(logs), "&t=") {
		t.Error("a reset link appears in the function logs")
	}
}
