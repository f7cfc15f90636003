package web

import (
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"loginguard/shared/admin"
	"loginguard/shared/domain"
)

func TestHistoryCSVEscapesAndDefusesFormulas(t *testing.T) {
	ny := zone(t, "America/New_York")
	at := time.Date(2026, 12, 3, 14, 5, 6, 0, time.UTC)
	evs := []domain.LoginEvent{
		{At: at, Username: "jane@acme.example", LoginType: "SOAP", IP: "203.0.113.7", Client: `Data Loader, "v60"` + "\nsecond line",
			APIVersion: "60.0", Reason: "ALLOWED", Allowed: true},
		{At: at.Add(-time.Hour), Username: "=HYPERLINK(\"http://evil.example\")", LoginType: "UI", IP: "::1", Client: "+1+2", Reason: "INVALID_PASSWORD"},
		{At: at.Add(-2 * time.Hour), Username: "@SUM(A1)", LoginType: "REST", IP: "-2", Client: "\tcmd", Reason: "\rx"},
	}
	var b strings.Builder
	if err := WriteHistoryCSV(&b, evs, ny); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(b.String())).ReadAll()
	if err != nil {
		t.Fatalf("the file does not parse as CSV: %v\n%s", err, b.String())
	}
	want := [][]string{
		{"Login Time", "Username", "Login Type", "Source IP", "Status", "Application/Client", "API Version", "Reason"},
		{"2026-12-03T09:05:06-05:00", "jane@acme.example", "SOAP", "203.0.113.7", "Success", "Data Loader, \"v60\"\nsecond line", "60.0", "ALLOWED"},
		{"2026-12-03T08:05:06-05:00", "'=HYPERLINK(\"http://evil.example\")", "UI", "::1", "Failed", "'+1+2", "", "INVALID_PASSWORD"},
		{"2026-12-03T07:05:06-05:00", "'@SUM(A1)", "REST", "'-2", "Failed", "'\tcmd", "", "'\rx"},
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d:\n%s", len(rows), len(want), b.String())
	}
	for i := range want {
		if strings.Join(rows[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("row %d:\n got %q\nwant %q", i, rows[i], want[i])
		}
	}
}

// labels is the hours' labels, joined.
func labels(hours []HourCount) string {
	var l []string
	for _, h := range hours {
		l = append(l, h.Label)
	}
	return strings.Join(l, " ")
}

func TestHourBucketsOnTheDayTheClocksGoBack(t *testing.T) {
	ny := zone(t, "America/New_York")
	// 1 November 2026: 02:00 EDT becomes 01:00 EST; 12:30 EST is 17:30 UTC.
	now := time.Date(2026, 11, 1, 17, 30, 0, 0, time.UTC)
	evs := []domain.LoginEvent{
		{At: time.Date(2026, 11, 1, 5, 10, 0, 0, time.UTC), Allowed: true},  // 01:10 EDT
		{At: time.Date(2026, 11, 1, 5, 50, 0, 0, time.UTC)},                 // 01:50 EDT
		{At: time.Date(2026, 11, 1, 6, 10, 0, 0, time.UTC), Allowed: true},  // 01:10 EST: the hour's twin
		{At: time.Date(2026, 11, 1, 17, 29, 0, 0, time.UTC), Allowed: true}, // this hour
		{At: time.Date(2026, 10, 31, 17, 59, 0, 0, time.UTC)},               // 13:59 EDT: before the day
		{At: time.Date(2026, 11, 1, 17, 31, 0, 0, time.UTC)},                // after now
	}
	hours := HourBuckets(evs, now, ny)
	if len(hours) != 24 {
		t.Fatalf("%d hours", len(hours))
	}
	want := "14 15 16 17 18 19 20 21 22 23 00 01 01 02 03 04 05 06 07 08 09 10 11 12"
	if got := labels(hours); got != want {
		t.Fatalf("labels %q\n want %q", got, want)
	}
	first, twin := hours[11], hours[12]
	if first.Success != 1 || first.Failed != 1 || twin.Success != 1 || twin.Failed != 0 {
		t.Fatalf("the two 01 hours: %+v, %+v", first, twin)
	}
	if !first.Start.Equal(time.Date(2026, 11, 1, 5, 0, 0, 0, time.UTC)) || !twin.Start.Equal(time.Date(2026, 11, 1, 6, 0, 0, 0, time.UTC)) {
		t.Fatalf("the 01 hours start at %v and %v", first.Start, twin.Start)
	}
	if last := hours[23]; last.Success != 1 || last.Failed != 0 {
		t.Fatalf("this hour: %+v", last)
	}
	total := 0
	for _, h := range hours {
		total += h.Success + h.Failed
	}
	if total != 4 {
		t.Fatalf("%d lines counted, want 4 (one before the day, one after now)", total)
	}
}

