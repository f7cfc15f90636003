package account_test

import (
	"errors"
	"testing"

	"loginguard/shared/account"
	"loginguard/shared/domain"
	"loginguard/shared/ids"
	"loginguard/shared/secret"
)

// setPassword: a session sets only its own user's password, under the
// policy, and the set ends every session and mails a new token.
func TestSetPasswordFromASessionSetsOnlyItsOwnUsersPassword(t *testing.T) {
	w := newWorld(t, "")
	ann := w.user("ann", false, true)
	bob := w.user("bob", false, true)
	sess := domain.Session{UserID: ann.ID, OrgID: ann.OrgID, Username: ann.Username, PasswordExpired: true}
	const next = "Quartz-Meadow-Lantern-71"

	// A session not opened on an expired password may not: it would take
	// the account over without the current password.
	normal := sess
	normal.PasswordExpired = false
	if err := w.svc.SetPasswordFromSession(w.ctx, normal, ann.ID, next, "198.51.100.7"); !errors.Is(err, account.ErrNotExpired) {
		t.Fatalf("from a normal session: %v; want ErrNotExpired", err)
	}

	err := w.svc.SetPasswordFromSession(w.ctx, sess, ids.Long(bob.ID), next, "198.51.100.7")
	if !errors.Is(err, account.ErrNotOwnPassword) || domain.ErrorCode(err) != domain.CodeNotPermitted {
		t.Fatalf("another user's id: %v; want INSUFFICIENT_ACCESS", err)
	}
	if w.fresh(bob).PasswordHash != bob.PasswordHash {
		t.Fatal("bob's password changed")
	}
	if err := w.svc.SetPasswordFromSession(w.ctx, sess, "005not-an-id", next, "198.51.100.7"); domain.ErrorCode(err) != domain.CodeInvalidID {
		t.Fatalf("a malformed id: %v; want %s", err, domain.CodeInvalidID)
	}
	if err := w.svc.SetPasswordFromSession(w.ctx, sess, ann.ID, oldPassword, "198.51.100.7"); domain.ErrorCode(err) != domain.CodeInvalidNewPassword {
		t.Fatalf("the current password again: %v; want INVALID_NEW_PASSWORD", err)
	}
	if err := w.svc.SetPasswordFromSession(w.ctx, sess, ids.Long(ann.ID), next, "198.51.100.7"); err != nil {
		t.Fatalf("ann's own id, in 18 characters: %v", err)
	}
	now := w.fresh(ann)
	if ok, _, _ := secret.VerifyPassword(next, now.PasswordHash, fast); !ok {
		t.Fatal("the new password was not set")
	}
	if now.SessionGen == ann.SessionGen || !tokenWorks(now, w.tokenFromMail(ann.Username)) {
		t.Fatalf("after setPassword: session generation %d → %d, or the mailed token does not work", ann.SessionGen, now.SessionGen)
	}
	var refused, done int
	for _, ev := range w.audit() {
		if ev.Action == account.ActionPasswordSet && ev.Via == "API" {
			switch ev.Outcome {
			case domain.CodeNotPermitted:
				refused++
			case account.OutcomeDone:
				done++
			}
		}
	}
	if refused != 2 || done != 1 {
		t.Errorf("audit: %d refusals (another user's id, a normal session), %d sets; want 2 and 1", refused, done)
	}
}
