package e2e

import (
	"context"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"loginguard/shared/domain"
	"loginguard/shared/store/dynamo"
)

// The console's Login History and Connected Apps in headless Chromium
// (e2e/js/console-history.mjs), after real logins through the SOAP and
// browser login endpoints.

// historyResult is what the login-history scenario leaves beside its
// screenshots (console-history-result.json): the downloads' text and the
// chart's bars as the page drew them.
type historyResult struct {
	CSV      string     `json:"csv"`
	Filtered string     `json:"filtered"`
	Bars     []chartBar `json:"bars"`
}

type chartBar struct {
	Hour    string `json:"hour"`
	Start   string `json:"start"`
	Success int    `json:"success"`
	Failed  int    `json:"failed"`
}

// evilClient is a user agent a spreadsheet would run as a formula, with a
// comma and quotes for the CSV's escaping.
const evilClient = `=HYPERLINK("http://evil.example","x"), @SUM(1)`

func TestConsoleHistory(t *testing.T) {
	s := startStack(t)
	ctx := context.Background()

	t.Run("Login History: real logins listed, filtered, paged, downloaded as CSV and charted", func(t *testing.T) {
		o, p := s.orgAndProfile(t, func(o *domain.Org) { o.TimeZone = "Asia/Kolkata" }, func(p *domain.Profile) { p.ViewSetup = true })
		admin, bob := s.userIn(t, o, p), s.userIn(t, o, p)
		for range 3 {
			if r := s.soapFrom(t, "198.51.100.20", bob.username, bob.password+bob.token); r.status != 200 {
				t.Fatalf("bob's SOAP login: %d %s", r.status, r.body)
			}
		}
		for range 2 {
			r := s.do(t, "POST", "/services/Soap/u/50.0", nil, from("198.51.100.21", map[string]string{"Content-Type": "text/xml",
				"SOAPAction": `""`, "User-Agent": evilClient}), soapEnvelope(bob.username, "wrong-"+bob.password))
			if r.status != 500 || !strings.Contains(r.body, "INVALID_LOGIN") {
				t.Fatalf("bob's wrong password: %d %s", r.status, r.body)
			}
		}
		for range 6 {
			if r := s.soapFrom(t, "198.51.100.22", admin.username, admin.password+admin.token); r.status != 200 {
				t.Fatalf("the admin's SOAP login: %d %s", r.status, r.body)
			}
		}
		s.console(t, "login-history", admin, map[string]any{"bob": bob.username, "apiLines": 11})

		lines, err := s.st.History(ctx, dynamo.HistoryFilter{OrgID: o.ID, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var res historyResult
		s.browserResult(t, "login-history-result.json", &res)
		checkHistoryCSV(t, res.CSV, lines)
		var failed []domain.LoginEvent
		for _, e := range lines {
			if e.Username == bob.username && !e.Allowed {
				failed = append(failed, e)
			}
		}
		checkHistoryCSV(t, res.Filtered, failed)
		checkChart(t, res.Bars, lines)
	})

	t.Run("Connected Apps: created (the secret shown once), used, listed, deleted ending its session", func(t *testing.T) {
		a := s.account(t, nil, func(p *domain.Profile) { p.CustomizeApplication, p.ViewSetup = true, true })
		s.console(t, "connected-apps", a, map[string]any{"token": a.token})
		apps, err := s.st.Apps(ctx, a.org.ID)
		if err != nil || len(apps) != 0 {
			t.Fatalf("after the delete the org has apps %+v (%v)", apps, err)
		}
	})

	t.Run("View Setup only: history read, no app forms; a forged delete refused naming Customize Application", func(t *testing.T) {
		a := s.account(t, nil, func(p *domain.Profile) { p.ViewSetup = true })
		id, _ := s.app(t, a.org.ID)
		s.console(t, "apps-read-only", a, map[string]any{"clientId": id})
		apps, err := s.st.Apps(ctx, a.org.ID)
		if err != nil || len(apps) != 1 || apps[0].ClientID != id {
			t.Fatalf("the forged delete changed the apps: %+v (%v)", apps, err)
		}
		trail, err := s.st.AuditTrail(ctx, a.org.ID, 5)
		if err != nil {
			t.Fatal(err)
		}
		if !hasAudit(trail, "MANAGE_CONNECTED_APPS", domain.CodeNotPermitted) {
			t.Fatalf("the refusal is not in the audit trail: %+v", trail)
		}
	})
}

// checkHistoryCSV parses a download and checks it is want, line for line:
// the header, then each line's time (in the admin's zone, Asia/Kolkata),
// user, type, IP, status, client (formulas defused) and reason.
func checkHistoryCSV(t *testing.T, text string, want []domain.LoginEvent) {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(text)).ReadAll()
	if err != nil {
		t.Fatalf("the download does not parse as CSV: %v\n%s", err, text)
	}
	header := "Login Time|Username|Login Type|Source IP|Status|Application/Client|API Version|Reason"
	if len(rows) == 0 || strings.Join(rows[0], "|") != header {
		t.Fatalf("header %q, want %q", rows, header)
	}
	if len(rows)-1 != len(want) {
		t.Fatalf("%d rows, want the %d history lines:\n%s", len(rows)-1, len(want), text)
	}
	for i, e := range want {
		row := rows[i+1]
		at, err := time.Parse(time.RFC3339, row[0])
		if err != nil || !at.Equal(e.At.Truncate(time.Second)) || !strings.HasSuffix(row[0], "+05:30") {
			t.Errorf("row %d: time %q, want %v in +05:30", i, row[0], e.At)
		}
		status, client := "Failed", e.Client
		if e.Allowed {
			status = "Success"
		}
		if strings.HasPrefix(client, "=") {
			client = "'" + client
		}
		got := strings.Join(row[1:], "|")
		if w := strings.Join([]string{e.Username, e.LoginType, e.IP, status, client, e.APIVersion, e.Reason}, "|"); got != w {
			t.Errorf("row %d:\n got %s\nwant %s", i, got, w)
		}
	}
}

// checkChart checks the chart's 24 bars against the lines: each bar's
// counts are the lines of its hour.
func checkChart(t *testing.T, bars []chartBar, lines []domain.LoginEvent) {
	t.Helper()
	ist, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		t.Fatal(err)
	}
	if len(bars) != 24 {
		t.Fatalf("the chart has %d bars, want 24", len(bars))
	}
	total := 0
	for _, b := range bars {
		start, err := time.Parse(time.RFC3339, b.Start)
		if err != nil {
			t.Fatalf("bar %+v: %v", b, err)
		}
		ok, failed := 0, 0
		for _, e := range lines {
			if !e.At.Before(start) && e.At.Before(start.Add(time.Hour)) {
				if e.Allowed {
					ok++
				} else {
					failed++
				}
			}
		}
		if b.Success != ok || b.Failed != failed {
			t.Errorf("the bar of %s (%s): %d/%d, the history has %d/%d", b.Hour, b.Start, b.Success, b.Failed, ok, failed)
		}
		if want := start.In(ist).Format("15"); b.Hour != want {
			t.Errorf("the bar starting %s is labelled %s, want %s (the admin's zone)", b.Start, b.Hour, want)
		}
		total += b.Success + b.Failed
	}
	if total != len(lines) {
		t.Errorf("the chart counts %d lines, the history has %d", total, len(lines))
	}
}

func hasAudit(trail []domain.AuditEvent, action, outcome string) bool {
	for _, e := range trail {
		if e.Action == action && e.Outcome == outcome {
			return true
		}
	}
	return false
}