func TestHourBucketsInAHalfHourZone(t *testing.T) {
	kolkata := zone(t, "Asia/Kolkata")                    // UTC+05:30: its hours start at :30 UTC
	now := time.Date(2026, 12, 3, 10, 45, 0, 0, time.UTC) // 16:15 IST
	evs := []domain.LoginEvent{
		{At: time.Date(2026, 12, 3, 10, 29, 0, 0, time.UTC), Allowed: true}, // 15:59 IST
		{At: time.Date(2026, 12, 3, 10, 30, 0, 0, time.UTC)},                // 16:00 IST
	}
	hours := HourBuckets(evs, now, kolkata)
	if !strings.HasPrefix(labels(hours), "17 18 ") || !strings.HasSuffix(labels(hours), " 15 16") {
		t.Fatalf("labels %q", labels(hours))
	}
	if h := hours[22]; h.Label != "15" || h.Success != 1 || h.Failed != 0 || !h.Start.Equal(time.Date(2026, 12, 3, 9, 30, 0, 0, time.UTC)) {
		t.Fatalf("15:00 IST: %+v", h)
	}
	if h := hours[23]; h.Label != "16" || h.Success != 0 || h.Failed != 1 {
		t.Fatalf("16:00 IST: %+v", h)
	}
}

func TestHourBucketsWhereTheClocksMoveHalfAnHour(t *testing.T) {
	// Lord Howe Island goes from +11 to +10:30 on 5 April 2026 at 02:00:
	// the bars are the current hour's grid, so the hours before the change
	// start at :30 on its clock then.
	lh := zone(t, "Australia/Lord_Howe")
	now := time.Date(2026, 4, 5, 1, 0, 0, 0, time.UTC) // 11:30 +10:30
	got := labels(HourBuckets(nil, now, lh))
	if !strings.HasPrefix(got, "12:30 13:30 ") || !strings.Contains(got, " 00:30 01:30 02 03 ") || !strings.HasSuffix(got, " 10 11") {
		t.Fatalf("labels %q", got)
	}
}

func TestChartScalesToTheBusiestHour(t *testing.T) {
	hours := make([]HourCount, 24)
	hours[3] = HourCount{Label: "03", Success: 3, Failed: 1}
	hours[4] = HourCount{Label: "04", Failed: 2}
	c := chartOf(hours, false)
	if len(c.Bars) != 24 || c.Busiest != 4 || c.Success != 3 || c.Failed != 3 {
		t.Fatalf("chart: %d bars, busiest %d, %d/%d", len(c.Bars), c.Busiest, c.Success, c.Failed)
	}
	b := c.Bars[3]
	if b.SuccessH+b.FailedH != chartArea || b.SuccessY+b.SuccessH != c.Base || b.FailedY+b.FailedH != b.SuccessY {
		t.Fatalf("the busiest bar: %+v", b)
	}
	if b := c.Bars[4]; b.SuccessH != 0 || b.FailedH != chartArea/2 {
		t.Fatalf("half the busiest: %+v", b)
	}
	if empty := chartOf(make([]HourCount, 24), false); empty.Bars[0].SuccessH != 0 || !strings.HasPrefix(empty.Summary(), "0 successful and 0 failed") {
		t.Fatalf("an empty day: %+v, %q", empty.Bars[0], empty.Summary())
	}
}

