package main

import (
	"context"

	"loginguard/shared/admin"
	"loginguard/shared/domain"
)

// userTOTPRegister makes a TOTP key for a user, stores it sealed, and prints
// the otpauth:// URI for the user's authenticator app (shown only now).
func (a *App) userTOTPRegister(ctx context.Context, args []string) error {
	svc, username, err := a.userArg(ctx, "user totp-register", args)
	if err != nil {
		return err
	}
	key, err := svc.RegisterTOTP(ctx, cliActor, username)
	if err != nil {
		return err
	}
	v := map[string]string{"username": key.Username, "otpauthUri": key.URI, "secret": key.Secret}
	a.show(v, [][2]string{{"username", key.Username}, {"otpauth URI", key.URI}, {"secret", key.Secret}})
	if !a.json {
		a.Stdout.Write([]byte("note: shown only now; the key is stored sealed. With \"two-factor for API logins\" on the profile, the user appends a current code to the password instead of the security token.\n"))
	}
	return nil
}

func (a *App) userTOTPRemove(ctx context.Context, args []string) error {
	return a.userCommand(ctx, "user totp-remove", args, func(svc *admin.Service, username string) (domain.User, error) {
		return svc.RemoveTOTP(ctx, cliActor, username)
	})
}
