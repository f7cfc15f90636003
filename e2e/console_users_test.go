package e2e

import (
	"context"
	"crypto/rand"
	"net/url"
	"strings"
	"testing"
	"time"

	"loginguard/internal/openapi"
	"loginguard/internal/testenv"
	"loginguard/shared/domain"
	"loginguard/shared/policy"
	"loginguard/shared/secret"
)

// adminIn makes a user of p in o whose own time zone is zone (the admin's
// zone the console shows times in).
func (s *stack) adminIn(t *testing.T, o domain.Org, p domain.Profile, zone string) account {
	t.Helper()
	a := testenv.SeedUser(t, s.st, o, p, testenv.Params(fastParams), testenv.User(func(u *domain.User) {
		u.Username = "user-" + u.ID + "@e2e.example"
		u.Email, u.FirstName, u.LastName, u.TimeZone = u.Username, "Ada", "Admin", zone
	}))
	return account{org: o, profile: p, username: a.User.Username, password: a.Password, token: a.Token}
}

// inZone is the window from start to end (minutes after midnight) of the
// next Monday in zone from, as the clock reads it in zone to ("14:00–00:00").
func inZone(t *testing.T, start, end int, from, to string) string {
	t.Helper()
	f, err := time.LoadLocation(from)
	if err != nil {
		t.Fatal(err)
	}
	l, err := time.LoadLocation(to)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().In(f)
	mon := now.AddDate(0, 0, (int(time.Monday)-int(now.Weekday())+7)%7)
	at := func(m int) string {
		return time.Date(mon.Year(), mon.Month(), mon.Day(), m/60, m%60, 0, 0, f).In(l).Format("15:04")
	}
	return at(start) + "–" + at(end)
}

