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
	"loginguard/shared/policy"
	"loginguard/shared/settings"
)

// ---- one record's page: /setup/profiles/{id}, /setup/users/{username} ----

// consoleRecordRoutes are the console's pages of one record, by method and
// the path before the record's name: the page's GET shows it, its POST
// makes the change its form's "do" names (so a refusal, and a step-up,
// come back to the page itself).
var consoleRecordRoutes = map[string]consoleRoute{
	"GET /setup/profiles/":  (*Handler).profilePage,
	"POST /setup/profiles/": (*Handler).changeProfile,
	"GET /setup/users/":     (*Handler).userPage,
	"POST /setup/users/":    (*Handler).changeUser,
	// One line's "Why?" (console_why.go).
	"GET /setup/login-history/": (*Handler).whyLine,
}

// consoleRouteOf is the console route of a method and path: a page of
// consoleRoutes, or a record's page of consoleRecordRoutes (one path
// segment after the prefix).
func consoleRouteOf(method, path string) (consoleRoute, bool) {
	if route, found := consoleRoutes[method+" "+strings.TrimSuffix(path, "/")]; found {
		return route, true
	}
	i := strings.LastIndex(path, "/")
	if name := path[i+1:]; i < 0 || name == "" || name == "." || name == ".." {
		return nil, false
	}
	route, found := consoleRecordRoutes[method+" "+path[:i+1]]
	return route, found
}

// recordName is the record a record page's path names (its last segment,
// unescaped).
func recordName(r *request) string {
	seg := r.path[strings.LastIndex(r.path, "/")+1:]
	if name, err := url.PathUnescape(seg); err == nil {
		return name
	}
	return seg
}

// recordPath is the page of the record name under prefix.
func recordPath(prefix, name string) string { return prefix + url.PathEscape(name) }

// consoleNotFound is the console page that says there is no such record.
func consoleNotFound(r *request, c console, section, msg string) *response {
	v := c.frame(r, "Not found", section)
	v.Error = msg
	return (&response{status: http.StatusNotFound}).html(Render(v))
}

// noticeOf is the notice a console page shows after a redirect (?m=): the
// page's own, else the console's.
func noticeOf(r *request, own map[string]string) string {
	if r.method == http.MethodPost {
		return ""
	}
	m := r.ev.QueryStringParameters["m"]
	if n, ok := own[m]; ok {
		return n
	}
	return consoleNotices[m]
}

// adminZone is the signed-in admin's time zone: their own, else their
// org's default (the copy on the user), else UTC.
func adminZone(u domain.User) *time.Location {
	for _, name := range []string{u.TimeZone, u.Policy.TimeZone} {
		if name == "" {
			continue
		}
		if loc, err := time.LoadLocation(name); err == nil {
			return loc
		}
	}
	return time.UTC
}

// ---- Profiles ----

// ProfileListView is /setup/profiles: the org's profiles.
type ProfileListView struct {
	Console
	Profiles []ProfileRow
}

// ProfileRow is one profile of the list.
type ProfileRow struct {
	Name, Path  string
	Permissions string // the setup permissions it grants, in words
	Hours       string // "restricted" or "any time"
	Ranges      int
}

// ProfilePageView is /setup/profiles/{id}: one profile's permissions, login
// hours and login IP ranges, as forms when the admin may change them.
type ProfilePageView struct {
	Console
	Profile     domain.Profile
	Action      string
	Permissions []settings.FormField
	CanEdit     bool
	// The login hours: each weekday as the form edits it, in HoursZone;
	// Summary, the restricted days in HoursZone and in AdminZone.
	Hours     []HoursDay
	HoursZone string
	FirstSet  bool // no hours yet: they will be kept in HoursZone (the org's default now)
	AdminZone string
	Summary   []string
	// Ranges are the login IP ranges; Edit is a refused range form, kept
	// as sent (At -1: the add form).
	Ranges []string
	Edit   RangeForm
	// Preview is a Preview's answer (console_why.go), shown above its form.
	Preview *ReplayPreview
}

// RangeForm is a login IP range form as sent.
type RangeForm struct {
	At         int
	Start, End string
}

// HoursDay is one weekday of the login hours form: Mode "any" (no
// restriction), "hours" (from Start to End) or "none" (no login that day).
type HoursDay struct {
	Key, Name  string
	Mode       string
	Start, End string
}

// profilePermissionFields are the profile settings of the permissions
// form, in order.
var profilePermissionFields = []string{"api-enabled", "manage-users", "customize-application", "view-setup",
	"two-factor-ui", "two-factor-api", "require-high-assurance"}

