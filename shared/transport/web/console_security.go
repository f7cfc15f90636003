package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"loginguard/shared/domain"
	"loginguard/shared/policy"
)

// The console's security pages: Network Access (the org's trusted IP
// ranges, one range changed at a time), Password Policies, Identity
// Verification (the seed's session security level policies of the setup
// areas) and Health Check. Each change is one conditional write of the
// org through the admin use case (admin.Service.UpdateOrg), which decides
// the permission and the identity-verification policy by what changes.

const (
	networkAccessPath        = "/setup/network-access"
	passwordPoliciesPath     = "/setup/password-policies"
	identityVerificationPath = "/setup/identity-verification"
	healthCheckPath          = "/setup/health-check"
)

// inputRefusal is a rule's refusal of an admin's input (a
// *policy.ValidationError) as the domain's error, its text the rule's.
func inputRefusal(err error) error {
	if _, ok := err.(*domain.Error); ok || err == nil {
		return err
	}
	return (&domain.Error{Code: domain.CodeInvalidField, Message: err.Error()}).Wrap(err)
}

// saveOrg changes the admin's org with edit (admin.Service.UpdateOrg) and
// answers: back to path saved, the refusal's own page (step-up, 403, 503),
// or again the page shown by again with the input refusal's message.
func (h *Handler) saveOrg(r *request, c console, path string, edit func(*domain.OrgSettings) error,
	again func(errMsg string, status int) *response) *response {
	_, err := h.Admin.UpdateOrg(r.ctx, c.actor, c.user.OrgID, edit)
	if err != nil {
		if resp := h.consoleRefusal(r, c, err); resp != nil {
			return resp
		}
		return again(pageMessage(err), statusOf(err, http.StatusBadRequest))
	}
	return redirect(path + "?m=saved")
}

// ---- Network Access ----

// RangeRow is one trusted IP range as Network Access lists it: its
// position, its ends (as its form shows them) and its text, which its edit
// and delete name (policy.RangeEdit.Was).
type RangeRow struct {
	Index      int
	Start, End string
	Text       string
	Refused    bool // the row's edit was refused: its form shows what was sent
}

// NetworkAccessView is Setup > Network Access: the org's trusted IP
// ranges, each in a form of its own when the admin may change them, and
// the form that adds one.
type NetworkAccessView struct {
	Console
	Ranges  []RangeRow
	Add     RangeRow // the add form's fields: a refused add's as sent
	CanEdit bool
	Preview *ReplayPreview // a Preview's answer (console_why.go)
}

// rangeRows are rs as Network Access lists them.
func rangeRows(rs policy.IPRanges) []RangeRow {
	rows := make([]RangeRow, len(rs))
	for i, r := range rs {
		text := r.String()
		start, end, found := strings.Cut(text, "-") // IPv6 text has no dash
		if !found {
			end = start
		}
		rows[i] = RangeRow{Index: i, Start: start, End: end, Text: text}
	}
	return rows
}

// rangeEditOf is the change a Network Access form asks for: do is add,
// edit or delete; an edit or delete names its row's position and text.
func rangeEditOf(form url.Values) policy.RangeEdit {
	op := map[string]policy.RangeOp{"add": policy.RangeAdd, "edit": policy.RangeReplace, "delete": policy.RangeDelete}[form.Get("do")]
	if op == "" {
		op = policy.RangeOp(form.Get("do")) // refused by EditRanges, naming it
	}
	e := policy.RangeEdit{Op: op, Index: -1, Was: strings.TrimSpace(form.Get("was")),
		Start: strings.TrimSpace(form.Get("start")), End: strings.TrimSpace(form.Get("end"))}
	if i, err := strconv.Atoi(form.Get("index")); err == nil {
		e.Index = i
	}
	return e
}

// keepSent shows a refused change's input in its form: the add form's, or
// the edited row's.
func (v *NetworkAccessView) keepSent(e policy.RangeEdit) {
	switch e.Op {
	case policy.RangeAdd:
		v.Add.Start, v.Add.End = e.Start, e.End
	case policy.RangeReplace:
		for i, row := range v.Ranges {
			if row.Index == e.Index && row.Text == e.Was {
				v.Ranges[i].Start, v.Ranges[i].End, v.Ranges[i].Refused = e.Start, e.End, true
			}
		}
	}
}

func (h *Handler) networkAccess(r *request, c console) *response {
	return h.networkAccessPage(r, c, nil, nil, "", http.StatusOK)
}

// networkAccessPage shows the org's trusted ranges; sent, when not nil, is
// a refused (or previewed) change, shown as it was sent; preview, when not
// nil, a Preview's answer.
func (h *Handler) networkAccessPage(r *request, c console, sent *policy.RangeEdit, preview *ReplayPreview, errMsg string, status int) *response {
	o, err := h.Admin.Org(r.ctx, c.actor, c.user.OrgID)
	if err != nil {
		if resp := h.consoleRefusal(r, c, err); resp != nil {
			return resp
		}
		errMsg = pageMessage(err)
	}
	v := NetworkAccessView{Console: c.frame(r, "Network Access", networkAccessPath), Ranges: rangeRows(o.TrustedRanges),
		CanEdit: c.may(policy.AdminNetworkAccess)}
	if sent != nil {
		v.keepSent(*sent)
	}
	v.showPreview(preview)
	v.Error = errMsg
	return (&response{status: status}).html(Render(v))
}

