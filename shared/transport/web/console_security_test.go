package web

import (
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"loginguard/shared/domain"
	"loginguard/shared/policy"
)

func TestANetworkAccessFormIsOneRangeEdit(t *testing.T) {
	tests := []struct {
		name string
		form url.Values
		want policy.RangeEdit
	}{
		{"add sends the two ends", url.Values{"do": {"add"}, "start": {" 10.0.0.1 "}, "end": {"10.0.0.9"}},
			policy.RangeEdit{Op: policy.RangeAdd, Index: -1, Start: "10.0.0.1", End: "10.0.0.9"}},
		{"a row's edit names its position and the range it showed", url.Values{"do": {"edit"}, "index": {"2"}, "was": {"10.0.0.0-10.0.0.255"}, "start": {"10.0.0.0"}, "end": {"10.0.0.127"}},
			policy.RangeEdit{Op: policy.RangeReplace, Index: 2, Was: "10.0.0.0-10.0.0.255", Start: "10.0.0.0", End: "10.0.0.127"}},
		{"a row's delete", url.Values{"do": {"delete"}, "index": {"0"}, "was": {"192.0.2.7"}},
			policy.RangeEdit{Op: policy.RangeDelete, Index: 0, Was: "192.0.2.7"}},
		{"a position that is no number finds the range by its text", url.Values{"do": {"delete"}, "index": {"x"}, "was": {"192.0.2.7"}},
			policy.RangeEdit{Op: policy.RangeDelete, Index: -1, Was: "192.0.2.7"}},
		{"an unknown change is passed on, for EditRanges to refuse by name", url.Values{"do": {"move"}},
			policy.RangeEdit{Op: "move", Index: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := rangeEditOf(tt.form); got != tt.want {
				t.Fatalf("rangeEditOf = %+v; want %+v", got, tt.want)
			}
		})
	}
}

func TestRangeRowsShowEachEndAndKeepARefusedEdit(t *testing.T) {
	rs, err := policy.ParseIPRanges("10.0.0.0-10.0.0.255,192.0.2.7,2001:db8::-2001:db8::ff")
	if err != nil {
		t.Fatal(err)
	}
	v := NetworkAccessView{Ranges: rangeRows(rs)}
	want := []RangeRow{{0, "10.0.0.0", "10.0.0.255", "10.0.0.0-10.0.0.255", false}, {1, "192.0.2.7", "192.0.2.7", "192.0.2.7", false},
		{2, "2001:db8::", "2001:db8::ff", "2001:db8::-2001:db8::ff", false}}
	if !reflect.DeepEqual(v.Ranges, want) {
		t.Fatalf("rows %+v", v.Ranges)
	}
	v.keepSent(policy.RangeEdit{Op: policy.RangeReplace, Index: 1, Was: "192.0.2.7", Start: "192.0.2.9", End: "192.0.2.1"})
	if r := v.Ranges[1]; !r.Refused || r.Start != "192.0.2.9" || r.End != "192.0.2.1" || v.Ranges[0].Refused {
		t.Fatalf("a refused edit should be shown in its row as sent: %+v", v.Ranges)
	}
	v.keepSent(policy.RangeEdit{Op: policy.RangeReplace, Index: 0, Was: "10.9.9.9"}) // the row is gone
	if v.Ranges[0].Refused {
		t.Fatal("an edit of a range no longer listed marks no row")
	}
	v.keepSent(policy.RangeEdit{Op: policy.RangeAdd, Start: "10.1.0.9", End: "10.1.0.1"})
	if v.Add.Start != "10.1.0.9" || v.Add.End != "10.1.0.1" {
		t.Fatalf("a refused add should stay in the add form: %+v", v.Add)
	}
}

func TestARangeRuleRefusalIsAnInputErrorWithTheRulesText(t *testing.T) {
	_, rule := policy.ParseIPRange("10.0.0.9", "10.0.0.1")
	err := inputRefusal(rule)
	if domain.ErrorCode(err) != domain.CodeInvalidField || pageMessage(err) != rule.Error() {
		t.Fatalf("refusal %v: code %s, page text %q; want %q", err, domain.ErrorCode(err), pageMessage(err), rule.Error())
	}
	if inputRefusal(nil) != nil {
		t.Fatal("no error is no refusal")
	}
	if e := (&domain.Error{Code: domain.CodeNotPermitted, Message: "no"}); inputRefusal(e) != error(e) {
		t.Fatal("a domain error stays as it is")
	}
}

