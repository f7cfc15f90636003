package web

import (
	"strings"

	"loginguard/shared/domain"
	"loginguard/shared/ids"
	"loginguard/shared/login"
)

// What the login page remembers of this browser's logins. The page is
// shown before anyone says who they are, so it cannot read an org's
// settings: it learns them from the logins that succeeded here, and every
// cookie below is written only in the answer to one.
//
//   - __Host-lg_user: the last user name, prefilled ("Enable caching and
//     autocomplete on login page"); "-" after a login into an org with it
//     off, which also forgets every remembered name and turns autocomplete
//     off, whatever user switching says.
//   - __Host-lg_users: the names to switch between ("Enable user
//     switching"). A login into an org with it on adds its name; a login
//     into an org with it off forgets that org's names. Each entry carries
//     its org's id for that, and whether the org offers "Remember me".
//     At most maxRemembered names, the newest first.
//   - __Host-lg_offer: the org of the name in the field offers "Remember me
//     until logout", so the page shows the checkbox. Only a hint: the login
//     use case reads the org's own setting, so a forged cookie or field
//     gets a browser session where the org does not offer it.
//   - __Host-lg_keep: "Remember me" was ticked, carried from the password
//     to the verification step that follows it (as long as a challenge).
//
// They hold user names and org ids, nothing that logs anyone in: HttpOnly,
// Secure, __Host- as every cookie here, so no script or subdomain reads them.

// noCaching is __Host-lg_user's value after a login into an org that
// turned caching and autocomplete off.
const noCaching = "-"

// maxRemembered bounds the names offered (and the cookie: under 1.5 KiB
// with every name at its longest and escaped).
const maxRemembered = 5

// rememberMaxAge is the ceiling of a remembered session's cookie: the
// browser keeps it at most this long after the login; the server's idle
// timeout still ends the session whenever it idles out, and logout at once.
const rememberMaxAge = 30 * 24 * 3600

// rememberedName is one name of __Host-lg_users.
type rememberedName struct {
	org      string // the org's 15-character id
	offer    bool   // the org offers "Remember me until logout"
	username string
}

type rememberedNames []rememberedName

// parseRemembered reads __Host-lg_users: one entry a line, "ORG FLAG NAME"
// with FLAG "r" (the org offers remember-me) or "-". What does not read
// as an entry, a name seen before and anything past the bound are dropped.
func parseRemembered(v string) rememberedNames {
	var out rememberedNames
	seen := map[string]bool{}
	for _, line := range strings.Split(v, "\n") {
		f := strings.SplitN(line, " ", 3)
		if len(f) != 3 || !ids.Valid15(f[0]) || (f[1] != "r" && f[1] != "-") || !usernameShape(f[2]) {
			continue
		}
		key := domain.NormalizeUsername(f[2])
		if seen[key] || len(out) == maxRemembered {
			continue
		}
		seen[key] = true
		out = append(out, rememberedName{org: f[0], offer: f[1] == "r", username: f[2]})
	}
	return out
}

// usernameShape: a name the login form would take.
func usernameShape(s string) bool {
	return s != "" && s == strings.TrimSpace(s) && len(s) <= login.MaxUsernameLen && !strings.ContainsAny(s, "\x00\r\n")
}

func (l rememberedNames) String() string {
	lines := make([]string, len(l))
	for i, e := range l {
		flag := "-"
		if e.offer {
			flag = "r"
		}
		lines[i] = e.org + " " + flag + " " + e.username
	}
	return strings.Join(lines, "\n")
}

// find is the entry of a name (case-insensitive, as user names are).
func (l rememberedNames) find(username string) (rememberedName, bool) {
	key := domain.NormalizeUsername(username)
	for _, e := range l {
		if domain.NormalizeUsername(e.username) == key {
			return e, true
		}
	}
	return rememberedName{}, false
}

// keep returns the entries for which ok holds.
func (l rememberedNames) keep(ok func(rememberedName) bool) rememberedNames {
	var out rememberedNames
	for _, e := range l {
		if ok(e) {
			out = append(out, e)
		}
	}
	return out
}

func (l rememberedNames) without(username string) rememberedNames {
	key := domain.NormalizeUsername(username)
	return l.keep(func(e rememberedName) bool { return domain.NormalizeUsername(e.username) != key })
}

// with puts e first, in place of an entry of the same name.
func (l rememberedNames) with(e rememberedName) rememberedNames {
	out := append(rememberedNames{e}, l.without(e.username)...)
	if len(out) > maxRemembered {
		out = out[:maxRemembered]
	}
	return out
}

func (l rememberedNames) names() []string {
	out := make([]string, len(l))
	for i, e := range l {
		out[i] = e.username
	}
	return out
}

// cookie sets __Host-lg_users to l, or expires it when l is empty.
func (l rememberedNames) cookie() string {
	if len(l) == 0 {
		return ClearCookie(cookieUsers)
	}
	return Cookie(cookieUsers, l.String(), deviceMaxAge)
}

// offerCookie sets or expires __Host-lg_offer.
func offerCookie(offer bool) string {
	if offer {
		return Cookie(cookieOffer, "remember-me", deviceMaxAge)
	}
	return ClearCookie(cookieOffer)
}

// rememberLogin is what a successful login leaves for the login page,
// as the user's org allows (see the top of this file).
func (r *request) rememberLogin(resp *response, out login.BrowserOutcome) {
	u := out.Result.User
	had := r.cookies[cookieUsers] != ""
	list := parseRemembered(r.cookies[cookieUsers])
	switch {
	case out.NoLoginPageCaching:
		resp.cookies = append(resp.cookies, Cookie(cookieUser, noCaching, deviceMaxAge))
		list = nil
	case out.UserSwitching:
		resp.cookies = append(resp.cookies, Cookie(cookieUser, u.Username, deviceMaxAge))
		list = list.with(rememberedName{org: u.OrgID, offer: out.RememberMe, username: u.Username})
	default:
		resp.cookies = append(resp.cookies, Cookie(cookieUser, u.Username, deviceMaxAge))
		list = list.keep(func(e rememberedName) bool { return e.org != u.OrgID })
	}
	if had || len(list) > 0 {
		resp.cookies = append(resp.cookies, list.cookie())
	}
	if out.RememberMe || r.cookies[cookieOffer] != "" {
		resp.cookies = append(resp.cookies, offerCookie(out.RememberMe))
	}
}

// switchUser is a remembered name chosen on the login page: the page
// then shows it in the user name field, and offers "Remember me" as the
// name's org did at its last login here. A name not remembered changes
// nothing.
func (h *Handler) switchUser(r *request, name string) *response {
	resp := redirect("/login")
	if r.cookies[cookieUser] == noCaching {
		return resp
	}
	e, ok := parseRemembered(r.cookies[cookieUsers]).find(name)
	if !ok {
		return resp
	}
	resp.cookies = append(resp.cookies, Cookie(cookieUser, e.username, deviceMaxAge), offerCookie(e.offer))
	return resp
}

// forgetUser takes a name off the login page: out of the names to switch
// between and, if it is the one prefilled, out of the field.
func (h *Handler) forgetUser(r *request, name string) *response {
	resp := redirect("/login")
	list := parseRemembered(r.cookies[cookieUsers])
	if _, ok := list.find(name); ok {
		resp.cookies = append(resp.cookies, list.without(name).cookie())
	}
	if last := r.cookies[cookieUser]; last != noCaching && domain.NormalizeUsername(last) == domain.NormalizeUsername(name) {
		resp.cookies = append(resp.cookies, ClearCookie(cookieUser))
	}
	return resp
}