// editNetworkAccess adds, changes or deletes one trusted range, as the
// form says, in one conditional write of the org.
func (h *Handler) editNetworkAccess(r *request, c console) *response {
	if r.form.Has("preview") {
		return h.previewNetworkAccess(r, c)
	}
	e := rangeEditOf(r.form)
	return h.saveOrg(r, c, networkAccessPath, trustedRangeEdit(e),
		func(errMsg string, status int) *response { return h.networkAccessPage(r, c, &e, nil, errMsg, status) })
}

// trustedRangeEdit is the change of the org's trusted ranges e makes (a
// Save's, and a Preview's on a copy).
func trustedRangeEdit(e policy.RangeEdit) func(*domain.OrgSettings) error {
	return func(s *domain.OrgSettings) error {
		rs, err := policy.EditRanges(s.TrustedRanges, e)
		if err != nil {
			return inputRefusal(err)
		}
		s.TrustedRanges = rs
		return nil
	}
}

// ---- Password Policies ----

// passwordPolicyForm is Setup > Password Policies: the org's password
// policy as a form of its settings.
var passwordPolicyForm = orgForm{path: passwordPoliciesPath, title: "Password Policies",
	intro: "What a new password must be, how many old ones may not come back, and how long one lasts.",
	act:   policy.AdminPasswordPolicy,
	fields: []string{"password-min-length", "password-complexity", "password-history", "password-expiry",
		"password-block-common"}}

func (h *Handler) passwordPolicies(r *request, c console) *response {
	return h.orgSettingsPage(r, c, passwordPolicyForm, "", http.StatusOK)
}

func (h *Handler) savePasswordPolicies(r *request, c console) *response {
	return h.saveOrgSettings(r, c, passwordPolicyForm)
}

// ---- Identity Verification ----

// areaGuards say what each area's policy guards here (session-security.txt's
// "Controls access to ..."), and the console page where it applies.
var areaGuards = map[policy.Area]struct{ does, path string }{
	policy.AreaIPAddresses:      {"Changing the trusted IP ranges on the Network Access page.", networkAccessPath},
	policy.AreaPasswordPolicies: {"Changing the Password Policies page's settings.", passwordPoliciesPath},
	policy.AreaProfiles:         {"Creating and changing profiles: permissions, login hours, login IP ranges.", "/setup/profiles"},
	policy.AreaConnectedApps:    {"Creating and deleting connected apps.", "/setup/apps"},
	policy.AreaUnlockUsers:      {"Unlocking users and resetting their passwords and security tokens.", "/setup/users"},
	policy.AreaTwoFactorUI:      {"Registering and removing users' TOTP keys (the console and the admin API alike).", "/setup/users"},
	policy.AreaTwoFactorAPI:     {"Registering and removing users' TOTP keys (the console and the admin API alike).", "/setup/users"},
	policy.AreaHealthCheck:      {"Viewing the Health Check page.", healthCheckPath},
	policy.AreaEventLogFiles:    {"Downloading login history as CSV.", "/setup/login-history"},
}

// AreaRow is one setup area on Identity Verification: its policy for
// Standard sessions as a menu (none, raise, block).
type AreaRow struct {
	Area, Name, Does, Path string
	Choice                 string
	CanEdit                bool
}

// IdentityVerificationView is Setup > Identity Verification: the seed's
// session security level policies, one menu per setup area.
type IdentityVerificationView struct {
	Console
	Areas   []AreaRow
	CanEdit bool // some area's policy may be changed
}

// areaChoices are the menu's values and their labels.
var areaChoices = []struct{ Value, Label string }{
	{"none", "None"}, {"raise", "Raise session to High Assurance"}, {"block", "Block"},
}

// areaChoice is the menu value of an area's policy.
func areaChoice(a policy.Action) string {
	switch a {
	case policy.ActionRaise:
		return "raise"
	case policy.ActionBlock:
		return "block"
	}
	return "none"
}

// mayChangeArea: the admin holds every permission the area's actions need
// (a change of its policy is each of them: admin's orgChanges).
func (c console) mayChangeArea(a policy.Area) bool {
	for _, act := range policy.GuardedBy(a) {
		if !c.may(act) {
			return false
		}
	}
	return true
}

// areaRows are the areas with the org's policies, or the form's choices
// where a refused form sent them.
func (c console) areaRows(policies map[policy.Area]policy.Action, form url.Values) []AreaRow {
	rows := make([]AreaRow, len(policy.Areas))
	for i, a := range policy.Areas {
		g := areaGuards[a]
		rows[i] = AreaRow{Area: string(a), Name: a.Name(), Does: g.does, Path: g.path, Choice: areaChoice(policies[a]),
			CanEdit: c.mayChangeArea(a)}
		if form.Has(string(a)) {
			rows[i].Choice = form.Get(string(a))
		}
	}
	return rows
}

