package web

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"loginguard/shared/admin"
	"loginguard/shared/domain"
	"loginguard/shared/login"
	"loginguard/shared/policy"
)

func TestPagesHaveNoInlineScriptOrStyleAndEscapeEverything(t *testing.T) {
	// The CSP has no 'unsafe-inline': no page may carry inline script,
	// inline handlers or style attributes.
	inline := regexp.MustCompile(`<script>|<script [^>]*>[^<]|\son[a-z]+=|\sstyle=`)
	evil := `<script>alert("x")</script>`
	u := domain.User{Username: evil, Email: evil, FirstName: evil, Policy: domain.LoginPolicy{OrgName: evil, ProfileName: evil, ProfileSettings: domain.ProfileSettings{ManageUsers: true}}}
	views := map[string]any{
		"login":           LoginView{Page: Page{Title: evil, Error: evil, Notice: evil}, Autocomplete: true, Username: evil},
		"login, no cache": LoginView{Page: Page{Title: "Log in"}},
		"verify enrol": VerifyView{Page: Page{Title: "t"}, Action: "/login/verify",
			Pending: login.Pending{Kind: policy.ChallengeTOTPEnrol, EnrolSecret: "ABCDEFGHABCDEFGH", EnrolURL: "otpauth://totp/x"}, QR: QRDataURI("otpauth://totp/x")},
		"verify email":   VerifyView{Page: Page{Title: "t"}, Action: "/login/verify", Pending: login.Pending{Kind: policy.ChallengeEmailCode, MaskedEmail: evil}},
		"verify step-up": VerifyView{Page: Page{Title: "t"}, Action: "/login/step-up", StepUp: true, Resource: evil, Pending: login.Pending{Kind: policy.ChallengeTOTP, Username: evil}},
		"home":           HomeView{Page: Page{Title: "Home", SignedIn: true}, User: u, Session: domain.Session{IP: evil, Level: "HIGH_ASSURANCE"}},
		"error":          Page{Title: "Error", Error: evil},
		"password":       PasswordView{Page: Page{Title: "p", SignedIn: true}, User: u},
		"users": UserListView{Console: Console{Page: Page{Title: evil, SignedIn: true}, Name: evil, OrgName: evil}, CanCreate: true,
			Users:    []UserRow{{UserRecord: admin.UserRecord{Username: evil, Name: evil, Profile: evil}, Path: "/setup/users/x", LastLogin: evil}},
			Profiles: []domain.Profile{{ID: evil, Name: evil}}, New: NewUserForm{Username: evil, Email: evil}},
		"user": UserPageView{Console: Console{Page: Page{Title: evil, SignedIn: true}}, Record: admin.UserRecord{Username: evil, Email: evil},
			Action: "/setup/users/x", CanManage: true, CanReset: true, CanEndSessions: true,
			Sessions: []UserSession{{Ref: evil, Via: evil, IP: evil}}, Devices: []UserDevice{{ID: evil, Client: evil}}},
		"profiles": ProfileListView{Console: Console{Page: Page{Title: "p", SignedIn: true}}, Profiles: []ProfileRow{{Name: evil, Path: "/setup/profiles/x"}}},
		"profile": ProfilePageView{Console: Console{Page: Page{Title: evil, SignedIn: true}}, Action: "/setup/profiles/x", CanEdit: true,
			Hours: hoursForm(policy.LoginHours{}), HoursZone: evil, Summary: []string{evil}, Ranges: []string{evil}, Edit: RangeForm{At: -1, Start: evil}},
	}
	views["login history"], views["connected apps"] = historyAndAppsViews(evil)
	for name, v := range whyViews(evil) {
		views[name] = v
	}
	for name, v := range views {
		html := Render(v)
		if strings.Contains(html, "could not be shown") {
			t.Errorf("%s: template failed", name)
		}
		if m := inline.FindString(html); m != "" {
			t.Errorf("%s has inline script or style: %q", name, m)
		}
		if strings.Contains(html, evil) || strings.Contains(html, `alert("x")`) {
			t.Errorf("%s shows a value unescaped", name)
		}
	}
}

// The step-up page names an identity-verification area as Setup does (the
// seed's name), and any other resource as it came.
func TestTheStepUpPageNamesItsResource(t *testing.T) {
	for _, tt := range []struct{ resource, shows, hides string }{
		{string(policy.AreaIPAddresses), "<strong>Manage IP Addresses</strong>", "manage-ip-addresses"},
		{string(policy.AreaEventLogFiles), "<strong>View Event Log Files</strong>", "view-event-log-files"},
		{"reports", "<strong>reports</strong>", ""},
	} {
		t.Run(tt.resource, func(t *testing.T) {
			html := Render(VerifyView{Page: Page{Title: "t"}, Action: "/login/step-up", StepUp: true, Resource: tt.resource,
				Pending: login.Pending{Kind: policy.ChallengeTOTP, Username: "jane@acme.example"}})
			if !strings.Contains(html, "Needed to open "+tt.shows) || (tt.hides != "" && strings.Contains(html, tt.hides)) {
				t.Fatalf("the hint does not name %q as %q:\n%s", tt.resource, tt.shows, html)
			}
		})
	}
}

func TestCookieParsing(t *testing.T) {
	m := ParseCookies([]string{"a=1", "__Host-sid=00D!x%21y", "a=2", "broken"})
	if m["a"] != "1" || m["__Host-sid"] != "00D!x!y" || len(m) != 2 {
		t.Fatalf("%v", m)
	}
}

func TestCookieValuesRoundTrip(t *testing.T) {
	for _, v := range []string{"00DKO0000000001!AbC-_x", "jane+o'neil@acme.example", `a b,c;d"e\f%41g`, "jöe@acme.example", "-", ""} {
		set, err := http.ParseSetCookie(Cookie("__Host-x", v, 60))
		if err != nil || set.MaxAge != 60 || !set.Secure || !set.HttpOnly || set.Path != "/" || set.SameSite != http.SameSiteLaxMode {
			t.Fatalf("%q: %+v %v", v, set, err)
		}
		// The browser sends back what it was given.
		if got := ParseCookies([]string{"__Host-x=" + set.Value})["__Host-x"]; got != v {
			t.Errorf("%q came back as %q (sent as %q)", v, got, set.Value)
		}
	}
	if sid := "00DKO0000000001!AbC"; !strings.HasPrefix(Cookie("__Host-sid", sid, 0), "__Host-sid="+sid+"; ") {
		t.Errorf("an id is escaped: %s", Cookie("__Host-sid", sid, 0))
	}
	if gone, err := http.ParseSetCookie(ClearCookie("__Host-sid")); err != nil || gone.MaxAge >= 0 || gone.Value != "" || gone.Path != "/" {
		t.Errorf("cleared: %+v %v", gone, err)
	}
}

func TestGroupsAndDurations(t *testing.T) {
	if g := Groups("ABCDEFGHIJ", 4); strings.Join(g, " ") != "ABCD EFGH IJ" {
		t.Fatalf("%v", g)
	}
	for d, want := range map[time.Duration]string{15 * time.Minute: "15 minutes", time.Hour: "1 hour", 2 * time.Hour: "2 hours", 90 * time.Minute: "90 minutes"} {
		if got := Span(d); got != want {
			t.Errorf("Span(%v) = %q; want %q", d, got, want)
		}
	}
}
