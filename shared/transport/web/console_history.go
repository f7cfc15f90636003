package web

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"loginguard/shared/admin"
	"loginguard/shared/domain"
	"loginguard/shared/export"
)

// ---- Login History ----

// The console's Login History (Setup > Login History): the org's login
// history, newest first, filtered by a GET form and paged by the last
// line's time; "Download" as a CSV file with the same filters (an export,
// audited); a chart of the last day's logins and failures per hour. Times
// are the admin's (their time zone, else the org's).

const (
	historyPath = "/setup/login-history"
	// historyPageLines is a page's length when the form names none.
	historyPageLines = 50
	// historyFormTime is the form's time fields' (datetime-local) layout.
	historyFormTime = "2006-01-02T15:04"
	// maxHistoryCursor bounds a page link's cursor (a line's ID).
	maxHistoryCursor = 200
)

// historyPageSizes are the page lengths the form offers.
var historyPageSizes = []int{10, 25, 50, 100, 200}

// The refusals of the Login History form.
var (
	errHistoryTime = &domain.Error{Code: domain.CodeInvalidQuery,
		Message: "From and To must be a date and time, such as 2026-12-03T09:00."}
	errHistoryCursor = &domain.Error{Code: domain.CodeInvalidQuery,
		Message: "The page link is malformed: go back to the newest lines."}
	errHistoryLimit = &domain.Error{Code: domain.CodeInvalidLimit,
		Message: "Lines per page must be one of 10, 25, 50, 100 or 200."}
)

// HistoryForm is the Login History form as sent (its GET query), kept as
// text to show again.
type HistoryForm struct {
	User, From, To, Outcome, Type string
	Limit                         int
	Cursor                        string // the page's start: after this line (its ID, admin.HistoryPage.Next)
}

// HistoryLine is one line of login history as the page shows it: the
// client as the home page's session list names it (ClientShort: the
// browser, or the user agent cut short), the whole of it on hover.
type HistoryLine struct {
	At, Username, Type, IP, Status, Client, ClientShort, APIVersion, Reason string
	Allowed                                                                 bool
	Why                                                                     string // the line's "Why?" page (console_why.go)
}

// HistoryView is the Login History page.
type HistoryView struct {
	Console
	Zone      string // the admin's time zone, the times' zone
	Form      HistoryForm
	PageSizes []int
	Lines     []HistoryLine
	// Next is the next (older) page's link, "" on the last; Newest the
	// first page's, "" on it; Download the CSV file's, with the filters.
	Next, Newest, Download string
	Chart                  HourChart
}

// historyForm reads the form from the query.
func historyForm(q map[string]string) HistoryForm {
	f := HistoryForm{User: strings.TrimSpace(q["user"]), From: strings.TrimSpace(q["from"]), To: strings.TrimSpace(q["to"]),
		Outcome: strings.ToLower(strings.TrimSpace(q["outcome"])), Type: strings.ToUpper(strings.TrimSpace(q["type"])),
		Cursor: strings.TrimSpace(q["cursor"]), Limit: historyPageLines}
	if s := strings.TrimSpace(q["limit"]); s != "" {
		f.Limit, _ = strconv.Atoi(s) // not a number: 0, refused by query
	}
	return f
}

// query is the form as the admin use case's question, in zone: From is
// inclusive, To the whole minute it names, the cursor exclusive.
func (f HistoryForm) query(orgID string, zone *time.Location) (admin.HistoryQuery, admin.LineFilter, error) {
	q := admin.HistoryQuery{User: f.User, Limit: f.Limit}
	if q.User == "" {
		q.Org = orgID
	}
	lf := admin.LineFilter{Outcome: f.Outcome, LoginType: f.Type}
	if !slices.Contains(historyPageSizes, f.Limit) {
		return q, lf, errHistoryLimit
	}
	var err error
	if f.From != "" {
		if lf.Since, err = parseFormTime(f.From, zone); err != nil {
			return q, lf, err
		}
	}
	if f.To != "" {
		to, err := parseFormTime(f.To, zone)
		if err != nil {
			return q, lf, err
		}
		lf.Before = to.Add(time.Minute)
	}
	if f.Cursor != "" {
		// A line's ID is its time and a tag ("2026-...Z#..."), as the store keys it.
		if len(f.Cursor) > maxHistoryCursor || !strings.Contains(f.Cursor, "#") {
			return q, lf, errHistoryCursor
		}
		q.Before = f.Cursor
	}
	return q, lf, lf.Check()
}

// parseFormTime reads a datetime-local value (with or without seconds) in zone.
func parseFormTime(s string, zone *time.Location) (time.Time, error) {
	for _, layout := range []string{historyFormTime, historyFormTime + ":05"} {
		if t, err := time.ParseInLocation(layout, s, zone); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errHistoryTime
}

// values is the form as a query (blank fields left out), with the cursor
// cursor ("" for none).
func (f HistoryForm) values(cursor string) url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"user": f.User, "from": f.From, "to": f.To, "outcome": f.Outcome,
		"type": f.Type, "cursor": cursor} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if f.Limit != historyPageLines {
		v.Set("limit", strconv.Itoa(f.Limit))
	}
	return v
}

// link is the page with the form's filters, from cursor on.
func (f HistoryForm) link(cursor string, extra ...string) string {
	v := f.values(cursor)
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	if len(v) == 0 {
		return historyPath
	}
	return historyPath + "?" + v.Encode()
}

