package admin_test

import (
	"net/netip"
	"testing"
	"time"

	"loginguard/shared/account"
	"loginguard/shared/admin"
	"loginguard/shared/domain"
	"loginguard/shared/policy"
)

// recordedDay is Monday 2026-11-23 in New York, logged in for real: ann
// (profile Sales: login hours mon 08:00–18:00, no ranges) and bob (profile
// Ops: login IP ranges 203.0.113.0–203.0.113.255, no hours), one line the
// day before and one the day after, outside the period.
func recordedDay(t *testing.T) (*logins, time.Time, time.Time) {
	w := newLogins(t, nil)
	hours, _ := policy.ParseLoginHours("America/New_York", "mon=08:00-18:00")
	office, _ := policy.ParseIPRanges("203.0.113.0-203.0.113.255")
	sales := w.profile("Sales", func(p *domain.Profile) { p.LoginHours = hours })
	ops := w.profile("Ops", func(p *domain.Profile) { p.LoginIPRanges = office })
	ann, annToken := w.user("ann", sales, nil)
	bob, _ := w.user("bob", ops, nil)
	attempts := []struct {
		at, user, secret string
		ip               netip.Addr
		ui               bool
		want             string // the outcome recorded
	}{
		{"2026-11-22 12:00", ann, loginPassword, trustedIP, false, admin.OutcomeAllowed}, // the day before
		{"2026-11-23 07:30", ann, loginPassword, trustedIP, false, admin.OutcomeRefused}, // before her hours
		{"2026-11-23 09:00", ann, loginPassword, trustedIP, false, admin.OutcomeAllowed},
		{"2026-11-23 10:00", ann, loginPassword, homeIP, true, admin.OutcomeChallenged}, // the browser asks for a code
		{"2026-11-23 12:00", ann, loginPassword + annToken, homeIP, false, admin.OutcomeAllowed},
		{"2026-11-23 13:00", ann, "Wrong-Horse-9", trustedIP, false, admin.OutcomeRefused},
		{"2026-11-23 17:30", ann, loginPassword, homeIP, false, admin.OutcomeRefused},    // no token
		{"2026-11-23 18:30", ann, loginPassword, trustedIP, false, admin.OutcomeRefused}, // after her hours
		{"2026-11-23 10:00", bob, loginPassword, officeIP, false, admin.OutcomeAllowed},
		{"2026-11-23 11:00", bob, loginPassword, homeIP, false, admin.OutcomeRefused}, // outside Ops' ranges
		{"2026-11-23 20:00", bob, loginPassword, netip.MustParseAddr("203.0.113.9"), false, admin.OutcomeAllowed},
		{"2026-11-24 09:00", ann, loginPassword, trustedIP, false, admin.OutcomeAllowed}, // the day after
	}
	for _, a := range attempts {
		w.at(a.at)
		if a.ui {
			_, _ = w.ui(a.user, a.secret, a.ip)
		} else {
			_ = w.api("SOAP", a.user, a.secret, a.ip)
		}
		if got := admin.OutcomeOf(w.lastLine(a.user)); got != a.want {
			t.Fatalf("%s %s: %s; want %s", a.at, a.user, got, a.want)
		}
	}
	since, _ := time.ParseInLocation("2006-01-02", "2026-11-23", newYork)
	return w, since, since.Add(24*time.Hour - time.Second)
}

