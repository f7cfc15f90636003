package main

import (
	"context"
	"os"
)

// userResetPassword is the admin password reset: a new password, and with
// it a new security token by mail (the seed: a password reset resets the
// token). Nothing changes when the mail cannot be sent.
func (a *App) userResetPassword(ctx context.Context, args []string) error {
	fs := a.flags("user reset-password", "[--user] USERNAME")
	user := idFlag(fs, "user", true)
	pwStdin := fs.Bool("password-stdin", false, "read the new password from the first line of standard input")
	pw := fs.String("password", "", "the new password (prefer --password-stdin: command lines are visible to others)")
	link := fs.Bool("send-link", false, "mail the user a link to choose the password themselves (valid 1 hour; the current password works until then)")
	loginURL := fs.String("login-url", os.Getenv("LOGIN_URL"), "with --send-link: the login page's origin the link points to (default $LOGIN_URL)")
	if err := parseIDs(fs, args, user); err != nil {
		return err
	}
	if *link {
		if *pw != "" || *pwStdin {
			return usageError{"--send-link lets the user choose the password: give no --password or --password-stdin with it"}
		}
		if *loginURL == "" {
			return usageError{"--send-link needs --login-url (or LOGIN_URL): the login page's origin, e.g. https://login.example.com"}
		}
		svc, err := a.admin(ctx)
		if err != nil {
			return err
		}
		u, err := svc.SendResetLink(ctx, cliActor, user.value, *loginURL)
		if err != nil {
			return err
		}
		sent := "reset link sent to " + u.Email + " (valid 1 hour)"
		a.show(map[string]string{"username": u.Username, "link": sent}, [][2]string{{"password reset for", u.Username}, {"link", sent}})
		return nil
	}
	if (*pw == "") == !*pwStdin {
		return usageError{"give the new password with --password-stdin (or --password), or --send-link"}
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