// profileNotices are what the profile page says after a change (?m=).
var profileNotices = map[string]string{
	"hours-saved":   "Login hours saved.",
	"hours-cleared": "Login hours cleared: users of this profile may log in at any time.",
	"range-added":   "IP range added.",
	"range-saved":   "IP range saved.",
	"range-deleted": "IP range deleted.",
}

func (h *Handler) profiles(r *request, c console) *response {
	ps, err := h.Admin.Profiles(r.ctx, c.actor, c.user.OrgID)
	if err != nil {
		if resp := h.consoleRefusal(r, c, err); resp != nil {
			return resp
		}
	}
	v := ProfileListView{Console: c.frame(r, "Profiles", "/setup/profiles")}
	for _, p := range ps {
		hours := "any time"
		if p.LoginHours.IsSet() {
			hours = "restricted (" + p.LoginHours.Zone + ")"
		}
		v.Profiles = append(v.Profiles, ProfileRow{Name: p.Name, Path: recordPath("/setup/profiles/", p.ID),
			Permissions: permissionWords(p.Permissions()), Hours: hours, Ranges: len(p.LoginIPRanges)})
	}
	return (&response{status: http.StatusOK}).html(Render(v))
}

// permissionWords names the setup permissions ps grant ("none").
func permissionWords(ps policy.Permissions) string {
	var out []string
	for _, p := range []policy.Permission{policy.PermManageUsers, policy.PermCustomizeApplication, policy.PermViewSetup} {
		if ps.Has(p) && (p != policy.PermViewSetup || ps.ViewSetup) {
			out = append(out, string(p))
		}
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ", ")
}

func (h *Handler) profilePage(r *request, c console) *response {
	return h.showProfile(r, c, "", http.StatusOK)
}

// showProfile shows the profile the path names; after a refused form
// (errMsg) that form as it was sent.
func (h *Handler) showProfile(r *request, c console, errMsg string, status int) *response {
	return h.profileView(r, c, nil, errMsg, status)
}

// profileView is showProfile with a Preview's answer (nil: none).
func (h *Handler) profileView(r *request, c console, preview *ReplayPreview, errMsg string, status int) *response {
	id := recordName(r)
	p, err := h.Admin.Profile(r.ctx, c.actor, c.user.OrgID, id)
	if errors.Is(err, domain.ErrNotFound) {
		return consoleNotFound(r, c, "/setup/profiles", "There is no such profile in your organisation.")
	}
	if err != nil {
		if resp := h.consoleRefusal(r, c, err); resp != nil {
			return resp
		}
		errMsg = pageMessage(err)
	}
	v := ProfilePageView{Console: c.frame(r, "Profile: "+p.Name, "/setup/profiles"), Profile: p,
		Action: recordPath("/setup/profiles/", p.ID), CanEdit: c.may(policy.AdminProfiles), Edit: RangeForm{At: -1}, Preview: preview}
	v.Notice = noticeOf(r, profileNotices)
	shown := p.ProfileSettings
	if r.form != nil && r.form.Get("do") == "permissions" {
		_ = settings.ApplyForm(settings.Profile, &shown, settings.Env{}, r.form, profilePermissionFields...)
	}
	v.Permissions = settings.Form(settings.Profile, shown, profilePermissionFields...)
	h.hoursOf(&v, r, c)
	for _, rg := range p.LoginIPRanges {
		v.Ranges = append(v.Ranges, rg.String())
	}
	if r.form != nil && strings.HasSuffix(r.form.Get("do"), "-range") {
		v.Edit = RangeForm{At: atOf(r.form), Start: r.form.Get("start"), End: r.form.Get("end")}
	}
	v.Error = errMsg
	return (&response{status: status}).html(Render(v))
}

// hoursOf fills in the login hours of v's profile: the form in the hours'
// own zone (the org's default now when none are set: the zone they will
// be kept in), or the refused form as sent; and the summary in both zones.
func (h *Handler) hoursOf(v *ProfilePageView, r *request, c console) {
	hours := v.Profile.LoginHours
	v.HoursZone = hours.Zone
	if !hours.IsSet() {
		// The org's default zone now (its copy on the admin's user).
		v.HoursZone, v.FirstSet = c.user.Policy.TimeZone, true
	}
	mine := adminZone(c.user)
	v.AdminZone = mine.String()
	v.Hours = hoursForm(hours)
	if r.form != nil && r.form.Get("do") == "hours" {
		v.Hours = hoursSent(r.form)
	}
	from, err := time.LoadLocation(hours.Zone)
	if err != nil || !hours.IsSet() {
		return
	}
	for _, d := range weekdays {
		w := hours.Days[d]
		if w == nil {
			continue
		}
		if w.Start == w.End {
			v.Summary = append(v.Summary, dayShort(d)+" no login that day ("+hours.Zone+")")
			continue
		}
		line := dayShort(d) + " " + windowText(*w) + " " + hours.Zone
		if mine.String() != hours.Zone {
			line += " = " + convertWindow(d, *w, from, mine, h.Admin.Now()) + " " + mine.String()
		}
		v.Summary = append(v.Summary, line)
	}
}

