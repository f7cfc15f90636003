// Package login is the login use case shared by every way in (SOAP, REST, UI):
// reserve an attempt, check the secret, ask the policy, open a session, and
// write the outcome to login history. One copy of the decision, lockout and
// history code serves them all.
package login