func TestHistoryFormReadsTimesInTheAdminsZone(t *testing.T) {
	ny := zone(t, "America/New_York")
	f := historyForm(map[string]string{"user": " jane@acme.example ", "from": "2026-12-03T09:00", "to": "2026-12-03T10:15",
		"outcome": "Failed", "type": "soap", "limit": "25"})
	q, lf, err := f.query("00D000000000001", ny)
	if err != nil {
		t.Fatal(err)
	}
	if q.User != "jane@acme.example" || q.Org != "" || q.Limit != 25 || lf.Outcome != "failed" || lf.LoginType != "SOAP" {
		t.Fatalf("query %+v, filter %+v", q, lf)
	}
	if !lf.Since.Equal(time.Date(2026, 12, 3, 14, 0, 0, 0, time.UTC)) || !lf.Before.Equal(time.Date(2026, 12, 3, 15, 16, 0, 0, time.UTC)) {
		t.Fatalf("from %v, before %v: want 14:00 and 15:16 UTC (To takes its whole minute)", lf.Since, lf.Before)
	}
	// A page's cursor is a line's ID, for the use case; the org when no user.
	f = historyForm(map[string]string{"cursor": "2026-12-03T15:00:00.5Z#a1b2"})
	q, _, err = f.query("00D000000000001", ny)
	if err != nil || q.Org != "00D000000000001" || q.Limit != historyPageLines || q.Before != "2026-12-03T15:00:00.5Z#a1b2" {
		t.Fatalf("with a cursor: %+v %v", q, err)
	}
	for name, form := range map[string]map[string]string{
		"a bad time":       {"from": "yesterday"},
		"a bad cursor":     {"cursor": "page 2"},
		"a huge cursor":    {"cursor": "#" + strings.Repeat("x", 300)},
		"a bad outcome":    {"outcome": "maybe"},
		"an unknown type":  {"type": "SAML"},
		"a page size of 7": {"limit": "7"},
	} {
		if _, _, err := historyForm(form).query("00D000000000001", ny); domain.ErrorCode(err) == "" || domain.ErrorCode(err) == domain.CodeUnknown {
			t.Errorf("%s: %v, want a refusal with its code", name, err)
		}
	}
}

func TestHistoryLinksKeepTheFilters(t *testing.T) {
	f := HistoryForm{User: "jane+1@acme.example", Outcome: "failed", Limit: 10}
	next := f.link("2026-12-03T15:00:00Z#a1")
	if next != "/setup/login-history?cursor=2026-12-03T15%3A00%3A00Z%23a1&limit=10&outcome=failed&user=jane%2B1%40acme.example" {
		t.Fatalf("next page: %s", next)
	}
	if got := (HistoryForm{Limit: historyPageLines}).link("", "format", "csv"); got != "/setup/login-history?format=csv" {
		t.Fatalf("download: %s", got)
	}
}

// historyAndAppsViews are the Login History and Connected Apps pages with
// evil in every field a user or a client controls (pages_test.go renders
// them with every other page).
func historyAndAppsViews(evil string) (HistoryView, AppsView) {
	frame := Console{Page: Page{Title: "t", SignedIn: true}, Name: evil, OrgName: evil, Sections: consoleSections}
	hours := make([]HourCount, 24)
	hours[23] = HourCount{Label: "16", Success: 2, Failed: 1}
	history := HistoryView{Console: frame, Zone: "UTC", Form: HistoryForm{User: evil, Limit: 50}, PageSizes: historyPageSizes,
		Lines: []HistoryLine{historyLine(domain.LoginEvent{Username: evil, Client: evil, Reason: evil}, time.UTC)},
		Next:  HistoryForm{User: evil, Limit: 50}.link("x"), Download: "/setup/login-history?format=csv", Chart: chartOf(hours, true)}
	app := admin.NewApp{ConnectedApp: domain.ConnectedApp{Name: evil, ClientID: "3MVG9x"}, ClientSecret: "s3cret"}
	apps := AppsView{Console: frame, Zone: "UTC", CanEdit: true, Form: AppForm{Name: evil, Callbacks: evil, Scopes: []string{"api"}},
		AllScopes: []string{"api", "web"}, Apps: []AppRow{appRow(app.ConnectedApp, time.UTC)}, Created: &app, CreatedRow: appRow(app.ConnectedApp, time.UTC), Retry: "3MVG9x"}
	return history, apps
}

func TestTheChartAndTheNewSecretAreOnThePages(t *testing.T) {
	history, apps := historyAndAppsViews("x")
	html := Render(history)
	if n := strings.Count(html, `<g class="lh-bar"`); n != 24 {
		t.Errorf("the chart has %d bars, want 24", n)
	}
	if !strings.Contains(html, `data-hour="16" data-start="0001-01-01T00:00:00Z" data-success="2" data-failed="1"`) {
		t.Error("the last hour's counts are not in its data attributes")
	}
	if html := Render(apps); !strings.Contains(html, `id="created-client-secret">s3cret<`) || !strings.Contains(html, `name="delete" value="3MVG9x"`) {
		t.Error("the new app's secret, or the delete buttons, are not shown")
	}
}
