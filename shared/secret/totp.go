package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/url"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TOTP codes: 6 digits, 30-second steps, HMAC-SHA1 (what authenticator apps
// use); one step of clock skew either way is accepted.
const (
	TOTPDigits = 6
	totpPeriod = 30
)

// NewTOTPKey makes a TOTP key for account, random from r. The key's URL is
// the otpauth:// URI an authenticator app reads.
func NewTOTPKey(issuer, account string, r io.Reader) (*otp.Key, error) {
	return totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: account, Period: totpPeriod,
		Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1, Rand: r})
}

// TOTPStep is the time step an instant falls in.
func TOTPStep(t time.Time) int64 { return t.Unix() / totpPeriod }

// MatchTOTP checks code against the key (base32 secret) at now, allowing one
// step of skew, and only steps after usedStep (codes are single-use). It
// returns the step that matched. Every candidate is compared in constant time.
func MatchTOTP(key, code string, now time.Time, usedStep int64) (int64, bool) {
	if len(code) != TOTPDigits {
		return 0, false
	}
	var matched int64
	found := 0
	for _, d := range []int64{-1, 0, 1} {
		step := TOTPStep(now) + d
		want, err := totp.GenerateCodeCustom(key, time.Unix(step*totpPeriod, 0), totp.ValidateOpts{
			Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 && step > usedStep {
			matched, found = step, 1
		}
	}
	return matched, found == 1
}

// Sealer encrypts secrets at rest (TOTP keys) with AES-256-GCM. The
// associated data binds a sealed value to its owner, so it cannot be copied
// onto another user.
type Sealer struct{ aead cipher.AEAD }

// NewSealer takes a 32-byte key.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("secret: the encryption key must be 32 bytes, not %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts plain for owner with a fresh nonce from r.
func (s *Sealer) Seal(plain, owner string, r io.Reader) (string, error) {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := io.ReadFull(r, nonce); err != nil {
		return "", fmt.Errorf("secret: reading randomness: %w", err)
	}
	return base64.StdEncoding.EncodeToString(s.aead.Seal(nonce, nonce, []byte(plain), []byte(owner))), nil
}

// ErrUnseal: the value was not sealed with this key for this owner.
var ErrUnseal = errors.New("secret: cannot decrypt the stored value with this key")

// Open decrypts a sealed value of owner.
func (s *Sealer) Open(sealed, owner string) (string, error) {
	b, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil || len(b) < s.aead.NonceSize() {
		return "", ErrUnseal
	}
	plain, err := s.aead.Open(nil, b[:s.aead.NonceSize()], b[s.aead.NonceSize():], []byte(owner))
	if err != nil {
		return "", ErrUnseal
	}
	return string(plain), nil
}

// TOTPURL is the otpauth:// URL of a key (base32 secret) for account, as
// authenticator apps read it from a QR code.
func TOTPURL(issuer, account, key string) string {
	v := url.Values{}
	v.Set("secret", key)
	v.Set("issuer", issuer)
	v.Set("algorithm", "SHA1")
	v.Set("digits", "6")
	v.Set("period", "30")
	return (&url.URL{Scheme: "otpauth", Host: "totp", Path: "/" + issuer + ":" + account, RawQuery: v.Encode()}).String()
}
