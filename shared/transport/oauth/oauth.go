// Package oauth is the wire format of the OAuth 2.0 username-password flow
// as Salesforce speaks it: the token request form, the token answer with its
// signature, the identity (id URL / userinfo) document, and the error JSON.
// No business rules.
package oauth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"mime"
	"net/url"
	"strings"
	"unicode/utf8"
)

// MaxBody bounds a form body.
const MaxBody = 16 << 10

// Error is an OAuth error answer: HTTP status and the JSON body Salesforce sends.
type Error struct {
	Status      int    `json:"-"`
	Code        string `json:"error"`
	Description string `json:"error_description"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Description }

// JSON is the error's body.
func (e *Error) JSON() []byte {
	b, _ := json.Marshal(e)
	return b
}

// Errors Salesforce answers the token endpoint with.
var (
	ErrAuthenticationFailure = &Error{400, "invalid_grant", "authentication failure"}
	ErrRestricted            = &Error{400, "invalid_grant", "ip restricted or invalid login hours"}
	// ErrPasswordExpired: the password was right but has expired; the
	// password grant cannot set a new one. The text is the error_description
	// Salesforce's token endpoint gives for it.
	ErrPasswordExpired  = &Error{400, "invalid_grant", "password expired"}
	ErrUnknownClient    = &Error{400, "invalid_client_id", "client identifier invalid"}
	ErrBadClientSecret  = &Error{400, "invalid_client", "invalid client credentials"}
	ErrUnsupportedGrant = &Error{400, "unsupported_grant_type", "grant type not supported"}
	// ErrPublicPassword: a public app (no secret) asked for the password grant.
	ErrPublicPassword = &Error{400, "unauthorized_client", "a public app cannot use the password grant: use the authorization code flow with PKCE"}
	ErrUnexpected     = &Error{500, "server_error", "an unexpected error occurred; please try again"}
	// ErrBodyNotBase64 answers a body API Gateway marked base64 that is not.
	ErrBodyNotBase64 = &Error{400, "invalid_request", "the body is not valid base64"}
	// ErrInvalidToken answers a revoke of a token that is no session.
	ErrInvalidToken = &Error{400, "invalid_token", "invalid token"}
)

func invalidRequest(desc string) *Error { return &Error{400, "invalid_request", desc} }

// ParseForm reads an application/x-www-form-urlencoded body. Every field
// may appear once; a repeated one is refused (which value counts would be a
// guess).
func ParseForm(contentType string, body []byte) (map[string]string, *Error) {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, invalidRequest("the body must be application/x-www-form-urlencoded")
	}
	if len(body) > MaxBody {
		return nil, &Error{413, "invalid_request", "the request body is too large"}
	}
	if !utf8.Valid(body) {
		return nil, invalidRequest("the body is not valid UTF-8")
	}
	vals, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, invalidRequest("the body is not a valid form")
	}
	out := make(map[string]string, len(vals))
	for k, vs := range vals {
		if len(vs) > 1 {
			return nil, invalidRequest("duplicate parameter: " + k)
		}
		out[k] = vs[0]
	}
	return out, nil
}

// TokenRequest is a password-grant token request.
type TokenRequest struct {
	Username, Password, ClientID, ClientSecret string
}

// Grant types the token endpoint serves.
const (
	GrantPassword          = "password"
	GrantAuthorizationCode = "authorization_code"
	GrantRefreshToken      = "refresh_token"
)

// ParseTokenForm reads a token request's form and checks its grant type
// is one served.
func ParseTokenForm(contentType string, body []byte) (map[string]string, *Error) {
	f, e := ParseForm(contentType, body)
	if e != nil {
		return nil, e
	}
	switch f["grant_type"] {
	case "":
		return nil, invalidRequest("missing required parameter: grant_type")
	case GrantPassword, GrantAuthorizationCode, GrantRefreshToken:
		return f, nil
	}
	return nil, ErrUnsupportedGrant
}

// ParseTokenRequest reads and checks a password-grant token request.
func ParseTokenRequest(contentType string, body []byte) (TokenRequest, *Error) {
	f, e := ParseTokenForm(contentType, body)
	if e != nil {
		return TokenRequest{}, e
	}
	if f["grant_type"] != GrantPassword {
		return TokenRequest{}, ErrUnsupportedGrant
	}
	return passwordRequest(f)
}

// passwordRequest is the password grant's fields of a parsed form.
func passwordRequest(f map[string]string) (TokenRequest, *Error) {
	for _, k := range []string{"client_id", "client_secret", "username", "password"} {
		if strings.TrimSpace(f[k]) == "" {
			return TokenRequest{}, invalidRequest("missing required parameter: " + k)
		}
	}
	return TokenRequest{Username: strings.TrimSpace(f["username"]), Password: f["password"], ClientID: f["client_id"], ClientSecret: f["client_secret"]}, nil
}

// TokenResponse is the success answer; every field is a string, as Salesforce sends them.
type TokenResponse struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token,omitempty"`
	Signature    string `json:"signature,omitempty"`
	Scope        string `json:"scope,omitempty"`
	IDToken      string `json:"id_token,omitempty"`
	InstanceURL  string `json:"instance_url"`
	ID           string `json:"id"`
	TokenType    string `json:"token_type"`
	IssuedAt     string `json:"issued_at"`
}

// Sign is the response signature: base64 HMAC-SHA256 of id + issued_at,
// keyed by the client secret, so the client can check the answer is ours.
func Sign(clientSecret, id, issuedAt string) string {
	m := hmac.New(sha256.New, []byte(clientSecret))
	m.Write([]byte(id + issuedAt))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// Identity is the document of the id URL and of userinfo (the fields both
// Salesforce answers carry that clients read).
type Identity struct {
	ID             string            `json:"id"`
	Sub            string            `json:"sub"`
	UserID         string            `json:"user_id"`
	OrganizationID string            `json:"organization_id"`
	Username       string            `json:"username"`
	PreferredName  string            `json:"preferred_username"`
	DisplayName    string            `json:"display_name"`
	Name           string            `json:"name"`
	GivenName      string            `json:"given_name"`
	FamilyName     string            `json:"family_name"`
	Email          string            `json:"email"`
	EmailVerified  bool              `json:"email_verified"`
	Zoneinfo       string            `json:"zoneinfo"`
	Timezone       string            `json:"timezone"`
	Locale         string            `json:"locale"`
	Language       string            `json:"language"`
	Active         bool              `json:"active"`
	UserType       string            `json:"user_type"`
	URLs           map[string]string `json:"urls"`
}
