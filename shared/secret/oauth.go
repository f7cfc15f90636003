package secret

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
)

// Purposes of Digest for the OAuth web-server flow's secrets: each is kept
// only as its digest, and no digest of one kind can be taken for another's.
const (
	PurposeAuthRequest  = "oauth-authorization-request" // a pending /authorize, by its browser cookie
	PurposeAuthCode     = "oauth-authorization-code"
	PurposeRefreshToken = "oauth-refresh-token"
)

// MaxVerifier is the longest code verifier accepted. RFC 7636 §4.1 says
// 128 characters; jsforce (and so the Salesforce CLI) sends the base64url
// of 128 random bytes, 171 characters, which Salesforce accepts: so do we,
// with room to spare.
const MaxVerifier = 256

// ValidPKCE reports whether s is a PKCE code verifier or S256 challenge:
// 43 to MaxVerifier characters of [A-Za-z0-9-._~] (RFC 7636 §4.1's
// alphabet and floor).
func ValidPKCE(s string) bool {
	if len(s) < 43 || len(s) > MaxVerifier {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
			return false
		}
	}
	return true
}

// PKCEChallenge is the S256 code challenge of a verifier:
// BASE64URL(SHA256(verifier)), unpadded (RFC 7636 §4.2).
func PKCEChallenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// MatchPKCE reports, in constant time, whether verifier is the one the S256
// challenge was made from.
func MatchPKCE(verifier, challenge string) bool {
	if !ValidPKCE(verifier) {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(PKCEChallenge(verifier)), []byte(challenge)) == 1
}
