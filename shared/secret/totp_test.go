package secret

import (
	"crypto/rand"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

func code(t *testing.T, key string, at time.Time) string {
	c, err := totp.GenerateCodeCustom(key, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestMatchTOTP(t *testing.T) {
	k, err := NewTOTPKey("loginguard", "jane@acme.example", rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 24, 12, 0, 15, 0, time.UTC)
	step := TOTPStep(now)
	tests := []struct {
		name string
		code string
		used int64
		ok   bool
		step int64
	}{
		{"the current code matches", code(t, k.Secret(), now), 0, true, step},
		{"the previous step's code matches (skew)", code(t, k.Secret(), now.Add(-30*time.Second)), 0, true, step - 1},
		{"the next step's code matches (skew)", code(t, k.Secret(), now.Add(30*time.Second)), 0, true, step + 1},
		{"a code two steps old does not", code(t, k.Secret(), now.Add(-60*time.Second)), 0, false, 0},
		{"a code already used does not", code(t, k.Secret(), now), step, false, 0},
		{"a code older than the last used one does not", code(t, k.Secret(), now.Add(-30*time.Second)), step, false, 0},
		{"five digits do not", "12345", 0, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := MatchTOTP(k.Secret(), tt.code, now, tt.used)
			if ok != tt.ok || got != tt.step {
				t.Fatalf("MatchTOTP = %d, %v; want %d, %v", got, ok, tt.step, tt.ok)
			}
		})
	}
}

func TestSealer(t *testing.T) {
	key := make([]byte, 32)
	rand.Read(key)
	s, err := NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := s.Seal("JBSWY3DPEHPK3PXP", "005A", rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.Open(sealed, "005A"); err != nil || got != "JBSWY3DPEHPK3PXP" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := s.Open(sealed, "005B"); err != ErrUnseal {
		t.Fatal("a value sealed for one user must not open for another")
	}
	other, _ := NewSealer(make([]byte, 32))
	if _, err := other.Open(sealed, "005A"); err != ErrUnseal {
		t.Fatal("another key must not open it")
	}
	if _, err := NewSealer([]byte("short")); err == nil {
		t.Fatal("a short key must be refused")
	}
}
