package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"sort"
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

type orgView struct {
	ID               string   `json:"id"`
	ID18             string   `json:"id18"`
	Name             string   `json:"name"`
	TimeZone         string   `json:"timeZone"`
	LockoutMax       string   `json:"lockoutMaxAttempts"`
	LockoutPeriod    string   `json:"lockoutPeriod"`
	SessionTimeout   string   `json:"sessionTimeout"`
	LockSessionsToIP bool     `json:"lockSessionsToIp"`
	TrustedRanges    []string `json:"trustedIpRanges"`
	HighAssurance    string   `json:"highAssurance"`
	TwoFactorLevel   string   `json:"twoFactorLevel"`
	PasswordLevel    string   `json:"passwordLevel"`
	LoginCaching     bool     `json:"loginPageCaching"`
	Version          int64    `json:"version"`
}

func lockoutText(l policy.Lockout) (string, string) {
	max, period := strconv.Itoa(l.MaxAttempts), l.Period.String()
	if l.MaxAttempts == 0 {
		max = "none"
	}
	if l.Period == 0 {
		period = "until-unlocked"
	}
	return max, period
}

func rangeTexts(rs policy.IPRanges) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.String())
	}
	return out
}

func viewOrg(o domain.Org) orgView {
	id18, _ := ids.To18(o.ID)
	max, period := lockoutText(o.Lockout)
	return orgView{ID: o.ID, ID18: id18, Name: o.Name, TimeZone: o.TimeZone, LockoutMax: max, LockoutPeriod: period,
		SessionTimeout: o.SessionTimeout.String(), LockSessionsToIP: o.LockSessionIP,
		TrustedRanges: rangeTexts(o.TrustedRanges), HighAssurance: highAssuranceText(o.HighAssurance),
		TwoFactorLevel: string(policy.LevelOf(policy.MethodTOTP, o.Levels)),
		PasswordLevel:  string(policy.LevelOf(policy.MethodPassword, o.Levels)), LoginCaching: !o.DisableLoginCaching, Version: o.Version}
}

func (a *App) showOrg(o domain.Org) {
	v := viewOrg(o)
	a.show(v, [][2]string{{"id", v.ID}, {"id18", v.ID18}, {"name", v.Name}, {"time zone", v.TimeZone},
		{"lockout max attempts", v.LockoutMax}, {"lockout period", v.LockoutPeriod},
		{"session timeout", v.SessionTimeout}, {"lock sessions to IP", strconv.FormatBool(v.LockSessionsToIP)},
		{"trusted IP ranges", strings.Join(v.TrustedRanges, ", ")}, {"high assurance", v.HighAssurance}, {"two-factor level", v.TwoFactorLevel}, {"password level", v.PasswordLevel},
		{"login page caching and autocomplete", strconv.FormatBool(v.LoginCaching)}, {"version", strconv.FormatInt(v.Version, 10)}})
}

