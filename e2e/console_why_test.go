package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"loginguard/shared/admin"
	"loginguard/shared/domain"
	"loginguard/shared/policy"
	"loginguard/shared/settings"
	"loginguard/shared/store/dynamo"
)

// The console's "Why?" page and Preview in headless Chromium
// (e2e/js/console-why.mjs), after real SOAP logins at known outcomes: the
// answer and trace the page shows are admin.Explain's of the stored line,
// and each preview's counts are admin.ReplaySettings' of the same draft.

// shownPreview is one Preview's answer as the page showed it.
type shownPreview struct {
	Headline string `json:"headline"`
	Lines    int    `json:"lines"`
	Replayed int    `json:"replayed"`
	Refused  int    `json:"refused"`
	Allowed  int    `json:"allowed"`
	Changed  int    `json:"changed"`
	Rules    []struct {
		From  string `json:"from"`
		To    string `json:"to"`
		Rule  string `json:"rule"`
		Count int    `json:"count"`
	} `json:"rules"`
	Examples []struct {
		User  string `json:"user"`
		Would string `json:"would"`
		At    string `json:"at"`
	} `json:"examples"`
}

func TestConsoleWhy(t *testing.T) {
	s := startStackWith(t, stackOptions{trustForwardedFor: true}) // the logins come from chosen addresses
	ctx := context.Background()
	const orgZone, adminZone = "America/New_York", "Europe/Paris"
	o, admins := s.orgAndProfile(t, func(o *domain.Org) { o.TimeZone = orgZone }, func(p *domain.Profile) {
		p.Name, p.ManageUsers, p.CustomizeApplication = "System Administrator", true, true
	})
	adm := s.adminIn(t, o, admins, adminZone)
	office, err := policy.ParseIPRanges("198.51.100.0-198.51.100.63")
	if err != nil {
		t.Fatal(err)
	}
	field := s.profileIn(t, o, func(p *domain.Profile) { p.Name, p.LoginIPRanges = "Field Staff", office })
	bob, carol := s.userIn(t, o, field), s.userIn(t, o, s.profileIn(t, o, nil))
	for range 3 {
		if r := s.soapFrom(t, "198.51.100.10", bob.username, bob.password+bob.token); r.status != 200 {
			t.Fatalf("bob's login from the office: %d %s", r.status, r.body)
		}
	}
	if r := s.soapFrom(t, "203.0.113.9", bob.username, bob.password+bob.token); r.status != 500 || !strings.Contains(r.body, "LOGIN_DURING_RESTRICTED_DOMAIN") {
		t.Fatalf("bob's login from outside the profile's range: %d %s", r.status, r.body)
	}
	if r := s.soapFrom(t, "203.0.113.50", carol.username, carol.password); r.status != 500 || !strings.Contains(r.body, "LOGIN_MUST_USE_SECURITY_TOKEN") {
		t.Fatalf("carol's login without her token: %d %s", r.status, r.body)
	}
	refused := s.refusedLine(t, bob, string(policy.ReasonRestrictedDomain))
	x := admin.Explain(refused)
	if !strings.Contains(x.Summary, "203.0.113.9 is outside the profile's login IP ranges") || len(x.Trace) == 0 {
		t.Fatalf("the stored line's explanation: %+v", x)
	}

	t.Run("Why? shows admin.Explain's answer and trace; three previews show admin.ReplaySettings' counts and store nothing", func(t *testing.T) {
		orgBefore, fieldBefore := s.storedOrg(t, adm), s.storedProfile(t, field)
		s.console(t, "why", adm, map[string]any{"bob": bob.username, "lineId": refused.ID, "summary": x.Summary, "trace": x.Trace,
			"profileId": field.ID})
		orgAfter, fieldAfter := s.storedOrg(t, adm), s.storedProfile(t, field)
		if orgAfter.Version != orgBefore.Version || fieldAfter.Version != fieldBefore.Version ||
			fieldAfter.LoginIPRanges.String() != office.String() || fieldAfter.LoginHours.IsSet() || len(orgAfter.TrustedRanges) != 0 {
			t.Fatalf("a preview wrote: org version %d → %d, profile %d → %d, ranges %q, hours %q, trusted %q", orgBefore.Version,
				orgAfter.Version, fieldBefore.Version, fieldAfter.Version, fieldAfter.LoginIPRanges, fieldAfter.LoginHours.String(), orgAfter.TrustedRanges)
		}
		var res struct {
			Previews map[string]shownPreview `json:"previews"`
		}
		s.browserResult(t, "why-result.json", &res)
		narrow, _ := policy.ParseIPRanges("198.51.100.0-198.51.100.7")
		trusted, _ := policy.ParseIPRanges("203.0.113.0-203.0.113.255")
		drafts := map[string]struct {
			edit              func(t *testing.T, d *admin.Draft)
			refused, allowedN int // what the logins above make of it
		}{
			"edit-range": {func(t *testing.T, d *admin.Draft) {
				s.editProfile(t, d, field.ID, func(p *domain.ProfileSettings) { p.LoginIPRanges = narrow })
			}, 3, 0},
			"hours": {func(t *testing.T, d *admin.Draft) {
				s.editProfile(t, d, field.ID, func(p *domain.ProfileSettings) {
					spec := "mon=00:00-00:00,tue=00:00-00:00,wed=00:00-00:00,thu=00:00-00:00,fri=00:00-00:00,sat=00:00-00:00,sun=00:00-00:00"
					if err := settings.ApplyForm(settings.Profile, p, settings.Env{OrgZone: orgZone}, url.Values{"login-hours": {spec}}, "login-hours"); err != nil {
						t.Fatal(err)
					}
				})
			}, 3, 0},
			"trusted": {func(t *testing.T, d *admin.Draft) { d.Org.TrustedRanges = trusted }, 0, 1},
		}
		svc := &admin.Service{Store: s.st, Now: time.Now}
		paris, _ := time.LoadLocation(adminZone)
		for name, dr := range drafts {
			shown, ok := res.Previews[name]
			if !ok {
				t.Errorf("%s: no preview recorded", name)
				continue
			}
			d := s.draftNow(t, o)
			dr.edit(t, &d)
			rep, err := svc.ReplaySettings(ctx, admin.CLI, admin.ReplayQuery{Org: o.ID, Since: time.Now().Add(-24 * time.Hour)}, d)
			if err != nil {
				t.Fatal(err)
			}
			refusedN := rep.Count(admin.OutcomeAllowed, admin.OutcomeRefused) + rep.Count(admin.OutcomeChallenged, admin.OutcomeRefused)
			allowedN := rep.Count(admin.OutcomeRefused, admin.OutcomeAllowed)
			if refusedN != dr.refused || allowedN != dr.allowedN {
				t.Errorf("%s: the replay itself refuses %d and allows %d; the logins made should give %d and %d", name, refusedN, allowedN, dr.refused, dr.allowedN)
			}
			ones := "ones"
			if allowedN == 1 {
				ones = "one"
			}
			headline := fmt.Sprintf("This change would have refused %d of the last day's %d logins (and allowed %d refused %s).", refusedN, rep.Lines, allowedN, ones)
			if shown.Headline != headline || shown.Lines != rep.Lines || shown.Replayed != rep.Replayed || shown.Refused != refusedN ||
				shown.Allowed != allowedN || shown.Changed != rep.Changed {
				t.Errorf("%s: the page showed %+v\nwant %q (%d lines, %d replayed, %d changed)", name, shown, headline, rep.Lines, rep.Replayed, rep.Changed)
			}
			if len(shown.Rules) != len(rep.Changes) {
				t.Errorf("%s: %d rows by rule, want %d: %+v", name, len(shown.Rules), len(rep.Changes), shown.Rules)
			}
			for i, c := range rep.Changes {
				if i < len(shown.Rules) {
					if r := shown.Rules[i]; r.From != c.From || r.To != c.To || r.Count != c.Count || !strings.EqualFold(r.Rule, c.Rule) {
						t.Errorf("%s: row %d %+v, want %+v", name, i, r, c)
					}
				}
			}
			if want := min(len(rep.Examples), 3); len(shown.Examples) != want {
				t.Errorf("%s: %d examples, want %d", name, len(shown.Examples), want)
			}
			for i, e := range shown.Examples {
				want := rep.Examples[i]
				at, _ := time.Parse(time.RFC3339, want.At)
				if e.User != want.Username || e.Would != want.Would || e.At != at.In(paris).Format("2006-01-02 15:04:05 MST") {
					t.Errorf("%s: example %d %+v, want %s at %s (%s) → %s", name, i, e, want.Username, want.At, adminZone, want.Would)
				}
			}
		}
	})

	t.Run("a previewed range change saved from the same form", func(t *testing.T) {
		before := s.storedProfile(t, field)
		s.console(t, "why-save", adm, map[string]any{"profileId": field.ID})
		after := s.storedProfile(t, field)
		if after.LoginIPRanges.String() != "198.51.100.0-198.51.100.7" || after.Version != before.Version+1 {
			t.Fatalf("stored ranges %q, version %d → %d", after.LoginIPRanges, before.Version, after.Version)
		}
	})
}

