package oidc

import "encoding/json"

// Discovery is the OpenID Provider Metadata (OpenID Connect Discovery 1.0
// §3) of the issuer base, the document at
// <base>/.well-known/openid-configuration: Salesforce's endpoints under
// base, and what this service does (the authorization code flow with PKCE,
// RS256 id_tokens).
func Discovery(base string) []byte {
	b, _ := json.Marshal(struct {
		Issuer               string   `json:"issuer"`
		Authorization        string   `json:"authorization_endpoint"`
		Token                string   `json:"token_endpoint"`
		Userinfo             string   `json:"userinfo_endpoint"`
		Revocation           string   `json:"revocation_endpoint"`
		JWKS                 string   `json:"jwks_uri"`
		ResponseTypes        []string `json:"response_types_supported"`
		GrantTypes           []string `json:"grant_types_supported"`
		SubjectTypes         []string `json:"subject_types_supported"`
		SigningAlgs          []string `json:"id_token_signing_alg_values_supported"`
		Scopes               []string `json:"scopes_supported"`
		TokenAuthMethods     []string `json:"token_endpoint_auth_methods_supported"`
		CodeChallengeMethods []string `json:"code_challenge_methods_supported"`
		Claims               []string `json:"claims_supported"`
	}{
		Issuer:               base,
		Authorization:        base + "/services/oauth2/authorize",
		Token:                base + "/services/oauth2/token",
		Userinfo:             base + "/services/oauth2/userinfo",
		Revocation:           base + "/services/oauth2/revoke",
		JWKS:                 base + "/id/keys",
		ResponseTypes:        []string{"code"},
		GrantTypes:           []string{"authorization_code", "refresh_token", "password"},
		SubjectTypes:         []string{"public"},
		SigningAlgs:          []string{Alg},
		Scopes:               []string{"openid", "api", "web", "refresh_token", "offline_access", "id", "profile", "email"},
		TokenAuthMethods:     []string{"client_secret_post", "client_secret_basic", "none"},
		CodeChallengeMethods: []string{"S256"},
		Claims: []string{"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "at_hash",
			"name", "given_name", "family_name", "preferred_username", "email", "email_verified",
			"zoneinfo", "locale", "updated_at"},
	})
	return b
}
