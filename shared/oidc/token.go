package oidc

import (
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"time"
)

// Alg is the JWS algorithm of every id_token: RSASSA-PKCS1-v1_5 with
// SHA-256, which every OpenID Connect client supports and Salesforce signs
// with.
const Alg = "RS256"

// Signer signs id_tokens with an RSA key.
type Signer interface {
	// KeyID is the key's "kid": its RFC 7638 thumbprint (Thumbprint).
	KeyID() string
	// Sign is the RSASSA-PKCS1-v1_5 signature of a SHA-256 digest.
	Sign(ctx context.Context, digest []byte) ([]byte, error)
	// Public is the key that verifies the signatures.
	Public() *rsa.PublicKey
}

// Claims are an id_token's claims (OpenID Connect Core §2 and §5.1).
type Claims struct {
	Issuer   string    // iss: the login URL's origin, as discovery names it
	Subject  string    // sub: the user's identity URL (<base>/id/<org18>/<user18>)
	Audience string    // aud: the client's id
	IssuedAt time.Time // iat
	Expiry   time.Time // exp
	AuthTime time.Time // auth_time: when the user authenticated; zero leaves it out
	Nonce    string    // nonce of the authorization request; "" leaves it out
	// AccessToken, when given, is bound to the token by its at_hash
	// (AtHash); the access token itself is never in the id_token.
	AccessToken string

	Name, GivenName, FamilyName, PreferredUsername string
	Email                                          string
	EmailVerified                                  bool // written only with an Email
	Zoneinfo, Locale                               string
	UpdatedAt                                      time.Time // zero leaves it out
}

// payload is Claims as the token carries them.
type payload struct {
	Iss               string `json:"iss"`
	Sub               string `json:"sub"`
	Aud               string `json:"aud"`
	Exp               int64  `json:"exp"`
	Iat               int64  `json:"iat"`
	AuthTime          int64  `json:"auth_time,omitempty"`
	Nonce             string `json:"nonce,omitempty"`
	AtHash            string `json:"at_hash,omitempty"`
	Name              string `json:"name,omitempty"`
	GivenName         string `json:"given_name,omitempty"`
	FamilyName        string `json:"family_name,omitempty"`
	PreferredUsername string `json:"preferred_username,omitempty"`
	Email             string `json:"email,omitempty"`
	EmailVerified     *bool  `json:"email_verified,omitempty"`
	Zoneinfo          string `json:"zoneinfo,omitempty"`
	Locale            string `json:"locale,omitempty"`
	UpdatedAt         int64  `json:"updated_at,omitempty"`
}

var b64 = base64.RawURLEncoding

// IDToken is the compact JWS of c, signed by s.
func IDToken(ctx context.Context, s Signer, c Claims) (string, error) {
	switch {
	case c.Issuer == "" || c.Subject == "" || c.Audience == "":
		return "", errors.New("oidc: an id_token needs an issuer, a subject and an audience")
	case c.IssuedAt.IsZero() || !c.Expiry.After(c.IssuedAt):
		return "", errors.New("oidc: an id_token needs an issue time and a later expiry")
	}
	p := payload{Iss: c.Issuer, Sub: c.Subject, Aud: c.Audience, Exp: c.Expiry.Unix(), Iat: c.IssuedAt.Unix(),
		Nonce: c.Nonce, Name: c.Name, GivenName: c.GivenName, FamilyName: c.FamilyName,
		PreferredUsername: c.PreferredUsername, Email: c.Email, Zoneinfo: c.Zoneinfo, Locale: c.Locale}
	if !c.AuthTime.IsZero() {
		p.AuthTime = c.AuthTime.Unix()
	}
	if c.AccessToken != "" {
		p.AtHash = AtHash(c.AccessToken)
	}
	if c.Email != "" {
		p.EmailVerified = &c.EmailVerified
	}
	if !c.UpdatedAt.IsZero() {
		p.UpdatedAt = c.UpdatedAt.Unix()
	}
	header, _ := json.Marshal(struct {
		Alg string `json:"alg"`
		Typ string `json:"typ"`
		Kid string `json:"kid"`
	}{Alg, "JWT", s.KeyID()})
	body, err := json.Marshal(p)
	if err != nil {
		return "", fmt.Errorf("oidc: %w", err)
	}
	signed := b64.EncodeToString(header) + "." + b64.EncodeToString(body)
	digest := sha256.Sum256([]byte(signed))
	sig, err := s.Sign(ctx, digest[:])
	if err != nil {
		return "", fmt.Errorf("oidc: signing an id_token: %w", err)
	}
	return signed + "." + b64.EncodeToString(sig), nil
}

// AtHash is the at_hash of an access token (OpenID Connect Core §3.1.3.6):
// the base64url of the left half of its SHA-256 (RS256's hash).
func AtHash(accessToken string) string {
	sum := sha256.Sum256([]byte(accessToken))
	return b64.EncodeToString(sum[:len(sum)/2])
}

// JWK is an RSA public key as a JSON Web Key (RFC 7517, RFC 7518 §6.3).
type JWK struct {
	Kty string `json:"kty"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	N   string `json:"n"`
	E   string `json:"e"`
}

// KeyOf is pub as a JWK for RS256 signatures, its kid its thumbprint.
func KeyOf(pub *rsa.PublicKey) JWK {
	n, e := members(pub)
	return JWK{Kty: "RSA", Use: "sig", Alg: Alg, Kid: Thumbprint(pub), N: n, E: e}
}

// members are the base64url n and e of pub (RFC 7518 §6.3.1: big-endian,
// no leading zeros).
func members(pub *rsa.PublicKey) (n, e string) {
	return b64.EncodeToString(pub.N.Bytes()), b64.EncodeToString(big.NewInt(int64(pub.E)).Bytes())
}

// Thumbprint is pub's JWK thumbprint (RFC 7638): the base64url SHA-256 of
// its required members in lexicographic order, without whitespace. It is
// stable for the key, so it is the key's kid.
func Thumbprint(pub *rsa.PublicKey) string {
	n, e := members(pub)
	sum := sha256.Sum256([]byte(`{"e":"` + e + `","kty":"RSA","n":"` + n + `"}`))
	return b64.EncodeToString(sum[:])
}

// JWKS is the JSON Web Key Set of these keys, the document at jwks_uri.
func JWKS(keys ...*rsa.PublicKey) []byte {
	set := struct {
		Keys []JWK `json:"keys"`
	}{Keys: []JWK{}}
	for _, k := range keys {
		set.Keys = append(set.Keys, KeyOf(k))
	}
	b, _ := json.Marshal(set)
	return b
}

// PublicKey is the RSA public key of a JWK (the inverse of KeyOf).
func (k JWK) PublicKey() (*rsa.PublicKey, error) {
	if k.Kty != "RSA" {
		return nil, fmt.Errorf("oidc: JWK of type %q, not RSA", k.Kty)
	}
	n, err1 := b64.DecodeString(k.N)
	e, err2 := b64.DecodeString(k.E)
	if err1 != nil || err2 != nil || len(n) == 0 || len(e) == 0 || len(e) > 4 {
		return nil, errors.New("oidc: JWK with a malformed n or e")
	}
	return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}, nil
}
