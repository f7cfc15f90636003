package admin_test

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"loginguard/internal/testenv"
	"loginguard/shared/account"
	"loginguard/shared/admin"
	"loginguard/shared/domain"
	"loginguard/shared/ids"
	"loginguard/shared/policy"
	"loginguard/shared/sessions"
	"loginguard/shared/store/dynamo"
)

// accounts records the credential changes asked for; fail makes them fail.
type accounts struct {
	calls []string
	fail  error
}

func (a *accounts) NewUserToken(_ context.Context, _ account.Actor, u domain.User, reason string) error {
	a.calls = append(a.calls, "new "+u.Username+": "+reason)
	return a.fail
}

func (a *accounts) ResetToken(_ context.Context, _ account.Actor, u domain.User) error {
	a.calls = append(a.calls, "token "+u.Username)
	return a.fail
}

func (a *accounts) ResetPassword(_ context.Context, _ account.Actor, u domain.User, next string) error {
	a.calls = append(a.calls, "password "+u.Username)
	return a.fail
}

func (a *accounts) SendResetLink(_ context.Context, _ account.Actor, u domain.User, baseURL string) error {
	a.calls = append(a.calls, "link "+u.Username+" "+baseURL)
	return a.fail
}

func (a *accounts) RememberedPasswords(context.Context, domain.User) (int, error) { return 0, a.fail }

// sealer seals by prefixing (the keyring has its own tests).
type sealer struct{}

func (sealer) Seal(_ context.Context, plain, owner string, _ io.Reader) (string, error) {
	return "sealed." + owner + "." + plain, nil
}

var cli = account.Actor{Via: "CLI"}

func newService(t *testing.T) (*admin.Service, *dynamo.Store, *accounts) {
	t.Helper()
	db := testenv.DynamoDB(testenv.Dynalite(t))
	st := dynamo.New(db, testenv.CreateTables(t, db))
	acc := &accounts{}
	return &admin.Service{Store: st, Accounts: acc, Rand: rand.Reader, Now: time.Now, Params: testenv.FastParams,
		Sessions: &sessions.Service{Store: st, Now: time.Now}}, st, acc
}

func code(err error) string { return domain.ErrorCode(err) }

func TestRequestRules(t *testing.T) {
	settings := func(f func(*domain.OrgSettings)) domain.OrgSettings {
		s := admin.DefaultOrgSettings()
		f(&s)
		return s
	}
	user := func(f func(*admin.NewUser)) admin.NewUser {
		n := admin.NewUser{Username: "jane@acme.example", Email: "jane@acme.example", Password: "Long-enough-1"}
		f(&n)
		return n
	}
	tests := []struct {
		name  string
		check func() error
		code  string
		says  string
	}{
		{"an org with defaults and a name is accepted", admin.NewOrg{Name: "Acme", Settings: admin.DefaultOrgSettings()}.Check, "", ""},
		{"a blank org name is refused", admin.NewOrg{Name: "  ", Settings: admin.DefaultOrgSettings()}.Check, domain.CodeRequiredField, "name"},
		{"a lockout maximum of 4 is refused", admin.NewOrg{Name: "Acme", Settings: settings(func(s *domain.OrgSettings) { s.Lockout.MaxAttempts = 4 })}.Check,
			domain.CodeInvalidField, "choose 3, 5, 10 or none"},
		{"an unknown org time zone is refused", admin.NewOrg{Name: "Acme", Settings: settings(func(s *domain.OrgSettings) { s.TimeZone = "Mars/Olympus" })}.Check,
			domain.CodeInvalidField, "not a known time zone"},
		{"a user with a good name, email and password is accepted", user(func(*admin.NewUser) {}).Check, "", ""},
		{"a short password is refused", user(func(n *admin.NewUser) { n.Password = "short" }).Check, domain.CodeInvalidNewPassword, "at least 8"},
		{"a user name without @ is refused", user(func(n *admin.NewUser) { n.Username = "jane" }).Check, domain.CodeInvalidUsername, "must look like an email address"},
		{"a user name over 80 characters is refused", user(func(n *admin.NewUser) { n.Username = strings.Repeat("j", 80) + "@a.example" }).Check, domain.CodeInvalidUsername, "at most 80"},
		{"a user name with a space is refused", user(func(n *admin.NewUser) { n.Username = "ja ne@acme.example" }).Check, domain.CodeInvalidUsername, "email address"},
		{"an email with angle brackets is refused", user(func(n *admin.NewUser) { n.Email = "<jane@acme.example>" }).Check, domain.CodeInvalidEmail, "is not an email address"},
		{"no email is accepted", user(func(n *admin.NewUser) { n.Email = "" }).Check, "", ""},
		{"history of one user is accepted", admin.HistoryQuery{User: "jane@acme.example", Limit: 50}.Check, "", ""},
		{"history of no subject is refused", admin.HistoryQuery{Limit: 50}.Check, domain.CodeInvalidQuery, "exactly one"},
		{"history of two subjects is refused", admin.HistoryQuery{User: "a@b.example", Org: "00D000000000000", Limit: 50}.Check, domain.CodeInvalidQuery, "exactly one"},
		{"a limit of 0 is refused", admin.HistoryQuery{Tried: "a@b.example"}.Check, domain.CodeInvalidLimit, "from 1 to 1000"},
		{"a limit over 1000 is refused", admin.HistoryQuery{Tried: "a@b.example", Limit: 1001}.Check, domain.CodeInvalidLimit, "from 1 to 1000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.check()
			if code(err) != tt.code || err != nil && !strings.Contains(err.Error(), tt.says) {
				t.Fatalf("got %v; want code %q saying %q", err, tt.code, tt.says)
			}
		})
	}
}

