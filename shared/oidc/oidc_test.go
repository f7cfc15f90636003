package oidc_test

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"loginguard/internal/oidctest"
	"loginguard/shared/oidc"
)

var (
	issued = time.Date(2026, 3, 9, 8, 59, 0, 0, time.UTC)
	full   = oidc.Claims{
		Issuer: "https://login.example", Subject: "https://login.example/id/00D000000000001AAA/005000000000001AAA",
		Audience: "3MVG9-client", IssuedAt: issued, Expiry: issued.Add(15 * time.Minute), AuthTime: issued.Add(-time.Minute),
		Nonce: "n-0S6_WzA2Mj", AccessToken: "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y",
		Name: "Eve Tester", GivenName: "Eve", FamilyName: "Tester", PreferredUsername: "eve@acme.example",
		Email: "eve@acme.example", EmailVerified: true, Zoneinfo: "Asia/Tokyo", Locale: "ja_JP", UpdatedAt: issued.Add(-time.Hour),
	}
)

func TestIDTokenCarriesEveryClaimSignedRS256(t *testing.T) {
	s := oidctest.NewSigner(t)
	tok, err := oidc.IDToken(context.Background(), s, full)
	if err != nil {
		t.Fatal(err)
	}
	_, got := oidctest.Verify(t, tok, s.Public())
	want := map[string]any{
		"iss": "https://login.example", "sub": full.Subject, "aud": "3MVG9-client",
		"iat": float64(issued.Unix()), "exp": float64(issued.Unix() + 900), "auth_time": float64(issued.Unix() - 60),
		"nonce": "n-0S6_WzA2Mj", "at_hash": "77QmUPtjPfzWtF2AnpK9RQ",
		"name": "Eve Tester", "given_name": "Eve", "family_name": "Tester", "preferred_username": "eve@acme.example",
		"email": "eve@acme.example", "email_verified": true, "zoneinfo": "Asia/Tokyo", "locale": "ja_JP",
		"updated_at": float64(issued.Unix() - 3600),
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("claim %s = %#v; want %#v", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("claims %v; want exactly %v", got, want)
	}
	if strings.Contains(tok, full.AccessToken) {
		t.Error("the access token is in the id_token")
	}
}

func TestOptionalClaimsAreLeftOutWhenNotGiven(t *testing.T) {
	s := oidctest.NewSigner(t)
	c := oidc.Claims{Issuer: full.Issuer, Subject: full.Subject, Audience: full.Audience, IssuedAt: issued, Expiry: full.Expiry,
		EmailVerified: true}
	tok, err := oidc.IDToken(context.Background(), s, c)
	if err != nil {
		t.Fatal(err)
	}
	_, got := oidctest.Verify(t, tok, s.Public())
	for k := range got {
		switch k {
		case "iss", "sub", "aud", "iat", "exp":
		default:
			t.Errorf("claim %s = %v, which was not given (email_verified says nothing without an email)", k, got[k])
		}
	}
	c.Email, c.EmailVerified = "eve@acme.example", false
	tok, _ = oidc.IDToken(context.Background(), s, c)
	if _, got := oidctest.Verify(t, tok, s.Public()); got["email_verified"] != false {
		t.Errorf("an unverified email: email_verified = %v; want false", got["email_verified"])
	}
}

type failing struct{ oidctest.Signer }

func (failing) Sign(context.Context, []byte) ([]byte, error) { return nil, errors.New("KMS is down") }

func TestIDTokenRefusesIncompleteClaimsAndReportsSigningFailures(t *testing.T) {
	s := oidctest.NewSigner(t)
	for name, edit := range map[string]func(*oidc.Claims){
		"no issuer":                   func(c *oidc.Claims) { c.Issuer = "" },
		"no subject":                  func(c *oidc.Claims) { c.Subject = "" },
		"no audience":                 func(c *oidc.Claims) { c.Audience = "" },
		"no issue time":               func(c *oidc.Claims) { c.IssuedAt = time.Time{} },
		"an expiry at the issue time": func(c *oidc.Claims) { c.Expiry = c.IssuedAt },
		"an expiry before issue time": func(c *oidc.Claims) { c.Expiry = c.IssuedAt.Add(-time.Second) },
	} {
		t.Run(name+" is refused", func(t *testing.T) {
			c := full
			edit(&c)
			if tok, err := oidc.IDToken(context.Background(), s, c); err == nil || tok != "" {
				t.Fatalf("IDToken = %q, %v; want an error", tok, err)
			}
		})
	}
	if tok, err := oidc.IDToken(context.Background(), failing{s}, full); err == nil || tok != "" || !strings.Contains(err.Error(), "KMS is down") {
		t.Fatalf("with a failing signer: %q, %v", tok, err)
	}
}

func TestAtHashIsTheLeftHalfOfSHA256(t *testing.T) {
	// OpenID Connect Core, Appendix A.3's access token and at_hash.
	if got := oidc.AtHash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"); got != "77QmUPtjPfzWtF2AnpK9RQ" {
		t.Fatalf("AtHash = %s; want 77QmUPtjPfzWtF2AnpK9RQ", got)
	}
	if got := oidc.AtHash("ya29.access-token"); got != "mLzc-GFcHSVfaiaPxAa37w" {
		t.Fatalf("AtHash = %s; want mLzc-GFcHSVfaiaPxAa37w (openssl dgst -sha256, 16 bytes, base64url)", got)
	}
}

