// Package sessions lists and ends users' sessions, and carries an admin's
// setting changes onto live ones.
//
// A session is one item, read by the authorizer (and every other path) in
// one consistent read; ending it deletes the item, so every path refuses it
// at once. Finding a user's sessions goes through the sessions table's
// byOrg index. Racing logins are covered by the user's session generation:
// ending a user's sessions raises it in the same write as the change that
// ends them (deactivation, password reset), a login whose reservation saw
// the old one fails to open its session (the attempt's final write is
// conditioned on it), and the sweep ends every session of an older
// generation. A login that finished its final write just before the raise
// may write its session just after the sweep listed the user's: the sweep
// looks again once such a login has had time to land (Settle).
package sessions
