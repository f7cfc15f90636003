package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"loginguard/shared/admin"
	"loginguard/shared/domain"
	"loginguard/shared/policy"
)

func TestALineIDTravelsInItsWhyLinkAndBack(t *testing.T) {
	id := "2026-12-03T13:00:00.123456789Z#a1b2c3d4"
	path := whyPath(id)
	if path != "/setup/login-history/2026-12-03T13:00:00.123456789Z%23a1b2c3d4" {
		t.Fatalf("the link %q should escape the '#' (a fragment otherwise)", path)
	}
	if _, found := consoleRouteOf(http.MethodGet, path); !found {
		t.Fatalf("%s is routed nowhere", path)
	}
	if _, found := consoleRouteOf(http.MethodPost, path); found {
		t.Fatal("the Why? page takes no POST")
	}
	if got := recordName(&request{path: path}); got != id || !lineIDOK(got) {
		t.Fatalf("the page reads the id %q (shape ok: %v), want %q", got, lineIDOK(got), id)
	}
	if whyPath("") != "" {
		t.Fatal("a line without an id has no Why? link")
	}
	for _, bad := range []string{"", "a1b2c3d4", "2026-12-03T13:00:00Z#", "yesterday#a1b2", "2026-12-03T13:00:00Z#" + strings.Repeat("a", maxHistoryCursor)} {
		if lineIDOK(bad) {
			t.Errorf("%q is taken for a line's id", bad)
		}
	}
	if got := recordName(&request{path: historyPath + "/%zz%23x"}); got != "%zz%23x" || lineIDOK(got) {
		t.Errorf("a malformed escape reads %q; it should stay as sent and name no line", got)
	}
}

func TestTheWhyPageNumbersTheRulesAndShowsTheTimeInTheAdminsZone(t *testing.T) {
	x := admin.Explanation{At: "2026-12-03T23:05:00Z", Outcome: admin.OutcomeRefused,
		Summary: "refused: outside the profile's login hours, Thu 08:00–18:00 America/New_York; attempt at 18:05 there",
		Trace: []admin.TraceStep{{Rule: "credentials", Outcome: "passed", Detail: "the password was right"},
			{Rule: "login hours", Outcome: "refused", Detail: "Thu 08:00–18:00 America/New_York; attempt at 18:05 there"}},
		Lockout: &admin.LockoutCounts{Before: 1, After: 1, Max: 5}}
	v := whyView(Console{}, x, zone(t, "Europe/Paris"))
	if v.At != "2026-12-04 00:05:00 CET" || v.Zone != "Europe/Paris" {
		t.Errorf("time %q in %q, want the admin's clock", v.At, v.Zone)
	}
	want := []WhyStep{{1, "Credentials", "passed", "the password was right", "pass"},
		{2, "Login hours", "refused", "Thu 08:00–18:00 America/New_York; attempt at 18:05 there", "fail"}}
	if len(v.Steps) != 2 || v.Steps[0] != want[0] || v.Steps[1] != want[1] {
		t.Errorf("steps %+v, want %+v", v.Steps, want)
	}
	if v.Lockout != "1 before this attempt, 1 after (the org's maximum is 5)" {
		t.Errorf("lockout %q", v.Lockout)
	}
	x.Lockout = &admin.LockoutCounts{}
	if v := whyView(Console{}, x, zone(t, "UTC")); v.Lockout != "0 before this attempt, 0 after (no limit)" {
		t.Errorf("no limit: %q", v.Lockout)
	}
	html := Render(whyView(Console{Page: Page{Title: "t", SignedIn: true}}, x, zone(t, "UTC")))
	for _, s := range []string{`id="why-summary">refused: outside the profile&#39;s login hours`, `class="why-answer why-fail"`, `<td class="why-rule">Login hours</td>`} {
		if !strings.Contains(html, s) {
			t.Errorf("the page lacks %s", s)
		}
	}
	if html := Render(whyView(Console{}, admin.Explanation{Outcome: admin.OutcomeAllowed}, zone(t, "UTC"))); !strings.Contains(html, `id="why-no-trace"`) {
		t.Error("a line without grounds should say so")
	}
}

