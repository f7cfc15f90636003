package e2e

import (
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"loginguard/internal/oidctest"
	"loginguard/internal/testenv"
	"loginguard/shared/oidc"
	"loginguard/shared/transport/oauth"
)

// TestOpenIDDiscoveryAndKeysNameTheKeyKMSHolds reads the discovery
// document and the key set through the gateway as a client does, and holds
// the published key to the one the stack's KMS holds: its public key, and
// an id_token KMS signs with it (as the token endpoint will) verifies with
// the published key, its subject the id URL the token endpoint answers.
func TestOpenIDDiscoveryAndKeysNameTheKeyKMSHolds(t *testing.T) {
	s := startStack(t)
	ctx := testenv.Context(t)

	d := s.do(t, "GET", "/.well-known/openid-configuration", nil, nil, "")
	var doc map[string]any
	if err := json.Unmarshal([]byte(d.body), &doc); err != nil || d.status != 200 {
		t.Fatalf("discovery: %d %s", d.status, d.body)
	}
	if doc["issuer"] != s.baseURL || doc["jwks_uri"] != s.baseURL+"/id/keys" || doc["token_endpoint"] != s.baseURL+"/services/oauth2/token" {
		t.Fatalf("discovery names issuer %v, jwks_uri %v, token_endpoint %v; want them under %s", doc["issuer"], doc["jwks_uri"], doc["token_endpoint"], s.baseURL)
	}
	jwksURI, _ := url.Parse(doc["jwks_uri"].(string))
	k := s.do(t, "GET", jwksURI.Path, nil, nil, "")
	if k.status != 200 {
		t.Fatalf("keys: %d %s", k.status, k.body)
	}
	for _, r := range []web{d, k} {
		if r.header.Get("Cache-Control") != "public, max-age=300" || r.header.Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("Cache-Control %q, Access-Control-Allow-Origin %q; want public, cached five minutes, any origin",
				r.header.Get("Cache-Control"), r.header.Get("Access-Control-Allow-Origin"))
		}
	}
	keys := oidctest.Keys(t, []byte(k.body))
	if len(keys) != 1 {
		t.Fatalf("the key set has %d keys; want the one id_token key", len(keys))
	}

	c := testenv.KMSClient(t, s.kmsURL)
	signer, err := oidc.NewKMSSigner(ctx, c, s.idToken)
	if err != nil {
		t.Fatal(err)
	}
	published := keys[signer.KeyID()]
	if published == nil || published.N.Cmp(signer.Public().N) != 0 || published.E != signer.Public().E {
		t.Fatalf("the key set's key (kids %v) is not KMS's %s", keys, signer.KeyID())
	}

	a := s.account(t, nil, nil)
	cid, csec := s.app(t, a.org.ID)
	r := s.form(t, "/services/oauth2/token", nil, url.Values{"grant_type": {"password"}, "client_id": {cid}, "client_secret": {csec},
		"username": {a.username}, "password": {a.password + a.token}})
	var tr oauth.TokenResponse
	if err := json.Unmarshal([]byte(r.body), &tr); err != nil || r.status != 200 {
		t.Fatalf("OAuth login: %d %s", r.status, r.body)
	}
	u, err := s.st.User(ctx, a.username)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tok, err := oauth.IDTokenFor(ctx, signer, s.baseURL, u, cid, "n-e2e", tr.AccessToken, now, now)
	if err != nil {
		t.Fatal(err)
	}
	_, claims := oidctest.Verify(t, tok, published)
	if claims["iss"] != doc["issuer"] || claims["sub"] != tr.ID || claims["aud"] != cid || claims["at_hash"] != oidc.AtHash(tr.AccessToken) {
		t.Fatalf("claims iss %v sub %v aud %v at_hash %v; want the issuer, the id URL %s, the client and the access token's hash",
			claims["iss"], claims["sub"], claims["aud"], claims["at_hash"], tr.ID)
	}
}
