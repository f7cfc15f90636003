package dynamo_test

import (
	"errors"
	"testing"
	"time"

	"loginguard/shared/domain"
)

func TestAResetLinkIsStoredUnderThePasswordItWasIssuedForAndEndsOnce(t *testing.T) {
	e := newEnv(t)
	u := e.user(t)
	r := domain.PasswordReset{Digest: "link-1", ExpiresAt: time.Unix(2000000000, 0).UTC(), BoundTo: "bound-1"}
	if err := e.st.PutPasswordReset(e.ctx, u, r); err != nil {
		t.Fatal(err)
	}
	if got := e.read(t, u.Username).PasswordReset; got != r {
		t.Fatalf("read back %+v; want %+v", got, r)
	}
	stale := u
	stale.PasswordHash = "another"
	if err := e.st.PutPasswordReset(e.ctx, stale, domain.PasswordReset{Digest: "link-2"}); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("a link for a password no longer current: %v; want ErrConflict", err)
	}
	if err := e.st.SetPasswordResetCode(e.ctx, u.Username, "link-1", "code-1"); err != nil {
		t.Fatal(err)
	}
	if err := e.st.SetPasswordResetCode(e.ctx, u.Username, "link-1", "code-2"); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("a second code: %v; want ErrConflict", err)
	}
	for want := 1; want <= 3; want++ {
		if n, err := e.st.TakePasswordResetTry(e.ctx, u.Username, "link-1", 3); err != nil || n != want {
			t.Fatalf("try %d: %d, %v", want, n, err)
		}
	}
	if _, err := e.st.TakePasswordResetTry(e.ctx, u.Username, "link-1", 3); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("a fourth try: %v; want ErrNotFound", err)
	}
	if err := e.st.EndPasswordReset(e.ctx, u.Username, "link-other"); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("ending another link: %v; want ErrNotFound", err)
	}
	if err := e.st.EndPasswordReset(e.ctx, u.Username, "link-1"); err != nil {
		t.Fatal(err)
	}
	if err := e.st.EndPasswordReset(e.ctx, u.Username, "link-1"); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("ending it twice: %v; want ErrNotFound", err)
	}
	if got := e.read(t, u.Username).PasswordReset; got != (domain.PasswordReset{}) {
		t.Fatalf("after the end: %+v", got)
	}
	// A new link starts with no code and no tries.
	if err := e.st.PutPasswordReset(e.ctx, u, domain.PasswordReset{Digest: "link-3", ExpiresAt: r.ExpiresAt, BoundTo: "b"}); err != nil {
		t.Fatal(err)
	}
	if got := e.read(t, u.Username).PasswordReset; got.CodeHash != "" || got.Tries != 0 {
		t.Fatalf("a new link: %+v", got)
	}
}
