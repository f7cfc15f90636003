package secret

import (
	"bytes"
	"crypto/rand"
	"strings"
	"testing"
)

var fast = Params{MemoryKiB: 64, Time: 1, Threads: 1}

func TestPasswordRoundTrip(t *testing.T) {
	h, err := HashPassword("s3cret!", fast, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hash %q does not carry its parameters", h)
	}
	tests := []struct {
		name     string
		password string
		want     bool
	}{
		{"the right password matches", "s3cret!", true},
		{"a wrong password does not match", "s3cret?", false},
		{"the password with a suffix does not match", "s3cret!x", false},
		{"an empty password does not match", "", false},
		{"an over-long password does not match", strings.Repeat("a", MaxPasswordLen+1), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, _, err := VerifyPassword(tt.password, h, fast)
			if err != nil || ok != tt.want {
				t.Fatalf("VerifyPassword = %v, %v; want %v", ok, err, tt.want)
			}
		})
	}
}

func TestWeakerParametersAskForRehash(t *testing.T) {
	h, _ := HashPassword("pw", fast, rand.Reader)
	ok, rehash, err := VerifyPassword("pw", h, Params{MemoryKiB: 128, Time: 1, Threads: 1})
	if err != nil || !ok || !rehash {
		t.Fatalf("got ok=%v rehash=%v err=%v; want a match that asks for a rehash", ok, rehash, err)
	}
	_, rehash, _ = VerifyPassword("pw", h, fast)
	if rehash {
		t.Fatal("same parameters must not ask for a rehash")
	}
}

func TestMalformedHashesAreRefused(t *testing.T) {
	for _, h := range []string{"", "plain", "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=18$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=999999999,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=64,t=1,p=1$!!$a2V5a2V5a2V5a2V5a2V5a2V5"} {
		if _, _, err := VerifyPassword("x", h, fast); err != ErrMalformedHash {
			t.Errorf("VerifyPassword(%q) err = %v; want ErrMalformedHash", h, err)
		}
	}
}

func TestDummyHashIsWellFormedWithDefaultParameters(t *testing.T) {
	p, _, _, err := decodePHC(dummyHash)
	if err != nil || p != DefaultParams {
		t.Fatalf("dummy hash params %+v err %v; want %+v", p, err, DefaultParams)
	}
}

func TestTokensAreAlphanumericFixedLengthAndUnbiased(t *testing.T) {
	seen := map[string]bool{}
	counts := map[rune]int{}
	for i := 0; i < 2000; i++ {
		tok, err := NewToken(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if len(tok) != TokenLen || strings.Trim(tok, alnum) != "" {
			t.Fatalf("token %q is not %d alphanumerics", tok, TokenLen)
		}
		if seen[tok] {
			t.Fatal("token repeated")
		}
		seen[tok] = true
		for _, c := range tok {
			counts[c]++
		}
	}
	// 48000 letters over 62 symbols: about 774 each; a biased draw would skew the first 8 letters.
	for _, c := range alnum {
		if n := counts[c]; n < 550 || n > 1000 {
			t.Errorf("letter %q drawn %d times; expected about 774", c, n)
		}
	}
}

func TestRandomnessFailureIsAnError(t *testing.T) {
	if _, err := NewToken(bytes.NewReader(nil)); err == nil {
		t.Fatal("NewToken with an empty reader must fail")
	}
	if _, err := NewSessionID("00D000000000001", bytes.NewReader(make([]byte, 3))); err == nil {
		t.Fatal("NewSessionID with a short reader must fail")
	}
}

func TestDigestsArePerPurposeAndMatchInConstantTime(t *testing.T) {
	d := Digest(PurposeToken, "abc")
	if d == Digest(PurposeSession, "abc") {
		t.Fatal("a token digest must differ from a session digest of the same text")
	}
	if !MatchDigest(PurposeToken, "abc", d) || MatchDigest(PurposeToken, "abd", d) || MatchDigest(PurposeToken, "abc", "") {
		t.Fatal("MatchDigest wrong")
	}
}

func TestSessionIDShape(t *testing.T) {
	id, err := NewSessionID("00D000000000001", rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	org, opaque, ok := strings.Cut(id, "!")
	if !ok || org != "00D000000000001" || len(opaque) != 32 {
		t.Fatalf("session id %q: want {org}!{32 chars}", id)
	}
}

func BenchmarkVerifyPasswordDefault(b *testing.B) {
	h, _ := HashPassword("correct horse", DefaultParams, rand.Reader)
	for b.Loop() {
		VerifyPassword("correct horse", h, DefaultParams)
	}
}

func TestVerificationCodeBoundToChallenge(t *testing.T) {
	code, err := NewVerificationCode(rand.Reader)
	if err != nil || len(code) != CodeDigits {
		t.Fatalf("code %q, %v", code, err)
	}
	for _, c := range code {
		if c < '0' || c > '9' {
			t.Fatalf("code %q has a non-digit", code)
		}
	}
	d := CodeDigest("challenge-a", code)
	if !MatchCode("challenge-a", code, d) {
		t.Fatal("the code does not match its own digest")
	}
	if MatchCode("challenge-b", code, d) {
		t.Fatal("a code matched under another challenge")
	}
	if MatchCode("challenge-a", "x"+code, d) {
		t.Fatal("another code matched")
	}
}

func TestOpaqueAndCSRF(t *testing.T) {
	a, _ := NewOpaque(rand.Reader)
	b, _ := NewOpaque(rand.Reader)
	if a == b || len(a) != 32 {
		t.Fatalf("opaque values %q %q", a, b)
	}
	if CSRFToken(a) == CSRFToken(b) || CSRFToken(a) != CSRFToken(a) {
		t.Fatal("CSRF tokens must differ per session and be stable for one")
	}
}
