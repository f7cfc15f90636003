package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"loginguard/shared/account"
	"loginguard/shared/domain"
	"loginguard/shared/ids"
	"loginguard/shared/policy"
	"loginguard/shared/secret"
	"loginguard/shared/store/dynamo"
)

// ---- orgs ----

func viewOrg(o domain.Org) view {
	id18, _ := ids.To18(o.ID)
	v := view{{key: "id", label: "id", value: o.ID}, {key: "id18", label: "id18", value: id18}, {key: "name", label: "name", value: o.Name}}
	v = append(v, settingsView(orgSettingFlags, o.OrgSettings)...)
	return append(v, shown{key: "version", label: "version", value: o.Version})
}

func (a *App) showOrg(o domain.Org) {
	v := viewOrg(o)
	a.show(v, v.lines())
}

func (a *App) orgCreate(ctx context.Context, args []string) error {
	fs := a.flags("org create", "")
	name := fs.String("name", "", "org name (required)")
	registerSettings(fs, orgSettingFlags)
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	if strings.TrimSpace(*name) == "" {
		return usageError{"--name is required"}
	}
	id, err := ids.New("00D", a.Rand)
	if err != nil {
		return err
	}
	o := domain.Org{ID: id, Name: *name, CreatedAt: a.Now(), OrgSettings: domain.OrgSettings{
		TimeZone: "UTC", Lockout: policy.DefaultLockout, SessionTimeout: policy.DefaultSessionTimeout}}
	if err := applySettings(fs, orgSettingFlags, &o.OrgSettings, settingEnv{}, true, domain.OrgSettings.Validate); err != nil {
		return err
	}
	s, err := a.deps(ctx)
	if err != nil {
		return err
	}
	if err := s.CreateOrg(ctx, o); err != nil {
		return err
	}
	o.Version = 1
	a.showOrg(o)
	return nil
}

func (a *App) orgSet(ctx context.Context, args []string) error {
	fs := a.flags("org set", "[--org] ORG_ID")
	org := idFlag(fs, "org", true)
	registerSettings(fs, orgSettingFlags)
	if err := parseIDs(fs, args, org); err != nil {
		return err
	}
	s, err := a.deps(ctx)
	if err != nil {
		return err
	}
	o, err := s.Org(ctx, orgID(org.value))
	if err != nil {
		return err
	}
	if err := applySettings(fs, orgSettingFlags, &o.OrgSettings, settingEnv{}, false, domain.OrgSettings.Validate); err != nil {
		return err
	}
	o, err = s.UpdateOrg(ctx, o)
	if err != nil {
		return syncHint(err, o.ID)
	}
	a.showOrg(o)
	return nil
}

func syncHint(err error, org string) error {
	if errors.Is(err, domain.ErrPartialSync) {
		return fmt.Errorf("%w (lgadmin org sync %s)", err, org)
	}
	return err
}

// orgID accepts the 15- or 18-character form.
func orgID(s string) string {
	if id, err := ids.To15(s); err == nil {
		return id
	}
	return s
}

func (a *App) orgShow(ctx context.Context, args []string) error {
	fs := a.flags("org show", "[--org] ORG_ID")
	org := idFlag(fs, "org", true)
	if err := parseIDs(fs, args, org); err != nil {
		return err
	}
	s, err := a.deps(ctx)
	if err != nil {
		return err
	}
	o, err := s.Org(ctx, orgID(org.value))
	if err != nil {
		return err
	}
	a.showOrg(o)
	return nil
}

func (a *App) orgSync(ctx context.Context, args []string) error {
	fs := a.flags("org sync", "[--org] ORG_ID")
	org := idFlag(fs, "org", true)
	if err := parseIDs(fs, args, org); err != nil {
		return err
	}
	s, err := a.deps(ctx)
	if err != nil {
		return err
	}
	id := orgID(org.value)
	if err := s.SyncPolicy(ctx, id); err != nil {
		return err
	}
	a.show(map[string]string{"synced": id}, [][2]string{{"synced", id}})
	return nil
}

// ---- profiles ----

