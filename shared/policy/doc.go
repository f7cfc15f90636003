// Package policy holds the login and lockout decisions of login-restrictions.txt
// as pure functions: facts in (user state, policy, IP, time), a decision with a
// reason code out. No I/O and no clock of its own, so every rule is table-tested.
// It also holds the org's password policy (password.go): the rules a new
// password must meet, with the common-password list coming in as a CommonChecker.
package policy
