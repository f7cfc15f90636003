package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"loginguard/shared/domain"
	"loginguard/shared/ids"
	"loginguard/shared/policy"
	"loginguard/shared/secret"
)

// demo creates the demo org, profile and user unless the user exists, and
// mails the demo user a security token. It is what make run calls on every
// start, so it must be idempotent. A user that exists gets a new token:
// the SES stand-in keeps no mail across restarts, and the token in the mail
// page is the only one a newcomer can find (tokens are stored as digests).
func (a *App) demo(ctx context.Context, args []string) error {
	fs := a.flags("demo", "")
	username := fs.String("username", "demo@loginguard.example", "demo user name")
	email := fs.String("email", "demo@loginguard.example", "demo user's email (the token mail goes there)")
	pwStdin := fs.Bool("password-stdin", false, "read the demo password from standard input")
	pw := fs.String("password", "", "demo password")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	password, err := a.password(*pw, *pwStdin)
	if err != nil {
		return err
	}
	s, err := a.deps(ctx)
	if err != nil {
		return err
	}
	type result struct {
		Created  bool   `json:"created"`
		OrgID    string `json:"orgId"`
		Username string `json:"username"`
		Email    string `json:"email"`
		TokenTo  string `json:"tokenSentTo"`
	}
	if u, err := s.User(ctx, *username); err == nil {
		if err := a.accounts(s).ResetToken(ctx, cliActor, u); err != nil {
			return fmt.Errorf("mailing the demo user a new security token: %w", err)
		}
		r := result{false, u.OrgID, u.Username, u.Email, u.Email}
		a.show(r, [][2]string{{"created", "false"}, {"org", r.OrgID}, {"username", r.Username}, {"email", r.Email}, {"new security token sent to", r.TokenTo}})
		return nil
	} else if !errors.Is(err, domain.ErrNotFound) {
		return err
	}
	orgID, err := ids.New("00D", a.Rand)
	if err != nil {
		return err
	}
	o := domain.Org{ID: orgID, Name: "Demo Org", CreatedAt: a.Now(), Version: 1, OrgSettings: domain.OrgSettings{TimeZone: "UTC", Lockout: policy.DefaultLockout, SessionTimeout: policy.DefaultSessionTimeout}}
	if err := s.CreateOrg(ctx, o); err != nil {
		return err
	}
	profID, err := ids.New("00e", a.Rand)
	if err != nil {
		return err
	}
	p := domain.Profile{ID: profID, OrgID: orgID, Name: "System Administrator", Version: 1, ProfileSettings: domain.ProfileSettings{APIEnabled: true, ManageUsers: true}}
	if err := s.CreateProfile(ctx, p); err != nil {
		return err
	}
	userID, err := ids.New("005", a.Rand)
	if err != nil {
		return err
	}
	hash, err := secret.HashPassword(password, secret.DefaultParams, a.Rand)
	if err != nil {
		return err
	}
	u := domain.User{ID: userID, OrgID: orgID, ProfileID: profID, Username: *username, Email: *email,
		FirstName: "Demo", LastName: "User", TimeZone: "UTC", Locale: "en_US", Language: "en_US", Active: true,
		PasswordHash: hash, CreatedAt: a.Now(), Policy: domain.PolicyOf(o, p)}
	if err := s.CreateUser(ctx, u); err != nil {
		return err
	}
	if err := a.accounts(s).NewUserToken(ctx, cliActor, u, "Your demo user was created by make run"); err != nil {
		return err
	}
	r := result{true, orgID, u.Username, u.Email, u.Email}
	a.show(r, [][2]string{{"created", strconv.FormatBool(true)}, {"org", orgID}, {"username", u.Username}, {"email", u.Email}, {"security token sent to", r.TokenTo}})
	return nil
}