// browserResult reads the file name a Chromium scenario left beside its
// screenshots into v.
func (s *stack) browserResult(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(s.root, "test-artifacts", "browser", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

// refusedLine is a's stored history line refused for reason.
func (s *stack) refusedLine(t *testing.T, a account, reason string) domain.LoginEvent {
	t.Helper()
	lines, err := s.st.History(context.Background(), dynamo.HistoryFilter{UserID: s.userID(t, a.username), Limit: 20})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range lines {
		if e.Reason == reason {
			return e
		}
	}
	t.Fatalf("no line of %s refused for %s: %+v", a.username, reason, lines)
	return domain.LoginEvent{}
}

// storedProfile is p as stored now.
func (s *stack) storedProfile(t *testing.T, p domain.Profile) domain.Profile {
	t.Helper()
	got, err := s.st.Profile(context.Background(), p.OrgID, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// draftNow is o's settings and its profiles' as stored now, as a draft.
func (s *stack) draftNow(t *testing.T, o domain.Org) admin.Draft {
	t.Helper()
	ctx := context.Background()
	stored, err := s.st.Org(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := s.st.Profiles(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	d := admin.Draft{Org: stored.OrgSettings, Profiles: map[string]domain.ProfileSettings{}}
	for _, p := range ps {
		d.Profiles[p.ID] = p.ProfileSettings
	}
	return d
}

// editProfile changes profile id's settings in draft d.
func (s *stack) editProfile(t *testing.T, d *admin.Draft, id string, edit func(*domain.ProfileSettings)) {
	t.Helper()
	p, ok := d.Profiles[id]
	if !ok {
		t.Fatalf("the draft has no profile %s", id)
	}
	edit(&p)
	d.Profiles[id] = p
}