// The console's Profiles and Users pages in Chromium, as an admin with
// Manage Users whose own zone (Europe/Paris) is not the org's
// (America/New_York); each change read back from the store.
func TestConsoleUsers(t *testing.T) {
	s := startStack(t)
	ctx := context.Background()
	const orgZone, adminZone = "America/New_York", "Europe/Paris"
	o, admins := s.orgAndProfile(t, func(o *domain.Org) {
		o.TimeZone = orgZone
		o.Lockout = policy.Lockout{MaxAttempts: 3, Period: 15 * time.Minute}
	}, func(p *domain.Profile) { p.Name, p.ManageUsers = "System Administrator", true })
	adm := s.adminIn(t, o, admins, adminZone)
	hoursProfile := s.profileIn(t, o, func(p *domain.Profile) { p.Name = "Night Shift" }) // no users: its hours lock no one out
	staff := s.profileIn(t, o, nil)
	viewers := s.profileIn(t, o, func(p *domain.Profile) { p.Name, p.ViewSetup = "Auditors", true })

	t.Run("Profiles: a permission granted, login hours in two zones, IP ranges added, edited, deleted, one refused", func(t *testing.T) {
		badStart, badEnd := "::", "::1:0:0:0" // the seed's example of a range across the IPv4-mapped space's border
		_, rule := policy.ParseIPRange(badStart, badEnd)
		if rule == nil {
			t.Fatal("the policy accepts the range the seed forbids")
		}
		s.console(t, "profiles", adm, map[string]any{"profileId": hoursProfile.ID, "profileName": hoursProfile.Name,
			"hoursZone":   orgZone,
			"expectHours": "Mon 08:00–18:00 " + orgZone + " = " + inZone(t, 8*60, 18*60, orgZone, adminZone) + " " + adminZone,
			"badStart":    badStart, "badEnd": badEnd, "rangeError": rule.Error()})
		p, err := s.st.Profile(ctx, o.ID, hoursProfile.ID)
		if err != nil {
			t.Fatal(err)
		}
		h := p.LoginHours
		if h.Zone != orgZone || h.Days[time.Monday] == nil || *h.Days[time.Monday] != (policy.Window{Start: 480, End: 1080}) ||
			h.Days[time.Sunday] == nil || h.Days[time.Sunday].Start != h.Days[time.Sunday].End || h.Days[time.Tuesday] != nil || h.Days[time.Wednesday] != nil {
			t.Errorf("stored login hours: %q in %q", h.String(), h.Zone)
		}
		if got := p.LoginIPRanges.String(); got != "198.51.100.7" {
			t.Errorf("stored login IP ranges: %q; want 198.51.100.7", got)
		}
		if !p.ViewSetup {
			t.Error("View Setup was not granted")
		}
	})

	t.Run("Users: a user created from the page logs in with the token mailed to them", func(t *testing.T) {
		newUser, pw := "nina-"+o.ID+"@e2e.example", "Created-Pa55word-"+o.ID
		s.console(t, "create-user", adm, map[string]any{"newUser": newUser, "newPassword": pw, "profileId": staff.ID})
		tok := s.newestToken(t, newUser)
		if !s.loginWorks(t, newUser, pw+tok) {
			t.Fatal("the created user cannot log in")
		}
		if u, err := s.st.User(ctx, newUser); err != nil || u.ProfileID != staff.ID || u.FirstName != "Nina" || u.TimeZone != orgZone {
			t.Fatalf("stored user: %+v, %v", u, err)
		}
	})

	t.Run("Users: locked out by failed logins, unlocked from the page, logs in", func(t *testing.T) {
		target := s.userIn(t, o, staff)
		for i := 0; i < 3; i++ {
			if s.loginWorks(t, target.username, "wrong-"+target.password+target.token) {
				t.Fatal("a wrong password logged in")
			}
		}
		if s.loginWorks(t, target.username, target.password+target.token) {
			t.Fatal("the user is not locked out after 3 failures")
		}
		s.console(t, "unlock", adm, map[string]any{"target": target.username, "attempts": 3})
		if !s.loginWorks(t, target.username, target.password+target.token) {
			t.Fatal("the unlocked user cannot log in")
		}
	})

	t.Run("Users: session ended, browser revoked, authenticator removed, token reset, deactivated and activated", func(t *testing.T) {
		target := s.userIn(t, o, staff)
		sids := []string{s.soapLogin(t, target.username, target.password+target.token), s.soapLogin(t, target.username, target.password+target.token)}
		for i, via := range []string{"VERIFICATION_CODE", "FIRST_LOGIN"} {
			u, err := s.st.User(ctx, target.username)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.st.AddDevice(ctx, u, secret.Digest(secret.PurposeDevice, via+"-"+u.ID), domain.Device{
				ActivatedAt: time.Now().Add(time.Duration(i) * time.Second), IP: "127.0.0.1", Client: "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0", Via: via}); err != nil {
				t.Fatal(err)
			}
		}
		u, err := s.st.User(ctx, target.username)
		if err != nil {
			t.Fatal(err)
		}
		k, _ := secret.NewTOTPKey("e2e", target.username, rand.Reader)
		sealed, err := s.sealer.Seal(ctx, k.Secret(), u.ID, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.st.SetTOTPKey(ctx, target.username, sealed); err != nil {
			t.Fatal(err)
		}
		for _, sid := range sids {
			if st := s.userinfoStatus(t, sid); st != 200 {
				t.Fatalf("the user's session before: %d", st)
			}
		}
		s.console(t, "manage-user", adm, map[string]any{"target": target.username})
		for _, sid := range sids {
			if st := s.userinfoStatus(t, sid); st == 200 {
				t.Error("an ended session is still accepted")
			}
		}
		var link bool
		for _, m := range testenv.Mails(t, s.sesURL, target.username) {
			link = link || strings.Contains(m.Body.Text, s.baseURL+"/login/reset?u=")
		}
		if !link {
			t.Error("no reset link to this login page reached the user")
		}
		u, err = s.st.User(ctx, target.username)
		if err != nil {
			t.Fatal(err)
		}
		if len(u.Devices) != 0 || u.TOTPSealed != "" || !u.Active {
			t.Errorf("after the page: %d browsers, TOTP key %v, active %v", len(u.Devices), u.TOTPSealed != "", u.Active)
		}
		tok := s.newestToken(t, target.username)
		if s.loginWorks(t, target.username, target.password+target.token) || !s.loginWorks(t, target.username, target.password+tok) {
			t.Error("after the token reset only the mailed token may work")
		}
	})

	t.Run("Raise for Unlock Users and Reset Passwords: the reset steps up, comes back to the user's page, then works", func(t *testing.T) {
		ro, rp := s.orgAndProfile(t, func(o *domain.Org) {
			o.IdentityVerification = map[policy.Area]policy.Action{policy.AreaUnlockUsers: policy.ActionRaise}
		}, func(p *domain.Profile) { p.ManageUsers = true })
		raiser, target := s.userIn(t, ro, rp), s.userIn(t, ro, s.profileIn(t, ro, nil))
		s.console(t, "step-up", raiser, map[string]any{"target": target.username})
		tok := s.newestToken(t, target.username)
		if !s.loginWorks(t, target.username, target.password+tok) {
			t.Fatal("the token of the raised reset does not work")
		}
	})

	t.Run("without Manage Users: refused on the page and on the admin API with the same code", func(t *testing.T) {
		viewer, target := s.userIn(t, o, viewers), s.userIn(t, o, staff)
		s.console(t, "refused", viewer, map[string]any{"target": target.username, "profileId": hoursProfile.ID})
		sid := s.soapLogin(t, viewer.username, viewer.password+viewer.token)
		r := s.adminCall(t, openapi.Load(t), sid, "POST /services/admin/v1/users/{username}/unlock", "/users/"+url.PathEscape(target.username)+"/unlock", "")
		if r.status != 403 || apiCode(r.body) != domain.CodeNotPermitted {
			t.Fatalf("the admin API: %d %s", r.status, r.body)
		}
		trail, err := s.st.AuditTrail(ctx, o.ID, 100)
		if err != nil {
			t.Fatal(err)
		}
		refused := map[string]string{}
		for _, e := range trail {
			if e.Actor == viewer.username && e.Action == string(policy.AdminUnlockReset) {
				refused[e.Via] = e.Outcome
			}
		}
		if refused["UI"] != domain.CodeNotPermitted || refused["UI"] != refused["API"] {
			t.Fatalf("the refusals audited, by channel: %v; want %s from the page and the API", refused, domain.CodeNotPermitted)
		}
	})
}
