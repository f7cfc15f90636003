package mail

import (
	"strings"
	"testing"
	"time"
)

func TestMailsCarryTheSecretInTheBodyOnlyAndEscapeHTML(t *testing.T) {
	at := time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC)
	tok, err := SecurityToken(TokenMail{To: "a@x.example", Name: "<Ann>", Username: "a@x.example", OrgName: "Acme & Co",
		Token: "TOKENTOKENTOKENTOKEN1234", Reason: "You asked to reset your security token", At: at, From: "IP address 198.51.100.7"})
	if err != nil {
		t.Fatal(err)
	}
	code, err := VerificationCode(CodeMail{To: "a@x.example", Name: "Ann", Username: "a@x.example", OrgName: "Acme",
		Code: "123456", Valid: 10 * time.Minute, At: at, From: "198.51.100.7", Client: "Firefox"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		m      Message
		secret string
		want   []string
	}{
		{tok, "TOKENTOKENTOKENTOKEN1234", []string{"Hello <Ann>,", "2026-11-26 09:30:00 UTC from IP address 198.51.100.7", "You asked to reset"}},
		{code, "123456", []string{"Verification code: 123456", "valid for 10 minutes", "Browser: Firefox"}},
	} {
		if strings.Contains(c.m.Subject, c.secret) || strings.Contains(c.m.To, c.secret) {
			t.Errorf("the secret is in the subject or address: %+v", c.m)
		}
		if !strings.Contains(c.m.Text, c.secret) || !strings.Contains(c.m.HTML, c.secret) {
			t.Errorf("the secret is missing from a part of %q", c.m.Subject)
		}
		for _, w := range c.want {
			if !strings.Contains(c.m.Text, w) {
				t.Errorf("%q lacks %q:\n%s", c.m.Subject, w, c.m.Text)
			}
		}
	}
	if strings.Contains(tok.HTML, "<Ann>") || !strings.Contains(tok.HTML, "&lt;Ann&gt;") || !strings.Contains(tok.HTML, "Acme &amp; Co") {
		t.Errorf("the HTML part must escape values:\n%s", tok.HTML)
	}
}