func (h *Handler) loginHistory(r *request, c console) *response {
	zone := adminZone(c.user)
	f := historyForm(r.ev.QueryStringParameters)
	v := HistoryView{Console: c.frame(r, "Login History", historyPath), Zone: zone.String(), Form: f,
		PageSizes: historyPageSizes, Download: f.link("", "format", "csv")}
	q, lf, err := f.query(c.user.OrgID, zone)
	if err == nil && r.ev.QueryStringParameters["format"] == "csv" {
		return h.historyDownload(r, c, q, lf, zone)
	}
	if err == nil {
		var p admin.HistoryPage
		if p, err = h.Admin.FilteredHistory(r.ctx, c.actor, q, lf); err == nil {
			v.Lines = historyLines(p.Lines, zone)
			if p.Next != "" {
				v.Next = f.link(p.Next)
			}
			if f.Cursor != "" {
				v.Newest = f.link("")
			}
			v.Chart, err = h.hourChart(r, c, zone)
		}
	}
	status := http.StatusOK
	if err != nil {
		if resp := h.consoleRefusal(r, c, historyRefusal(err, f.User)); resp != nil {
			return resp
		}
		v.Error, status = pageMessage(historyRefusal(err, f.User)), statusOf(err, http.StatusBadRequest)
	}
	return (&response{status: status}).html(Render(v))
}

// historyRefusal is err as the page says it: a user name that names
// nobody is the form's error, not a failure.
func historyRefusal(err error, user string) error {
	if errors.Is(err, domain.ErrNotFound) {
		return &domain.Error{Code: domain.CodeInvalidQuery, Message: fmt.Sprintf("No user is named %q.", user)}
	}
	return err
}

// historyLines are evs as the page shows them, times in zone.
func historyLines(evs []domain.LoginEvent, zone *time.Location) []HistoryLine {
	lines := make([]HistoryLine, len(evs))
	for i, e := range evs {
		lines[i] = historyLine(e, zone)
	}
	return lines
}

func historyLine(e domain.LoginEvent, zone *time.Location) HistoryLine {
	status := "Failed"
	if e.Allowed {
		status = "Success"
	}
	return HistoryLine{At: e.At.In(zone).Format("2006-01-02 15:04:05 MST"), Username: e.Username, Type: e.LoginType,
		IP: e.IP, Status: status, Client: e.Client, ClientShort: sessionVia(domain.Session{Client: e.Client, LoginType: e.LoginType}),
		APIVersion: e.APIVersion, Reason: e.Reason, Allowed: e.Allowed, Why: whyPath(e.ID)}
}

// hourChart is the chart of the org's logins over the last day.
func (h *Handler) hourChart(r *request, c console, zone *time.Location) (HourChart, error) {
	now := h.Admin.Now()
	hours := HourBuckets(nil, now, zone)
	p, err := h.Admin.FilteredHistory(r.ctx, c.actor, admin.HistoryQuery{Org: c.user.OrgID, Limit: admin.MaxLines},
		admin.LineFilter{Since: hours[0].Start})
	if err != nil {
		return HourChart{}, err
	}
	// A next page: the day has more lines than one read.
	return chartOf(HourBuckets(p.Lines, now, zone), p.Next != ""), nil
}

// ---- the download ----

// historyCSVHeader is the download's header: Salesforce's Login History
// download's columns.
var historyCSVHeader = []string{"Login Time", "Username", "Login Type", "Source IP", "Status",
	"Application/Client", "API Version", "Reason"}

// historyDownload is the filtered history (up to admin.MaxLines lines) as a
// CSV file: an export, so the admin use case's AdminExportHistory
// (audited, and the org's "View Event Log Files" policy).
func (h *Handler) historyDownload(r *request, c console, q admin.HistoryQuery, lf admin.LineFilter, zone *time.Location) *response {
	q.Limit = admin.MaxLines
	p, err := h.Admin.ExportHistory(r.ctx, c.actor, q, lf)
	if err != nil {
		err = historyRefusal(err, q.User)
		if resp := h.consoleRefusal(r, c, err); resp != nil {
			return resp
		}
		v := HistoryView{Console: c.frame(r, "Login History", historyPath), Zone: zone.String(),
			Form: historyForm(r.ev.QueryStringParameters), PageSizes: historyPageSizes}
		v.Error = pageMessage(err)
		return (&response{status: statusOf(err, http.StatusBadRequest)}).html(Render(v))
	}
	var b strings.Builder
	if err := WriteHistoryCSV(&b, p.Lines, zone); err != nil {
		return h.consoleRefusal(r, c, err)
	}
	name := fmt.Sprintf("login-history-%s-%s.csv", c.user.OrgID, h.Admin.Now().In(zone).Format("20060102-1504"))
	return &response{status: http.StatusOK, body: b.String(), headers: map[string]string{
		"content-type":        "text/csv; charset=utf-8",
		"content-disposition": `attachment; filename="` + name + `"`,
	}}
}

// WriteHistoryCSV writes evs as the Login History download: the header,
// then a row a line, times in zone (RFC 3339, with the offset). Cells are
// CSV-escaped (encoding/csv) and guarded against formula injection
// (export.Guard).
func WriteHistoryCSV(w io.Writer, evs []domain.LoginEvent, zone *time.Location) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(historyCSVHeader); err != nil {
		return err
	}
	for _, e := range evs {
		l := historyLine(e, zone)
		row := []string{e.At.In(zone).Format(time.RFC3339), l.Username, l.Type, l.IP, l.Status, l.Client, l.APIVersion, l.Reason}
		for i := range row {
			row[i] = export.Guard(row[i])
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
