package web

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"loginguard/shared/domain"
	"loginguard/shared/policy"
)

func TestAppFormReadsAsLgadminsFlags(t *testing.T) {
	f := appFormOf(url.Values{"name": {" Data Loader "}, "callbacks": {"https://a.example/cb\r\n\r\nhttps://b.example/cb "},
		"pkce": {"on"}, "scope": {"api", "refresh_token"}, "refresh": {"expire"}, "refresh_ttl": {"720h"}})
	spec, err := f.spec()
	if err != nil {
		t.Fatal(err)
	}
	o := spec.OAuth
	if spec.Name != "Data Loader" || o.Public || !o.RequirePKCE || strings.Join(o.Callbacks, " ") != "https://a.example/cb https://b.example/cb" ||
		policy.ScopeString(o.Scopes) != "api refresh_token" || o.Refresh != (policy.RefreshPolicy{Mode: policy.RefreshExpire, TTL: 720 * time.Hour}) {
		t.Fatalf("spec %+v", spec)
	}
	// A public app requires PKCE even unticked, as app create --public.
	if spec, err := appFormOf(url.Values{"name": {"CLI"}, "public": {"on"}, "scope": {"api"}}).spec(); err != nil || !spec.OAuth.RequirePKCE || !spec.OAuth.Public {
		t.Fatalf("public: %+v %v", spec, err)
	}
	for name, form := range map[string]url.Values{
		"an unknown scope":           {"name": {"x"}, "scope": {"everything"}},
		"expire without a lifetime":  {"name": {"x"}, "scope": {"api"}, "refresh": {"expire"}},
		"a lifetime that is no time": {"name": {"x"}, "scope": {"api"}, "refresh": {"rotate"}, "refresh_ttl": {"soon"}},
		"an unknown refresh policy":  {"name": {"x"}, "scope": {"api"}, "refresh": {"never"}},
	} {
		if _, err := appFormOf(form).spec(); domain.ErrorCode(err) != domain.CodeInvalidField || pageMessage(err) == "" {
			t.Errorf("%s: %v, want %s with the rule", name, err, domain.CodeInvalidField)
		}
	}
}

func TestAppRowsSayThePolicyInWords(t *testing.T) {
	for p, want := range map[policy.RefreshPolicy]string{
		{Mode: policy.RefreshUntilRevoked}:                  "Valid until revoked",
		{Mode: policy.RefreshExpire, TTL: time.Hour}:        "Expire after 1h0m0s",
		{Mode: policy.RefreshRotate}:                        "Rotate on use",
		{Mode: policy.RefreshRotate, TTL: 30 * time.Minute}: "Rotate on use; expire after 30m0s unused",
	} {
		if got := refreshLabel(p); got != want {
			t.Errorf("%+v: %q, want %q", p, got, want)
		}
	}
	row := appRow(domain.ConnectedApp{Name: "CLI", OAuth: policy.OAuthApp{Public: true, RequirePKCE: true}}, time.UTC)
	if row.Kind != "Public" || row.PKCE != "Required" || row.Created != "" {
		t.Fatalf("row %+v", row)
	}
}
