package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"time"

	"loginguard/shared/account"
	"loginguard/shared/domain"
	"loginguard/shared/policy"
	"loginguard/shared/settings"
)

// Replay: every attempt of a period decided again, from the grounds its
// history line keeps, under a draft of the org's and profiles' settings,
// and what would change. lgadmin replay prints it; the console can show it
// before a change is saved ("this change would have refused 37 of
// yesterday's logins").
//
// What is decided again is the login decision itself (policy.Facts.Decide):
// login hours, API Enabled, two-factor, profile and trusted ranges, the
// security token, High Assurance at login, password expiry. Lines the
// decision did not make are counted but kept as they were: an unknown,
// inactive or locked user (the lockout count depends on the whole
// sequence of attempts), a code typed wrong, token grants, lines stored
// before grounds were kept. The password check is not redone: an attempt's
// credentials stay what they were found to be.

// MaxReplayLines bounds the lines one replay reads.
const MaxReplayLines = 100000

// MaxExamples is how many examples a replay reports for each kind of change.
const MaxExamples = 5

// Draft is a draft of an org's settings and its profiles', by profile id.
type Draft struct {
	Org      domain.OrgSettings
	Profiles map[string]domain.ProfileSettings
}

// DraftFile is a draft as lgadmin replay --draft reads it: the org's
// members and each profile's (named by id or by name) as the admin API's
// settings take them (settings.ApplyJSON), each applied on the settings as
// they are now.
type DraftFile struct {
	Org      map[string]json.RawMessage            `json:"org"`
	Profiles map[string]map[string]json.RawMessage `json:"profiles"`
}

// MaxDraftBytes bounds a draft file.
const MaxDraftBytes = 1 << 20

// ErrDraftFile: the draft is not a JSON object of the expected shape.
var ErrDraftFile = invalid(domain.CodeInvalidField,
	`a draft is a JSON object {"org": {...}, "profiles": {"<profile id or name>": {...}}} with the admin API's setting members`)

// ParseDraftFile reads a draft file (at most MaxDraftBytes).
func ParseDraftFile(b []byte) (DraftFile, error) {
	if len(b) > MaxDraftBytes {
		return DraftFile{}, invalid(domain.CodeInvalidField, fmt.Sprintf("a draft is at most %d bytes", MaxDraftBytes))
	}
	var f DraftFile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return DraftFile{}, ErrDraftFile.Wrap(err)
	}
	return f, nil
}

// ReplayQuery is an org and a period.
type ReplayQuery struct {
	Org          string
	Since, Until time.Time // zero Until: now
}

// Replay decides the org's attempts of the period again under the draft
// file f applied on the settings as they are now.
func (s *Service) Replay(ctx context.Context, actor account.Actor, q ReplayQuery, f DraftFile) (ReplayReport, error) {
	d, err := s.DraftOf(ctx, actor, q.Org, f)
	if err != nil {
		return ReplayReport{}, err
	}
	return s.ReplaySettings(ctx, actor, q, d)
}

// DraftOf is the draft file f applied on the org's settings and its
// profiles' as they are now, checked as a change of them would be.
func (s *Service) DraftOf(ctx context.Context, actor account.Actor, orgID string, f DraftFile) (Draft, error) {
	o, err := s.org(ctx, actor, policy.AdminReadSetup, orgID)
	if err != nil {
		return Draft{}, err
	}
	ps, err := s.Store.Profiles(ctx, o.ID)
	if err != nil {
		return Draft{}, err
	}
	d := Draft{Org: o.OrgSettings, Profiles: map[string]domain.ProfileSettings{}}
	if err := settings.ApplyJSON(settings.Org, &d.Org, settings.Env{}, f.Org); err != nil {
		return Draft{}, err
	}
	if err := invalidSettings(d.Org.Validate()); err != nil {
		return Draft{}, err
	}
	for _, p := range ps {
		d.Profiles[p.ID] = p.ProfileSettings
	}
	for key, doc := range f.Profiles {
		p, ok := profileNamed(ps, key)
		if !ok {
			return Draft{}, invalid(domain.CodeInvalidField, fmt.Sprintf("the draft names profile %q, which is neither the id nor the name of a profile of the org", key))
		}
		ds := p.ProfileSettings
		if err := settings.ApplyJSON(settings.Profile, &ds, settings.Env{OrgZone: o.TimeZone}, doc); err != nil {
			return Draft{}, err
		}
		if err := invalidSettings(ds.Validate()); err != nil {
			return Draft{}, err
		}
		d.Profiles[p.ID] = ds
	}
	return d, nil
}

