package apigw

import (
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func TestBaseURLHeaderAndBody(t *testing.T) {
	req := events.APIGatewayV2HTTPRequest{Headers: map[string]string{"Host": "api.example.com", "x-forwarded-proto": "https"},
		Body: "aGk=", IsBase64Encoded: true}
	if BaseURL(req) != "https://api.example.com" || Header(req, "host") != "api.example.com" {
		t.Fatalf("BaseURL %s", BaseURL(req))
	}
	if b, ok := Body(req); !ok || string(b) != "hi" {
		t.Fatal("Body")
	}
	req.Headers = map[string]string{"x-forwarded-proto": "http"}
	req.RequestContext.DomainName = "127.0.0.1"
	if BaseURL(req) != "http://127.0.0.1" {
		t.Fatalf("BaseURL %s", BaseURL(req))
	}
	req.Body, req.IsBase64Encoded = "!!", true
	if _, ok := Body(req); ok {
		t.Fatal("bad base64 must be refused")
	}
}

func TestBearerToken(t *testing.T) {
	for _, tt := range []struct {
		auth  string
		query map[string]string
		want  string
		ok    bool
	}{
		{"Bearer 00D!abc", nil, "00D!abc", true},
		{"bearer 00D!abc", nil, "00D!abc", true},
		{"Basic abc", nil, "", false},
		{"Bearer ", nil, "", false},
		{"", map[string]string{"oauth_token": "00D!q"}, "", false}, // a token in the URL is never read
		{"", nil, "", false},
	} {
		if got, ok := BearerToken(tt.auth); got != tt.want || ok != tt.ok {
			t.Errorf("BearerToken(%q, %v) = %q, %v", tt.auth, tt.query, got, ok)
		}
	}
}