// weekdays are the week as the login hours form lists it, Monday first.
var weekdays = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}

// dayKey is a weekday's name in the login hours' own text ("mon").
func dayKey(d time.Weekday) string { return strings.ToLower(d.String()[:3]) }

func dayShort(d time.Weekday) string { return d.String()[:3] }

// hoursForm is the login hours form of hours, Monday first.
func hoursForm(hours policy.LoginHours) []HoursDay {
	out := make([]HoursDay, 0, 7)
	for _, d := range weekdays {
		day := HoursDay{Key: dayKey(d), Name: d.String(), Mode: "any"}
		if w := hours.Days[d]; w != nil {
			day.Mode, day.Start, day.End = "hours", clock(w.Start), clock(w.End)
			if w.Start == w.End {
				day.Mode, day.Start, day.End = "none", "", ""
			}
		}
		out = append(out, day)
	}
	return out
}

// hoursSent is the login hours form as it was sent.
func hoursSent(form url.Values) []HoursDay {
	out := make([]HoursDay, 0, 7)
	for _, d := range weekdays {
		k := dayKey(d)
		out = append(out, HoursDay{Key: k, Name: d.String(), Mode: form.Get("mode-" + k),
			Start: strings.TrimSpace(form.Get("start-" + k)), End: strings.TrimSpace(form.Get("end-" + k))})
	}
	return out
}

// hoursSpec is the login hours form sent as the setting's text
// ("mon=08:00-18:00,sat=00:00-00:00": start = end, no login that day).
func hoursSpec(form url.Values) (string, error) {
	var parts []string
	for _, day := range hoursSent(form) {
		switch day.Mode {
		case "", "any":
		case "none":
			parts = append(parts, day.Key+"=00:00-00:00")
		case "hours":
			if day.Start == "" || day.End == "" {
				return "", &domain.Error{Code: domain.CodeInvalidField,
					Message: fmt.Sprintf("login hours: %s: give a start and an end time (HH:MM), or choose another option", day.Name)}
			}
			parts = append(parts, day.Key+"="+day.Start+"-"+day.End)
		default:
			return "", &domain.Error{Code: domain.CodeInvalidField, Message: fmt.Sprintf("login hours: %s: choose any time, hours or no login", day.Name)}
		}
	}
	return strings.Join(parts, ","), nil
}

