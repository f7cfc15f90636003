package adminapi_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"loginguard/internal/apptest"
	"loginguard/internal/openapi"
	"loginguard/internal/testenv"
	"loginguard/shared/admin"
	"loginguard/shared/config"
	"loginguard/shared/domain"
	"loginguard/shared/mail/ses"
	"loginguard/shared/store/dynamo"
	"loginguard/shared/transport/adminapi"
)

// world is an org with an admin (Manage Users and Customize Application),
// a viewer (View Setup), a user without permissions, a user the tests
// change (of a profile of their own) and a user of another org.
type world struct {
	h                                  *adminapi.Handler
	doc                                *openapi.Doc
	st                                 *dynamo.Store
	sesURL                             string
	admin, viewer, plain, target, xorg testenv.Account
}

func setup(t *testing.T) world {
	t.Helper()
	db := testenv.DynamoDB(testenv.Dynalite(t))
	sesURL := testenv.SES(t)
	sender, err := ses.New(testenv.SESv2(sesURL), "no-reply@example.com")
	if err != nil {
		t.Fatal(err)
	}
	a := apptest.New(t, db, testenv.CreateTables(t, db), config.Config{}, apptest.Mailer(sender))
	st := a.Store
	o := testenv.SeedOrg(t, st, func(o *domain.Org) { o.Name = "Acme Admin" })
	admins := testenv.SeedProfile(t, st, o, func(p *domain.Profile) {
		p.Name, p.ManageUsers, p.CustomizeApplication = "Admins", true, true
	})
	viewers := testenv.SeedProfile(t, st, o, func(p *domain.Profile) { p.Name, p.ViewSetup = "Viewers", true })
	plain := testenv.SeedProfile(t, st, o, func(p *domain.Profile) { p.Name = "Standard" })
	o2 := testenv.SeedOrg(t, st)
	svc := &admin.Service{Store: st, Accounts: a.Accounts, Sessions: a.Sessions, Rand: rand.Reader, Now: time.Now, Params: testenv.FastParams}
	return world{
		h:      &adminapi.Handler{Users: st, Admin: svc, Log: slog.New(slog.NewJSONHandler(io.Discard, nil))},
		doc:    openapi.Load(t),
		st:     st,
		sesURL: sesURL,
		admin:  testenv.SeedUser(t, st, o, admins),
		viewer: testenv.SeedUser(t, st, o, viewers),
		plain:  testenv.SeedUser(t, st, o, plain),
		target: testenv.SeedUser(t, st, o, testenv.SeedProfile(t, st, o, func(p *domain.Profile) { p.Name = "Targets" })),
		xorg:   testenv.SeedUser(t, st, o2, testenv.SeedProfile(t, st, o2)),
	}
}

// call is one request of the sample event's shape.
type call struct {
	as          *testenv.Account
	route       string            // the route key
	params      map[string]string // path parameters
	query, body string
	contentType string // "": application/json when there is a body
	readOnly    bool
}

