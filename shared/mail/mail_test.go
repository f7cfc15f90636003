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
		Code: "123456", Valid: 10 * time.Minute, At: at, From: "198.51.100.7", Client: "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"})
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

func TestVerificationMailNamesTheBrowserNeverQuotesTheUserAgent(t *testing.T) {
	for _, tt := range []struct{ ua, want string }{
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox on Windows"},
		{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36", "Chrome (headless) on Linux"},
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15", "Safari on macOS"},
		{"Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/120.0 Safari/537.36 Edg/120.0", "Edge on Windows"},
		{"Your account is suspended, call +1 555 0100 or visit https://evil.example/reset", "an unrecognised browser"},
		{"", "an unrecognised browser"},
	} {
		if got := BrowserName(tt.ua); got != tt.want {
			t.Errorf("BrowserName(%q) = %q; want %q", tt.ua, got, tt.want)
		}
	}
	lure := "Firefox/1 visit https://evil.example/reset\r\nBcc: x@evil.example " + strings.Repeat("A", 5000)
	m, err := VerificationCode(CodeMail{To: "a@b.example", Name: "A", Username: "a@b.example", OrgName: "O", Code: "123456",
		Valid: 10 * time.Minute, At: time.Unix(0, 0), From: "192.0.2.1", Client: lure})
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{m.Text, m.HTML} {
		if strings.Contains(body, "evil.example") || strings.Contains(body, "AAAA") || !strings.Contains(body, "Browser: Firefox") {
			t.Errorf("the user agent leaked into the mail:\n%s", body)
		}
	}
}