func TestSettingsRefusalsKeepTheRule(t *testing.T) {
	s := admin.DefaultOrgSettings()
	s.SessionTimeout = 3 * time.Hour
	var ve *policy.ValidationError
	if err := (admin.NewOrg{Name: "Acme", Settings: s}).Check(); !errors.As(err, &ve) {
		t.Fatalf("%v: the settings rule's own error is not its cause", err)
	}
}

func TestOrgAndProfileSettingsReachTheUsers(t *testing.T) {
	svc, st, _ := newService(t)
	ctx := testenv.Context(t)
	o, err := svc.CreateOrg(ctx, cli, admin.NewOrg{Name: "Acme", Settings: admin.DefaultOrgSettings()})
	if err != nil || o.Version != 1 || len(o.ID) != 15 {
		t.Fatalf("create org: %+v %v", o, err)
	}
	p, err := svc.CreateProfile(ctx, cli, o.ID, "Sales", func(o domain.Org, s *domain.ProfileSettings) error {
		h, err := policy.ParseLoginHours(o.TimeZone, "mon=08:00-18:00")
		s.LoginHours, s.APIEnabled = h, true
		return err
	})
	if err != nil || p.Version != 1 || p.LoginHours.Zone != "UTC" {
		t.Fatalf("create profile: %+v %v", p, err)
	}
	acct := testenv.SeedUser(t, st, o, p)
	id18, err := ids.To18(o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Org(ctx, cli, id18); err != nil {
		t.Fatalf("an org by its 18-character id: %v", err)
	}
	o, err = svc.UpdateOrg(ctx, cli, o.ID, func(s *domain.OrgSettings) error { s.LockSessionsToIP = true; return nil })
	if err != nil || o.Version != 2 {
		t.Fatalf("update org: %+v %v", o, err)
	}
	p, err = svc.UpdateProfile(ctx, cli, o.ID, p.ID, func(_ domain.Org, s *domain.ProfileSettings) error { s.ManageUsers = true; return nil })
	if err != nil || p.Version != 2 {
		t.Fatalf("update profile: %+v %v", p, err)
	}
	u, err := svc.User(ctx, cli, acct.User.Username)
	if err != nil || !u.Policy.LockSessionsToIP || !u.Policy.ManageUsers {
		t.Fatalf("the user's copy was not synced: %+v %v", u.Policy, err)
	}
	// A refused change stores nothing.
	_, err = svc.UpdateOrg(ctx, cli, o.ID, func(s *domain.OrgSettings) error { s.SessionTimeout = 3 * time.Hour; return nil })
	if code(err) != domain.CodeInvalidField {
		t.Fatalf("an invalid update: %v", err)
	}
	if again, _ := svc.Org(ctx, cli, o.ID); again.Version != 2 {
		t.Fatalf("a refused update stored version %d", again.Version)
	}
	editErr := errors.New("bad flag")
	if _, err := svc.UpdateProfile(ctx, cli, o.ID, p.ID, func(domain.Org, *domain.ProfileSettings) error { return editErr }); err != editErr {
		t.Fatalf("an edit's own error comes back as it is: %v", err)
	}
	if _, err := svc.CreateProfile(ctx, cli, o.ID, "", nil); !errors.Is(err, admin.ErrNameRequired) {
		t.Fatalf("a profile without a name: %v", err)
	}
	if id, err := svc.SyncOrg(ctx, cli, id18); err != nil || id != o.ID {
		t.Fatalf("sync: %s %v", id, err)
	}
}

func TestCreateUser(t *testing.T) {
	svc, st, acc := newService(t)
	ctx := testenv.Context(t)
	o := testenv.SeedOrg(t, st, func(o *domain.Org) { o.TimeZone = "Europe/Paris" })
	p := testenv.SeedProfile(t, st, o)
	n := admin.NewUser{OrgID: o.ID, ProfileID: p.ID, Username: " Jane@Acme.example ", Email: "jane@acme.example",
		FirstName: "Jane", Password: "Long-enough-1", Why: "Your user was created"}
	c, err := svc.CreateUser(ctx, cli, n)
	if err != nil || c.TokenErr != nil {
		t.Fatalf("create: %v %v", err, c.TokenErr)
	}
	if u := c.User; u.Username != "Jane@Acme.example" || u.TimeZone != "Europe/Paris" || !u.Active || u.Policy.ProfileName != p.Name {
		t.Fatalf("user %+v", u)
	}
	if len(acc.calls) != 1 || acc.calls[0] != "new Jane@Acme.example: Your user was created" {
		t.Fatalf("first token: %v", acc.calls)
	}
	n.Username = "JANE@acme.example"
	if _, err := svc.CreateUser(ctx, cli, n); code(err) != domain.CodeDuplicateUsername || !strings.Contains(err.Error(), "is taken") {
		t.Fatalf("a taken user name, case-insensitively: %v", err)
	}
	n.Username, n.TimeZone = "joe@acme.example", "Mars/Olympus"
	if _, err := svc.CreateUser(ctx, cli, n); !errors.Is(err, admin.ErrUnknownTimeZone) {
		t.Fatalf("an unknown time zone: %v", err)
	}
	n.TimeZone, acc.fail = "", account.ErrNoEmail
	c, err = svc.CreateUser(ctx, cli, n)
	if err != nil || !errors.Is(c.TokenErr, account.ErrNoEmail) {
		t.Fatalf("a user whose token cannot go out is still created: %v %v", err, c.TokenErr)
	}
	if _, err := svc.User(ctx, cli, "joe@acme.example"); err != nil {
		t.Fatal(err)
	}
	n.Username, n.ProfileID = "ann@acme.example", "00e000000000000"
	if _, err := svc.CreateUser(ctx, cli, n); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("a profile of nobody: %v", err)
	}
}

