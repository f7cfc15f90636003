package web

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"loginguard/shared/domain"
	"loginguard/shared/login"
	"loginguard/shared/policy"
)

// The idle-timeout prompt on every page shown with a session; "Remember
// me until logout" and "Enable user switching" on the login page.

const (
	orgA = "00DAAAAAAAAAAAA"
	orgB = "00DBBBBBBBBBBBB"
	tok  = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" // a login form's CSRF token
)

func TestEveryPageShownWithASessionHasTheTimeoutPrompt(t *testing.T) {
	signed := Page{Title: "t", SignedIn: true, CSRF: "csrf-of-the-session", ExpiresIn: 840, IdleTimeout: 900}
	u := domain.User{Username: "ann@acme.example"}
	for name, v := range map[string]any{
		"home":            HomeView{Page: signed, User: u},
		"change password": PasswordView{Page: signed, User: u},
		"setup users":     UserListView{Console: Console{Page: signed, Name: u.Username}},
		"setup profile":   ProfilePageView{Console: Console{Page: signed, Name: u.Username}},
		"step-up":         VerifyView{Page: signed, Action: "/login/step-up", StepUp: true, Pending: login.Pending{Kind: policy.ChallengeTOTP}},
	} {
		html := Render(v)
		for _, want := range []string{`data-expires-in="840"`, `data-idle-timeout="900"`, `<dialog id="timeout-dialog"`,
			`<script src="/static/session.js"></script>`, `id="timeout-form"`, `name="csrf" value="csrf-of-the-session"`} {
			if !strings.Contains(html, want) {
				t.Errorf("%s lacks %s", name, want)
			}
		}
		if n := strings.Count(html, `id="timeout-dialog"`); n != 1 {
			t.Errorf("%s has %d prompts", name, n)
		}
	}
	for name, v := range map[string]any{
		"login":  LoginView{Page: Page{Title: "Log in"}},
		"verify": VerifyView{Page: Page{Title: "t"}, Action: "/login/verify", Pending: login.Pending{Kind: policy.ChallengeEmailCode}},
		"error":  Page{Title: "Error"},
	} {
		if html := Render(v); strings.Contains(html, "timeout-dialog") || strings.Contains(html, "session.js") || strings.Contains(html, "data-expires-in") {
			t.Errorf("%s is shown without a session: no prompt", name)
		}
	}
}

func TestLogoutWithoutASessionNeedsNoToken(t *testing.T) {
	// A tab whose session ended in another tab logs out at its own deadline.
	resp := serve(t, handler(), event("POST", "/logout", "reason=timeout", nil, nil))
	if resp.StatusCode != http.StatusSeeOther || resp.Headers["location"] != "/login?m=timeout" {
		t.Fatalf("%d %v", resp.StatusCode, resp.Headers)
	}
	cross := serve(t, handler(), event("POST", "/logout", "", nil, map[string]string{"sec-fetch-site": "cross-site"}))
	if cross.StatusCode != http.StatusForbidden {
		t.Fatalf("from another site: %d; want 403", cross.StatusCode)
	}
}

func TestRememberedNamesReadOnlyWhatTheyWroteWithinTheirBound(t *testing.T) {
	long := strings.Repeat("é", login.MaxUsernameLen/2) // 80 bytes, each escaped
	in := strings.Join([]string{
		orgA + " r ann@acme.example",
		orgA + " - ANN@acme.example", // the same name again
		"not-an-org - bob@acme.example",
		orgB + " x bob@acme.example", // an unknown flag
		orgB + " - " + strings.Repeat("b", login.MaxUsernameLen+1),
		orgB + " - ",
		"garbage",
		orgB + " - bob@acme.example",
		orgB + " - c@x", orgB + " - d@x", orgB + " - " + long, orgB + " - f@x",
	}, "\n")
	l := parseRemembered(in)
	if got := strings.Join(l.names(), ","); got != "ann@acme.example,bob@acme.example,c@x,d@x,"+long {
		t.Fatalf("names %q", got)
	}
	if !l[0].offer || l[1].offer || l[0].org != orgA {
		t.Fatalf("entries %+v", l)
	}
	// Written and read back through the browser, at its longest.
	full := rememberedNames{}
	for i := range maxRemembered {
		full = full.with(rememberedName{org: orgA, username: string(rune('a'+i)) + long[2:]})
	}
	set, err := http.ParseSetCookie(full.cookie())
	if err != nil || set.Name != "__Host-lg_users" || !set.Secure || !set.HttpOnly || set.Path != "/" || set.MaxAge != deviceMaxAge {
		t.Fatalf("%+v %v", set, err)
	}
	if n := len(full.cookie()); n > 1536 {
		t.Errorf("the cookie at its longest is %d bytes", n)
	}
	back := parseRemembered(ParseCookies([]string{cookieUsers + "=" + set.Value})[cookieUsers])
	if back.String() != full.String() {
		t.Fatalf("read back %q; wrote %q", back, full)
	}
	if more := full.with(rememberedName{org: orgB, username: "new@x"}); len(more) != maxRemembered || more[0].username != "new@x" {
		t.Fatalf("a new name goes first and the oldest goes: %v", more.names())
	}
}