// report is a replay's answer: 12 lines, 5 changed, 5 examples.
func report() admin.ReplayReport {
	r := admin.ReplayReport{Lines: 12, Replayed: 10, Changed: 5, Since: "2026-12-02T13:00:00Z", Changes: []admin.ChangeCount{
		{From: admin.OutcomeAllowed, To: admin.OutcomeRefused, Rule: "login hours", Count: 3},
		{From: admin.OutcomeChallenged, To: admin.OutcomeRefused, Rule: "login hours", Count: 1},
		{From: admin.OutcomeRefused, To: admin.OutcomeAllowed, Rule: "profile login IP ranges", Count: 1}}}
	for i, u := range []string{"ann", "bob", "cat", "dan", "eve"} {
		r.Examples = append(r.Examples, admin.ReplayExample{ID: "2026-12-03T12:0" + string(rune('0'+i)) + ":00Z#ab", At: "2026-12-03T12:0" + string(rune('0'+i)) + ":00Z",
			Username: u, Was: "", Would: string(policy.ReasonRestrictedTime), Why: "refused: outside the profile's login hours"})
	}
	return r
}

func TestAPreviewCountsByRuleWithThreeExamplesInTheAdminsZone(t *testing.T) {
	p := previewOf(report(), zone(t, "America/New_York"))
	if p.Refused != 4 || p.Allowed != 1 || p.Lines != 12 || p.Replayed != 10 || p.Changed != 5 {
		t.Fatalf("counts %+v", p)
	}
	if want := "This change would have refused 4 of the last day's 12 logins (and allowed 1 refused one)."; p.Headline != want {
		t.Errorf("headline %q, want %q", p.Headline, want)
	}
	if len(p.Rules) != 3 || p.Rules[0] != (PreviewRule{"allowed", "refused", "Login hours", 3}) {
		t.Errorf("by rule: %+v", p.Rules)
	}
	if len(p.Examples) != maxPreviewExamples {
		t.Fatalf("%d examples, want %d", len(p.Examples), maxPreviewExamples)
	}
	if e := p.Examples[0]; e.User != "ann" || e.At != "2026-12-03 07:00:00 EST" || e.Would != "LOGIN_DURING_RESTRICTED_TIME" ||
		e.Path != "/setup/login-history/2026-12-03T12:00:00Z%23ab" {
		t.Errorf("example %+v", e)
	}
	if p.Since != "2026-12-02 08:00 EST" {
		t.Errorf("since %q", p.Since)
	}
	if got := previewHeadline(0, 1, 2); got != "This change would have refused 0 of the last day's 1 login (and allowed 2 refused ones)." {
		t.Errorf("headline %q", got)
	}
	html := Render(ProfilePageView{Console: Console{Page: Page{Title: "t", SignedIn: true}}, Action: "/setup/profiles/x", CanEdit: true,
		Hours: hoursForm(policy.LoginHours{}), Edit: RangeForm{At: -1}, Preview: &ReplayPreview{For: "ranges", Change: "adding x", Headline: p.Headline, Lines: 12, Refused: 4, Allowed: 1}})
	if !strings.Contains(html, `data-lines="12" data-replayed="0" data-refused="4" data-allowed="1"`) || strings.Count(html, `id="replay-preview"`) != 1 ||
		strings.Index(html, `id="replay-preview"`) < strings.Index(html, `id="ranges"`) {
		t.Error("the preview should be shown once, in the ranges' section, with its counts")
	}
}

// org is an org of two profiles, one with a login IP range.
func org(t *testing.T) (domain.Org, []domain.Profile) {
	t.Helper()
	rs, err := policy.ParseIPRanges("198.51.100.0-198.51.100.63")
	if err != nil {
		t.Fatal(err)
	}
	o := domain.Org{ID: "00D000000000001", OrgSettings: domain.OrgSettings{TimeZone: "America/New_York", TrustedRanges: rs,
		Lockout: policy.DefaultLockout, SessionTimeout: 2 * time.Hour, Password: policy.DefaultPasswordPolicy}}
	return o, []domain.Profile{{ID: "00e000000000001", ProfileSettings: domain.ProfileSettings{LoginIPRanges: rs}}, {ID: "00e000000000002"}}
}

