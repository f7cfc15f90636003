package adminapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"testing"
	"time"

	"loginguard/shared/domain"
	"loginguard/shared/policy"
)

// pageOf is one page of a listing, its lines decoded as far as the tests
// compare them.
type pageOf struct {
	Records []struct {
		At, Username, Status, LoginType, SourceIP, Target, Action string
	} `json:"records"`
	NextCursor string `json:"nextCursor"`
}

// walk reads a listing page after page (query, then ?cursor= of each
// page) and returns every line's text, in order.
func (w world) walk(t *testing.T, route, query string, line func(ip, target string) string) []string {
	t.Helper()
	var out []string
	cursor := ""
	for pages := 0; ; pages++ {
		q := query
		if cursor != "" {
			q += "&cursor=" + url.QueryEscape(cursor)
		}
		status, body := w.do(t, call{as: &w.viewer, route: route, query: q})
		w.doc.Answers(t, route, status, body)
		var p pageOf
		if status != 200 || json.Unmarshal([]byte(body), &p) != nil {
			t.Fatalf("%s?%s: %d %s", route, q, status, body)
		}
		for _, r := range p.Records {
			out = append(out, line(r.SourceIP, r.Target))
		}
		if cursor = p.NextCursor; cursor == "" {
			return out
		}
		if pages > 100 {
			t.Fatal("the listing does not end")
		}
	}
}

// Paging goes through every line once, in order, with and without
// filters: lines written at the same instant included (the cursor is the
// store's position, not a time).
func TestPagingNeitherSkipsNorRepeats(t *testing.T) {
	w := setup(t)
	ctx := context.Background()
	at := time.Now().UTC().Truncate(time.Second).Add(-time.Hour)
	var all, failedSOAP []string
	for i := range 23 {
		e := domain.LoginEvent{At: at.Add(time.Duration(i/2) * time.Second), OrgID: w.target.User.OrgID, UserID: w.target.User.ID,
			Username: w.target.User.Username, IP: fmt.Sprintf("192.0.2.%d", i), LoginType: []string{policy.LoginSOAP, policy.LoginREST}[i%3/2],
			Allowed: i%4 == 0, Reason: "TEST"}
		if err := w.st.Record(ctx, e); err != nil {
			t.Fatal(err)
		}
		all = append(all, e.IP)
		if !e.Allowed && e.LoginType == policy.LoginSOAP {
			failedSOAP = append(failedSOAP, e.IP)
		}
	}
	ip := func(ip, _ string) string { return ip }
	user := "user=" + url.QueryEscape(w.target.User.Username)
	route := "GET " + root + "/login-history"
	// Newest first; two lines share each second, in the store's order.
	got := w.walk(t, route, user+"&limit=4", ip)
	if len(got) != len(all) || !sameSet(got, all) || !newestFirstBySecond(got, all) {
		t.Fatalf("pages of 4: %v\nwant (newest first) %v", got, all)
	}
	got = w.walk(t, route, user+"&limit=3&outcome=Failed&type=SOAP&since="+url.QueryEscape(at.Format(time.RFC3339)), ip)
	if len(got) != len(failedSOAP) || !sameSet(got, failedSOAP) {
		t.Fatalf("filtered pages of 3: %v\nwant %v", got, failedSOAP)
	}

	for i := range 7 {
		if err := w.st.Audit(ctx, domain.AuditEvent{At: at.Add(time.Duration(i/3) * time.Second), OrgID: w.admin.User.OrgID,
			Actor: "admin CLI", Target: fmt.Sprintf("user-%d", i), Action: "TOKEN_RESET", Outcome: "DONE", Via: "CLI"}); err != nil {
			t.Fatal(err)
		}
	}
	targets := w.walk(t, "GET "+root+"/audit-trail", "limit=2", func(_, target string) string { return target })
	if len(targets) != 7 || !sameSet(targets, []string{"user-0", "user-1", "user-2", "user-3", "user-4", "user-5", "user-6"}) {
		t.Fatalf("audit pages of 2: %v", targets)
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b) && len(slices.Compact(a)) == len(a)
}

// newestFirstBySecond: got lists want's lines from the newest second to
// the oldest (want holds two lines a second, oldest first).
func newestFirstBySecond(got, want []string) bool {
	for i := 1; i < len(got); i++ {
		if slices.Index(want, got[i])/2 > slices.Index(want, got[i-1])/2 {
			return false
		}
	}
	return true
}
