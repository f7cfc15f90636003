package oauth_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"loginguard/internal/oidctest"
	"loginguard/shared/domain"
	"loginguard/shared/ids"
	"loginguard/shared/oidc"
	"loginguard/shared/transport/oauth"
)

// get answers the sample event name (events/oauth).
func get(h *oauth.Handler, t *testing.T, name string) events.APIGatewayV2HTTPResponse {
	resp, _ := h.Handle(context.Background(), fixture(t, name))
	return resp
}

func TestDiscoveryAndKeysArePublicDocumentsOfTheSigner(t *testing.T) {
	s := oidctest.NewSigner(t)
	h := &oauth.Handler{Log: slog.New(slog.NewJSONHandler(io.Discard, nil)), IDTokens: s}
	resp := get(h, t, "openid-configuration.json")
	var d map[string]any
	if err := json.Unmarshal([]byte(resp.Body), &d); err != nil || resp.StatusCode != 200 {
		t.Fatalf("discovery: %d %s", resp.StatusCode, resp.Body)
	}
	if d["issuer"] != "http://127.0.0.1:3000" || d["jwks_uri"] != "http://127.0.0.1:3000/id/keys" {
		t.Errorf("discovery names issuer %v and jwks_uri %v; want the request's origin", d["issuer"], d["jwks_uri"])
	}
	keys := get(h, t, "keys.json")
	if keys.StatusCode != 200 || oidctest.Keys(t, []byte(keys.Body))[s.KeyID()] == nil {
		t.Fatalf("keys: %d %s; want the signer's key", keys.StatusCode, keys.Body)
	}
	for _, r := range []events.APIGatewayV2HTTPResponse{resp, keys} {
		if r.Headers["Cache-Control"] != "public, max-age=300" || r.Headers["Content-Type"] != "application/json;charset=UTF-8" ||
			r.Headers["Pragma"] != "" || r.Headers["Access-Control-Allow-Origin"] != "*" {
			t.Errorf("headers %v; want public JSON cached five minutes, readable from any origin", r.Headers)
		}
	}

	h.IDTokens = nil
	for _, name := range []string{"openid-configuration.json", "keys.json"} {
		if r := get(h, t, name); r.StatusCode != 404 {
			t.Errorf("%s without an id_token key: %d; want 404", name, r.StatusCode)
		}
	}
}

func TestIDTokenForNamesTheUserByTheirIdentityURL(t *testing.T) {
	s := oidctest.NewSigner(t)
	u := domain.User{ID: "005000000000001", OrgID: "00D000000000001", Username: "eve@acme.example", Email: "eve@acme.example",
		FirstName: "Eve", LastName: "Tester", TimeZone: "Asia/Tokyo", Locale: "ja_JP"}
	now := time.Date(2026, 3, 9, 8, 59, 0, 0, time.UTC)
	tok, err := oauth.IDTokenFor(context.Background(), s, "https://login.example", u, "3MVG9-client", "n-1", "00D!access", now.Add(-time.Minute), now)
	if err != nil {
		t.Fatal(err)
	}
	_, c := oidctest.Verify(t, tok, s.Public())
	want := map[string]any{
		"iss": "https://login.example", "sub": "https://login.example/id/" + ids.Long(u.OrgID) + "/" + ids.Long(u.ID),
		"aud": "3MVG9-client", "nonce": "n-1", "at_hash": oidc.AtHash("00D!access"),
		"iat": float64(now.Unix()), "exp": float64(now.Add(oauth.IDTokenLifetime).Unix()), "auth_time": float64(now.Unix() - 60),
		"name": "Eve Tester", "given_name": "Eve", "family_name": "Tester", "preferred_username": "eve@acme.example",
		"email": "eve@acme.example", "email_verified": true, "zoneinfo": "Asia/Tokyo", "locale": "ja_JP",
	}
	for k, v := range want {
		if c[k] != v {
			t.Errorf("claim %s = %#v; want %#v", k, c[k], v)
		}
	}
	if len(c) != len(want) {
		t.Errorf("claims %v; want exactly %v", c, want)
	}
	if _, err := oauth.IDTokenFor(context.Background(), nil, "https://login.example", u, "c", "", "", now, now); !errors.Is(err, oauth.ErrNoIDTokens) {
		t.Errorf("without a signer: %v; want ErrNoIDTokens", err)
	}
}