// cookiesOf reads an answer's Set-Cookie lines by name.
func cookiesOf(t *testing.T, resp *response) map[string]*http.Cookie {
	t.Helper()
	m := map[string]*http.Cookie{}
	for _, line := range resp.cookies {
		c, err := http.ParseSetCookie(line)
		if err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		if !strings.HasPrefix(c.Name, "__Host-") || !c.Secure || !c.HttpOnly || c.Path != "/" || c.SameSite != http.SameSiteLaxMode {
			t.Errorf("cookie %s: %+v; want __Host-, Secure, HttpOnly, SameSite=Lax, Path=/", c.Name, c)
		}
		m[c.Name] = c
	}
	return m
}

func TestASuccessfulLoginLeavesWhatItsOrgAllows(t *testing.T) {
	before := []string{cookieUsers + "=" + escapeCookieValue(rememberedNames{{org: orgB, username: "bob@b.example"}, {org: orgA, username: "old@a.example"}}.String()),
		cookieKeep + "=1"}
	tests := []struct {
		name                      string
		persistent                bool
		caching, switching, offer bool
		cookies                   []string
		wantUser                  string
		wantNames                 string // "" : the cookie is expired; "unset": not set at all
		wantOffer                 bool
	}{
		{"remembered until logout: a persistent session cookie", true, true, true, true, nil, "ann@a.example", "ann@a.example", true},
		{"user switching on: the name goes first", false, true, true, false, before, "ann@a.example", "ann@a.example,bob@b.example,old@a.example", false},
		{"user switching off: its org's names go, others stay", false, true, false, false, before, "ann@a.example", "bob@b.example", false},
		{"user switching off, nothing remembered: nothing written", false, true, false, false, nil, "ann@a.example", "unset", false},
		{"caching off wins over user switching: nothing remembered", false, false, true, true, before, "-", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &request{cookies: ParseCookies(tc.cookies)}
			out := login.BrowserOutcome{Result: &login.Result{SessionID: "00DAAAAAAAAAAAA!sid",
				Session: domain.Session{Persistent: tc.persistent}, User: domain.User{OrgID: orgA, Username: "ann@a.example"}},
				NoLoginPageCaching: !tc.caching, UserSwitching: tc.switching, RememberMe: tc.offer}
			got := cookiesOf(t, (&Handler{}).advance(r, out))
			sid := got[cookieSession]
			if sid == nil || (sid.MaxAge == rememberMaxAge) != tc.persistent || (!tc.persistent && sid.MaxAge != 0) {
				t.Errorf("session cookie %+v; persistent %v", sid, tc.persistent)
			}
			if c := got[cookieUser]; c == nil || ParseCookies([]string{c.Name + "=" + c.Value})[cookieUser] != tc.wantUser {
				t.Errorf("last user %+v; want %q", c, tc.wantUser)
			}
			names, set := got[cookieUsers]
			switch {
			case tc.wantNames == "unset":
				if set {
					t.Errorf("names cookie %+v; want none", names)
				}
			case tc.wantNames == "":
				if !set || names.MaxAge >= 0 {
					t.Errorf("names cookie %+v; want it expired", names)
				}
			case !set:
				t.Errorf("no names cookie; want %q", tc.wantNames)
			default:
				v := ParseCookies([]string{names.Name + "=" + names.Value})[cookieUsers]
				if l := strings.Join(parseRemembered(v).names(), ","); l != tc.wantNames {
					t.Errorf("names %q; want %q", l, tc.wantNames)
				}
			}
			if c := got[cookieOffer]; tc.wantOffer != (c != nil && c.MaxAge > 0) {
				t.Errorf("offer cookie %+v; want offered %v", c, tc.wantOffer)
			}
			if c, ok := got[cookieKeep]; r.cookies[cookieKeep] != "" && (!ok || c.MaxAge >= 0) {
				t.Errorf("the carried choice should go with the login: %+v", c)
			}
		})
	}
}