// identityVerificationChanges are the policies a form sets, by area (""
// for none): each area's menu the form has, read as lgadmin's
// --identity-verification reads "area=raise".
func identityVerificationChanges(form url.Values) (map[policy.Area]policy.Action, error) {
	var parts []string
	for _, a := range policy.Areas {
		if form.Has(string(a)) {
			parts = append(parts, string(a)+"="+strings.TrimSpace(form.Get(string(a))))
		}
	}
	changes, _, err := policy.ParseIdentityVerification(strings.Join(parts, ","))
	return changes, inputRefusal(err)
}

func (h *Handler) identityVerification(r *request, c console) *response {
	return h.identityVerificationPage(r, c, "", http.StatusOK)
}

func (h *Handler) identityVerificationPage(r *request, c console, errMsg string, status int) *response {
	o, err := h.Admin.Org(r.ctx, c.actor, c.user.OrgID)
	if err != nil {
		if resp := h.consoleRefusal(r, c, err); resp != nil {
			return resp
		}
		errMsg = pageMessage(err)
	}
	v := IdentityVerificationView{Console: c.frame(r, "Identity Verification", identityVerificationPath),
		Areas: c.areaRows(o.IdentityVerification, r.form)}
	for _, row := range v.Areas {
		v.CanEdit = v.CanEdit || row.CanEdit
	}
	v.Error = errMsg
	return (&response{status: status}).html(Render(v))
}

// saveIdentityVerification sets every area's policy the form has, in one
// conditional write of the org.
func (h *Handler) saveIdentityVerification(r *request, c console) *response {
	again := func(errMsg string, status int) *response { return h.identityVerificationPage(r, c, errMsg, status) }
	changes, err := identityVerificationChanges(r.form)
	if err != nil {
		return again(pageMessage(err), http.StatusBadRequest)
	}
	return h.saveOrg(r, c, identityVerificationPath, func(s *domain.OrgSettings) error {
		s.IdentityVerification = policy.ApplyActions(s.IdentityVerification, changes)
		return nil
	}, again)
}

// ---- Health Check ----

// HealthItem is one finding with the console page where its setting is
// changed ("" when there is none).
type HealthItem struct {
	policy.HealthFinding
	Path, PageTitle string
}

// HealthGroup is the findings of one risk category.
type HealthGroup struct {
	Severity string // the category, lower case: high, medium, low, info
	Title    string
	Items    []HealthItem
}

// HealthView is Setup > Health Check: the score, the findings by risk,
// and the checks met.
type HealthView struct {
	Console
	Report policy.HealthReport
	Band   string // the score's colour: good, fair, poor
	Groups []HealthGroup
}

// healthSeverities are the risk categories in the page's order, with their
// headings (Salesforce's).
var healthSeverities = []struct {
	sev   policy.HealthSeverity
	title string
}{
	{policy.SeverityHigh, "High-risk security settings"}, {policy.SeverityMedium, "Medium-risk security settings"},
	{policy.SeverityLow, "Low-risk security settings"}, {policy.SeverityInfo, "Informational security settings"},
}

// healthGroups are rep's findings by risk category, most severe first
// (empty categories left out), each with the console page of its group.
func healthGroups(rep policy.HealthReport) []HealthGroup {
	var out []HealthGroup
	for _, s := range healthSeverities {
		g := HealthGroup{Severity: strings.ToLower(string(s.sev)), Title: s.title}
		for _, f := range rep.Findings {
			if f.Severity != s.sev {
				continue
			}
			item := HealthItem{HealthFinding: f}
			for _, sec := range consoleSections {
				if sec.Title == f.Group {
					item.Path, item.PageTitle = sec.Path, sec.Title
				}
			}
			g.Items = append(g.Items, item)
		}
		if len(g.Items) > 0 {
			out = append(out, g)
		}
	}
	return out
}

// scoreBand is a score's colour: good from Salesforce's "Good" (70) up,
// poor under its "Poor" (55).
func scoreBand(score int) string {
	switch {
	case score >= 70:
		return "good"
	case score >= 55:
		return "fair"
	}
	return "poor"
}

func (h *Handler) healthCheck(r *request, c console) *response {
	rep, err := h.Admin.HealthCheck(r.ctx, c.actor, c.user.OrgID)
	if err != nil {
		if resp := h.consoleRefusal(r, c, err); resp != nil {
			return resp
		}
		v := c.frame(r, "Health Check", healthCheckPath)
		v.Error = pageMessage(err)
		return (&response{status: statusOf(err, http.StatusBadRequest)}).html(Render(v))
	}
	v := HealthView{Console: c.frame(r, "Health Check", healthCheckPath), Report: rep, Band: scoreBand(rep.Score),
		Groups: healthGroups(rep)}
	return (&response{status: http.StatusOK}).html(Render(v))
}

// rangeID is the id of a Network Access row's element of kind.
func rangeID(kind string, i int) string { return kind + "-" + strconv.Itoa(i) }
