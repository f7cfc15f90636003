// Package policy holds the login and lockout decisions of login-restrictions.txt
// as pure functions: facts in (user state, policy, IP, time), a decision with a
// reason code out. No I/O and no clock of its own, so every rule is table-tested.
package policy