// clock is minutes after midnight as HH:MM (1440: 24:00).
func clock(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

// windowText is a day's window in its own zone.
func windowText(w policy.Window) string {
	if w.Start == w.End {
		return "no login"
	}
	return clock(w.Start) + "–" + clock(w.End)
}

// convertWindow is the window w of weekday d in the zone from, as the
// clock reads it in the zone to, on that weekday's next date from now
// (the offset between two zones moves with their DST). A time on another
// day than d carries its weekday ("Tue 02:00"); an end at the midnight
// that closes the start's day is shown as 00:00.
func convertWindow(d time.Weekday, w policy.Window, from, to *time.Location, now time.Time) string {
	if w.Start == w.End {
		return "no login"
	}
	today := now.In(from)
	date := today.AddDate(0, 0, (int(d)-int(today.Weekday())+7)%7)
	at := func(m int) time.Time {
		return time.Date(date.Year(), date.Month(), date.Day(), m/60, m%60, 0, 0, from).In(to)
	}
	start, end := at(w.Start), at(w.End)
	text := start.Format("15:04")
	if start.Weekday() != d {
		text = dayShort(start.Weekday()) + " " + text
	}
	endDay := end
	if end.Hour() == 0 && end.Minute() == 0 {
		endDay = end.Add(-time.Minute) // the midnight that ends a day belongs to it
	}
	endText := end.Format("15:04")
	if endDay.Weekday() != start.Weekday() {
		endText = dayShort(end.Weekday()) + " " + endText
	}
	return text + "–" + endText
}

// atOf is the range a range form names (-1: none, the add form).
func atOf(form url.Values) int {
	at, err := strconv.Atoi(form.Get("at"))
	if err != nil || at < 0 {
		return -1
	}
	return at
}

// editRanges is rs with e made (policy.EditRanges), a refusal as the
// field's, with the policy's message.
func editRanges(rs policy.IPRanges, e policy.RangeEdit) (policy.IPRanges, error) {
	out, err := policy.EditRanges(rs, e)
	if err != nil {
		return nil, (&domain.Error{Code: domain.CodeInvalidField, Message: err.Error()}).Wrap(err)
	}
	return out, nil
}

// changeProfile makes the change the profile page's form names, in one
// UpdateProfile (one conditional write), and shows the page again: with
// its notice, or the refusal's message and the form as sent.
func (h *Handler) changeProfile(r *request, c console) *response {
	if r.form.Has("preview") {
		return h.previewProfile(r, c)
	}
	edit, notice, ok := profileChange(r.form)
	if !ok {
		return h.showProfile(r, c, "This form asks for no change this page makes.", http.StatusBadRequest)
	}
	p, err := h.Admin.UpdateProfile(r.ctx, c.actor, c.user.OrgID, recordName(r), edit)
	if err != nil {
		return h.profileRefused(r, c, err)
	}
	return redirect(recordPath("/setup/profiles/", p.ID) + "?m=" + notice)
}

// profileRefused is the answer to a refused change (or Preview) of the
// profile the path names: not found, the refusal's own page (step-up,
// 403, 503), or the page again with the input refusal's message.
func (h *Handler) profileRefused(r *request, c console, err error) *response {
	if errors.Is(err, domain.ErrNotFound) {
		return consoleNotFound(r, c, "/setup/profiles", "There is no such profile in your organisation.")
	}
	if resp := h.consoleRefusal(r, c, err); resp != nil {
		return resp
	}
	return h.showProfile(r, c, pageMessage(err), statusOf(err, http.StatusBadRequest))
}

// profileChange is the edit a profile form asks for (its "do"), and the
// notice of the page after it.
func profileChange(form url.Values) (admin.ProfileEdit, string, bool) {
	hours := func(spec string) admin.ProfileEdit {
		return func(o domain.Org, s *domain.ProfileSettings) error {
			return settings.ApplyForm(settings.Profile, s, settings.Env{OrgZone: o.TimeZone}, url.Values{"login-hours": {spec}}, "login-hours")
		}
	}
	ranges := func(e policy.RangeEdit) admin.ProfileEdit {
		return func(_ domain.Org, s *domain.ProfileSettings) error {
			rs, err := editRanges(s.LoginIPRanges, e)
			if err == nil {
				s.LoginIPRanges = rs
			}
			return err
		}
	}
	sent := policy.RangeEdit{Index: atOf(form), Was: form.Get("was"), Start: form.Get("start"), End: form.Get("end")}
	switch form.Get("do") {
	case "permissions":
		return func(_ domain.Org, s *domain.ProfileSettings) error {
			return settings.ApplyForm(settings.Profile, s, settings.Env{}, form, profilePermissionFields...)
		}, "saved", true
	case "hours":
		spec, err := hoursSpec(form)
		if err != nil {
			return func(domain.Org, *domain.ProfileSettings) error { return err }, "", true
		}
		return hours(spec), "hours-saved", true
	case "clear-hours":
		return hours(""), "hours-cleared", true
	case "add-range":
		sent.Op, sent.Index = policy.RangeAdd, -1
		return ranges(sent), "range-added", true
	case "edit-range":
		if sent.Index < 0 {
			return nil, "", false
		}
		sent.Op = policy.RangeReplace
		return ranges(sent), "range-saved", true
	case "delete-range":
		if sent.Index < 0 {
			return nil, "", false
		}
		sent.Op = policy.RangeDelete
		return ranges(sent), "range-deleted", true
	}
	return nil, "", false
}

// keptIf is s when cond (a refused form's value kept), else "".
func keptIf(cond bool, s string) string {
	if cond {
		return s
	}
	return ""
}

// rangeEnd is the start (part 0) or end (part 1) of the range rg at index
// i as its form shows it: the refused edit's as sent, else rg's.
func rangeEnd(edit RangeForm, i int, rg string, part int) string {
	if edit.At == i {
		return [2]string{edit.Start, edit.End}[part]
	}
	start, end, found := strings.Cut(rg, "-")
	if !found {
		end = start
	}
	return [2]string{start, end}[part]
}