// A user created without a password gets one no one knows and is mailed a
// link to choose theirs; without an email address nothing is created.
func TestCreateUserWithoutAPasswordMailsALink(t *testing.T) {
	svc, st, acc := newService(t)
	ctx := testenv.Context(t)
	o := testenv.SeedOrg(t, st)
	p := testenv.SeedProfile(t, st, o)
	n := admin.NewUser{OrgID: o.ID, ProfileID: p.ID, Username: "kim@acme.example", Email: "kim@acme.example", LinkURL: "https://login.acme.example"}
	c, err := svc.CreateUser(ctx, cli, n)
	if err != nil || c.TokenErr != nil || c.LinkErr != nil {
		t.Fatalf("create: %v %v %v", err, c.TokenErr, c.LinkErr)
	}
	if c.User.PasswordHash == "" || len(acc.calls) != 2 || acc.calls[1] != "link kim@acme.example https://login.acme.example" {
		t.Fatalf("hash set %v, calls %v", c.User.PasswordHash != "", acc.calls)
	}
	if !strings.Contains(c.Note(), "a link to choose a password sent to kim@acme.example") {
		t.Fatalf("note %q", c.Note())
	}
	for _, tt := range []struct {
		name string
		n    admin.NewUser
		code string
	}{
		{"no email address", admin.NewUser{OrgID: o.ID, ProfileID: p.ID, Username: "lee@acme.example", LinkURL: "https://login.acme.example"}, domain.CodeRequiredField},
		{"a login URL that is no origin", admin.NewUser{OrgID: o.ID, ProfileID: p.ID, Username: "lee@acme.example", Email: "lee@acme.example", LinkURL: "https://login.acme.example/x"}, domain.CodeInvalidField},
		{"neither a password nor a link", admin.NewUser{OrgID: o.ID, ProfileID: p.ID, Username: "lee@acme.example", Email: "lee@acme.example"}, domain.CodeInvalidNewPassword},
	} {
		if _, err := svc.CreateUser(ctx, cli, tt.n); code(err) != tt.code {
			t.Errorf("%s: %v; want %s", tt.name, err, tt.code)
		}
	}
	if _, err := st.User(ctx, "lee@acme.example"); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("a refused user was stored: %v", err)
	}
}