func viewProfile(p domain.Profile) view {
	v := view{{key: "id", label: "id", value: p.ID}, {key: "orgId", label: "org", value: p.OrgID}, {key: "name", label: "name", value: p.Name}}
	v = append(v, settingsView(profileSettingFlags, p.ProfileSettings)...)
	return append(v, shown{key: "version", label: "version", value: p.Version})
}

func (a *App) showProfile(p domain.Profile) {
	v := viewProfile(p)
	a.show(v, v.lines())
}

// parseIDs parses a command's ids, checks they are given, and opens the
// store.
func (a *App) parseIDs(ctx context.Context, fs *flag.FlagSet, args []string, ids ...*idArg) (*dynamo.Store, error) {
	if err := parseIDs(fs, args, ids...); err != nil {
		return nil, err
	}
	return a.deps(ctx)
}

func (a *App) profileCreate(ctx context.Context, args []string) error {
	fs := a.flags("profile create", "--org ORG_ID --name NAME")
	org := idFlag(fs, "org", false)
	name := fs.String("name", "", "profile name (required)")
	registerSettings(fs, profileSettingFlags)
	if err := parseIDs(fs, args, org); err != nil {
		return err
	}
	if strings.TrimSpace(*name) == "" {
		return usageError{"--name is required"}
	}
	s, err := a.deps(ctx)
	if err != nil {
		return err
	}
	o, err := s.Org(ctx, orgID(org.value))
	if err != nil {
		return err
	}
	id, err := ids.New("00e", a.Rand)
	if err != nil {
		return err
	}
	p := domain.Profile{ID: id, OrgID: o.ID, Name: *name}
	if err := applySettings(fs, profileSettingFlags, &p.ProfileSettings, settingEnv{orgZone: o.TimeZone}, true, domain.ProfileSettings.Validate); err != nil {
		return err
	}
	if err := s.CreateProfile(ctx, p); err != nil {
		return err
	}
	p.Version = 1
	a.showProfile(p)
	return nil
}

func (a *App) profileSet(ctx context.Context, args []string) error {
	fs := a.flags("profile set", "--org ORG_ID [--profile] PROFILE_ID")
	org, prof := idFlag(fs, "org", false), idFlag(fs, "profile", true)
	registerSettings(fs, profileSettingFlags)
	s, err := a.parseIDs(ctx, fs, args, org, prof)
	if err != nil {
		return err
	}
	o, err := s.Org(ctx, orgID(org.value))
	if err != nil {
		return err
	}
	p, err := s.Profile(ctx, o.ID, prof.value)
	if err != nil {
		return err
	}
	if err := applySettings(fs, profileSettingFlags, &p.ProfileSettings, settingEnv{orgZone: o.TimeZone}, false, domain.ProfileSettings.Validate); err != nil {
		return err
	}
	p, err = s.UpdateProfile(ctx, p)
	if err != nil {
		return syncHint(err, o.ID)
	}
	a.showProfile(p)
	return nil
}

func (a *App) profileShow(ctx context.Context, args []string) error {
	fs := a.flags("profile show", "--org ORG_ID [--profile] PROFILE_ID")
	org, prof := idFlag(fs, "org", false), idFlag(fs, "profile", true)
	s, err := a.parseIDs(ctx, fs, args, org, prof)
	if err != nil {
		return err
	}
	p, err := s.Profile(ctx, orgID(org.value), prof.value)
	if err != nil {
		return err
	}
	a.showProfile(p)
	return nil
}

func (a *App) profileList(ctx context.Context, args []string) error {
	fs := a.flags("profile list", "--org ORG_ID")
	org := idFlag(fs, "org", false)
	s, err := a.parseIDs(ctx, fs, args, org)
	if err != nil {
		return err
	}
	ps, err := s.Profiles(ctx, orgID(org.value))
	if err != nil {
		return err
	}
	views := make([]view, 0, len(ps))
	for _, p := range ps {
		views = append(views, viewProfile(p))
	}
	if a.json {
		a.printJSON(views)
		return nil
	}
	tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tAPI\tMANAGE USERS\tLOGIN HOURS\tIP RANGES")
	for _, v := range views {
		fmt.Fprintf(tw, "%s\t%s\t%v\t%v\t%s\t%s\n", v.get("id"), v.get("name"), v.get("apiEnabled"), v.get("manageUsers"), v.get("loginHours"), strings.Join(v.get("loginIpRanges").([]string), ","))
	}
	return tw.Flush()
}

