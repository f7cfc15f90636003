// Package account changes users' credentials: a new security token on
// request (the user's own, or another user's by an admin with "Manage
// Users"), a password change that asks for the current password, and an
// admin password reset; each of the last two also issues a new token, as
// security-tokens.txt says. A new token goes out by mail first; only once
// the mail provider has accepted it is it written, together with any new
// password, in one conditional write. So a failed mail changes nothing and
// the old token keeps working. A new password may not be one of the last
// the org remembers (history.go). Every change and refusal is audited.
package account