func TestTheLoginPageOffersWhatThisBrowsersLoginsAllow(t *testing.T) {
	names := cookieUsers + "=" + escapeCookieValue(rememberedNames{{org: orgA, offer: true, username: "ann@a.example"}, {org: orgB, username: `<b>"bob"</b>`}}.String())
	checkbox := regexp.MustCompile(`<input id="remember" name="remember" type="checkbox"`)
	tests := []struct {
		name              string
		cookies           []string
		wantCheckbox      bool
		wantNames         []string
		wantAutocompleteX bool // autocomplete off
	}{
		{"a new browser: no names, no checkbox", nil, false, nil, false},
		{"an org offering remember-me logged in last: the checkbox", []string{cookieOffer + "=remember-me"}, true, nil, false},
		{"names that logged in here: each to switch to", []string{names, cookieUser + "=ann@a.example"}, false, []string{"ann@a.example", "&lt;b&gt;&#34;bob&#34;&lt;/b&gt;"}, false},
		{"caching off: nothing offered, autocomplete off", []string{names, cookieUser + "=-"}, false, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := serve(t, handler(), event("GET", "/login", "", tc.cookies, nil))
			if got := checkbox.MatchString(resp.Body); got != tc.wantCheckbox {
				t.Errorf("checkbox shown %v; want %v", got, tc.wantCheckbox)
			}
			if got := strings.Count(resp.Body, `name="switch"`); got != len(tc.wantNames) {
				t.Errorf("%d names to switch to; want %d", got, len(tc.wantNames))
			}
			for _, n := range tc.wantNames {
				if !strings.Contains(resp.Body, `name="switch" value="`+n+`"`) || !strings.Contains(resp.Body, `name="forget" value="`+n+`"`) {
					t.Errorf("%s is not offered (or not escaped)", n)
				}
			}
			if got := strings.Contains(resp.Body, `autocomplete="off"`); got != tc.wantAutocompleteX {
				t.Errorf("autocomplete off %v; want %v", got, tc.wantAutocompleteX)
			}
		})
	}
}

func TestSwitchingAndForgettingActOnlyOnRememberedNames(t *testing.T) {
	list := rememberedNames{{org: orgA, offer: true, username: "ann@a.example"}, {org: orgB, username: "bob@b.example"}}
	base := []string{"__Host-lg_csrf=" + tok, cookieUsers + "=" + escapeCookieValue(list.String()), cookieUser + "=bob@b.example"}
	post := func(button, username string, cookies []string) map[string]*http.Cookie {
		t.Helper()
		ev := event("POST", "/login", "csrf="+tok+"&"+button+"="+username, cookies, nil)
		resp, err := handler().Handle(t.Context(), ev)
		if err != nil || resp.StatusCode != http.StatusSeeOther || resp.Headers["location"] != "/login" {
			t.Fatalf("%s %s: %d %v %v", button, username, resp.StatusCode, resp.Headers, err)
		}
		return cookiesOf(t, &response{cookies: resp.Cookies})
	}
	got := post("switch", "ANN@a.example", base)
	if c := got[cookieUser]; c == nil || c.Value != "ann@a.example" {
		t.Errorf("switching fills the name as remembered: %+v", c)
	}
	if c := got[cookieOffer]; c == nil || c.MaxAge <= 0 {
		t.Errorf("ann's org offers remember-me: %+v", c)
	}
	if got := post("switch", "bob@b.example", base)[cookieOffer]; got == nil || got.MaxAge >= 0 {
		t.Errorf("bob's org does not offer remember-me: %+v", got)
	}
	if got := post("switch", "eve@e.example", base); len(got) != 0 {
		t.Errorf("a name not remembered changes nothing: %v", got)
	}
	if got := post("switch", "ann@a.example", append([]string{cookieUser + "=-"}, base...)); len(got) != 0 {
		t.Errorf("with caching off nothing is switched to: %v", got)
	}
	got = post("forget", "bob@b.example", base)
	if c := got[cookieUsers]; c == nil || parseRemembered(ParseCookies([]string{c.Name + "=" + c.Value})[cookieUsers]).String() != list[:1].String() {
		t.Errorf("forgetting bob: %+v", c)
	}
	if c := got[cookieUser]; c == nil || c.MaxAge >= 0 {
		t.Errorf("the forgotten name leaves the field too: %+v", c)
	}
	got = post("forget", "ann@a.example", []string{"__Host-lg_csrf=" + tok, cookieUsers + "=" + escapeCookieValue(list[:1].String())})
	if c := got[cookieUsers]; c == nil || c.MaxAge >= 0 {
		t.Errorf("forgetting the last name expires the cookie: %+v", c)
	}
	// Without the login form's token, nothing.
	if resp := serve(t, handler(), event("POST", "/login", "forget=ann@a.example", base, nil)); resp.StatusCode != http.StatusForbidden {
		t.Errorf("forget without the CSRF token: %d", resp.StatusCode)
	}
}