func TestUserChanges(t *testing.T) {
	svc, st, acc := newService(t)
	ctx := testenv.Context(t)
	a := testenv.Seed(t, st, testenv.User(func(u *domain.User) { u.Lock.Attempts = 3 }))
	name := a.User.Username
	if u, err := svc.Unlock(ctx, cli, name); err != nil || u.Lock.Attempts != 0 {
		t.Fatalf("unlock: %+v %v", u.Lock, err)
	}
	if u, _, err := svc.SetActive(ctx, cli, name, false); err != nil || u.Active {
		t.Fatalf("deactivate: %v %v", u.Active, err)
	}
	if _, err := svc.Unlock(ctx, cli, "nobody@x.example"); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("unlocking nobody: %v", err)
	}
	if _, err := svc.ResetPassword(ctx, cli, name, "short"); code(err) != domain.CodeInvalidNewPassword || len(acc.calls) != 0 {
		t.Fatalf("a short new password: %v %v", err, acc.calls)
	}
	if _, err := svc.ResetPassword(ctx, cli, name, "Long-enough-2"); err != nil {
		t.Fatal(err)
	}
	if u, err := svc.ResetToken(ctx, cli, name); err != nil || u.Username != name {
		t.Fatal(err)
	}
	if strings.Join(acc.calls, ";") != "password "+name+";token "+name {
		t.Fatalf("calls %v", acc.calls)
	}
	if _, err := svc.RegisterTOTP(ctx, cli, name); !errors.Is(err, admin.ErrNoKeyring) {
		t.Fatalf("TOTP without a keyring: %v", err)
	}
	svc.Sealer = sealer{}
	key, err := svc.RegisterTOTP(ctx, cli, name)
	if err != nil || !strings.HasPrefix(key.URI, "otpauth://totp/") || !strings.Contains(key.URI, "issuer=Acme") {
		t.Fatalf("register: %+v %v", key, err)
	}
	if u, _ := svc.User(ctx, cli, name); u.TOTPSealed != "sealed."+u.ID+"."+key.Secret {
		t.Fatalf("stored %q", u.TOTPSealed)
	}
	if u, err := svc.RemoveTOTP(ctx, cli, name); err != nil || u.TOTPSealed != "" {
		t.Fatalf("remove: %v", err)
	}
	if _, list, err := svc.Devices(ctx, cli, name); err != nil || len(list) != 0 {
		t.Fatalf("devices: %v %v", list, err)
	}
	if _, err := svc.RevokeDevice(ctx, cli, name, "0123456789abcdef"); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("revoking an unknown device: %v", err)
	}
	if err := svc.RevokeAllDevices(ctx, cli, name); err != nil {
		t.Fatal(err)
	}
}

func TestDevicesOldestFirst(t *testing.T) {
	svc, st, _ := newService(t)
	ctx := testenv.Context(t)
	now := time.Now().UTC().Truncate(time.Second)
	old, young := strings.Repeat("a", 64), strings.Repeat("b", 64)
	a := testenv.Seed(t, st, testenv.User(func(u *domain.User) {
		u.Devices = map[string]domain.Device{young: {ActivatedAt: now, Via: "TOTP"}, old: {ActivatedAt: now.Add(-time.Hour), Via: "FIRST_LOGIN"}}
	}))
	_, list, err := svc.Devices(ctx, cli, a.User.Username)
	if err != nil || len(list) != 2 || list[0].ID != old[:admin.DeviceIDLen] || list[1].Via != "TOTP" {
		t.Fatalf("devices %+v %v", list, err)
	}
	if id, err := svc.RevokeDevice(ctx, cli, a.User.Username, old[:admin.DeviceIDLen]); err != nil || id != old[:admin.DeviceIDLen] {
		t.Fatalf("revoke: %s %v", id, err)
	}
}

