// Package oidctest is what the id_token tests share: a signer holding its
// RSA key in memory (tests only: in service the key stays in KMS), and a
// verifier that checks a token as a client does.
package oidctest

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"loginguard/shared/oidc"
)

// Signer is an oidc.Signer with its key in memory.
type Signer struct{ Key *rsa.PrivateKey }

func (s Signer) KeyID() string          { return oidc.Thumbprint(&s.Key.PublicKey) }
func (s Signer) Public() *rsa.PublicKey { return &s.Key.PublicKey }
func (s Signer) Sign(_ context.Context, digest []byte) ([]byte, error) {
	return rsa.SignPKCS1v15(nil, s.Key, crypto.SHA256, digest)
}

var shared struct {
	once sync.Once
	key  *rsa.PrivateKey
	err  error
}

// NewSigner is a Signer with a 2048-bit key, one per test binary (making
// one takes a good part of a second).
func NewSigner(t testing.TB) Signer {
	t.Helper()
	shared.once.Do(func() { shared.key, shared.err = rsa.GenerateKey(rand.Reader, 2048) })
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return Signer{Key: shared.key}
}

// Verify checks token as a client does (three parts, header alg RS256 and
// typ JWT, the kid of pub, the signature by pub) and returns its header
// and claims.
func Verify(t testing.TB, token string, pub *rsa.PublicKey) (header, claims map[string]any) {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("a compact JWS has 3 parts; this has %d", len(parts))
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		t.Fatalf("signature: %v", err)
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig); err != nil {
		t.Fatalf("the signature does not verify: %v", err)
	}
	header, claims = decode(t, parts[0]), decode(t, parts[1])
	if header["alg"] != "RS256" || header["typ"] != "JWT" || header["kid"] != oidc.Thumbprint(pub) || len(header) != 3 {
		t.Fatalf("header %v; want alg RS256, typ JWT and the key's thumbprint as kid", header)
	}
	return header, claims
}

func decode(t testing.TB, part string) map[string]any {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(part)
	if err != nil {
		t.Fatalf("not base64url without padding: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("not a JSON object: %v: %s", err, b)
	}
	return m
}

// Keys reads a JWKS document into its keys by kid, each checked to be an
// RS256 signing key whose kid is its thumbprint.
func Keys(t testing.TB, jwks []byte) map[string]*rsa.PublicKey {
	t.Helper()
	var set struct{ Keys []oidc.JWK }
	if err := json.Unmarshal(jwks, &set); err != nil {
		t.Fatalf("JWKS: %v: %s", err, jwks)
	}
	out := map[string]*rsa.PublicKey{}
	for _, k := range set.Keys {
		pub, err := k.PublicKey()
		if err != nil {
			t.Fatal(err)
		}
		if k.Use != "sig" || k.Alg != "RS256" || k.Kid != oidc.Thumbprint(pub) {
			t.Fatalf("JWK %+v: want use sig, alg RS256 and its thumbprint as kid", k)
		}
		out[k.Kid] = pub
	}
	return out
}
