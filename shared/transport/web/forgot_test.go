package web

import (
	"net/http"
	"strings"
	"testing"

	"loginguard/shared/account"
	"loginguard/shared/policy"
)

// The pages of "Forgot your password?"; the flow itself runs against
// dynalite in shared/account and in headless Chromium in e2e.

func TestTheLoginPageLinksToForgotWhichAsksTheUserNameUnderCSRF(t *testing.T) {
	login := serve(t, handler(), event("GET", "/login", "", nil, nil))
	if !strings.Contains(login.Body, `href="/login/forgot"`) {
		t.Fatal("the login page has no \"Forgot your password?\" link")
	}
	page := serve(t, handler(), event("GET", "/login/forgot", "", nil, nil))
	if page.StatusCode != http.StatusOK || !strings.Contains(page.Body, `action="/login/forgot"`) || !strings.Contains(page.Body, `name="username"`) ||
		!strings.Contains(page.Body, `name="csrf" value="`) || len(page.Cookies) != 1 {
		t.Fatalf("forgot page: %d %v %s", page.StatusCode, page.Cookies, page.Body)
	}
	for _, path := range []string{"/login/forgot", "/login/reset"} {
		if resp := serve(t, handler(), event("POST", path, "username=ann%40acme.example", nil, nil)); resp.StatusCode != http.StatusForbidden {
			t.Errorf("POST %s without the CSRF token: %d; want 403", path, resp.StatusCode)
		}
		resp := serve(t, handler(), event("POST", path, "csrf="+tok, []string{"__Host-lg_csrf=" + tok}, map[string]string{"sec-fetch-site": "cross-site"}))
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("POST %s from another site: %d; want 403", path, resp.StatusCode)
		}
	}
}

func TestTheResetLinkMovesToACookieAtOnce(t *testing.T) {
	ev := event("GET", "/login/reset", "", nil, nil)
	ev.QueryStringParameters = map[string]string{"u": "ann@acme.example", "t": "the-secret"}
	resp := serve(t, handler(), ev)
	if resp.StatusCode != http.StatusSeeOther || resp.Headers["location"] != "/login/reset" || len(resp.Cookies) != 1 {
		t.Fatalf("%d %v %v", resp.StatusCode, resp.Headers, resp.Cookies)
	}
	c, err := http.ParseSetCookie(resp.Cookies[0])
	if err != nil || c.Name != cookieReset || !c.HttpOnly || !c.Secure || c.MaxAge != 3600 || !strings.Contains(c.Value, "the-secret") {
		t.Fatalf("cookie %v", resp.Cookies)
	}
	if got := ParseCookies([]string{c.Name + "=" + c.Value})[cookieReset]; got != "ann@acme.example the-secret" {
		t.Fatalf("read back %q", got)
	}
}

func TestTheResetPageAsksTheCodeOfAnUnrecognisedBrowser(t *testing.T) {
	v := ResetView{Page: Page{Title: "Choose a new password", CSRF: tok}, Username: "ann@acme.example",
		Pending: account.ResetPending{Username: "ann@acme.example", Code: policy.ChallengeEmailCode, MaskedEmail: "a***@acme.example"}}
	html := Render(v)
	for _, want := range []string{"ann@acme.example", `name="code"`, "a***@acme.example",
		`name="new"`, `name="confirm"`, `action="/login/reset"`, "At least 8 characters."} {
		if !strings.Contains(html, want) {
			t.Errorf("reset page lacks %s", want)
		}
	}
	v.Pending.Code = policy.ChallengeNone
	if html := Render(v); strings.Contains(html, `name="code"`) {
		t.Error("a recognised browser is asked no code")
	}
	v.Pending.Code = policy.ChallengeTOTP
	if html := Render(v); !strings.Contains(html, "authenticator app") {
		t.Error("a TOTP user is asked the app's code")
	}
}
