package admin_test

import (
	"errors"
	"testing"
	"time"

	"loginguard/internal/testenv"
	"loginguard/shared/account"
	"loginguard/shared/admin"
	"loginguard/shared/domain"
	"loginguard/shared/policy"
)

func TestLineFilterRules(t *testing.T) {
	at := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	ok := domain.LoginEvent{At: at, LoginType: "SOAP", Allowed: true}
	failed := domain.LoginEvent{At: at, LoginType: "UI"}
	tests := []struct {
		name string
		f    admin.LineFilter
		e    domain.LoginEvent
		keep bool
	}{
		{"no filter keeps a line", admin.LineFilter{}, failed, true},
		{"since is inclusive", admin.LineFilter{Since: at}, ok, true},
		{"a line before since is dropped", admin.LineFilter{Since: at.Add(time.Nanosecond)}, ok, false},
		{"before is exclusive (a page's cursor)", admin.LineFilter{Before: at}, ok, false},
		{"a line before before is kept", admin.LineFilter{Before: at.Add(time.Second)}, ok, true},
		{"failed drops a success", admin.LineFilter{Outcome: "Failed"}, ok, false},
		{"failed keeps a failure", admin.LineFilter{Outcome: "failed"}, failed, true},
		{"success drops a failure", admin.LineFilter{Outcome: "SUCCESS"}, failed, false},
		{"the login type matches in any case", admin.LineFilter{LoginType: "soap"}, ok, true},
		{"another login type is dropped", admin.LineFilter{LoginType: "REST"}, ok, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.f.Check(); err != nil {
				t.Fatal(err)
			}
			if got := tt.f.Keeps(tt.e); got != tt.keep {
				t.Fatalf("Keeps = %v, want %v", got, tt.keep)
			}
		})
	}
	for _, f := range []admin.LineFilter{{Outcome: "maybe"}, {LoginType: "SAML"}} {
		if err := f.Check(); domain.ErrorCode(err) != domain.CodeInvalidQuery {
			t.Errorf("%+v: %v, want %s", f, err, domain.CodeInvalidQuery)
		}
	}
}

// FilteredHistory keeps the newest lines the filter passes, up to the
// limit; ExportHistory is the download: View Setup's, audited.
func TestFilteredHistoryAndItsExport(t *testing.T) {
	svc, st, _ := newService(t)
	ctx := testenv.Context(t)
	o := testenv.SeedOrg(t, st)
	viewerProfile := testenv.SeedProfile(t, st, o, func(p *domain.Profile) { p.ViewSetup = true })
	viewer := account.Actor{User: testenv.SeedUser(t, st, o, viewerProfile).User, IP: "203.0.113.7", Via: "UI"}
	nobody := account.Actor{User: testenv.SeedUser(t, st, o, testenv.SeedProfile(t, st, o)).User, IP: "203.0.113.8", Via: "UI"}
	start := time.Now().Add(-time.Hour).UTC()
	for i := range 6 {
		ev := domain.LoginEvent{At: start.Add(time.Duration(i) * time.Minute), OrgID: o.ID, UserID: viewer.User.ID,
			Username: viewer.User.Username, LoginType: []string{"SOAP", "UI"}[i%2], Allowed: i%3 != 0, Reason: "X"}
		if err := st.Record(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	at := func(p admin.HistoryPage) []time.Duration {
		var d []time.Duration
		for _, e := range p.Lines {
			d = append(d, e.At.Sub(start)/time.Minute)
		}
		return d
	}
	q := admin.HistoryQuery{Org: o.ID, Limit: 2}
	f := admin.LineFilter{Outcome: "success", Before: start.Add(5 * time.Minute)}
	p, err := svc.FilteredHistory(ctx, viewer, q, f)
	if err != nil {
		t.Fatal(err)
	}
	// Lines 0..4 before the bound; successes 4, 2, 1: the newest two, then the rest.
	if got := at(p); len(got) != 2 || got[0] != 4 || got[1] != 2 || p.Next == "" {
		t.Fatalf("page 1: %v, next %q", got, p.Next)
	}
	q.Before = p.Next
	if p, err = svc.FilteredHistory(ctx, viewer, q, f); err != nil || len(at(p)) != 1 || at(p)[0] != 1 || p.Next != "" {
		t.Fatalf("page 2: %v, next %q, %v", at(p), p.Next, err)
	}
	// Since stops the scan; without a filter a page reads only its lines.
	if p, err = svc.FilteredHistory(ctx, viewer, admin.HistoryQuery{Org: o.ID, Limit: 10}, admin.LineFilter{Since: start.Add(3 * time.Minute)}); err != nil || len(p.Lines) != 3 || p.Next != "" {
		t.Fatalf("since: %v, next %q, %v", at(p), p.Next, err)
	}
	q = admin.HistoryQuery{Org: o.ID, Limit: 3}
	for _, want := range [][]time.Duration{{5, 4, 3}, {2, 1, 0}, nil} {
		if p, err = svc.FilteredHistory(ctx, viewer, q, admin.LineFilter{}); err != nil || len(at(p)) != len(want) {
			t.Fatalf("unfiltered from %q: %v, %v; want %v", q.Before, at(p), err, want)
		}
		q.Before = p.Next
	}
	if q.Before != "" {
		t.Fatalf("an empty page has a next one: %q", q.Before)
	}
	if _, err := svc.FilteredHistory(ctx, viewer, q, admin.LineFilter{Outcome: "maybe"}); !errors.Is(err, admin.ErrOutcome) {
		t.Fatalf("a bad outcome: %v", err)
	}
	// A login type no line has is an empty page, not a refusal (the admin API's type is open).
	if p, err = svc.FilteredHistory(ctx, viewer, admin.HistoryQuery{Org: o.ID, Limit: 10}, admin.LineFilter{LoginType: "SAML"}); err != nil || len(p.Lines) != 0 {
		t.Fatalf("an unknown login type: %v, %v", at(p), err)
	}
	p, err = svc.ExportHistory(ctx, viewer, admin.HistoryQuery{Org: o.ID, Limit: admin.MaxLines}, admin.LineFilter{LoginType: "UI"})
	if err != nil || len(p.Lines) != 3 {
		t.Fatalf("export: %d lines, %v", len(p.Lines), err)
	}
	trail, err := svc.AuditTrail(ctx, cli, o.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(trail) != 1 || trail[0].Action != string(policy.AdminExportHistory) || trail[0].Outcome != account.OutcomeDone || trail[0].ActorID != viewer.User.ID {
		t.Fatalf("the export's audit line: %+v", trail)
	}
	if _, err := svc.ExportHistory(ctx, nobody, admin.HistoryQuery{Org: o.ID, Limit: 10}, admin.LineFilter{}); domain.ErrorCode(err) != domain.CodeNotPermitted {
		t.Fatalf("an export without View Setup: %v", err)
	}
	if !audited(ctx, t, svc, nobody, policy.AdminExportHistory) {
		t.Fatal("the refused export is not in the audit trail")
	}
}