// ---- users ----

type userView struct {
	ID          string `json:"id"`
	ID18        string `json:"id18"`
	Username    string `json:"username"`
	Email       string `json:"email"`
	Name        string `json:"name"`
	OrgID       string `json:"orgId"`
	ProfileID   string `json:"profileId"`
	Profile     string `json:"profile"`
	Active      bool   `json:"active"`
	Locked      bool   `json:"locked"`
	Attempts    int    `json:"failedAttempts"`
	HasToken    bool   `json:"hasSecurityToken"`
	HasTOTP     bool   `json:"hasTotpKey"`
	LastLoginAt string `json:"lastLoginAt,omitempty"`
}

func (a *App) viewUser(u domain.User) userView {
	id18, _ := ids.To18(u.ID)
	v := userView{ID: u.ID, ID18: id18, Username: u.Username, Email: u.Email, Name: u.FullName(),
		OrgID: u.OrgID, ProfileID: u.ProfileID, Profile: u.Policy.ProfileName, Active: u.Active,
		Locked: u.Policy.Lockout.Locked(u.Lock, a.Now()), Attempts: u.Lock.Attempts, HasToken: u.TokenHash != "", HasTOTP: u.TOTPSealed != ""}
	if !u.LastLoginAt.IsZero() {
		v.LastLoginAt = u.LastLoginAt.UTC().Format(time.RFC3339)
	}
	if v.Attempts > u.Policy.Lockout.Ceiling() {
		v.Attempts = u.Policy.Lockout.Ceiling()
	}
	return v
}

func (a *App) showUser(u domain.User) {
	v := a.viewUser(u)
	a.show(v, [][2]string{{"id", v.ID}, {"id18", v.ID18}, {"username", v.Username}, {"email", v.Email},
		{"name", v.Name}, {"org", v.OrgID}, {"profile", v.Profile + " (" + v.ProfileID + ")"},
		{"active", strconv.FormatBool(v.Active)}, {"locked", strconv.FormatBool(v.Locked)},
		{"failed attempts", strconv.Itoa(v.Attempts)}, {"security token", map[bool]string{true: "issued", false: "none"}[v.HasToken]},
		{"last login", v.LastLoginAt}})
}

