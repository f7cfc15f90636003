package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"loginguard/shared/admin"
	"loginguard/shared/domain"
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
	svc, err := a.admin(ctx)
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
	if u, err := svc.User(ctx, cliActor, *username); err == nil {
		if _, err := svc.ResetToken(ctx, cliActor, u.Username); err != nil {
			return fmt.Errorf("mailing the demo user a new security token: %w", err)
		}
		r := result{false, u.OrgID, u.Username, u.Email, u.Email}
		a.show(r, [][2]string{{"created", "false"}, {"org", r.OrgID}, {"username", r.Username}, {"email", r.Email}, {"new security token sent to", r.TokenTo}})
		return nil
	} else if !errors.Is(err, domain.ErrNotFound) {
		return err
	}
	o, err := svc.CreateOrg(ctx, cliActor, admin.NewOrg{Name: "Demo Org", Settings: admin.DefaultOrgSettings()})
	if err != nil {
		return err
	}
	p, err := svc.CreateProfile(ctx, cliActor, o.ID, "System Administrator", func(_ domain.Org, s *domain.ProfileSettings) error {
		s.APIEnabled, s.ManageUsers = true, true
		return nil
	})
	if err != nil {
		return err
	}
	c, err := svc.CreateUser(ctx, cliActor, admin.NewUser{OrgID: o.ID, ProfileID: p.ID, Username: *username, Email: *email,
		FirstName: "Demo", LastName: "User", TimeZone: "UTC", Password: password, Why: "Your demo user was created by make run"})
	if err != nil {
		return err
	}
	if c.TokenErr != nil {
		return c.TokenErr
	}
	u := c.User
	r := result{true, o.ID, u.Username, u.Email, u.Email}
	a.show(r, [][2]string{{"created", strconv.FormatBool(true)}, {"org", o.ID}, {"username", u.Username}, {"email", u.Email}, {"security token sent to", r.TokenTo}})
	return nil
}
