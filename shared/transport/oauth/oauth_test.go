package oauth

import (
	"strings"
	"testing"
)

const form = "application/x-www-form-urlencoded"

func TestParseTokenRequest(t *testing.T) {
	ok := "grant_type=password&client_id=3MVGabc&client_secret=s3c&username=jane%40acme.example&password=pw%26tok"
	r, e := ParseTokenRequest(form+"; charset=UTF-8", []byte(ok))
	if e != nil || r.Username != "jane@acme.example" || r.Password != "pw&tok" || r.ClientID != "3MVGabc" || r.ClientSecret != "s3c" {
		t.Fatalf("ParseTokenRequest = %+v, %v", r, e)
	}
	tests := []struct {
		name, ct, body, code, desc string
	}{
		{"wrong content type", "application/json", `{"grant_type":"password"}`, "invalid_request", "x-www-form-urlencoded"},
		{"no content type", "", ok, "invalid_request", "x-www-form-urlencoded"},
		{"duplicate fields", form, ok + "&username=eve%40x.example", "invalid_request", "duplicate parameter: username"},
		{"missing grant type", form, "username=a&password=b", "invalid_request", "grant_type"},
		{"another grant type", form, "grant_type=client_credentials&client_id=a", "unsupported_grant_type", "grant type not supported"},
		{"missing password", form, "grant_type=password&client_id=a&client_secret=b&username=c", "invalid_request", "password"},
		{"missing client id", form, "grant_type=password&client_secret=b&username=c&password=d", "invalid_request", "client_id"},
		{"oversized body", form, ok + "&x=" + strings.Repeat("a", MaxBody), "invalid_request", "too large"},
		{"bad escapes", form, "grant_type=password&username=%zz", "invalid_request", "not a valid form"},
		{"non-UTF-8", form, "grant_type=password&username=\xff", "invalid_request", "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, e := ParseTokenRequest(tt.ct, []byte(tt.body))
			if e == nil || e.Code != tt.code || !strings.Contains(e.Description, tt.desc) || e.Status < 400 || e.Status > 499 {
				t.Fatalf("error %+v; want %s mentioning %q with a 4xx status", e, tt.code, tt.desc)
			}
		})
	}
}

func TestSignatureIsHMACOfIDAndIssuedAt(t *testing.T) {
	// HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog"), base64.
	if got := Sign("key", "The quick brown fox ", "jumps over the lazy dog"); got != "97yD9DBThCSxMpjmqm+xQ+9NWaFJRhdZl0edvC0aPNg=" {
		t.Fatalf("Sign = %s", got)
	}
}
