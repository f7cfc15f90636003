package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"text/tabwriter"

	"loginguard/shared/admin"
	"loginguard/shared/domain"
)

// unfamiliarText says how familiar-place lockout stands for u.
func unfamiliarText(u domain.User, v admin.UserRecord) string {
	if !u.Policy.FamiliarPlaceLockout && v.UnfamiliarAttempts == 0 {
		return "counted with the rest (familiar-place lockout is off)"
	}
	s := fmt.Sprintf("%d failed attempts from places the user is not known at; %d known sources", v.UnfamiliarAttempts, len(u.Seen))
	if v.UnfamiliarLocked {
		s = "locked out (familiar places are not): " + s
	}
	return s
}

// passwordText says how old the password is and when it expires.
func passwordText(v admin.UserRecord) string {
	if v.PasswordSetAt == "" {
		return "set at an unknown time"
	}
	s := fmt.Sprintf("set %s (%d days ago); ", v.PasswordSetAt, v.PasswordAgeDays)
	switch {
	case v.PasswordExpired:
		return s + "expired " + v.PasswordExpiresAt
	case v.PasswordExpiresAt != "":
		return s + "expires " + v.PasswordExpiresAt
	}
	return s + "never expires"
}

// sweepText says whether ending the user's sessions is unfinished.
func sweepText(u domain.User) string {
	if u.SweptGen < u.SessionGen {
		return "some may still be open after an end that failed: lgadmin session end --user " + u.Username + " finishes it"
	}
	return "see lgadmin session list --user " + u.Username
}

func (a *App) showUser(u domain.User) { a.showUserView(u, admin.UserRecordOf(u, a.Now())) }

func (a *App) showUserView(u domain.User, v admin.UserRecord) {
	rows := [][2]string{{"id", v.ID}, {"id18", v.ID18}, {"username", v.Username}, {"email", v.Email},
		{"name", v.Name}, {"org", v.OrgID}, {"profile", v.Profile + " (" + v.ProfileID + ")"},
		{"active", strconv.FormatBool(v.Active)}, {"locked", strconv.FormatBool(v.Locked)},
		{"failed attempts", strconv.Itoa(v.Attempts)}, {"unfamiliar places", unfamiliarText(u, v)},
		{"password", passwordText(v)}}
	if n := v.PasswordsRemembered; n != nil {
		rows = append(rows, [2]string{"passwords remembered", fmt.Sprintf("%d (the org's history: %d, the current password included)", *n, u.Policy.Password.History)})
	}
	a.show(v, append(rows, [][2]string{{"security token", map[bool]string{true: "issued", false: "none"}[v.HasToken]},
		{"last login", v.LastLoginAt}, {"sessions", sweepText(u)}}...))
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
	n := admin.NewUser{OrgID: org.value, ProfileID: profile.value, Username: *username, Email: *email,
		FirstName: *first, LastName: *last, TimeZone: *tz, Password: password, Why: "Your user was created"}
	// Told before AWS is asked anything.
	if err := n.Check(); err != nil {
		return err
	}
	svc, err := a.admin(ctx)
	if err != nil {
		return err
	}
	c, err := svc.CreateUser(ctx, cliActor, n)
	if errors.Is(err, admin.ErrUnknownTimeZone) {
		return fmt.Errorf("--timezone %q is not a known time zone", *tz)
	}
	if err != nil {
		return err
	}
	note := c.Note()
	if a.json {
		a.printJSON(struct {
			admin.UserRecord
			Note string `json:"note"`
		}{admin.UserRecordOf(c.User, a.Now()), note})
		return nil
	}
	a.showUser(c.User)
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
	return pw, admin.CheckPassword(pw)
}

// userArg parses a command about one user and opens the admin use case.
func (a *App) userArg(ctx context.Context, name string, args []string) (*admin.Service, string, error) {
	fs := a.flags(name, "[--user] USERNAME")
	user := idFlag(fs, "user", true)
	svc, err := a.parseIDs(ctx, fs, args, user)
	return svc, user.value, err
}

// userCommand is a command about one user that shows the user after it.
func (a *App) userCommand(ctx context.Context, name string, args []string, do func(*admin.Service, string) (domain.User, error)) error {
	svc, username, err := a.userArg(ctx, name, args)
	if err != nil {
		return err
	}
	u, err := do(svc, username)
	if err != nil {
		return err
	}
	a.showUser(u)
	return nil
}

func (a *App) userShow(ctx context.Context, args []string) error {
	svc, username, err := a.userArg(ctx, "user show", args)
	if err != nil {
		return err
	}
	u, err := svc.User(ctx, cliActor, username)
	if err != nil {
		return err
	}
	v := admin.UserRecordOf(u, a.Now())
	// Read only here: the history item is not part of the user.
	n, err := svc.Accounts.RememberedPasswords(ctx, u)
	if err != nil {
		return err
	}
	v.PasswordsRemembered = &n
	a.showUserView(u, v)
	return nil
}

func (a *App) userList(ctx context.Context, args []string) error {
	fs := a.flags("user list", "--org ORG_ID")
	org := idFlag(fs, "org", false)
	svc, err := a.parseIDs(ctx, fs, args, org)
	if err != nil {
		return err
	}
	us, err := svc.Users(ctx, cliActor, org.value)
	if err != nil {
		return err
	}
	views := make([]admin.UserRecord, 0, len(us))
	for _, u := range us {
		views = append(views, admin.UserRecordOf(u, a.Now()))
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
	return a.userCommand(ctx, "user unlock", args, func(svc *admin.Service, username string) (domain.User, error) {
		return svc.Unlock(ctx, cliActor, username)
	})
}

func (a *App) setActive(ctx context.Context, name string, args []string, active bool) error {
	return a.userCommand(ctx, name, args, func(svc *admin.Service, username string) (domain.User, error) {
		u, r, err := svc.SetActive(ctx, cliActor, username, active)
		if err == nil && !active && !a.json {
			fmt.Fprintf(a.Stdout, "%d sessions ended\n", r.Ended)
		}
		return u, err
	})
}

func (a *App) userActivate(ctx context.Context, args []string) error {
	return a.setActive(ctx, "user activate", args, true)
}

func (a *App) userDeactivate(ctx context.Context, args []string) error {
	return a.setActive(ctx, "user deactivate", args, false)
}

func (a *App) userResetToken(ctx context.Context, args []string) error {
	svc, username, err := a.userArg(ctx, "user reset-token", args)
	if err != nil {
		return err
	}
	u, err := svc.ResetToken(ctx, cliActor, username)
	if err != nil {
		return err
	}
	a.show(map[string]string{"sentTo": u.Email}, [][2]string{{"new security token sent to", u.Email}})
	return nil
}