func TestIdentityVerificationFormSetsTheAreasItHas(t *testing.T) {
	tests := []struct {
		name    string
		form    url.Values
		want    map[policy.Area]policy.Action
		wantErr string
	}{
		{"each menu is the area's policy, none removing it",
			url.Values{"manage-ip-addresses": {"raise"}, "unlock-users": {"block"}, "view-health-check": {"none"}, "csrf": {"x"}},
			map[policy.Area]policy.Action{policy.AreaIPAddresses: policy.ActionRaise, policy.AreaUnlockUsers: policy.ActionBlock, policy.AreaHealthCheck: ""}, ""},
		{"an area the form lacks (its menu disabled) is not changed", url.Values{"manage-connected-apps": {"block"}},
			map[policy.Area]policy.Action{policy.AreaConnectedApps: policy.ActionBlock}, ""},
		{"a form of no area changes nothing", url.Values{"csrf": {"x"}}, map[policy.Area]policy.Action{}, ""},
		{"an unknown choice is refused, naming it", url.Values{"manage-ip-addresses": {"sometimes"}}, nil, `"manage-ip-addresses=sometimes"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := identityVerificationChanges(tt.form)
			if tt.wantErr != "" {
				if domain.ErrorCode(err) != domain.CodeInvalidField || !strings.Contains(pageMessage(err), tt.wantErr) {
					t.Fatalf("err %v; want an input refusal with %s", err, tt.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("changes %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestIdentityVerificationRowsOfferAnAreaOnlyToWhoMayActInIt(t *testing.T) {
	c := console{}
	c.user.OrgID = "00D000000000001"
	c.actor.User = c.user
	c.actor.User.Policy.CustomizeApplication = true // not Manage Users
	rows := c.areaRows(map[policy.Area]policy.Action{policy.AreaIPAddresses: policy.ActionBlock}, url.Values{"manage-password-policies": {"raise"}})
	if len(rows) != len(policy.Areas) {
		t.Fatalf("%d rows for %d areas", len(rows), len(policy.Areas))
	}
	by := map[string]AreaRow{}
	for _, r := range rows {
		by[r.Area] = r
		if r.Name == "" || r.Does == "" {
			t.Errorf("%s: no name or description", r.Area)
		}
	}
	if r := by["manage-ip-addresses"]; r.Choice != "block" || !r.CanEdit || r.Name != "Manage IP Addresses" || r.Path != networkAccessPath {
		t.Errorf("manage-ip-addresses: %+v", r)
	}
	if r := by["manage-password-policies"]; r.Choice != "raise" {
		t.Errorf("a refused form's choice should be kept: %+v", r)
	}
	if r := by["unlock-users"]; r.CanEdit || r.Choice != "none" {
		t.Errorf("unlock-users needs Manage Users: %+v", r)
	}
}

func TestHealthFindingsAreGroupedByRiskWithTheirConsolePage(t *testing.T) {
	rep := policy.HealthReport{Score: 62, Findings: []policy.HealthFinding{
		{HealthSetting: policy.HealthSetting{Code: "A", Severity: policy.SeverityHigh, Group: "Password Policies"}},
		{HealthSetting: policy.HealthSetting{Code: "B", Severity: policy.SeverityLow, Group: "Network Access"}},
		{HealthSetting: policy.HealthSetting{Code: "C", Severity: policy.SeverityHigh, Group: "Session Settings"}},
		{HealthSetting: policy.HealthSetting{Code: "D", Severity: policy.SeverityInfo, Group: "Elsewhere"}},
	}}
	gs := healthGroups(rep)
	var got []string
	for _, g := range gs {
		for _, f := range g.Items {
			got = append(got, g.Severity+":"+f.Code+":"+f.Path)
		}
	}
	want := []string{"high:A:/setup/password-policies", "high:C:/setup/session-settings", "low:B:/setup/network-access", "info:D:"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("groups %v; want %v", got, want)
	}
	if len(gs) != 3 || gs[0].Title != "High-risk security settings" {
		t.Fatalf("empty categories are left out, the most severe first: %+v", gs)
	}
	for score, band := range map[int]string{100: "good", 70: "good", 69: "fair", 55: "fair", 54: "poor", 0: "poor"} {
		if scoreBand(score) != band {
			t.Errorf("score %d: %s; want %s", score, scoreBand(score), band)
		}
	}
}

// inlineCode is script or style in a page, which the CSP (no
// 'unsafe-inline') would refuse.
var inlineCode = regexp.MustCompile(`<script>|<script [^>]*>[^<]|\son[a-z]+=|\sstyle=`)

// unsafeParts is what is wrong with a rendered page whose values were
// evil: a failed template, inline script or style, evil unescaped.
func unsafeParts(html, evil string) []string {
	var out []string
	if strings.Contains(html, "could not be shown") {
		out = append(out, "the template failed")
	}
	if m := inlineCode.FindString(html); m != "" {
		out = append(out, "inline script or style "+m)
	}
	if strings.Contains(html, evil) || strings.Contains(html, `alert("x")`) {
		out = append(out, "a value shown unescaped")
	}
	return out
}

func TestSecurityPagesEscapeEverythingWithoutInlineScriptOrStyle(t *testing.T) {
	evil := `<script>alert("x")</script>`
	frame := Console{Page: Page{Title: evil, Error: evil, CSRF: "tok", SignedIn: true}, Name: evil, OrgName: evil, Sections: consoleSections}
	rows := []RangeRow{{Index: 0, Start: evil, End: evil, Text: evil, Refused: true}}
	finding := policy.HealthFinding{HealthSetting: policy.HealthSetting{Code: evil, Severity: policy.SeverityHigh, Group: "Network Access",
		Setting: evil, Profile: evil, Current: evil, Baseline: evil}, Fix: evil, Why: evil}
	rep := policy.HealthReport{Score: 73, Grade: "Good", Findings: []policy.HealthFinding{finding},
		Met: []policy.HealthSetting{{Code: evil, Setting: evil, Group: evil, Current: evil, Profile: evil}}}
	views := map[string]struct {
		v    any
		want []string
	}{
		"network access": {NetworkAccessView{Console: frame, Ranges: rows, Add: RangeRow{Start: evil, End: evil}, CanEdit: true},
			[]string{`id="range-0"`, `form="range-0"`, `name="do" value="edit"`, `name="do" value="delete"`, `id="add"`, `name="csrf" value="tok"`}},
		"network access, read-only": {NetworkAccessView{Console: frame, Ranges: rows}, []string{`id="read-only"`}},
		"identity verification": {IdentityVerificationView{Console: frame, CanEdit: true,
			Areas: []AreaRow{{Area: "manage-ip-addresses", Name: evil, Does: evil, Path: "/setup/network-access", Choice: "raise", CanEdit: true}}},
			[]string{`<select name="manage-ip-addresses" id="manage-ip-addresses">`, `<option value="raise" selected>`, `id="save"`}},
		"health check": {HealthView{Console: frame, Report: rep, Band: "good", Groups: healthGroups(rep)},
			[]string{`<span id="health-score">73</span>`, `class="hc-fill" x="0" y="0" width="73"`, `href="/setup/network-access"`, `data-severity="high"`}},
	}
	for name, tt := range views {
		html := Render(tt.v)
		problems := unsafeParts(html, evil)
		for _, w := range tt.want {
			if !strings.Contains(html, w) {
				problems = append(problems, "lacks "+w)
			}
		}
		if len(problems) > 0 {
			t.Errorf("%s: %s", name, strings.Join(problems, "; "))
		}
	}
	if html := Render(NetworkAccessView{Console: frame, Ranges: rows}); strings.Contains(html, `name="do"`) {
		t.Error("a read-only Network Access offers no change")
	}
}
