package e2e

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"loginguard/shared/secret"
	"loginguard/shared/store"
)

// TestJsforceSOAPLoginWithATOTPCode: a user of a profile with "two-factor for
// API logins" logs in with jsforce appending a code computed here; the same
// code again and the security token are refused.
func TestJsforceSOAPLoginWithATOTPCode(t *testing.T) {
	s := startStack(t)
	a := s.account(t, nil, func(p *store.Profile) { p.TwoFactorAPI = true })
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
