package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"loginguard/shared/admin"
	"loginguard/shared/domain"
)

// "Why?" and "Preview": the console's side of admin.Explain and
// admin.ReplaySettings. Each login-history line links to its page
// (/setup/login-history/{lineId}), which says in one line why it came out
// as it did and lists each rule the decision evaluated. The pages whose
// settings decide logins (a profile's login hours and login IP ranges,
// the org's trusted IP ranges) have a Preview button beside Save: the same
// edit, applied to a copy of the settings as they are, replays the last
// day's login history instead of being saved.

// previewPeriod is how far back a preview replays.
const previewPeriod = 24 * time.Hour

// maxPreviewExamples is how many changed logins a preview lists.
const maxPreviewExamples = 3

// errNoSuchLine is what the "Why?" page says of an id that names no line
// of the admin's org.
const errNoSuchLine = "There is no such line in your organisation's login history."

// ---- Why? ----

// whyPath is the "Why?" page of the history line id (its '#' escaped);
// "" for a line without an id.
func whyPath(id string) string {
	if id == "" {
		return ""
	}
	return recordPath(historyPath+"/", id)
}

// lineIDOK: id has a history line's shape, a time and a tag
// ("2026-12-03T13:00:00.123Z#a1b2..."); anything else names no line.
func lineIDOK(id string) bool {
	at, tag, found := strings.Cut(id, "#")
	if !found || tag == "" || len(id) > maxHistoryCursor {
		return false
	}
	_, err := time.Parse(time.RFC3339Nano, at)
	return err == nil
}

// WhyStep is one rule of a decision's trace as the page lists it.
type WhyStep struct {
	N                     int
	Rule, Outcome, Detail string
	Class                 string // the outcome's kind, for its colour: pass, skip, miss, ok, ask, fail
}

// WhyView is the "Why?" page of one login-history line.
type WhyView struct {
	Console
	X       admin.Explanation
	At      string // the attempt's time in Zone, the admin's
	Zone    string
	Steps   []WhyStep
	Lockout string // the failed attempts before and after ("" when not recorded)
}

// stepClasses are the outcomes' kinds (policy.Outcome.Name's words).
var stepClasses = map[string]string{"passed": "pass", "not set": "skip", "no match": "miss",
	"allowed": "ok", "challenged": "ask", "refused": "fail"}

// whyView is the page of explanation x, times in zone.
func whyView(frame Console, x admin.Explanation, zone *time.Location) WhyView {
	v := WhyView{Console: frame, X: x, At: x.At, Zone: zone.String()}
	if at, err := time.Parse(time.RFC3339, x.At); err == nil {
		v.At = at.In(zone).Format("2006-01-02 15:04:05 MST")
	}
	for i, s := range x.Trace {
		v.Steps = append(v.Steps, WhyStep{N: i + 1, Rule: sentence(s.Rule), Outcome: s.Outcome, Detail: s.Detail, Class: stepClasses[s.Outcome]})
	}
	if l := x.Lockout; l != nil {
		max := "no limit"
		if l.Max > 0 {
			max = "the org's maximum is " + strconv.Itoa(l.Max)
		}
		v.Lockout = fmt.Sprintf("%d before this attempt, %d after (%s)", l.Before, l.After, max)
	}
	return v
}

// whyLine is the "Why?" page of the line the path names, in the admin's
// org (admin.Service.ExplainLine: reading login history).
func (h *Handler) whyLine(r *request, c console) *response {
	id := recordName(r)
	if !lineIDOK(id) {
		return consoleNotFound(r, c, historyPath, errNoSuchLine)
	}
	x, err := h.Admin.ExplainLine(r.ctx, c.actor, admin.ExplainQuery{Org: c.user.OrgID, ID: id})
	if errors.Is(err, domain.ErrNotFound) {
		return consoleNotFound(r, c, historyPath, errNoSuchLine)
	}
	if err != nil {
		if resp := h.consoleRefusal(r, c, err); resp != nil {
			return resp
		}
		v := c.frame(r, "Login History", historyPath)
		v.Error = pageMessage(err)
		return (&response{status: statusOf(err, http.StatusBadRequest)}).html(Render(v))
	}
	v := whyView(c.frame(r, "Why was this login "+x.Outcome+"?", historyPath), x, adminZone(c.user))
	return (&response{status: http.StatusOK}).html(Render(v))
}

// ---- Preview ----

// ReplayPreview is what a draft change would have done to the last day's
// logins (admin.ReplayReport, as the page shows it).
type ReplayPreview struct {
	For    string // the form previewed: "hours", "ranges" (a profile's) or "trusted" (the org's)
	Change string // the change, in words
	// Lines in the period, Replayed of them decided again; Refused of them
	// would have been refused (allowed or challenged before), Allowed
	// allowed (refused before); Changed in all.
	Lines, Replayed, Refused, Allowed, Changed int
	Headline                                   string
	Since                                      string // the period's start in Zone
	Zone                                       string
	Truncated                                  bool
	Rules                                      []PreviewRule
	Examples                                   []PreviewExample
}

