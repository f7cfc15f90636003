package main

import (
	"context"
	"errors"

	"loginguard/shared/keyring"
	"loginguard/shared/secret"
)

// keyring is the TOTP keyring the functions use: data keys in the orgs
// table, wrapped under the KMS key of KEYRING_KMS_KEY.
func (a *App) keyring(ctx context.Context) (*keyring.Ring, error) {
	ap, err := a.app(ctx)
	if err != nil {
		return nil, err
	}
	if ap.Keyring == nil {
		return nil, errors.New("KEYRING_KMS_KEY is not set: give the CLI the KMS key the functions use (the stack's KeyringKey ARN)")
	}
	return ap.Keyring, nil
}

// userTOTPRegister makes a TOTP key for a user, stores it sealed, and prints
// the otpauth:// URI for the user's authenticator app (shown only now).
func (a *App) userTOTPRegister(ctx context.Context, args []string) error {
	s, u, err := a.userArg(ctx, "user totp-register", args)
	if err != nil {
		return err
	}
	sealer, err := a.keyring(ctx)
	if err != nil {
		return err
	}
	issuer := u.Policy.OrgName
	if issuer == "" {
		issuer = "loginguard"
	}
	key, err := secret.NewTOTPKey(issuer, u.Username, a.Rand)
	if err != nil {
		return err
	}
	sealed, err := sealer.Seal(ctx, key.Secret(), u.ID, a.Rand)
	if err != nil {
		return err
	}
	if err := s.SetTOTPKey(ctx, u.Username, sealed); err != nil {
		return err
	}
	v := map[string]string{"username": u.Username, "otpauthUri": key.URL(), "secret": key.Secret()}
	a.show(v, [][2]string{{"username", u.Username}, {"otpauth URI", key.URL()}, {"secret", key.Secret()}})
	if !a.json {
		a.Stdout.Write([]byte("note: shown only now; the key is stored sealed. With \"two-factor for API logins\" on the profile, the user appends a current code to the password instead of the security token.\n"))
	}
	return nil
}

func (a *App) userTOTPRemove(ctx context.Context, args []string) error {
	s, u, err := a.userArg(ctx, "user totp-remove", args)
	if err != nil {
		return err
	}
	if err := s.SetTOTPKey(ctx, u.Username, ""); err != nil {
		return err
	}
	return a.showFresh(ctx, s, u.Username)
}
