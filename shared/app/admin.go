package app

import (
	"loginguard/shared/admin"
	"loginguard/shared/secret"
)

// Admin is the admin use case on the application's store, credential
// changes and sessions, as the admin API and the console run it (lgadmin
// builds its own, on its clock and randomness). New users' passwords are
// hashed with the default parameters; TOTP keys are sealed by the keyring
// when there is one.
func (a *App) Admin() *admin.Service {
	svc := &admin.Service{Store: a.Store, Accounts: a.Accounts, Sessions: a.Sessions,
		Rand: a.Login.Rand, Now: a.Login.Now, Params: secret.DefaultParams, Events: a.Events, Log: a.Log}
	if a.Keyring != nil {
		svc.Sealer = a.Keyring
	}
	return svc
}