// PreviewRule is how many logins a change moves from one outcome to
// another, with the rule that decides them under the draft.
type PreviewRule struct {
	From, To, Rule string
	Count          int
}

// PreviewExample is one login whose outcome would change.
type PreviewExample struct {
	User, At, Was, Would, Why, Path string
}

// previewOf is rep as the page shows it, times in zone.
func previewOf(rep admin.ReplayReport, zone *time.Location) ReplayPreview {
	p := ReplayPreview{Lines: rep.Lines, Replayed: rep.Replayed, Changed: rep.Changed, Zone: zone.String(), Truncated: rep.Truncated,
		Refused: rep.Count(admin.OutcomeAllowed, admin.OutcomeRefused) + rep.Count(admin.OutcomeChallenged, admin.OutcomeRefused),
		Allowed: rep.Count(admin.OutcomeRefused, admin.OutcomeAllowed)}
	p.Headline = previewHeadline(p.Refused, p.Lines, p.Allowed)
	if since, err := time.Parse(time.RFC3339, rep.Since); err == nil {
		p.Since = since.In(zone).Format("2006-01-02 15:04 MST")
	}
	for _, c := range rep.Changes {
		p.Rules = append(p.Rules, PreviewRule{From: c.From, To: c.To, Rule: sentence(c.Rule), Count: c.Count})
	}
	for _, e := range rep.Examples[:min(len(rep.Examples), maxPreviewExamples)] {
		at := e.At
		if t, err := time.Parse(time.RFC3339, e.At); err == nil {
			at = t.In(zone).Format("2006-01-02 15:04:05 MST")
		}
		p.Examples = append(p.Examples, PreviewExample{User: e.Username, At: at, Was: e.Was, Would: e.Would, Why: e.Why, Path: whyPath(e.ID)})
	}
	return p
}

// previewHeadline is a preview's answer in one sentence: "This change
// would have refused 3 of the last day's 12 logins (and allowed 1 refused
// one)."
func previewHeadline(refused, lines, allowed int) string {
	logins, ones := "logins", "ones"
	if lines == 1 {
		logins = "login"
	}
	if allowed == 1 {
		ones = "one"
	}
	return fmt.Sprintf("This change would have refused %d of the last day's %d %s (and allowed %d refused %s).", refused, lines, logins, allowed, ones)
}

// replay is the last day's history of the admin's org decided again under
// draft d (admin.Service.ReplaySettings: View Setup), as the page shows it.
func (h *Handler) replay(r *request, c console, d admin.Draft) (ReplayPreview, error) {
	rep, err := h.Admin.ReplaySettings(r.ctx, c.actor, admin.ReplayQuery{Org: c.user.OrgID, Since: h.Admin.Now().Add(-previewPeriod)}, d)
	if err != nil {
		return ReplayPreview{}, err
	}
	return previewOf(rep, adminZone(c.user)), nil
}

// draftOf is the org's settings and its profiles' as they are, as a draft
// to change.
func draftOf(o domain.Org, ps []domain.Profile) admin.Draft {
	d := admin.Draft{Org: o.OrgSettings, Profiles: make(map[string]domain.ProfileSettings, len(ps))}
	for _, p := range ps {
		d.Profiles[p.ID] = p.ProfileSettings
	}
	return d
}

// profileDraft is the draft of the org o and its profiles ps with edit
// applied to a copy of profile id's settings, checked as UpdateProfile
// checks them.
func profileDraft(o domain.Org, ps []domain.Profile, id string, edit admin.ProfileEdit) (admin.Draft, error) {
	d := draftOf(o, ps)
	s, found := d.Profiles[id]
	if !found {
		return admin.Draft{}, domain.ErrNotFound
	}
	if err := edit(o, &s); err != nil {
		return admin.Draft{}, err
	}
	if err := s.Validate(); err != nil {
		return admin.Draft{}, inputRefusal(err)
	}
	d.Profiles[id] = s
	return d, nil
}

// orgDraft is the draft of the org o and its profiles ps with edit applied
// to a copy of the org's settings, checked as UpdateOrg checks them.
func orgDraft(o domain.Org, ps []domain.Profile, edit func(*domain.OrgSettings) error) (admin.Draft, error) {
	d := draftOf(o, ps)
	if err := edit(&d.Org); err != nil {
		return admin.Draft{}, err
	}
	if err := d.Org.Validate(); err != nil {
		return admin.Draft{}, inputRefusal(err)
	}
	return d, nil
}