func (w world) do(t *testing.T, c call) (int, string) {
	t.Helper()
	var ev events.APIGatewayV2HTTPRequest
	testenv.Event(t, "admin/org.json", &ev)
	ev.RouteKey, ev.RequestContext.RouteKey = c.route, c.route
	method, path, _ := strings.Cut(c.route, " ")
	for k, v := range c.params {
		path = strings.Replace(path, "{"+k+"}", url.PathEscape(v), 1)
	}
	ev.RequestContext.HTTP.Method, ev.RawPath, ev.RequestContext.HTTP.Path = method, path, path
	ev.PathParameters, ev.RawQueryString, ev.Body = c.params, c.query, c.body
	if c.body != "" {
		ev.Headers["content-type"] = "application/json"
		if c.contentType != "" {
			ev.Headers["content-type"] = c.contentType
		}
	}
	if c.as == nil {
		ev.RequestContext.Authorizer = nil
	} else {
		ev.RequestContext.Authorizer.Lambda["userId"] = c.as.User.ID
		ev.RequestContext.Authorizer.Lambda["orgId"] = c.as.User.OrgID
		ev.RequestContext.Authorizer.Lambda["readOnly"] = c.readOnly
	}
	resp, err := w.h.Handle(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Body
}

const root = adminapi.Root

// errorCode is the code of an error answer ("" for any other).
func errorCode(body string) string {
	var e []struct{ ErrorCode string }
	if json.Unmarshal([]byte(body), &e) != nil || len(e) != 1 {
		return ""
	}
	return e[0].ErrorCode
}

func TestEndpoints(t *testing.T) {
	w := setup(t)
	user := map[string]string{"username": w.target.User.Username}
	prof := map[string]string{"profileId": w.target.Profile.ID}
	w.run(t, []row{
		{"the org's settings", call{as: &w.viewer, route: "GET " + root + "/org"}, 200, `"name":"Acme Admin"`},
		{"a change of the org's settings", call{as: &w.admin, route: "PATCH " + root + "/org",
			body: `{"lockoutMaxAttempts":"5","sessionTimeout":"30m","trustedIpRanges":["10.0.0.0-10.0.0.255"],"passwordMinLength":12,"rememberMe":true}`},
			200, `"trustedIpRanges":["10.0.0.0-10.0.0.255"]`},
		{"an empty change stores the next version", call{as: &w.admin, route: "PATCH " + root + "/org", body: `{}`}, 200, `"version":`},
		{"a lockout value out of range", call{as: &w.admin, route: "PATCH " + root + "/org", body: `{"lockoutMaxAttempts":"4"}`},
			400, domain.CodeInvalidField},
		{"a reversed IP range", call{as: &w.admin, route: "PATCH " + root + "/org", body: `{"trustedIpRanges":["10.0.0.9-10.0.0.1"]}`},
			400, domain.CodeInvalidField},
		{"an unknown setting", call{as: &w.admin, route: "PATCH " + root + "/org", body: `{"lockoutMax":"5"}`}, 400, domain.CodeInvalidField},
		{"a setting of the wrong type", call{as: &w.admin, route: "PATCH " + root + "/org", body: `{"rememberMe":"yes"}`}, 400, domain.CodeInvalidField},
		{"a body that is not an object", call{as: &w.admin, route: "PATCH " + root + "/org", body: `[1]`}, 400, "JSON_PARSER_ERROR"},
		{"two objects", call{as: &w.admin, route: "PATCH " + root + "/org", body: `{}{}`}, 400, "JSON_PARSER_ERROR"},
		{"a body that is not JSON", call{as: &w.admin, route: "PATCH " + root + "/org", body: `lockout=5`, contentType: "application/x-www-form-urlencoded"},
			415, "UNSUPPORTED_MEDIA_TYPE"},
		{"a PATCH without a body", call{as: &w.admin, route: "PATCH " + root + "/org"}, 415, "UNSUPPORTED_MEDIA_TYPE"},
		{"a body over 16 KiB", call{as: &w.admin, route: "PATCH " + root + "/org", body: `{"timeZone":"` + strings.Repeat("x", 17<<10) + `"}`},
			413, "REQUEST_ENTITY_TOO_LARGE"},
		{"a viewer may not change settings", call{as: &w.viewer, route: "PATCH " + root + "/org", body: `{"rememberMe":true}`},
			403, domain.CodeNotPermitted},
		{"a read-only session changes nothing", call{as: &w.admin, route: "PATCH " + root + "/org", body: `{}`, readOnly: true},
			403, "INSUFFICIENT_ACCESS_OR_READONLY"},
		{"a user without View Setup reads nothing", call{as: &w.plain, route: "GET " + root + "/org"}, 403, domain.CodeNotPermitted},
		{"no authorizer context", call{route: "GET " + root + "/org"}, 401, domain.CodeInvalidSession},

		{"the profiles", call{as: &w.viewer, route: "GET " + root + "/profiles"}, 200, `"name":"Viewers"`},
		{"one profile", call{as: &w.viewer, route: "GET " + root + "/profiles/{profileId}", params: prof}, 200, `"name":"Targets"`},
		{"another org's profile is none", call{as: &w.viewer, route: "GET " + root + "/profiles/{profileId}",
			params: map[string]string{"profileId": w.xorg.Profile.ID}}, 404, "NOT_FOUND"},
		{"a profile's login hours, ranges and permissions", call{as: &w.admin, route: "PATCH " + root + "/profiles/{profileId}", params: prof,
			body: `{"loginHours":"mon=08:00-18:00","loginIpRanges":["192.0.2.0-192.0.2.255"],"apiEnabled":false,"viewSetup":true}`},
			200, `"loginHours":"mon=08:00-18:00"`},
		{"bad login hours", call{as: &w.admin, route: "PATCH " + root + "/profiles/{profileId}", params: prof, body: `{"loginHours":"someday"}`},
			400, domain.CodeInvalidField},
		{"a viewer may not change a profile", call{as: &w.viewer, route: "PATCH " + root + "/profiles/{profileId}", params: prof, body: `{}`},
			403, domain.CodeNotPermitted},

		{"the users", call{as: &w.viewer, route: "GET " + root + "/users"}, 200, w.admin.User.Username},
		{"one user", call{as: &w.viewer, route: "GET " + root + "/users/{username}", params: user}, 200, `"username":"` + w.target.User.Username},
		{"another org's user is refused", call{as: &w.viewer, route: "GET " + root + "/users/{username}",
			params: map[string]string{"username": w.xorg.User.Username}}, 403, domain.CodeNotPermitted},
		{"no such user", call{as: &w.viewer, route: "GET " + root + "/users/{username}",
			params: map[string]string{"username": "nobody@example.com"}}, 404, "NOT_FOUND"},
		{"unlock", call{as: &w.admin, route: "POST " + root + "/users/{username}/unlock", params: user}, 200, `"locked":false`},
		{"a viewer may not unlock", call{as: &w.viewer, route: "POST " + root + "/users/{username}/unlock", params: user}, 403, domain.CodeNotPermitted},
		{"deactivate", call{as: &w.admin, route: "POST " + root + "/users/{username}/deactivate", params: user}, 200, `"active":false`},
		{"activate", call{as: &w.admin, route: "POST " + root + "/users/{username}/activate", params: user}, 200, `"active":true`},
		{"a read-only session activates no one", call{as: &w.admin, route: "POST " + root + "/users/{username}/activate", params: user, readOnly: true},
			403, "INSUFFICIENT_ACCESS_OR_READONLY"},

		{"login history", call{as: &w.viewer, route: "GET " + root + "/login-history"}, 200, `"records":[`},
		{"login history, filtered", call{as: &w.viewer, route: "GET " + root + "/login-history",
			query: "user=" + url.QueryEscape(w.plain.User.Username) + "&since=2026-01-01T00:00:00Z&before=2036-01-01T00:00:00Z&outcome=Failed&type=SOAP&limit=10"}, 200, `"records":[`},
		{"a cursor that is none of ours", call{as: &w.viewer, route: "GET " + root + "/login-history", query: "cursor=not-a-cursor"}, 400, domain.CodeInvalidQuery},
		{"a bad time", call{as: &w.viewer, route: "GET " + root + "/login-history", query: "since=yesterday"}, 400, domain.CodeInvalidQuery},
		{"a bad outcome", call{as: &w.viewer, route: "GET " + root + "/login-history", query: "outcome=maybe"}, 400, domain.CodeInvalidQuery},
		{"a login type is open: none such, no lines", call{as: &w.viewer, route: "GET " + root + "/login-history", query: "type=SAML"}, 200, `"records":[]`},
		{"a limit out of range", call{as: &w.viewer, route: "GET " + root + "/login-history", query: "limit=1001"}, 400, domain.CodeInvalidLimit},
		{"history needs View Setup", call{as: &w.plain, route: "GET " + root + "/login-history"}, 403, domain.CodeNotPermitted},
		{"the audit trail", call{as: &w.viewer, route: "GET " + root + "/audit-trail", query: "limit=5"}, 200, `"outcome":"INSUFFICIENT_ACCESS"`},
		{"an audit limit that is no number", call{as: &w.viewer, route: "GET " + root + "/audit-trail", query: "limit=all"}, 400, domain.CodeInvalidLimit},
		{"Health Check", call{as: &w.viewer, route: "GET " + root + "/health-check"}, 200, `"grade":`},
		{"Health Check needs View Setup", call{as: &w.plain, route: "GET " + root + "/health-check"}, 403, domain.CodeNotPermitted},
	})
}

// row is one request and the answer it must get.
type row struct {
	name   string
	c      call
	status int
	code   string // the error's code, or text the answer contains
}

// run makes each row's request in turn (later rows see earlier rows'
// changes) and holds its answer to the row and to the OpenAPI file.
func (w world) run(t *testing.T, rows []row) {
	t.Helper()
	for _, tt := range rows {
		t.Run(tt.name, func(t *testing.T) {
			status, body := w.do(t, tt.c)
			if status != tt.status || tt.status != 200 && errorCode(body) != tt.code || tt.status == 200 && !strings.Contains(body, tt.code) {
				t.Fatalf("%d %s; want %d %s", status, body, tt.status, tt.code)
			}
			w.doc.Answers(t, tt.c.route, status, body)
		})
	}
}

// A refusal names the permission that is missing.
func TestRefusalNamesThePermission(t *testing.T) {
	w := setup(t)
	_, body := w.do(t, call{as: &w.viewer, route: "PATCH " + root + "/org", body: `{"rememberMe":true}`})
	if !strings.Contains(body, "Customize Application") {
		t.Fatalf("%s", body)
	}
	_, body = w.do(t, call{as: &w.viewer, route: "POST " + root + "/users/{username}/unlock", params: map[string]string{"username": w.plain.User.Username}})
	if !strings.Contains(body, "Manage Users") {
		t.Fatalf("%s", body)
	}
}

// The sample event names a user that does not exist: nothing is trusted.
func TestSampleEventIsAnUnknownUser(t *testing.T) {
	w := setup(t)
	var ev events.APIGatewayV2HTTPRequest
	testenv.Event(t, "admin/org.json", &ev)
	resp, _ := w.h.Handle(context.Background(), ev)
	if resp.StatusCode != 401 || errorCode(resp.Body) != domain.CodeInvalidSession {
		t.Fatalf("%d %s", resp.StatusCode, resp.Body)
	}
}
