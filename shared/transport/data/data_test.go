package data_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"loginguard/internal/apptest"
	"loginguard/internal/testenv"
	"loginguard/shared/config"
	"loginguard/shared/domain"
	"loginguard/shared/ids"
	"loginguard/shared/transport/data"
)

// world is two orgs: in the first a user, another user and an admin (Manage
// Users); in the second a user.
type world struct {
	h                   *data.Handler
	me, other, admin, x testenv.Account
}

func setup(t *testing.T) world {
	t.Helper()
	db := testenv.DynamoDB(testenv.Dynalite(t))
	a := apptest.New(t, db, testenv.CreateTables(t, db), config.Config{})
	st := a.Store
	o := testenv.SeedOrg(t, st, func(o *domain.Org) { o.Name = "Acme Data" })
	p := testenv.SeedProfile(t, st, o)
	admins := testenv.SeedProfile(t, st, o, func(p *domain.Profile) { p.ManageUsers = true })
	named := testenv.User(func(u *domain.User) {
		u.FirstName, u.LastName, u.TimeZone, u.Language, u.Locale = "Ada", "Lovelace", "Europe/London", "en_GB", "en_GB"
	})
	w := world{
		h:     &data.Handler{Store: st, Log: slog.New(slog.NewJSONHandler(io.Discard, nil))},
		me:    testenv.SeedUser(t, st, o, p, named),
		other: testenv.SeedUser(t, st, o, p),
		admin: testenv.SeedUser(t, st, o, admins),
	}
	o2 := testenv.SeedOrg(t, st)
	w.x = testenv.SeedUser(t, st, o2, testenv.SeedProfile(t, st, o2))
	return w
}

// request is the sample event asking path (under /services/data) as u.
func request(t *testing.T, u *testenv.Account, version, proxy, rawQuery string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	var ev events.APIGatewayV2HTTPRequest
	testenv.Event(t, "data/user.json", &ev)
	ev.PathParameters = map[string]string{}
	ev.RouteKey = "GET /services/data"
	if version != "" {
		ev.PathParameters["version"] = version
		ev.RouteKey = "GET /services/data/{version}"
	}
	if proxy != "" {
		ev.PathParameters["proxy"] = proxy
		ev.RouteKey = "GET /services/data/{version}/{proxy+}"
	}
	ev.RawQueryString = rawQuery
	if u == nil {
		ev.RequestContext.Authorizer = nil
	} else {
		ev.RequestContext.Authorizer.Lambda["userId"] = u.User.ID
		ev.RequestContext.Authorizer.Lambda["orgId"] = u.User.OrgID
	}
	return ev
}

func TestSampleEventIsAnUnknownUser(t *testing.T) {
	w := setup(t)
	var ev events.APIGatewayV2HTTPRequest
	testenv.Event(t, "data/user.json", &ev)
	resp, _ := w.h.Handle(context.Background(), ev)
	if resp.StatusCode != 404 || resp.Body != `[{"message":"The requested resource does not exist","errorCode":"NOT_FOUND"}]` {
		t.Fatalf("%d %s", resp.StatusCode, resp.Body)
	}
}