func (a *App) userCreate(ctx context.Context, args []string) error {
	fs := a.flags("user create", "--org ORG_ID --profile PROFILE_ID --username USERNAME")
	org, profile := idFlag(fs, "org", false), idFlag(fs, "profile", false)
	username := fs.String("username", "", "the new user's `USERNAME`, unique across all orgs, e.g. jane@acme.example (required)")
	email := fs.String("email", "", "email address; the security token is sent there")
	first := fs.String("first-name", "", "first name")
	last := fs.String("last-name", "", "last name")
	tz := fs.String("timezone", "", "the user's time zone (default: the org's)")
	pwStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	pw := fs.String("password", "", "the password (prefer --password-stdin: command lines are visible to others)")
	if err := parseIDs(fs, args, org, profile); err != nil {
		return err
	}
	if *username == "" {
		return usageError{"--username is required"}
	}
	password, err := a.password(*pw, *pwStdin)
	if err != nil {
		return err
	}
	if n := domain.NormalizeUsername(*username); len(n) > 80 || !strings.Contains(n, "@") || strings.ContainsAny(n, " \t\r\n") {
		return fmt.Errorf("user name %q must look like an email address (name@domain), at most 80 characters", *username)
	}
	if *email != "" && (!strings.Contains(*email, "@") || strings.ContainsAny(*email, " \r\n<>")) {
		return fmt.Errorf("email %q is not an email address", *email)
	}
	s, err := a.deps(ctx)
	if err != nil {
		return err
	}
	o, err := s.Org(ctx, orgID(org.value))
	if err != nil {
		return err
	}
	p, err := s.Profile(ctx, o.ID, profile.value)
	if err != nil {
		return err
	}
	zone := o.TimeZone
	if *tz != "" {
		if _, err := time.LoadLocation(*tz); err != nil {
			return fmt.Errorf("--timezone %q is not a known time zone", *tz)
		}
		zone = *tz
	}
	id, err := ids.New("005", a.Rand)
	if err != nil {
		return err
	}
	hash, err := secret.HashPassword(password, secret.DefaultParams, a.Rand)
	if err != nil {
		return err
	}
	u := domain.User{ID: id, OrgID: o.ID, ProfileID: p.ID, Username: strings.TrimSpace(*username), Email: *email,
		FirstName: *first, LastName: *last, TimeZone: zone, Locale: "en_US", Language: "en_US", Active: true,
		PasswordHash: hash, CreatedAt: a.Now(), Policy: domain.PolicyOf(o, p)}
	if err := s.CreateUser(ctx, u); err != nil {
		if errors.Is(err, domain.ErrExists) {
			return fmt.Errorf("user name %s is taken", *username)
		}
		return err
	}
	note := "security token sent to " + u.Email
	if err := a.accounts(s).NewUserToken(ctx, cliActor, u, "Your user was created"); err != nil {
		note = "no security token was issued: " + err.Error() + "; the user can log in only from trusted or profile IP ranges until one is (lgadmin user reset-token)"
	} else if fresh, err := s.User(ctx, u.Username); err == nil {
		u = fresh
	}
	if a.json {
		v := a.viewUser(u)
		a.printJSON(struct {
			userView
			Note string `json:"note"`
		}{v, note})
		return nil
	}
	a.showUser(u)
	fmt.Fprintln(a.Stdout, "note:", note)
	return nil
}

// password is the --password value, or the first line of standard input
// with --password-stdin, checked.
func (a *App) password(flagValue string, fromStdin bool) (string, error) {
	pw := flagValue
	if fromStdin {
		var err error
		if pw, err = a.readSecretLine(); err != nil {
			return "", err
		}
	}
	return pw, secret.CheckNewPassword(pw)
}

// accounts changes credentials as the admin CLI: every change is mailed
// and audited like one made in the UI.
func (a *App) accounts(s *dynamo.Store) *account.Service {
	return &account.Service{Store: s, Mailer: a.mailer, Rand: a.Rand, Now: a.Now, Params: secret.DefaultParams}
}

var cliActor = account.Actor{Via: "CLI"}

func (a *App) userArg(ctx context.Context, name string, args []string) (*dynamo.Store, domain.User, error) {
	fs := a.flags(name, "[--user] USERNAME")
	user := idFlag(fs, "user", true)
	s, err := a.parseIDs(ctx, fs, args, user)
	if err != nil {
		return nil, domain.User{}, err
	}
	u, err := s.User(ctx, user.value)
	return s, u, err
}

func (a *App) userShow(ctx context.Context, args []string) error {
	_, u, err := a.userArg(ctx, "user show", args)
	if err != nil {
		return err
	}
	a.showUser(u)
	return nil
}

func (a *App) userList(ctx context.Context, args []string) error {
	fs := a.flags("user list", "--org ORG_ID")
	org := idFlag(fs, "org", false)
	s, err := a.parseIDs(ctx, fs, args, org)
	if err != nil {
		return err
	}
	us, err := s.UsersOfOrg(ctx, orgID(org.value))
	if err != nil {
		return err
	}
	views := make([]userView, 0, len(us))
	for _, u := range us {
		views = append(views, a.viewUser(u))
	}
	if a.json {
		a.printJSON(views)
		return nil
	}
	tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tUSERNAME\tPROFILE\tACTIVE\tLOCKED\tEMAIL")
	for _, v := range views {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%v\t%s\n", v.ID, v.Username, v.Profile, v.Active, v.Locked, v.Email)
	}
	return tw.Flush()
}

