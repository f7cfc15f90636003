package main

import (
	"context"
)

// userResetPassword is the admin password reset: a new password, and with
// it a new security token by mail (the seed: a password reset resets the
// token). Nothing changes when the mail cannot be sent.
func (a *App) userResetPassword(ctx context.Context, args []string) error {
	fs := a.flags("user reset-password", "[--user] USERNAME")
	user := idFlag(fs, "user", true)
	pwStdin := fs.Bool("password-stdin", false, "read the new password from the first line of standard input")
	pw := fs.String("password", "", "the new password (prefer --password-stdin: command lines are visible to others)")
	if err := parseIDs(fs, args, user); err != nil {
		return err
	}
	if (*pw == "") == !*pwStdin {
		return usageError{"give the new password with --password-stdin (or --password)"}
	}
	password, err := a.password(*pw, *pwStdin)
	if err != nil {
		return err
	}
	svc, err := a.admin(ctx)
	if err != nil {
		return err
	}
	u, err := svc.ResetPassword(ctx, cliActor, user.value, password)
	if err != nil {
		return err
	}
	sent := "no security token (the user has no email address)"
	if u.Email != "" {
		sent = "new security token sent to " + u.Email
	}
	a.show(map[string]string{"username": u.Username, "token": sent}, [][2]string{{"password reset for", u.Username}, {"token", sent}})
	return nil
}
