// Package admin is the administration use case: creating orgs, profiles,
// users and connected apps, changing settings, lockout, activation,
// devices, TOTP keys and reading login history and the audit trail, with
// every rule on what an admin may enter. lgadmin, the admin console and the
// admin API parse their input, call it, and show what it returns.
package admin
