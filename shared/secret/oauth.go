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

// ValidPKCE reports whether s is a PKCE code verifier or S256 challenge as
// RFC 7636 §4.1 allows: 43 to 128 characters of [A-Za-z0-9-._~].
func ValidPKCE(s string) bool {
	if len(s) < 43 || len(s) > 128 {
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