func TestIdentityResources(t *testing.T) {
	w := setup(t)
	me18, other18, x18 := ids.Long(w.me.User.ID), ids.Long(w.other.User.ID), ids.Long(w.x.User.ID)
	q := func(s string) string { return "q=" + strings.NewReplacer(" ", "+", ",", "%2C").Replace(s) }
	const org = "SELECT Name, InstanceName, IsSandbox, TrialExpirationDate, NamespacePrefix, OrganizationType FROM Organization"
	for _, tt := range []struct {
		name                     string
		as                       *testenv.Account
		version, proxy, rawQuery string
		status                   int
		want                     []string // substrings of the body
	}{
		{"the versions run from the oldest served to the latest", &w.me, "", "", "", 200,
			[]string{`{"label":"Summer '14","url":"/services/data/v31.0","version":"31.0"}`, `{"label":"Winter '25","url":"/services/data/v62.0","version":"62.0"}]`}},
		{"a served version lists its resources and the caller's identity URL", &w.me, "v62.0", "", "", 200,
			[]string{`"identity":"http://127.0.0.1:3000/id/` + ids.Long(w.me.User.OrgID) + "/" + me18 + `"`, `"query":"/services/data/v62.0/query"`, `"sobjects":"/services/data/v62.0/sobjects"`}},
		{"an old version is not found", &w.me, "v30.0", "", "", 404, []string{`"errorCode":"NOT_FOUND"`}},
		{"a version after the latest is not found", &w.me, "v63.0", "", "", 404, []string{`"errorCode":"NOT_FOUND"`}},
		{"a version without its v is not found", &w.me, "62.0", "", "", 404, []string{`"errorCode":"NOT_FOUND"`}},
		{"an unknown resource is not found", &w.me, "v62.0", "sobjects/Account/001000000000001", "", 404, []string{`"errorCode":"NOT_FOUND"`}},
		{"one's own User record by its 18-character id", &w.me, "v62.0", "sobjects/User/" + me18, "", 200,
			[]string{`{"attributes":{"type":"User","url":"/services/data/v62.0/sobjects/User/` + me18 + `"},"Id":"` + me18 + `","Username":"` + w.me.User.Username + `"`,
				`"Name":"Ada Lovelace","FirstName":"Ada","LastName":"Lovelace","IsActive":true,"ProfileId":"` + ids.Long(w.me.User.ProfileID) + `"`,
				`"TimeZoneSidKey":"Europe/London","LanguageLocaleKey":"en_GB","LocaleSidKey":"en_GB"}`}},
		{"one's own User record by its 15-character id, at an older version", &w.me, "v50.0", "sobjects/User/" + w.me.User.ID, "", 200,
			[]string{`"url":"/services/data/v50.0/sobjects/User/` + me18 + `"`}},
		{"a user without names answers null names and the defaults", &w.other, "v62.0", "sobjects/User/" + other18, "", 200,
			[]string{`"FirstName":null,"LastName":null`, `"TimeZoneSidKey":"UTC","LanguageLocaleKey":"en_US","LocaleSidKey":"en_US"`}},
		{"another user of the org without Manage Users is refused", &w.me, "v62.0", "sobjects/User/" + other18, "", 403,
			[]string{`"errorCode":"INSUFFICIENT_ACCESS_OR_READONLY"`, "Manage Users"}},
		{"Manage Users reads another user of the org", &w.admin, "v62.0", "sobjects/User/" + me18, "", 200, []string{`"Id":"` + me18 + `"`}},
		{"another org's user is not found, even with Manage Users", &w.admin, "v62.0", "sobjects/User/" + x18, "", 404, []string{`"errorCode":"NOT_FOUND"`}},
		{"an unknown user is not found", &w.me, "v62.0", "sobjects/User/005000000000000", "", 404, []string{`"errorCode":"NOT_FOUND"`}},
		{"an id that is not a user's is not found", &w.me, "v62.0", "sobjects/User/" + w.me.User.OrgID, "", 404, []string{`"errorCode":"NOT_FOUND"`}},
		{"a malformed id is not found", &w.me, "v62.0", "sobjects/User/not-an-id", "", 404, []string{`"errorCode":"NOT_FOUND"`}},
		{"a path below a User record is not found", &w.me, "v62.0", "sobjects/User/" + me18 + "/x", "", 404, []string{`"errorCode":"NOT_FOUND"`}},
		{"ScratchOrgInfo is not a type here: the org is no Dev Hub", &w.me, "v62.0", "query", q("SELECT Id FROM ScratchOrgInfo limit 1"), 400,
			[]string{`[{"message":"sObject type 'ScratchOrgInfo' is not supported.","errorCode":"INVALID_TYPE"}]`}},
		{"the Organization query is answered from the org", &w.me, "v62.0", "query", q(org), 200,
			[]string{`{"totalSize":1,"done":true,"records":[{"attributes":{"type":"Organization","url":"/services/data/v62.0/sobjects/Organization/` + ids.Long(w.me.User.OrgID) + `"},"Name":"Acme Data","InstanceName":"LOCAL","IsSandbox":false,"TrialExpirationDate":null,"NamespacePrefix":null,"OrganizationType":"Developer Edition"}]}`}},
		{"whitespace and case do not matter", &w.me, "v62.0", "query", q("  select name,instancename ,  IsSandbox,\nTrialExpirationDate, NamespacePrefix, OrganizationType\tfrom ORGANIZATION "), 200,
			[]string{`"Name":"Acme Data"`}},
		{"percent-encoded spaces read as spaces", &w.me, "v62.0", "query", "q=SELECT%20Id%20FROM%20ScratchOrgInfo%20limit%201", 400, []string{`"errorCode":"INVALID_TYPE"`}},
		{"any other query is malformed", &w.me, "v62.0", "query", q("SELECT Id FROM Account"), 400,
			[]string{`"errorCode":"MALFORMED_QUERY"`, "only"}},
		{"a query with more is malformed", &w.me, "v62.0", "query", q(org + " WHERE Name = 'x'"), 400, []string{`"errorCode":"MALFORMED_QUERY"`}},
		{"no query is malformed", &w.me, "v62.0", "query", "", 400,
			[]string{`[{"message":"A query string has to be specified","errorCode":"MALFORMED_QUERY"}]`}},
		{"without the authorizer's context nothing is answered", nil, "v62.0", "", "", 401, []string{`"errorCode":"INVALID_SESSION_ID"`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := w.h.Handle(context.Background(), request(t, tt.as, tt.version, tt.proxy, tt.rawQuery))
			if err != nil || resp.StatusCode != tt.status {
				t.Fatalf("%d %v %s; want %d", resp.StatusCode, err, resp.Body, tt.status)
			}
			if !json.Valid([]byte(resp.Body)) || resp.Headers["Content-Type"] != "application/json;charset=UTF-8" || resp.Headers["Cache-Control"] != "no-store" {
				t.Fatalf("not a JSON answer that no cache keeps: %v %s", resp.Headers, resp.Body)
			}
			for _, s := range tt.want {
				if !strings.Contains(resp.Body, s) {
					t.Errorf("body lacks %s:\n%s", s, resp.Body)
				}
			}
			if resp.StatusCode >= 400 && !strings.HasPrefix(resp.Body, `[{"message":`) {
				t.Errorf("an error is Salesforce's array of {message, errorCode}: %s", resp.Body)
			}
		})
	}
}
