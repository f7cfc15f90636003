package web

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"loginguard/internal/testenv"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"loginguard/shared/login"
)

// These tests need no storage: everything here is decided before a login
// reaches the store. The login itself runs against dynalite in
// shared/login and in headless Chromium in e2e.
func handler() *Handler {
	return &Handler{Browser: &login.Browser{Login: &login.Service{Rand: rand.Reader, Now: time.Now}},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

func event(method, path, body string, cookies []string, headers map[string]string) events.APIGatewayV2HTTPRequest {
	ev := events.APIGatewayV2HTTPRequest{RawPath: path, Body: body, Cookies: cookies,
		Headers: map[string]string{"content-type": "application/x-www-form-urlencoded", "user-agent": "test"}}
	for k, v := range headers {
		ev.Headers[k] = v
	}
	ev.RequestContext.HTTP.Method = method
	ev.RequestContext.HTTP.SourceIP = "198.51.100.7"
	return ev
}

func serve(t *testing.T, h *Handler, ev events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	t.Helper()
	resp, err := h.Handle(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestLoginPageSetsACSRFCookieAndSecurityHeaders(t *testing.T) {
	resp := serve(t, handler(), event("GET", "/login", "", nil, nil))
	if resp.StatusCode != 200 || !strings.Contains(resp.Body, `<label for="username">Username</label>`) {
		t.Fatalf("login page: %d %s", resp.StatusCode, resp.Body)
	}
	if len(resp.Cookies) != 1 {
		t.Fatalf("cookies %v", resp.Cookies)
	}
	c, err := http.ParseSetCookie(resp.Cookies[0])
	if err != nil || c.Name != "__Host-lg_csrf" || c.Path != "/" || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
		t.Fatalf("cookies %v", resp.Cookies)
	}
	token := c.Value
	if !strings.Contains(resp.Body, `name="csrf" value="`+token+`"`) {
		t.Fatal("the form does not carry the cookie's CSRF token")
	}
	for k, want := range map[string]string{
		"content-security-policy": "frame-ancestors 'none'", "x-frame-options": "DENY", "referrer-policy": "no-referrer",
		"x-content-type-options": "nosniff", "strict-transport-security": "max-age=63072000", "cache-control": "no-store",
	} {
		if !strings.Contains(resp.Headers[k], want) {
			t.Errorf("%s = %q; want %q in it", k, resp.Headers[k], want)
		}
	}
	// A browser that has the cookie keeps it.
	again := serve(t, handler(), event("GET", "/login", "", []string{"__Host-lg_csrf=" + token}, nil))
	if len(again.Cookies) != 0 || !strings.Contains(again.Body, token) {
		t.Fatalf("a second visit: cookies %v", again.Cookies)
	}
}

func TestPostsWithoutTheRightCSRFTokenAreRefused(t *testing.T) {
	const tok = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	c := []string{"__Host-lg_csrf=" + tok}
	for _, tc := range []struct {
		name    string
		path    string
		body    string
		cookies []string
		headers map[string]string
	}{
		{"no token", "/login", "username=a&password=b", c, nil},
		{"another token", "/login", "csrf=BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB&username=a", c, nil},
		{"no cookie", "/login", "csrf=" + tok + "&username=a", nil, nil},
		{"from another site", "/login", "csrf=" + tok + "&username=a", c, map[string]string{"sec-fetch-site": "cross-site"}},
		{"logout without a session token", "/logout", "csrf=" + tok, append(c, "__Host-sid=00D000000000001!abc"), nil},
		{"verify without a token", "/login/verify", "code=123456", c, nil},
		{"refresh without a header", "/session/refresh", "", []string{"__Host-sid=00D000000000001!abc"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := serve(t, handler(), event("POST", tc.path, tc.body, tc.cookies, tc.headers))
			if resp.StatusCode != http.StatusForbidden {
				t.Fatalf("status %d; want 403", resp.StatusCode)
			}
			if !strings.Contains(resp.Body, `role="alert"`) {
				t.Fatal("the refusal page should say why")
			}
		})
	}
}

func TestBadRequestsGetClearAnswers(t *testing.T) {
	h := handler()
	big := "csrf=x&username=" + strings.Repeat("a", MaxBody)
	for _, tc := range []struct {
		method, path, body string
		headers            map[string]string
		want               int
	}{
		{"POST", "/login", big, nil, http.StatusRequestEntityTooLarge},
		{"POST", "/login", `{"username":"a"}`, map[string]string{"content-type": "application/json"}, http.StatusUnsupportedMediaType},
		{"PUT", "/login", "", nil, http.StatusMethodNotAllowed},
		{"GET", "/logout", "", nil, http.StatusMethodNotAllowed},
		{"GET", "/nowhere", "", nil, http.StatusNotFound},
	} {
		resp := serve(t, h, event(tc.method, tc.path, tc.body, nil, tc.headers))
		if resp.StatusCode != tc.want {
			t.Errorf("%s %s: %d; want %d", tc.method, tc.path, resp.StatusCode, tc.want)
		}
	}
	// Without a session the home page sends to the login page.
	if resp := serve(t, h, event("GET", "/", "", nil, nil)); resp.StatusCode != http.StatusSeeOther || resp.Headers["location"] != "/login" {
		t.Fatalf("home without a session: %d %v", resp.StatusCode, resp.Headers)
	}
}

func TestStaticAssetsAndNoInlineScriptOrStyle(t *testing.T) {
	h := handler()
	for path, ct := range map[string]string{"/static/app.css": "text/css", "/static/session.js": "text/javascript"} {
		resp := serve(t, h, event("GET", path, "", nil, nil))
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Headers["content-type"], ct) || resp.Body == "" {
			t.Errorf("%s: %d %q", path, resp.StatusCode, resp.Headers["content-type"])
		}
	}
}

// The sample event of make invoke (events/web/login-page.json) is a real
// API Gateway event this handler answers.
func TestSampleEvent(t *testing.T) {
	var ev events.APIGatewayV2HTTPRequest
	testenv.Event(t, "web/login-page.json", &ev)
	resp := serve(t, handler(), ev)
	if resp.StatusCode != 200 || !strings.Contains(resp.Body, "You have logged out.") {
		t.Fatalf("%d %s", resp.StatusCode, resp.Body)
	}
}