func (a *App) userUnlock(ctx context.Context, args []string) error {
	s, u, err := a.userArg(ctx, "user unlock", args)
	if err != nil {
		return err
	}
	if err := s.Unlock(ctx, u.Username); err != nil {
		return err
	}
	return a.showFresh(ctx, s, u.Username)
}

func (a *App) setActive(ctx context.Context, name string, args []string, active bool) error {
	s, u, err := a.userArg(ctx, name, args)
	if err != nil {
		return err
	}
	if err := s.SetActive(ctx, u.Username, active); err != nil {
		return err
	}
	return a.showFresh(ctx, s, u.Username)
}

func (a *App) showFresh(ctx context.Context, s *dynamo.Store, username string) error {
	u, err := s.User(ctx, username)
	if err != nil {
		return err
	}
	a.showUser(u)
	return nil
}

func (a *App) userActivate(ctx context.Context, args []string) error {
	return a.setActive(ctx, "user activate", args, true)
}

func (a *App) userDeactivate(ctx context.Context, args []string) error {
	return a.setActive(ctx, "user deactivate", args, false)
}

func (a *App) userResetToken(ctx context.Context, args []string) error {
	s, u, err := a.userArg(ctx, "user reset-token", args)
	if err != nil {
		return err
	}
	if err := a.accounts(s).ResetToken(ctx, cliActor, u); err != nil {
		return err
	}
	a.show(map[string]string{"sentTo": u.Email}, [][2]string{{"new security token sent to", u.Email}})
	return nil
}

// ---- history ----

type eventView struct {
	At         string `json:"at"`
	Username   string `json:"username"`
	UserID     string `json:"userId,omitempty"`
	IP         string `json:"sourceIp"`
	LoginType  string `json:"loginType"`
	Client     string `json:"client"`
	APIVersion string `json:"apiVersion,omitempty"`
	Status     string `json:"status"`
	Reason     string `json:"reason"`
	Via        string `json:"via,omitempty"`
	Challenge  string `json:"challenge,omitempty"`
}

func (a *App) history(ctx context.Context, args []string) error {
	fs := a.flags("history", "(--user USERNAME | --tried USERNAME | --org ORG_ID)")
	user := fs.String("user", "", "an existing user's `USERNAME`")
	tried := fs.String("tried", "", "a `USERNAME` that matched nobody")
	org := fs.String("org", "", "an org's `ORG_ID`: every user of the org")
	limit := fs.Int("limit", 50, "at most this many lines, newest first")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	n := 0
	for _, v := range []string{*user, *tried, *org} {
		if v != "" {
			n++
		}
	}
	if n != 1 {
		return usageError{"give exactly one of --user, --tried, --org"}
	}
	if *limit < 1 || *limit > 1000 {
		return usageError{"--limit must be from 1 to 1000"}
	}
	s, err := a.deps(ctx)
	if err != nil {
		return err
	}
	f := dynamo.HistoryFilter{Username: *tried, OrgID: orgID(*org), Limit: int32(*limit)}
	if *org == "" {
		f.OrgID = ""
	}
	if *user != "" {
		u, err := s.User(ctx, *user)
		if err != nil {
			return err
		}
		f.UserID = u.ID
	}
	evs, err := s.History(ctx, f)
	if err != nil {
		return err
	}
	views := make([]eventView, 0, len(evs))
	for _, e := range evs {
		status := "Failed"
		if e.Allowed {
			status = "Success"
		}
		views = append(views, eventView{At: e.At.UTC().Format(time.RFC3339), Username: e.Username, UserID: e.UserID,
			IP: e.IP, LoginType: e.LoginType, Client: e.Client, APIVersion: e.APIVersion, Status: status, Reason: e.Reason, Via: e.Via, Challenge: e.Challenge})
	}
	if a.json {
		a.printJSON(views)
		return nil
	}
	tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tUSERNAME\tSOURCE IP\tTYPE\tSTATUS\tREASON\tCHALLENGE\tCLIENT")
	for _, v := range views {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", v.At, v.Username, v.IP, v.LoginType, v.Status, v.Reason, v.Challenge, v.Client)
	}
	return tw.Flush()
}
