package secret

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
)

// TokenLen is the length of a security token, as Salesforce's are (24).
const TokenLen = 24

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// NewToken returns a random alphanumeric security token of TokenLen characters
// (about 143 bits), drawn without modulo bias.
func NewToken(r io.Reader) (string, error) {
	return randomString(r, TokenLen, alnum)
}

func randomString(r io.Reader, n int, alphabet string) (string, error) {
	// 256 - 256%62 = 248: bytes at or above it are dropped so every letter is equally likely.
	limit := 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/2)
	for len(out) < n {
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", fmt.Errorf("secret: reading randomness: %w", err)
		}
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out), nil
}

// Digest is the one-way form under which tokens, session ids and codes are
// stored. Each is a high-entropy random value, so a plain SHA-256 (with a
// purpose label, so a token digest can never match a session digest) is
// enough: there is nothing to brute-force.
func Digest(purpose, value string) string {
	h := sha256.New()
	h.Write([]byte(purpose))
	h.Write([]byte{0})
	h.Write([]byte(value))
	return hex.EncodeToString(h.Sum(nil))
}

// Purposes of Digest.
const (
	PurposeToken        = "security-token"
	PurposeSession      = "session"
	PurposeClientSecret = "client-secret"
)

// MatchDigest compares value against a stored digest in constant time.
func MatchDigest(purpose, value, stored string) bool {
	got := Digest(purpose, value)
	return len(stored) == len(got) && subtle.ConstantTimeCompare([]byte(got), []byte(stored)) == 1
}

// SessionRandomBytes is the entropy of a session id's opaque part (192 bits).
const SessionRandomBytes = 24

// NewSessionID returns "{orgId15}!{opaque}", the opaque part random from r.
func NewSessionID(orgID15 string, r io.Reader) (string, error) {
	b := make([]byte, SessionRandomBytes)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", fmt.Errorf("secret: reading randomness: %w", err)
	}
	return orgID15 + "!" + base64.RawURLEncoding.EncodeToString(b), nil
}

// NewClientCredentials returns a connected app's client id (consumer key, in
// Salesforce's "3MVG9" shape) and client secret (consumer secret), both
// random from r. Only the secret's digest is ever stored.
func NewClientCredentials(r io.Reader) (clientID, clientSecret string, err error) {
	id, err := randomString(r, 80, alnum)
	if err != nil {
		return "", "", err
	}
	sec, err := randomString(r, 64, alnum)
	if err != nil {
		return "", "", err
	}
	return "3MVG9" + id, sec, nil
}
