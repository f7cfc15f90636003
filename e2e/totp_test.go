package e2e

import (
	"context"
	"crypto/rand"
	"net/url"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"loginguard/shared/domain"
	"loginguard/shared/secret"
)

// TestJsforceSOAPLoginWithATOTPCode: a user of a profile with "two-factor for
// API logins" logs in with jsforce appending a code computed here; the same
// code again and the security token are refused.
func TestJsforceSOAPLoginWithATOTPCode(t *testing.T) {
	s := startStack(t)
	a := s.account(t, nil, func(p *domain.Profile) { p.TwoFactorAPI = true })
	u, err := s.st.User(context.Background(), a.username)
	if err != nil {
		t.Fatal(err)
	}
	k, _ := secret.NewTOTPKey("e2e", a.username, rand.Reader)
	sealed, _ := s.sealer.Seal(context.Background(), k.Secret(), u.ID, rand.Reader)
	if err := s.st.SetTOTPKey(context.Background(), a.username, sealed); err != nil {
		t.Fatal(err)
	}
	code, err := totp.GenerateCodeCustom(k.Secret(), time.Now(), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	if r := s.jsforce(t, "login", a.username, a.password+code); !r.OK {
		t.Fatalf("password + code: %+v", r)
	}
	if r := s.jsforce(t, "login", a.username, a.password+code); r.OK || r.Code != "INVALID_LOGIN" {
		t.Fatalf("the same code again: %+v; want INVALID_LOGIN", r)
	}
	if r := s.jsforce(t, "login", a.username, a.password+a.token); r.OK || r.Code != "INVALID_LOGIN" {
		t.Fatalf("the security token: %+v; want INVALID_LOGIN", r)
	}
}

// TestTOTPKeysSealedElsewhereOpenInEveryFunction: a key sealed outside the
// functions (as lgadmin does) opens in the OAuth function (password + code)
// and on the login page (a two-factor prompt), each unwrapping the
// keyring's data key through KMS itself.
func TestTOTPKeysSealedElsewhereOpenInEveryFunction(t *testing.T) {
	s := startStack(t)
	a := s.account(t, func(o *domain.Org) { o.TrustedRanges = ranges(t, "127.0.0.1") }, func(p *domain.Profile) {
		p.TwoFactorAPI, p.TwoFactorUI = true, true
	})
	u, err := s.st.User(context.Background(), a.username)
	if err != nil {
		t.Fatal(err)
	}
	k, _ := secret.NewTOTPKey("e2e", a.username, rand.Reader)
	sealed, err := s.sealer.Seal(context.Background(), k.Secret(), u.ID, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.st.SetTOTPKey(context.Background(), a.username, sealed); err != nil {
		t.Fatal(err)
	}
	opts := totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
	now := time.Now()
	code, _ := totp.GenerateCodeCustom(k.Secret(), now, opts)
	s.oauthLogin(t, a, code)

	r := s.browserLogin(t, a.username, a.password, nil)
	if r.cookies[challengeCookie] == "" {
		t.Fatalf("two-factor for UI logins: no TOTP prompt (%d, %v)", r.status, r.cookies)
	}
	// The code spent on the API is spent on the login page too.
	page := s.do(t, "GET", "/login/verify", r.cookies, nil, "")
	again := s.form(t, "/login/verify", r.cookies, url.Values{"csrf": {pageCSRF(t, page)}, "code": {code}})
	if again.cookies[sidCookie] != "" {
		t.Fatal("a TOTP code spent on an OAuth login opened a browser session")
	}
	next, _ := totp.GenerateCodeCustom(k.Secret(), now.Add(30*time.Second), opts)
	page = s.do(t, "GET", "/login/verify", r.cookies, nil, "")
	done := s.form(t, "/login/verify", r.cookies, url.Values{"csrf": {pageCSRF(t, page)}, "code": {next}})
	if done.cookies[sidCookie] == "" {
		t.Fatalf("the TOTP code on the login page: %d %.300s", done.status, done.body)
	}
}