func profileNamed(ps []domain.Profile, key string) (domain.Profile, bool) {
	for _, p := range ps {
		if p.ID == key || strings.EqualFold(p.Name, key) {
			return p, true
		}
	}
	return domain.Profile{}, false
}

// ErrPeriod: the period's end is before its start.
var ErrPeriod = invalid(domain.CodeInvalidField, "the period's end (--until) is before its start (--since)")

// ReplaySettings decides the org's attempts of the period again under
// draft d (permission: View Setup).
func (s *Service) ReplaySettings(ctx context.Context, actor account.Actor, q ReplayQuery, d Draft) (ReplayReport, error) {
	orgID := OrgID(q.Org)
	if err := s.allow(ctx, actor, policy.AdminReadSetup, orgID, orgID); err != nil {
		return ReplayReport{}, err
	}
	until := q.Until
	if until.IsZero() {
		until = s.Now()
	}
	if until.Before(q.Since) {
		return ReplayReport{}, ErrPeriod
	}
	evs, err := s.Store.History(ctx, domain.HistoryFilter{OrgID: orgID, Since: q.Since, Until: until, Limit: MaxReplayLines})
	if err != nil {
		return ReplayReport{}, err
	}
	r := ReplayLines(evs, d)
	r.Org, r.Since, r.Until = orgID, q.Since.UTC().Format(time.RFC3339), until.UTC().Format(time.RFC3339)
	r.Truncated = len(evs) == MaxReplayLines
	return r, nil
}

// ReplayReport is what a draft would have changed.
type ReplayReport struct {
	Org   string `json:"orgId"`
	Since string `json:"since"`
	Until string `json:"until"`
	// Lines in the period; Replayed of them decided again (the rest kept
	// as they were); Changed of those with another outcome.
	Lines     int  `json:"lines"`
	Replayed  int  `json:"replayed"`
	Changed   int  `json:"changed"`
	Truncated bool `json:"truncated,omitempty"` // MaxReplayLines were read; the period has more
	// The changes, by outcome before and after and the rule that decides
	// now, most frequent first.
	Changes []ChangeCount `json:"changes"`
	// Examples of each kind of change, at most MaxExamples, newest first.
	Examples []ReplayExample `json:"examples"`
}

// ChangeCount is how many attempts went From one outcome To another, with
// Rule deciding now.
type ChangeCount struct {
	From  string `json:"from"`
	To    string `json:"to"`
	Rule  string `json:"rule"`
	Count int    `json:"count"`
}

// Count is how many attempts went from one outcome to another (any rule).
func (r ReplayReport) Count(from, to string) int {
	n := 0
	for _, c := range r.Changes {
		if c.From == from && c.To == to {
			n += c.Count
		}
	}
	return n
}

// ReplayExample is one attempt whose outcome would change.
type ReplayExample struct {
	ID        string `json:"id"`
	At        string `json:"at"`
	Username  string `json:"username"`
	IP        string `json:"sourceIp"`
	LoginType string `json:"loginType"`
	From      string `json:"from"`
	To        string `json:"to"`
	Rule      string `json:"rule"`
	Was       string `json:"was"` // the reason recorded
	Would     string `json:"would"`
	Why       string `json:"why"` // the explanation under the draft
}