func TestAPreviewedProfileChangeIsMadeOnACopyOfTheSettings(t *testing.T) {
	o, ps := org(t)
	form := url.Values{"preview": {"edit-range"}, "at": {"0"}, "was": {"198.51.100.0-198.51.100.63"}, "start": {"198.51.100.0"}, "end": {"198.51.100.7"}}
	if previewed(form) != "edit-range" || form.Get("do") != "edit-range" {
		t.Fatalf("the form previews %q", form.Get("do"))
	}
	edit, _, ok := profileChange(form)
	if !ok {
		t.Fatal("the edit is not read")
	}
	d, err := profileDraft(o, ps, ps[0].ID, edit)
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Profiles[ps[0].ID].LoginIPRanges.String(); got != "198.51.100.0-198.51.100.7" {
		t.Errorf("the draft's ranges %q", got)
	}
	if ps[0].LoginIPRanges.String() != "198.51.100.0-198.51.100.63" || len(d.Profiles) != 2 || d.Org.TimeZone != o.TimeZone {
		t.Errorf("the profile as read changed, or the draft lacks the others: %v %+v", ps[0].LoginIPRanges, d)
	}
	hours, _, _ := profileChange(url.Values{"do": {"hours"}, "mode-mon": {"none"}})
	if d, err := profileDraft(o, ps, ps[1].ID, hours); err != nil || d.Profiles[ps[1].ID].LoginHours.Zone != "America/New_York" {
		t.Errorf("hours first set are kept in the org's zone: %+v %v", d.Profiles[ps[1].ID].LoginHours, err)
	}
	if _, err := profileDraft(o, ps, "00e000000000009", edit); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("another org's profile: %v", err)
	}
	bad, _, _ := profileChange(url.Values{"do": {"add-range"}, "start": {"10.0.0.9"}, "end": {"10.0.0.1"}})
	if _, err := profileDraft(o, ps, ps[0].ID, bad); domain.ErrorCode(err) != domain.CodeInvalidField {
		t.Errorf("a range the rules refuse: %v", err)
	}
	if got := changeWords(profilePreviews["edit-range"].words, form); got != "changing the login IP range 198.51.100.0-198.51.100.63 to 198.51.100.0-198.51.100.7" {
		t.Errorf("the change in words: %q", got)
	}
	if got := changeWords(trustedPreviews["add"], url.Values{"start": {"192.0.2.7"}}); got != "adding the trusted IP range 192.0.2.7" {
		t.Errorf("one address in words: %q", got)
	}
	for do := range profilePreviews {
		if _, _, ok := profileChange(url.Values{"do": {do}, "at": {"0"}}); !ok {
			t.Errorf("the preview %q is no change of the page", do)
		}
	}
}

func TestAPreviewedTrustedRangeChangeIsMadeOnACopyOfTheOrg(t *testing.T) {
	o, ps := org(t)
	form := url.Values{"preview": {"add"}, "start": {"203.0.113.0"}, "end": {"203.0.113.255"}}
	if _, known := trustedPreviews[previewed(form)]; !known {
		t.Fatal("add is not previewed")
	}
	d, err := orgDraft(o, ps, trustedRangeEdit(rangeEditOf(form)))
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Org.TrustedRanges.String(); got != "198.51.100.0-198.51.100.63,203.0.113.0-203.0.113.255" || o.TrustedRanges.String() != "198.51.100.0-198.51.100.63" {
		t.Errorf("draft %q, org as read %q", got, o.TrustedRanges)
	}
	if _, err := orgDraft(o, ps, trustedRangeEdit(rangeEditOf(url.Values{"do": {"delete"}, "index": {"3"}, "was": {"10.0.0.1"}}))); err == nil {
		t.Error("deleting a range the org does not have is refused")
	}
	v := NetworkAccessView{Ranges: rangeRows(o.TrustedRanges)}
	v.keepSent(policy.RangeEdit{Op: policy.RangeReplace, Index: 0, Was: "198.51.100.0-198.51.100.63", Start: "198.51.100.0", End: "198.51.100.9"})
	v.showPreview(&ReplayPreview{For: "trusted"})
	if r := v.Ranges[0]; r.Refused || r.End != "198.51.100.9" || v.Preview == nil {
		t.Errorf("a previewed row shows what was sent, not as refused: %+v", r)
	}
}

// whyViews are the Why? page and the pages with a preview, with evil in
// every field a user, a client or a form controls (pages_test.go renders
// them with every other page).
func whyViews(evil string) map[string]any {
	frame := Console{Page: Page{Title: "t", SignedIn: true}, Name: evil, OrgName: evil, Sections: consoleSections}
	x := admin.Explanation{Username: evil, IP: evil, Reason: evil, Summary: evil, Outcome: evil, Level: evil,
		Trace: []admin.TraceStep{{Rule: evil, Outcome: evil, Detail: evil}}}
	p := &ReplayPreview{For: "trusted", Change: evil, Headline: evil, Rules: []PreviewRule{{From: evil, To: evil, Rule: evil}},
		Examples: []PreviewExample{{User: evil, Was: evil, Would: evil, Why: evil, Path: whyPath(evil)}}}
	return map[string]any{
		"why":              whyView(frame, x, time.UTC),
		"trusted, preview": NetworkAccessView{Console: frame, CanEdit: true, Ranges: []RangeRow{{Text: evil, Start: evil}}, Preview: p},
	}
}
