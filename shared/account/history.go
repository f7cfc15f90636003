package account

import (
	"context"

	"loginguard/shared/domain"
	"loginguard/shared/secret"
)

// Password history: no reuse of the last PasswordPolicy.History passwords,
// the current one included.
//
// What is kept: the user item holds the current password's hash, as it
// always has; a separate item (Store.PasswordHistory) holds the hashes of
// the passwords before it, newest first, at most History of them. It is
// read and written only when a password is set, never on a login, so the
// login's item and its write units stay as they were. The passwords
// checked are the current hash followed by the stored ones (a stored copy
// of the current hash counts once).
//
// Order of writes (there are no transactions): the history is written
// first, already holding the hash that is current now, and only then
// (after the mail with the new token) does SetCredentials replace the
// password. Whatever fails after the history write, nothing is lost: the
// stored list then starts with a copy of the still-current hash, which the
// next check counts once, and the next write replaces. The other order
// would leave, after a failed history write, a new password whose
// predecessor no item remembers. The new hash is never stored before it
// is the password: a change that fails could then not be tried again
// with the same password.
//
// Concurrency: the history write is conditional on the version read at
// the check (Store.RememberPasswords); a change that raced it and wrote
// first makes it fail with domain.ErrConflict, answered as ErrConcurrent
// before any mail goes out, so a stale list never overwrites a newer one.
// SetCredentials' own condition (the password hash read) catches what
// changed the password without touching the history.
//
// When History is lowered, the stored hashes past it are ignored
// (policy.Reused looks at the first History) and dropped at the next
// change; with History 0 the history is neither read nor written.

// newPassword is a password about to be set, as issue and save take it:
// its hash, and what of the user's history to store before the change.
// The zero value is no new password (a token reset).
type newPassword struct {
	hash string
	// history is the stored history as read: its Version conditions the
	// write of remember, which replaces it (nil: nothing to write).
	history  domain.PasswordHistory
	remember []string
}

// newPasswordHash is every password set's one check of a new password
// next for u, by a on action (ActionPasswordChange, ...): the org's rules
// (domain.CheckNewPassword), then the history (policy.Reused over u's
// current and remembered hashes: up to History argon2id checks, so call
// it once whatever is cheaper to check, the current password included,
// has passed). A refusal is INVALID_NEW_PASSWORD, audited as action's
// refusals are; the reuse refusal's Reason is policy.RuleReused. On
// success next is hashed: pass the result to issue, whose save path
// records the history with the new password. u must be the user as the
// change will condition on it (the fresh read).
func (s *Service) newPasswordHash(ctx context.Context, a Actor, u domain.User, action, next string) (newPassword, error) {
	p := u.Policy.Password
	if err := domain.CheckNewPassword(p, next, u); err != nil {
		return newPassword{}, s.refuse(ctx, a, u, action, domain.AsError(err))
	}
	var pw newPassword
	if p.History > 0 {
		h, err := s.Store.PasswordHistory(ctx, u)
		if err != nil {
			return newPassword{}, domain.Internal(err)
		}
		hashes := remembered(u.PasswordHash, h.Hashes)
		if p.Reused(next, hashes, s.matcher(ctx, u)) {
			return newPassword{}, s.refuse(ctx, a, u, action, domain.ReusedPassword(p))
		}
		pw.history = h
		if len(hashes) > 0 {
			pw.remember = p.Remember(hashes[1:], hashes[0])
		}
	}
	hash, err := secret.HashPassword(next, s.Params, s.Rand)
	if err != nil {
		return newPassword{}, domain.Internal(err)
	}
	pw.hash = hash
	return pw, nil
}

// RememberedPasswords is how many of u's passwords, the current one
// included, a new one is checked against now: at most the org's History
// (fewer until that many were set). One read; for the admin CLI.
func (s *Service) RememberedPasswords(ctx context.Context, u domain.User) (int, error) {
	p := u.Policy.Password
	if p.History <= 0 {
		return 0, nil
	}
	h, err := s.Store.PasswordHistory(ctx, u)
	if err != nil {
		return 0, err
	}
	return min(len(remembered(u.PasswordHash, h.Hashes)), p.History), nil
}

// remembered is the hashes to check, newest first: the current one, then
// the stored ones other than it.
func remembered(current string, stored []string) []string {
	out := make([]string, 0, len(stored)+1)
	if current != "" {
		out = append(out, current)
	}
	for _, h := range stored {
		if h != "" && h != current {
			out = append(out, h)
		}
	}
	return out
}

// matcher is policy.Reused's hash check for u. A hash that cannot be read
// matches nothing (and is logged): a damaged entry must not block every
// change.
func (s *Service) matcher(ctx context.Context, u domain.User) func(pw, hash string) bool {
	return func(pw, hash string) bool {
		ok, _, err := secret.VerifyPassword(pw, hash, s.Params)
		if err != nil && s.Log != nil {
			s.Log.WarnContext(ctx, "remembered password hash unreadable", "user_id", u.ID, "error", err.Error())
		}
		return ok
	}
}

// rememberPasswords stores pw's history, as the first write of a password
// set (see the order above).
func (s *Service) rememberPasswords(ctx context.Context, a Actor, target domain.User, pw newPassword, action string) error {
	if pw.remember == nil {
		return nil
	}
	if err := s.Store.RememberPasswords(ctx, target, pw.history, pw.remember); err != nil {
		return s.notSaved(ctx, a, target, action, err)
	}
	return nil
}
