package secret

import (
	"encoding/base64"
	"fmt"
	"io"
)

// Purposes of Digest for the browser login.
const (
	PurposeChallenge        = "login-challenge"   // a browser login waiting for a code
	PurposeVerificationCode = "verification-code" // an emailed code, bound to its challenge
	PurposeDevice           = "activated-browser" // an activation cookie
	PurposeCSRF             = "csrf"              // a session's form token
	// A "Forgot your password?" link's secret; the password hash it is
	// bound to; the user name its requests are counted under.
	PurposePasswordReset = "password-reset-link"
	PurposeResetBinding  = "password-reset-binding"
	PurposeForgotCount   = "password-reset-count"
)

// OpaqueBytes is the entropy of challenge ids, activation cookies and CSRF
// tokens (192 bits).
const OpaqueBytes = 24

// NewOpaque returns a random URL-safe string of OpaqueBytes bytes from r.
func NewOpaque(r io.Reader) (string, error) {
	b := make([]byte, OpaqueBytes)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", fmt.Errorf("secret: reading randomness: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// CodeDigits is the length of an emailed verification code.
const CodeDigits = 6

// NewVerificationCode returns CodeDigits random decimal digits from r.
func NewVerificationCode(r io.Reader) (string, error) {
	return randomString(r, CodeDigits, "0123456789")
}

// CodeDigest is the stored form of a verification code. The code alone has
// only a million values, so it is digested together with its challenge id,
// which only the browser holds: a leaked digest cannot be reversed by trying
// every code.
func CodeDigest(challengeID, code string) string {
	return Digest(PurposeVerificationCode, challengeID+"\x00"+code)
}

// MatchCode compares a code against its stored digest in constant time.
func MatchCode(challengeID, code, stored string) bool {
	return MatchDigest(PurposeVerificationCode, challengeID+"\x00"+code, stored)
}

// CSRFToken is the form token of a session: derived from the session id,
// which only the browser's HttpOnly cookie holds, so no page of another
// origin can know it, and nothing more needs storing.
func CSRFToken(sessionID string) string { return Digest(PurposeCSRF, sessionID)[:43] }