func TestThumbprintIsRFC7638s(t *testing.T) {
	// RFC 7638 §3.1's example key and thumbprint.
	k := oidc.JWK{Kty: "RSA", E: "AQAB", N: "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"}
	pub, err := k.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	if got := oidc.Thumbprint(pub); got != "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs" {
		t.Fatalf("Thumbprint = %s; want NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs", got)
	}
	if got := oidc.KeyOf(pub); got.N != k.N || got.E != k.E {
		t.Fatalf("KeyOf gives n %s e %s; want the example's", got.N, got.E)
	}
}

func TestJWKSRoundTripsToTheSameKeys(t *testing.T) {
	s := oidctest.NewSigner(t)
	// A copy of the key (as read again from KMS) has the same kid.
	again := &rsa.PublicKey{N: new(big.Int).Set(s.Key.N), E: s.Key.E}
	doc := oidc.JWKS(s.Public(), again)
	var raw struct{ Keys []map[string]string }
	if err := json.Unmarshal(doc, &raw); err != nil || len(raw.Keys) != 2 {
		t.Fatalf("JWKS %s: %v", doc, err)
	}
	for _, k := range raw.Keys {
		if k["kty"] != "RSA" || k["use"] != "sig" || k["alg"] != "RS256" || k["kid"] != s.KeyID() || len(k) != 6 {
			t.Errorf("JWK %v: want kty RSA, use sig, alg RS256, the signer's kid, n and e", k)
		}
	}
	keys := oidctest.Keys(t, doc)
	got := keys[s.KeyID()]
	if got == nil || got.N.Cmp(s.Key.N) != 0 || got.E != s.Key.E {
		t.Fatalf("the JWKS key is not the signer's")
	}
	if string(oidc.JWKS()) != `{"keys":[]}` {
		t.Errorf("an empty key set is %s", oidc.JWKS())
	}
	bad := []oidc.JWK{{Kty: "EC", N: "AQAB", E: "AQAB"}, {Kty: "RSA", N: "", E: "AQAB"}, {Kty: "RSA", N: "AQAB", E: "not base64!"},
		{Kty: "RSA", N: "AQAB", E: base64.RawURLEncoding.EncodeToString(new(big.Int).Lsh(big.NewInt(1), 40).Bytes())}}
	for _, k := range bad {
		if _, err := k.PublicKey(); err == nil {
			t.Errorf("JWK %+v was read as a key", k)
		}
	}
}

func TestDiscoveryNamesTheEndpointsUnderTheIssuer(t *testing.T) {
	var d map[string]any
	if err := json.Unmarshal(oidc.Discovery("https://login.example"), &d); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"issuer":                 "https://login.example",
		"authorization_endpoint": "https://login.example/services/oauth2/authorize",
		"token_endpoint":         "https://login.example/services/oauth2/token",
		"userinfo_endpoint":      "https://login.example/services/oauth2/userinfo",
		"revocation_endpoint":    "https://login.example/services/oauth2/revoke",
		"jwks_uri":               "https://login.example/id/keys",
	}
	for k, v := range want {
		if d[k] != v {
			t.Errorf("%s = %v; want %s", k, d[k], v)
		}
	}
	lists := map[string]string{
		"response_types_supported":              "code",
		"grant_types_supported":                 "authorization_code refresh_token password",
		"subject_types_supported":               "public",
		"id_token_signing_alg_values_supported": "RS256",
		"scopes_supported":                      "openid api web refresh_token offline_access id profile email",
		"token_endpoint_auth_methods_supported": "client_secret_post client_secret_basic none",
		"code_challenge_methods_supported":      "S256",
		"claims_supported": "iss sub aud exp iat auth_time nonce at_hash name given_name family_name preferred_username " +
			"email email_verified zoneinfo locale updated_at",
	}
	for k, v := range lists {
		var got []string
		for _, x := range d[k].([]any) {
			got = append(got, x.(string))
		}
		if strings.Join(got, " ") != v {
			t.Errorf("%s = %v; want [%s]", k, got, v)
		}
	}
	if len(d) != len(want)+len(lists) {
		t.Errorf("discovery has %d members; want %d: %v", len(d), len(want)+len(lists), d)
	}
}