// orgAndProfiles reads the admin's org and its profiles (View Setup).
func (h *Handler) orgAndProfiles(r *request, c console) (domain.Org, []domain.Profile, error) {
	o, err := h.Admin.Org(r.ctx, c.actor, c.user.OrgID)
	if err != nil {
		return o, nil, err
	}
	ps, err := h.Admin.Profiles(r.ctx, c.actor, c.user.OrgID)
	return o, ps, err
}

// previewed sets the form's "do" to the change its Preview button names
// (so the page keeps the form as sent, as that change's), and answers it.
func previewed(form url.Values) string {
	do := form.Get("preview")
	form.Set("do", do)
	return do
}

// profilePreviews are the profile forms a Preview replays: the change's
// form and its words (changeWords).
var profilePreviews = map[string]struct{ form, words string }{
	"hours":        {"hours", "the login hours as in the form"},
	"clear-hours":  {"hours", "clearing the login hours"},
	"add-range":    {"ranges", "adding the login IP range {sent}"},
	"edit-range":   {"ranges", "changing the login IP range {was} to {sent}"},
	"delete-range": {"ranges", "deleting the login IP range {was}"},
}

// changeWords are a previewed change's words: {sent} the range form's
// ends as one text ("start-end"), {was} the range it changes.
func changeWords(words string, form url.Values) string {
	start, end := strings.TrimSpace(form.Get("start")), strings.TrimSpace(form.Get("end"))
	sent := start + "-" + end
	if end == "" || end == start {
		sent = start
	}
	return strings.NewReplacer("{sent}", sent, "{was}", strings.TrimSpace(form.Get("was"))).Replace(words)
}

// previewProfile replays the change the profile form names instead of
// saving it, and shows the page with the answer above the form and the
// form as sent. Nothing is written.
func (h *Handler) previewProfile(r *request, c console) *response {
	do := previewed(r.form)
	what, known := profilePreviews[do]
	edit, _, ok := profileChange(r.form)
	if !known || !ok {
		return h.showProfile(r, c, "This form asks for no change this page previews.", http.StatusBadRequest)
	}
	o, ps, err := h.orgAndProfiles(r, c)
	var d admin.Draft
	if err == nil {
		d, err = profileDraft(o, ps, recordName(r), edit)
	}
	var p ReplayPreview
	if err == nil {
		p, err = h.replay(r, c, d)
	}
	if err != nil {
		return h.profileRefused(r, c, err)
	}
	p.For, p.Change = what.form, changeWords(what.words, r.form)
	return h.profileView(r, c, &p, "", http.StatusOK)
}

// trustedPreviews are the Network Access changes a Preview replays, in words.
var trustedPreviews = map[string]string{
	"add":    "adding the trusted IP range {sent}",
	"edit":   "changing the trusted IP range {was} to {sent}",
	"delete": "deleting the trusted IP range {was}",
}

// previewNetworkAccess replays the trusted-range change the form names
// instead of saving it; nothing is written.
func (h *Handler) previewNetworkAccess(r *request, c console) *response {
	words, known := trustedPreviews[previewed(r.form)]
	e := rangeEditOf(r.form)
	again := func(errMsg string, status int) *response { return h.networkAccessPage(r, c, &e, nil, errMsg, status) }
	if !known {
		return again("This form asks for no change this page previews.", http.StatusBadRequest)
	}
	o, ps, err := h.orgAndProfiles(r, c)
	var d admin.Draft
	if err == nil {
		d, err = orgDraft(o, ps, trustedRangeEdit(e))
	}
	var p ReplayPreview
	if err == nil {
		p, err = h.replay(r, c, d)
	}
	if err != nil {
		if resp := h.consoleRefusal(r, c, err); resp != nil {
			return resp
		}
		return again(pageMessage(err), statusOf(err, http.StatusBadRequest))
	}
	p.For, p.Change = "trusted", changeWords(words, r.form)
	return h.networkAccessPage(r, c, &e, &p, "", http.StatusOK)
}

// showPreview puts preview p on the page: a previewed edit's row is shown
// as sent, but it was not refused.
func (v *NetworkAccessView) showPreview(p *ReplayPreview) {
	v.Preview = p
	for i := range v.Ranges {
		v.Ranges[i].Refused = v.Ranges[i].Refused && p == nil
	}
}

// previewFor is p when it previews the form named form, else nil.
func previewFor(p *ReplayPreview, form string) *ReplayPreview {
	if p != nil && p.For == form {
		return p
	}
	return nil
}

// outcomeClass is a replay outcome's colour on the page.
func outcomeClass(outcome string) string {
	return map[string]string{admin.OutcomeAllowed: "ok", admin.OutcomeChallenged: "ask", admin.OutcomeRefused: "fail"}[outcome]
}

// whyOutcomeClass is the class of an explanation's outcome.
func whyOutcomeClass(x admin.Explanation) string { return "why-answer why-" + outcomeClass(x.Outcome) }