func highAssuranceText(m map[string]policy.Action) string {
	parts := make([]string, 0, len(m))
	for k, v := range m {
		parts = append(parts, k+"="+strings.ToLower(map[policy.Action]string{policy.ActionBlock: "block", policy.ActionRaise: "raise"}[v]))
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// orgFlags are the settings org create and org set share.
type orgFlags struct {
	timezone, lockMax, lockPeriod, timeout, trusted, highAssurance, twoFactorLevel, passwordLevel string
	lockIP, loginCaching                                                                          bool
}

func (f *orgFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.timezone, "timezone", "", "default time zone (IANA name, e.g. America/New_York)")
	fs.StringVar(&f.lockMax, "lockout-max", "", "invalid login attempts before lockout: 3, 5, 10 or none")
	fs.StringVar(&f.lockPeriod, "lockout-period", "", "lockout period: 15m, 30m, 60m or until-unlocked")
	fs.StringVar(&f.timeout, "session-timeout", "", "idle session timeout: 15m, 30m, 1h, 2h, 4h, 8h, 12h or 24h")
	fs.StringVar(&f.trusted, "trusted-ranges", "", `org-wide trusted IP ranges, e.g. "10.0.0.0-10.0.0.255,192.168.1.5" ("none" clears)`)
	fs.BoolVar(&f.lockIP, "lock-sessions-to-ip", false, "lock sessions to the IP address they started from")
	fs.BoolVar(&f.loginCaching, "login-page-caching", true, `"enable caching and autocomplete on login page": the login page remembers the user name and lets the browser fill it in`)
	fs.StringVar(&f.twoFactorLevel, "two-factor-level", "", `security level of a two-factor login: high-assurance (the default) or standard`)
	fs.StringVar(&f.passwordLevel, "password-level", "", `security level of a user name and password login: standard (the default) or high-assurance`)
	fs.StringVar(&f.highAssurance, "high-assurance", "", `resources that need a High Assurance session and the action for a Standard one, e.g. "reports=raise,setup=block" ("none" clears)`)
}

// apply sets on o every setting whose flag was given.
func (f *orgFlags) apply(fs *flag.FlagSet, o *domain.Org) error {
	given := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { given[fl.Name] = true })
	if given["timezone"] {
		if _, err := time.LoadLocation(f.timezone); err != nil || f.timezone == "" {
			return fmt.Errorf("--timezone %q is not a known time zone", f.timezone)
		}
		o.TimeZone = f.timezone
	}
	if given["lockout-max"] || given["lockout-period"] {
		max, period := lockoutText(o.Lockout)
		if given["lockout-max"] {
			max = f.lockMax
		}
		if given["lockout-period"] {
			period = f.lockPeriod
		}
		l, err := policy.ParseLockout(max, period)
		if err != nil {
			return err
		}
		o.Lockout = l
	}
	if given["session-timeout"] {
		d, err := time.ParseDuration(f.timeout)
		if err != nil {
			return fmt.Errorf("--session-timeout %q: %w", f.timeout, err)
		}
		if err := policy.SessionTimeout(d); err != nil {
			return err
		}
		o.SessionTimeout = d
	}
	if given["trusted-ranges"] {
		rs, err := parseRangesFlag(f.trusted)
		if err != nil {
			return fmt.Errorf("--trusted-ranges: %w", err)
		}
		o.TrustedRanges = rs
	}
	if given["lock-sessions-to-ip"] {
		o.LockSessionIP = f.lockIP
	}
	if given["login-page-caching"] {
		o.DisableLoginCaching = !f.loginCaching
	}
	for flagName, m := range map[string]policy.Method{"two-factor-level": policy.MethodTOTP, "password-level": policy.MethodPassword} {
		if !given[flagName] {
			continue
		}
		v := map[string]string{"two-factor-level": f.twoFactorLevel, "password-level": f.passwordLevel}[flagName]
		lv := map[string]policy.Level{"high-assurance": policy.LevelHighAssurance, "standard": policy.LevelStandard}[v]
		if lv == "" {
			return fmt.Errorf("--%s %q: choose high-assurance or standard", flagName, v)
		}
		levels := map[policy.Method]policy.Level{}
		for k, l := range o.Levels {
			levels[k] = l
		}
		levels[m] = lv
		o.Levels = levels
	}
	if given["high-assurance"] {
		m, err := policy.ParseHighAssurance(f.highAssurance)
		if err != nil {
			return err
		}
		o.HighAssurance = m
	}
	return nil
}

func parseRangesFlag(s string) (policy.IPRanges, error) {
	if s == "" || s == "none" {
		return nil, nil
	}
	return policy.ParseIPRanges(s)
}