// ReplayLines decides the lines evs again under draft d.
func ReplayLines(evs []domain.LoginEvent, d Draft) ReplayReport {
	r := ReplayReport{Lines: len(evs), Changes: []ChangeCount{}, Examples: []ReplayExample{}}
	counts := map[ChangeCount]int{}
	examples := map[ChangeCount]int{}
	for _, ev := range evs {
		g := ev.Grounds
		p, known := d.Profiles[g.ProfileID]
		ip, err := netip.ParseAddr(ev.IP)
		if !g.Trace.Decided() || !known || err != nil {
			continue
		}
		r.Replayed++
		rules := domain.PolicyOf(domain.Org{OrgSettings: d.Org}, domain.Profile{ProfileSettings: p}).LoginSettings()
		trace, reason := g.Facts.Decide(ev.At, ip, rules)
		from, to := traceOutcome(g.Trace), traceOutcome(trace)
		if from == OutcomeAllowed && OutcomeOf(ev) == OutcomeRefused {
			// Refused after the decision allowed it (a TOTP code used
			// twice, the sessions ended meanwhile): a draft that allows
			// it meets the same end.
			from = OutcomeRefused
			if to == OutcomeAllowed {
				to = OutcomeRefused
			}
		}
		if from == to {
			continue
		}
		r.Changed++
		step, _ := trace.Decisive()
		key := ChangeCount{From: from, To: to, Rule: step.Rule.Name()}
		counts[key]++
		if examples[key] < MaxExamples {
			examples[key]++
			would := replayed(ev, policy.GroundsOf(g.ProfileID, g.Facts, ev.At, ip, rules, trace), reason)
			r.Examples = append(r.Examples, ReplayExample{ID: ev.ID, At: ev.At.UTC().Format(time.RFC3339), Username: ev.Username,
				IP: ev.IP, LoginType: ev.LoginType, From: from, To: to, Rule: key.Rule, Was: ev.Reason, Would: would.Reason,
				Why: Explain(would).Summary})
		}
	}
	for k, n := range counts {
		k.Count = n
		r.Changes = append(r.Changes, k)
	}
	sort.Slice(r.Changes, func(i, j int) bool {
		a, b := r.Changes[i], r.Changes[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		return a.From+a.To+a.Rule < b.From+b.To+b.Rule
	})
	return r
}

// traceOutcome is the outcome a decision's trace came to.
func traceOutcome(t policy.Trace) string {
	s, _ := t.Decisive()
	switch s.Outcome {
	case policy.Admitted:
		return OutcomeAllowed
	case policy.Challenged:
		return OutcomeChallenged
	}
	return OutcomeRefused
}

// replayed is line ev as the draft would have written it: its grounds g,
// the decision's reason, and the challenge or reason a challenge records.
func replayed(ev domain.LoginEvent, g policy.Grounds, reason policy.Reason) domain.LoginEvent {
	ev.Grounds, ev.Allowed, ev.Challenge = g, traceOutcome(g.Trace) == OutcomeAllowed, ""
	ev.Reason = string(reason)
	if s, _ := g.Trace.Decisive(); s.Outcome == policy.Challenged {
		switch s.Rule {
		case policy.RuleEmailCode:
			ev.Reason = string(policy.ReasonCodeSent)
		case policy.RulePasswordExpiry:
			ev.Reason, ev.Challenge = string(policy.ReasonPasswordExpired), string(policy.ChallengeNewPassword)
		default:
			ev.Reason = string(policy.ReasonTOTPRequired)
		}
	}
	return ev
}

// Text is the report as lgadmin prints it.
func (r ReplayReport) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Org %s, %s to %s: %d lines, %d decided again, %d would change.\n", r.Org, r.Since, r.Until, r.Lines, r.Replayed, r.Changed)
	if r.Truncated {
		fmt.Fprintf(&b, "Only the first %d lines of the period were read.\n", MaxReplayLines)
	}
	if r.Changed == 0 {
		return b.String()
	}
	fmt.Fprintf(&b, "allowed→refused %d, refused→allowed %d, challenged→allowed %d, allowed→challenged %d, other %d\n\nBy rule:\n",
		r.Count(OutcomeAllowed, OutcomeRefused), r.Count(OutcomeRefused, OutcomeAllowed), r.Count(OutcomeChallenged, OutcomeAllowed),
		r.Count(OutcomeAllowed, OutcomeChallenged), r.Changed-r.Count(OutcomeAllowed, OutcomeRefused)-r.Count(OutcomeRefused, OutcomeAllowed)-
			r.Count(OutcomeChallenged, OutcomeAllowed)-r.Count(OutcomeAllowed, OutcomeChallenged))
	for _, c := range r.Changes {
		fmt.Fprintf(&b, "  %5d  %s→%s  by %s\n", c.Count, c.From, c.To, c.Rule)
	}
	b.WriteString("\nExamples:\n")
	for _, e := range r.Examples {
		fmt.Fprintf(&b, "  %s %s from %s (%s): %s → %s\n      %s\n      id %s\n", e.At, e.Username, e.IP, e.LoginType, e.Was, e.Would, e.Why, e.ID)
	}
	return b.String()
}