func TestReplayOfARecordedDay(t *testing.T) {
	w, since, until := recordedDay(t)
	type change struct {
		from, to, rule string
		n              int
	}
	tests := []struct {
		name    string
		draft   string
		changes []change
	}{
		{"the settings as they are change nothing", `{}`, nil},
		{"shorter login hours refuse the 09:00 login", `{"profiles": {"Sales": {"loginHours": "mon=09:30-17:00"}}}`,
			[]change{{admin.OutcomeAllowed, admin.OutcomeRefused, "login hours", 1}}},
		{"longer login hours let the 07:30 and 18:30 logins in through the trusted range", `{"profiles": {"Sales": {"loginHours": "mon=07:00-19:00"}}}`,
			[]change{{admin.OutcomeRefused, admin.OutcomeAllowed, "trusted IP ranges", 2}}},
		{"a narrower profile range refuses the login from 203.0.113.9", `{"profiles": {"Ops": {"loginIpRanges": ["203.0.113.0-203.0.113.7"]}}}`,
			[]change{{admin.OutcomeAllowed, admin.OutcomeRefused, "profile login IP ranges", 1}}},
		{"trusting 198.51.100.0/24 lets ann in without a token or a code, not bob outside his profile's ranges",
			`{"org": {"trustedIpRanges": ["192.0.2.0-192.0.2.255", "198.51.100.0-198.51.100.255"]}}`,
			[]change{{admin.OutcomeChallenged, admin.OutcomeAllowed, "trusted IP ranges", 1}, {admin.OutcomeRefused, admin.OutcomeAllowed, "trusted IP ranges", 1}}},
		{"no ranges on Ops leave bob to the token, which he did not append", `{"profiles": {"Ops": {"loginIpRanges": []}}}`,
			[]change{{admin.OutcomeAllowed, admin.OutcomeRefused, "security token", 2}}},
		{"no trusted ranges refuse ann's password-only login at 09:00", `{"org": {"trustedIpRanges": []}}`,
			[]change{{admin.OutcomeAllowed, admin.OutcomeRefused, "security token", 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := admin.ParseDraftFile([]byte(tt.draft))
			if err != nil {
				t.Fatal(err)
			}
			r, err := w.admin.Replay(w.ctx, admin.CLI, admin.ReplayQuery{Org: w.org.ID, Since: since, Until: until}, f)
			if err != nil {
				t.Fatal(err)
			}
			// 10 lines that day; all but none are the decision's own.
			if r.Lines != 10 || r.Replayed != 10 {
				t.Fatalf("%d lines, %d replayed; want 10 and 10", r.Lines, r.Replayed)
			}
			total := 0
			for _, c := range tt.changes {
				total += c.n
			}
			if r.Changed != total || len(r.Changes) != len(tt.changes) {
				t.Fatalf("changes %+v (%d); want %+v", r.Changes, r.Changed, tt.changes)
			}
			for i, c := range tt.changes {
				if got := r.Changes[i]; got != (admin.ChangeCount{From: c.from, To: c.to, Rule: c.rule, Count: c.n}) {
					t.Errorf("change %d = %+v; want %+v", i, got, c)
				}
			}
			if len(r.Examples) != total {
				t.Fatalf("%d examples; want %d", len(r.Examples), total)
			}
			for _, e := range r.Examples {
				if e.Username == "" || e.ID == "" || e.Why == "" || e.Was == "" {
					t.Errorf("example %+v", e)
				}
			}
		})
	}
	t.Run("an example says why in the draft's words", func(t *testing.T) {
		f, _ := admin.ParseDraftFile([]byte(`{"profiles": {"Sales": {"loginHours": "mon=09:30-17:00"}}}`))
		r, err := w.admin.Replay(w.ctx, admin.CLI, admin.ReplayQuery{Org: w.org.ID, Since: since, Until: until}, f)
		if err != nil || len(r.Examples) != 1 {
			t.Fatal(r, err)
		}
		e := r.Examples[0]
		want := admin.ReplayExample{ID: e.ID, At: "2026-11-23T14:00:01Z", Username: "ann@acme.example", IP: trustedIP.String(), LoginType: "SOAP",
			From: admin.OutcomeAllowed, To: admin.OutcomeRefused, Rule: "login hours", Was: "SUCCESS", Would: "LOGIN_DURING_RESTRICTED_TIME",
			Why: "refused: outside the profile's login hours, Mon 09:30–17:00 America/New_York; attempt at 09:00 there"}
		if e != want {
			t.Fatalf("example\n%+v\nwant\n%+v", e, want)
		}
	})
}

func TestReplayDraftsAreCheckedAndReadingNeedsViewSetup(t *testing.T) {
	w, since, until := recordedDay(t)
	q := admin.ReplayQuery{Org: w.org.ID, Since: since, Until: until}
	for _, draft := range []string{`[]`, `{"org": {"noSuchSetting": 1}}`, `{"profiles": {"Nobody": {}}}`,
		`{"profiles": {"Sales": {"loginHours": "mon=18:00-08:00"}}}`, `{"org": {"trustedIpRanges": ["10.0.0.9-10.0.0.1"]}}`, `{"extra": {}}`} {
		f, err := admin.ParseDraftFile([]byte(draft))
		if err == nil {
			_, err = w.admin.Replay(w.ctx, admin.CLI, q, f)
		}
		if code(err) != domain.CodeInvalidField {
			t.Errorf("draft %s: %v; want %s", draft, err, domain.CodeInvalidField)
		}
	}
	// A user of the org without View Setup may not replay; one with it may.
	none := w.profile("NoSetup", nil)
	viewer := w.profile("Viewer", func(p *domain.Profile) { p.ViewSetup = true })
	for _, c := range []struct {
		p    domain.Profile
		want string
	}{{none, domain.CodeNotPermitted}, {viewer, ""}} {
		name, _ := w.user("admin-"+c.p.Name, c.p, nil)
		u, err := w.st.User(w.ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		actor := account.Actor{User: u, Via: "UI", Level: policy.LevelHighAssurance}
		_, err = w.admin.ReplaySettings(w.ctx, actor, q, admin.Draft{Org: w.org.OrgSettings})
		if code(err) != c.want {
			t.Errorf("%s: %v; want %q", c.p.Name, err, c.want)
		}
	}
	if _, err := w.admin.ReplaySettings(w.ctx, admin.CLI, admin.ReplayQuery{Org: w.org.ID, Since: until, Until: since}, admin.Draft{}); code(err) != domain.CodeInvalidField {
		t.Errorf("a period that ends before it starts: %v", err)
	}
}

// A line the decision allowed and something after it refused (here a TOTP
// code used twice) stays refused under any draft.
func TestReplayKeepsARefusalThatFollowedTheDecision(t *testing.T) {
	at := time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC) // 10:00 in New York
	ip := netip.MustParseAddr("198.51.100.7")
	x := policy.Facts{Credentials: policy.PasswordAndTOTP, HasTOTPKey: true}
	trace, _ := x.Decide(at, ip, policy.LoginSettings{APIEnabled: true})
	ev := domain.LoginEvent{At: at, IP: ip.String(), Username: "ann@acme.example", LoginType: "SOAP", Reason: string(policy.ReasonTOTPReused),
		Grounds: policy.GroundsOf("00e000000000001", x, at, ip, policy.LoginSettings{APIEnabled: true}, trace)}
	late, _ := policy.ParseLoginHours("America/New_York", "mon=12:00-18:00")
	for _, p := range []domain.ProfileSettings{{APIEnabled: true}, {APIEnabled: true, LoginHours: late}} {
		r := admin.ReplayLines([]domain.LoginEvent{ev}, admin.Draft{Profiles: map[string]domain.ProfileSettings{"00e000000000001": p}})
		if r.Replayed != 1 || r.Changed != 0 {
			t.Fatalf("under %+v: %+v; want it replayed and unchanged", p, r)
		}
	}
}
