package adminapi_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"loginguard/internal/testenv"
	"loginguard/shared/domain"
	"loginguard/shared/policy"
	"loginguard/shared/secret"
)

// openSession stores a live SOAP session of a for the tests to list and end.
func (w world) openSession(t *testing.T, a testenv.Account, idHash string) domain.Session {
	t.Helper()
	now := time.Now()
	s := domain.Session{IDHash: idHash, UserID: a.User.ID, OrgID: a.User.OrgID, Username: a.User.Username, IP: "192.0.2.10",
		Level: "STANDARD", LoginType: policy.LoginSOAP, Timeout: time.Hour, CreatedAt: now, LastSeenAt: now}
	if err := w.st.OpenSession(context.Background(), s, domain.LoginEvent{At: now, OrgID: a.User.OrgID, UserID: a.User.ID,
		Username: a.User.Username, IP: s.IP, LoginType: s.LoginType, Allowed: true}); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestUserEndpoints(t *testing.T) {
	w := setup(t)
	user := map[string]string{"username": w.target.User.Username}
	s1 := w.openSession(t, w.target, strings.Repeat("a1", 32))
	w.openSession(t, w.target, strings.Repeat("b2", 32))
	ctx := context.Background()
	for _, d := range []string{"first-browser", "second-browser"} {
		if err := w.st.AddDevice(ctx, w.target.User, secret.Digest(secret.PurposeDevice, d), domain.Device{ActivatedAt: time.Now(), IP: "192.0.2.10", Via: "VERIFICATION_CODE"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.st.SetTOTPKey(ctx, w.target.User.Username, "sealed-key"); err != nil {
		t.Fatal(err)
	}
	device := secret.Digest(secret.PurposeDevice, "first-browser")[:16]
	newUser := `{"username":"new.user@acme-admin.example","email":"new.user@acme-admin.example","firstName":"New","lastName":"User","profileId":"` + w.target.Profile.ID + `","password":"Corr3ct-Horse-Battery"}`
	w.run(t, []row{
		{"a user created", call{as: &w.admin, route: "POST " + root + "/users", body: newUser}, 200, `"note":"security token sent to new.user@acme-admin.example"`},
		{"a user name taken", call{as: &w.admin, route: "POST " + root + "/users", body: newUser}, 409, domain.CodeDuplicateUsername},
		{"a user created without a password gets a link", call{as: &w.admin, route: "POST " + root + "/users",
			body: `{"username":"linked@acme-admin.example","email":"linked@acme-admin.example","profileId":"` + w.target.Profile.ID + `"}`}, 200, "a link to choose a password sent to linked@acme-admin.example"},
		{"no password and no email", call{as: &w.admin, route: "POST " + root + "/users",
			body: `{"username":"nomail@acme-admin.example","profileId":"` + w.target.Profile.ID + `"}`}, 400, domain.CodeRequiredField},
		{"no profile", call{as: &w.admin, route: "POST " + root + "/users", body: `{"username":"x@acme-admin.example","password":"Corr3ct-Horse-Battery"}`}, 400, domain.CodeRequiredField},
		{"a member of no user", call{as: &w.admin, route: "POST " + root + "/users", body: `{"username":"x@acme-admin.example","profileId":"x","admin":true}`}, 400, domain.CodeInvalidField},
		{"a member of the wrong type", call{as: &w.admin, route: "POST " + root + "/users", body: `{"username":["x"]}`}, 400, domain.CodeInvalidField},
		{"a password too short", call{as: &w.admin, route: "POST " + root + "/users",
			body: `{"username":"short@acme-admin.example","profileId":"` + w.target.Profile.ID + `","password":"abc"}`}, 400, domain.CodeInvalidNewPassword},
		{"a viewer creates no user", call{as: &w.viewer, route: "POST " + root + "/users", body: newUser}, 403, domain.CodeNotPermitted},
		{"a read-only session creates no user", call{as: &w.admin, route: "POST " + root + "/users", body: newUser, readOnly: true}, 403, "INSUFFICIENT_ACCESS_OR_READONLY"},

		{"a reset link", call{as: &w.admin, route: "POST " + root + "/users/{username}/password-reset-link", params: user}, 200, `"loginUrl":"http://127.0.0.1"`},
		{"a reset link needs Manage Users", call{as: &w.viewer, route: "POST " + root + "/users/{username}/password-reset-link", params: user}, 403, domain.CodeNotPermitted},
		{"a new security token", call{as: &w.admin, route: "POST " + root + "/users/{username}/security-token", params: user}, 200, `"sentTo":"` + w.target.User.Email},
		{"no token for a user of no one", call{as: &w.admin, route: "POST " + root + "/users/{username}/security-token",
			params: map[string]string{"username": "nobody@acme-admin.example"}}, 404, "NOT_FOUND"},
		{"TOTP removed", call{as: &w.admin, route: "DELETE " + root + "/users/{username}/totp", params: user}, 200, `"hasTotpKey":false`},

		{"the user's sessions, by reference", call{as: &w.viewer, route: "GET " + root + "/users/{username}/sessions", params: user}, 200, `"ref":"` + s1.Ref() + `"`},
		{"one session ended", call{as: &w.admin, route: "DELETE " + root + "/sessions/{ref}", params: map[string]string{"ref": s1.Ref()}}, 200, `"ended":"` + s1.Ref() + `"`},
		{"a viewer ends no session", call{as: &w.viewer, route: "POST " + root + "/users/{username}/sessions/end", params: user}, 403, domain.CodeNotPermitted},
		{"the rest ended", call{as: &w.admin, route: "POST " + root + "/users/{username}/sessions/end", params: user}, 200, `"sessionsEnded":1`},

		{"the user's browsers", call{as: &w.viewer, route: "GET " + root + "/users/{username}/devices", params: user}, 200, `"id":"` + device + `"`},
		{"one browser revoked", call{as: &w.admin, route: "DELETE " + root + "/users/{username}/devices/{deviceId}",
			params: map[string]string{"username": w.target.User.Username, "deviceId": device}}, 200, `"revoked":"` + device + `"`},
		{"every browser revoked", call{as: &w.admin, route: "DELETE " + root + "/users/{username}/devices", params: user}, 200, `"revoked":"all"`},
		{"none left", call{as: &w.viewer, route: "GET " + root + "/users/{username}/devices", params: user}, 200, `[]`},
	})

	// The answer never echoes a password; the mails went to the stand-in.
	_, body := w.do(t, call{as: &w.admin, route: "GET " + root + "/users/{username}", params: map[string]string{"username": "new.user@acme-admin.example"}})
	if strings.Contains(body, "Corr3ct") {
		t.Fatalf("the password is in %s", body)
	}
	mails := testenv.Mails(t, w.sesURL, "linked@acme-admin.example")
	if !testenv.HasMail(mails, "http://127.0.0.1/login/reset?u=linked%40acme-admin.example") {
		t.Fatalf("no reset link to this deployment's login page reached the user: %+v", mails)
	}
	if !testenv.HasMail(testenv.Mails(t, w.sesURL, w.target.User.Email), "Security token (case-sensitive): ") {
		t.Fatal("no security-token mail reached the target")
	}
}

func TestAppEndpoints(t *testing.T) {
	w := setup(t)
	_, body := w.do(t, call{as: &w.admin, route: "POST " + root + "/apps", body: `{"name":"Data Loader","callbacks":["https://app.example/cb"]}`})
	if !strings.Contains(body, `"clientSecret":"`) {
		t.Fatalf("a confidential app's secret is shown once: %s", body)
	}
	id := between(body, `"clientId":"`, `"`)
	secretText := between(body, `"clientSecret":"`, `"`)
	w.run(t, []row{
		{"the apps, without a secret", call{as: &w.viewer, route: "GET " + root + "/apps"}, 200, `"clientId":"` + id + `"`},
		{"a public app", call{as: &w.admin, route: "POST " + root + "/apps", body: `{"name":"CLI","public":true,"clientId":"PlatformCLI","callbacks":["http://localhost:1717/OauthRedirect"],"scopes":"api refresh_token"}`},
			200, `"requirePkce":true`},
		{"an app without a name", call{as: &w.admin, route: "POST " + root + "/apps", body: `{"name":" "}`}, 400, domain.CodeRequiredField},
		{"a confidential app choosing its id", call{as: &w.admin, route: "POST " + root + "/apps", body: `{"name":"X","clientId":"mine"}`}, 400, domain.CodeInvalidField},
		{"an unknown scope", call{as: &w.admin, route: "POST " + root + "/apps", body: `{"name":"X","scopes":"everything"}`}, 400, domain.CodeInvalidField},
		{"a viewer creates no app", call{as: &w.viewer, route: "POST " + root + "/apps", body: `{"name":"X"}`}, 403, domain.CodeNotPermitted},
		{"an app deleted", call{as: &w.admin, route: "DELETE " + root + "/apps/{clientId}", params: map[string]string{"clientId": id}}, 200, `"deleted":"` + id + `"`},
		{"no such app", call{as: &w.admin, route: "DELETE " + root + "/apps/{clientId}", params: map[string]string{"clientId": "nothing-here"}}, 404, "NOT_FOUND"},
	})
	if _, list := w.do(t, call{as: &w.viewer, route: "GET " + root + "/apps"}); strings.Contains(list, secretText) || strings.Contains(list, id) {
		t.Fatalf("after the delete: %s", list)
	}
}

// between is the text of s after open up to the next close.
func between(s, open, close string) string {
	_, after, _ := strings.Cut(s, open)
	v, _, _ := strings.Cut(after, close)
	return v
}