func (a *App) orgCreate(ctx context.Context, args []string) error {
	fs := a.flags("org create", "")
	name := fs.String("name", "", "org name (required)")
	var of orgFlags
	of.register(fs)
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
	o := domain.Org{ID: id, Name: *name, TimeZone: "UTC", Lockout: policy.DefaultLockout,
		SessionTimeout: policy.DefaultSessionTimeout, CreatedAt: a.Now()}
	if err := of.apply(fs, &o); err != nil {
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
	var of orgFlags
	of.register(fs)
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
	if err := of.apply(fs, &o); err != nil {
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

type profileView struct {
	ID          string   `json:"id"`
	OrgID       string   `json:"orgId"`
	Name        string   `json:"name"`
	LoginHours  string   `json:"loginHours"`
	HoursZone   string   `json:"loginHoursTimeZone"`
	IPRanges    []string `json:"loginIpRanges"`
	APIEnabled  bool     `json:"apiEnabled"`
	ManageUsers bool     `json:"manageUsers"`
	TwoFactor   bool     `json:"twoFactorApi"`
	TwoFactorUI bool     `json:"twoFactorUi"`
	RequireHA   bool     `json:"requireHighAssurance"`
	Version     int64    `json:"version"`
}

func viewProfile(p domain.Profile) profileView {
	return profileView{ID: p.ID, OrgID: p.OrgID, Name: p.Name, LoginHours: p.Hours.String(), HoursZone: p.Hours.Zone,
		IPRanges: rangeTexts(p.Ranges), APIEnabled: p.APIEnabled, ManageUsers: p.ManageUsers, TwoFactor: p.TwoFactorAPI, TwoFactorUI: p.TwoFactorUI, RequireHA: p.RequireHighAssurance, Version: p.Version}
}

func (a *App) showProfile(p domain.Profile) {
	v := viewProfile(p)
	hours := v.LoginHours
	if hours == "" {
		hours = "any time"
	} else {
		hours += " (" + v.HoursZone + ")"
	}
	a.show(v, [][2]string{{"id", v.ID}, {"org", v.OrgID}, {"name", v.Name}, {"login hours", hours},
		{"login IP ranges", strings.Join(v.IPRanges, ", ")}, {"API enabled", strconv.FormatBool(v.APIEnabled)},
		{"manage users", strconv.FormatBool(v.ManageUsers)}, {"two-factor for API logins", strconv.FormatBool(v.TwoFactor)},
		{"two-factor for UI logins", strconv.FormatBool(v.TwoFactorUI)},
		{"High Assurance required at login", strconv.FormatBool(v.RequireHA)}, {"version", strconv.FormatInt(v.Version, 10)}})
}

type profileFlags struct {
	hours, ranges                                 string
	apiEnabled, manageUsers, twoFactor, requireHA bool
	twoFactorUI                                   bool
}

func (f *profileFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.hours, "login-hours", "", `login hours, e.g. "mon=08:00-18:00,tue=08:00-18:00,sun=00:00-00:00" (start=end: no login that day; "none" clears). Kept in the org's default time zone at the time they are first set`)
	fs.StringVar(&f.ranges, "ip-ranges", "", `login IP ranges, e.g. "203.0.113.0-203.0.113.255" ("none" clears)`)
	fs.BoolVar(&f.apiEnabled, "api-enabled", true, `the "API Enabled" permission`)
	fs.BoolVar(&f.manageUsers, "manage-users", false, `the "Manage Users" permission`)
	fs.BoolVar(&f.requireHA, "require-high-assurance", false, `"session security level required at login: High Assurance"`)
	fs.BoolVar(&f.twoFactorUI, "two-factor-ui", false, `"two-factor for UI logins": a TOTP code after the password on every browser login (enrolment on first use)`)
	fs.BoolVar(&f.twoFactor, "two-factor-api", false, `"two-factor for API logins": users with a TOTP key append a code instead of the security token`)
}

func (f *profileFlags) apply(fs *flag.FlagSet, p *domain.Profile, orgZone string, creating bool) error {
	given := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { given[fl.Name] = true })
	if given["login-hours"] {
		zone := p.Hours.Zone
		if zone == "" || !p.Hours.IsSet() {
			zone = orgZone // first set: the org's default zone now, kept from then on
		}
		spec := f.hours
		if spec == "none" {
			spec = ""
		}
		h, err := policy.ParseLoginHours(zone, spec)
		if err != nil {
			return fmt.Errorf("--login-hours: %w", err)
		}
		p.Hours = h
	}
	if given["ip-ranges"] {
		rs, err := parseRangesFlag(f.ranges)
		if err != nil {
			return fmt.Errorf("--ip-ranges: %w", err)
		}
		p.Ranges = rs
	}
	if given["api-enabled"] || creating {
		p.APIEnabled = f.apiEnabled
	}
	if given["manage-users"] || creating {
		p.ManageUsers = f.manageUsers
	}
	if given["two-factor-api"] || creating {
		p.TwoFactorAPI = f.twoFactor
	}
	if given["two-factor-ui"] || creating {
		p.TwoFactorUI = f.twoFactorUI
	}
	if given["require-high-assurance"] || creating {
		p.RequireHighAssurance = f.requireHA
	}
	return nil
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
	var pf profileFlags
	pf.register(fs)
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
	if err := pf.apply(fs, &p, o.TimeZone, true); err != nil {
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
	var pf profileFlags
	pf.register(fs)
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
	if err := pf.apply(fs, &p, o.TimeZone, false); err != nil {
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
	views := make([]profileView, 0, len(ps))
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
		fmt.Fprintf(tw, "%s\t%s\t%v\t%v\t%s\t%s\n", v.ID, v.Name, v.APIEnabled, v.ManageUsers, v.LoginHours, strings.Join(v.IPRanges, ","))
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
