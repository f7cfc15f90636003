package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"loginguard/shared/domain"
	"loginguard/shared/ids"
)

// dataRun is what e2e/js/data.mjs prints: each step's outcome, its answer
// when it worked, else jsforce's error code (the errorCode of Salesforce's
// error array).
type dataRun struct {
	Login struct {
		OK      bool   `json:"ok"`
		Code    string `json:"code"`
		Message string `json:"message"`
		UserID  string `json:"userId"`
	} `json:"login"`
	Versions       dataStep[[]map[string]string] `json:"versions"`
	Resources      dataStep[map[string]string]   `json:"resources"`
	Self           dataStep[map[string]any]      `json:"self"`
	Other          dataStep[map[string]any]      `json:"other"`
	ScratchOrgInfo dataStep[map[string]any]      `json:"scratchOrgInfo"`
	Organization   dataStep[struct {
		TotalSize int              `json:"totalSize"`
		Records   []map[string]any `json:"records"`
	}] `json:"organization"`
	OtherQuery dataStep[map[string]any] `json:"other_query"`
}

type dataStep[T any] struct {
	OK      bool   `json:"ok"`
	Value   T      `json:"value"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// node runs one of e2e/js's scripts on in (argv[2], JSON) and decodes what
// it prints into out.
func (s *stack) node(t *testing.T, script string, in, out any) {
	t.Helper()
	arg, _ := json.Marshal(in)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "node", filepath.Join(s.root, "e2e", "js", script), string(arg))
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	if err := json.Unmarshal(stdout.Bytes(), out); err != nil || runErr != nil {
		t.Fatalf("%s: %v (run: %v)\nstdout: %s\nstderr: %s", script, err, runErr, stdout.String(), stderr.String())
	}
}

// userID is the 15-character id of the user named so.
func (s *stack) userID(t *testing.T, username string) string {
	t.Helper()
	u, err := s.st.User(context.Background(), username)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// TestRESTIdentityResources reads /services/data and what is under it
// through the gateway and the session authorizer: with jsforce, as the
// Salesforce CLI does after logging in (also through an instance URL
// ending in "/", so every path starts with "//"), and with plain HTTP.
func TestRESTIdentityResources(t *testing.T) {
	s := startStack(t)
	o, p := s.orgAndProfile(t, func(o *domain.Org) { o.TrustedRanges = ranges(t, "127.0.0.0-127.0.0.255") }, nil)
	me, other := s.userIn(t, o, p), s.userIn(t, o, p)
	admin := s.userIn(t, o, s.profileIn(t, o, func(p *domain.Profile) { p.ManageUsers = true }))
	meID, otherID := s.userID(t, me.username), s.userID(t, other.username)
	cid, csec := s.app(t, o.ID)

	run := func(t *testing.T, a account, trailingSlash bool) dataRun {
		t.Helper()
		var r dataRun
		s.node(t, "data.mjs", map[string]any{"loginUrl": s.baseURL, "clientId": cid, "clientSecret": csec,
			"username": a.username, "password": a.password, "version": "62.0", "trailingSlash": trailingSlash,
			"otherUserId": ids.Long(otherID)}, &r)
		if !r.Login.OK {
			t.Fatalf("jsforce login: %s %s", r.Login.Code, r.Login.Message)
		}
		return r
	}
	for _, trailingSlash := range []bool{false, true} {
		name := map[bool]string{false: "jsforce", true: "jsforce through an instance URL ending in / (every path starts with //)"}[trailingSlash]
		t.Run(name, func(t *testing.T) {
			r := run(t, me, trailingSlash)
			vs := r.Versions.Value
			if !r.Versions.OK || len(vs) == 0 || vs[0]["version"] != "31.0" || vs[len(vs)-1]["version"] != "62.0" ||
				vs[len(vs)-1]["url"] != "/services/data/v62.0" || vs[len(vs)-1]["label"] != "Winter '25" {
				t.Errorf("versions: %+v", r.Versions)
			}
			want := s.baseURL + "/id/" + ids.Long(o.ID) + "/" + ids.Long(meID)
			if !r.Resources.OK || r.Resources.Value["identity"] != want || r.Resources.Value["query"] != "/services/data/v62.0/query" {
				t.Errorf("resources: %+v; want identity %s", r.Resources, want)
			}
			if v := r.Self.Value; !r.Self.OK || v["Id"] != ids.Long(meID) || v["Username"] != me.username || v["Name"] != "Eve Tester" ||
				v["IsActive"] != true || v["ProfileId"] != ids.Long(p.ID) {
				t.Errorf("own User record: %+v", r.Self)
			}
			if r.Other.OK || r.Other.Code != "INSUFFICIENT_ACCESS_OR_READONLY" {
				t.Errorf("another user's record without Manage Users: %+v", r.Other)
			}
			if r.ScratchOrgInfo.OK || r.ScratchOrgInfo.Code != "INVALID_TYPE" {
				t.Errorf("ScratchOrgInfo (the CLI's Dev Hub check): %+v", r.ScratchOrgInfo)
			}
			if q := r.Organization.Value; !r.Organization.OK || q.TotalSize != 1 || len(q.Records) != 1 || q.Records[0]["Name"] != "Acme E2E" ||
				q.Records[0]["IsSandbox"] != false || q.Records[0]["OrganizationType"] != "Developer Edition" {
				t.Errorf("the Organization query: %+v", r.Organization)
			}
			if r.OtherQuery.OK || r.OtherQuery.Code != "MALFORMED_QUERY" {
				t.Errorf("another query: %+v", r.OtherQuery)
			}
		})
	}
	t.Run("jsforce with Manage Users reads another user's record", func(t *testing.T) {
		r := run(t, admin, false)
		if !r.Other.OK || r.Other.Value["Id"] != ids.Long(otherID) || r.Other.Value["Username"] != other.username {
			t.Errorf("another user's record with Manage Users: %+v", r.Other)
		}
	})

	tok := s.oauthLogin(t, me, "")
	soap := s.soapLogin(t, me.username, me.password)
	browser := s.browserLogin(t, me.username, me.password, nil).cookies[sidCookie]
	if browser == "" {
		t.Fatal("browser login: no session cookie")
	}
	bearer := func(sid string) map[string]string { return map[string]string{"Authorization": "Bearer " + sid} }
	notFound := `[{"message":"The requested resource does not exist","errorCode":"NOT_FOUND"}]`
	for _, tt := range []struct {
		name, path string
		header     map[string]string
		status     int
		body       string // a substring
	}{
		{"the versions need a session (Salesforce serves them without one; the clients send it)", "/services/data", nil, 401, ""},
		{"an OAuth session reads the versions", "/services/data", bearer(tok), 200, `"version":"62.0"`},
		{"so does a SOAP session", "/services/data/v62.0", bearer(soap), 200, `"identity":"`},
		// Answered by the function as Salesforce's REST API does (401, so an
		// OAuth client refreshes), not by the gateway's 403: the authorizer
		// lets an invalid session through to these routes as no user.
		{"a browser session is no bearer token", "/services/data", bearer(browser), 401, `"errorCode":"INVALID_SESSION_ID"`},
		{"a made-up session is refused", "/services/data", bearer(o.ID + "!made-up"), 401, `"errorCode":"INVALID_SESSION_ID"`},
		{"a leading // reads the versions", "//services/data", bearer(tok), 200, `"version":"31.0"`},
		{"a leading // reads one's own record by its 15-character id", "//services/data/v62.0/sobjects/User/" + meID, bearer(tok), 200, `"Id":"` + ids.Long(meID) + `"`},
		{"a leading // asks the Organization query", "//services/data/v62.0/query?q=SELECT+Name%2C+InstanceName%2C+IsSandbox%2C+TrialExpirationDate%2C+NamespacePrefix%2C+OrganizationType+FROM+Organization",
			bearer(tok), 200, `"totalSize":1`},
		{"a leading // opens no other route", "//api/whoami", bearer(tok), 403, ""},
		{"an empty segment further in is refused by the authorizer", "/services/data/v62.0//query?q=x", bearer(tok), 403, ""},
		{"a dot segment is refused by the authorizer", "/services/data/v62.0/sobjects/User/../User/" + meID, bearer(tok), 403, ""},
		{"a version not served is NOT_FOUND", "/services/data/v63.0", bearer(tok), 404, notFound},
		{"an unknown resource is NOT_FOUND", "/services/data/v62.0/sobjects/Account", bearer(tok), 404, notFound},
		{"an unknown user is NOT_FOUND", "/services/data/v62.0/sobjects/User/005000000000000", bearer(tok), 404, notFound},
		{"no query is MALFORMED_QUERY", "/services/data/v62.0/query", bearer(tok), 400, `"errorCode":"MALFORMED_QUERY"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := s.do(t, "GET", tt.path, nil, tt.header, "")
			if r.status != tt.status || !strings.Contains(r.body, tt.body) {
				t.Fatalf("GET %s: %d %s; want %d with %s", tt.path, r.status, r.body, tt.status, tt.body)
			}
		})
	}
	t.Run("no session id reaches the log", func(t *testing.T) {
		b, err := os.ReadFile(s.logPath)
		if err != nil {
			t.Fatal(err)
		}
		for _, sid := range []string{tok, soap, browser} {
			if bytes.Contains(b, []byte(sid)) {
				t.Fatal("a session id is in the gateway's log")
			}
		}
	})
}