func TestConnectedApps(t *testing.T) {
	svc, st, _ := newService(t)
	ctx := testenv.Context(t)
	o := testenv.SeedOrg(t, st)
	if _, err := svc.CreateApp(ctx, cli, o.ID, admin.AppSpec{Name: " ", OAuth: policy.DefaultOAuthApp}); !errors.Is(err, admin.ErrNameRequired) {
		t.Fatalf("an app without a name: %v", err)
	}
	app, err := svc.CreateApp(ctx, cli, o.ID, admin.AppSpec{Name: "Loader", OAuth: policy.DefaultOAuthApp})
	if err != nil || len(app.ClientSecret) != 64 || app.SecretHash == "" || strings.Contains(app.SecretHash, app.ClientSecret) {
		t.Fatalf("create: %+v %v", app, err)
	}
	apps, err := svc.Apps(ctx, cli, o.ID)
	if err != nil || len(apps) != 1 || apps[0].ClientID != app.ClientID {
		t.Fatalf("list: %+v %v", apps, err)
	}
	if _, err := svc.DeleteApp(ctx, cli, "00D000000000000", app.ClientID); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("deleting another org's app: %v", err)
	}
	if _, err := svc.DeleteApp(ctx, cli, o.ID, app.ClientID); err != nil {
		t.Fatal(err)
	}
}

func TestHistoryAndAudit(t *testing.T) {
	svc, st, _ := newService(t)
	ctx := testenv.Context(t)
	a := testenv.Seed(t, st)
	if _, err := svc.History(ctx, cli, admin.HistoryQuery{User: "nobody@x.example", Limit: 10}); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("history of nobody: %v", err)
	}
	for _, q := range []admin.HistoryQuery{{User: a.User.Username, Limit: 10}, {Tried: "nobody@x.example", Limit: 10}, {Org: a.Org.ID, Limit: 10}} {
		if evs, err := svc.History(ctx, cli, q); err != nil || len(evs) != 0 {
			t.Fatalf("history %+v: %v %v", q, evs, err)
		}
	}
	if _, err := svc.History(ctx, cli, admin.HistoryQuery{Limit: 10}); !errors.Is(err, admin.ErrOneSubject) {
		t.Fatalf("history of nothing: %v", err)
	}
	if err := st.Audit(ctx, domain.AuditEvent{At: time.Now(), OrgID: a.Org.ID, Actor: "admin CLI", Action: "TOKEN_RESET", Outcome: "DONE", Via: "CLI"}); err != nil {
		t.Fatal(err)
	}
	if evs, err := svc.AuditTrail(ctx, cli, a.Org.ID, 10); err != nil || len(evs) != 1 || evs[0].Action != "TOKEN_RESET" {
		t.Fatalf("audit: %+v %v", evs, err)
	}
	if _, err := svc.AuditTrail(ctx, cli, a.Org.ID, 0); !errors.Is(err, admin.ErrLimit) {
		t.Fatalf("a limit of 0: %v", err)
	}
}

// An admin's change reaches the live sessions of the org: the org's
// settings through UpdateOrg, a profile's through UpdateProfile (here: an
// IP range added to the profile ends a session from outside it).
func TestSettingsChangesReachLiveSessions(t *testing.T) {
	svc, st, _ := newService(t)
	ctx := testenv.Context(t)
	a := testenv.Seed(t, st)
	open := func(ip string) domain.Session {
		u := a.User
		s := domain.Session{IDHash: "s-" + ip, UserID: u.ID, OrgID: u.OrgID, ProfileID: u.ProfileID, Username: u.Username, IP: ip,
			LoginType: policy.LoginUI, Level: string(policy.LevelStandard), Timeout: time.Hour, CreatedAt: time.Now(), LastSeenAt: time.Now()}
		if err := st.OpenSession(ctx, s, domain.LoginEvent{At: time.Now()}); err != nil {
			t.Fatal(err)
		}
		return s
	}
	inside, outside := open("10.0.0.9"), open("198.51.100.7")
	if _, err := svc.UpdateOrg(ctx, cli, a.Org.ID, func(s *domain.OrgSettings) error { s.SessionTimeout = 30 * time.Minute; return nil }); err != nil {
		t.Fatal(err)
	}
	if s, err := st.Session(ctx, inside.IDHash, time.Now()); err != nil || s.Timeout != 30*time.Minute {
		t.Fatalf("after org set: timeout %v, %v; want the new 30 minutes", s.Timeout, err)
	}
	_, err := svc.UpdateProfile(ctx, cli, a.Org.ID, a.Profile.ID, func(_ domain.Org, s *domain.ProfileSettings) (err error) {
		s.LoginIPRanges, err = policy.ParseIPRanges("10.0.0.0-10.0.0.255")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Session(ctx, outside.IDHash, time.Now()); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("the session from outside the new range: %v; want ended", err)
	}
	if _, err := st.Session(ctx, inside.IDHash, time.Now()); err != nil {
		t.Fatalf("the session inside the range: %v; want kept", err)
	}
}
