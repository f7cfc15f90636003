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

func TestAResetSpendsItsTOTPStepOnceAndOnlyWhileItsLinkIsThere(t *testing.T) {
	e := newEnv(t)
	u := e.user(t)
	if err := e.st.SpendPasswordResetTOTP(e.ctx, u.Username, "link-1", 101); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("no link: %v; want ErrNotFound", err)
	}
	if err := e.st.PutPasswordReset(e.ctx, u, domain.PasswordReset{Digest: "link-1", ExpiresAt: now.Add(time.Hour), BoundTo: "b"}); err != nil {
		t.Fatal(err)
	}
	e.set(t, e.tb.Users, userKey(u.Username), "SET totpLastStep = :s", map[string]typesAV{":s": n(100)})
	for _, step := range []int64{100, 99} {
		if err := e.st.SpendPasswordResetTOTP(e.ctx, u.Username, "link-1", step); !errors.Is(err, domain.ErrReplay) {
			t.Fatalf("step %d, not after the last used (100): %v; want ErrReplay", step, err)
		}
	}
	if err := e.st.SpendPasswordResetTOTP(e.ctx, u.Username, "link-other", 101); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("another link: %v; want ErrNotFound", err)
	}
	// Two requests racing with one code: one spends it.
	errs := make(chan error, 2)
	for range 2 {
		go func() { errs <- e.st.SpendPasswordResetTOTP(e.ctx, u.Username, "link-1", 101) }()
	}
	a, b := <-errs, <-errs
	if (a == nil) == (b == nil) || !errors.Is(errors.Join(a, b), domain.ErrReplay) {
		t.Fatalf("two spends of one step: %v, %v; want one nil, one ErrReplay", a, b)
	}
	if got := e.read(t, u.Username).TOTPLastStep; got != 101 {
		t.Fatalf("stored step %d; want 101", got)
	}
	// A login with that step after it is a replay too (one last step for all).
	if err := e.st.Succeed(e.ctx, u, now, "", 101); !errors.Is(err, domain.ErrReplay) {
		t.Fatalf("a login with the spent step: %v; want ErrReplay", err)
	}
}

func TestASuccessfulLoginTidiesAnExpiredLinkAndKeepsAValidOne(t *testing.T) {
	e := newEnv(t)
	const gone = "<missing>" // str's answer for no attribute
	for _, c := range []struct {
		name     string
		expires  time.Time
		replaced bool // a newer link was sent between the reservation and the success
		want     string
	}{
		{name: "an expired link is removed", expires: now.Add(-time.Second), want: gone},
		{name: "a link expiring at this instant is removed", expires: now, want: gone},
		{name: "a valid link stays", expires: now.Add(time.Minute), want: "link-1"},
		{name: "a newer link sent meanwhile stays", expires: now.Add(-time.Second), replaced: true, want: "link-2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			u := e.user(t)
			if err := e.st.PutPasswordReset(e.ctx, u, domain.PasswordReset{Digest: "link-1", ExpiresAt: c.expires, BoundTo: "b"}); err != nil {
				t.Fatal(err)
			}
			if err := e.st.SetPasswordResetCode(e.ctx, u.Username, "link-1", "code-1"); err != nil {
				t.Fatal(err)
			}
			r, err := e.st.BeginAttempt(e.ctx, u.Username, now, domain.Place{})
			if err != nil {
				t.Fatal(err)
			}
			if c.replaced {
				if err := e.st.PutPasswordReset(e.ctx, u, domain.PasswordReset{Digest: "link-2", ExpiresAt: now.Add(time.Hour), BoundTo: "b"}); err != nil {
					t.Fatal(err)
				}
			}
			if err := e.st.Succeed(e.ctx, r, now, "", 0); err != nil {
				t.Fatal(err)
			}
			it := e.userItem(t, u.Username)
			if got := str(it, "pwrHash"); got != c.want {
				t.Fatalf("link after the login %q; want %q", got, c.want)
			}
			if c.want == gone {
				for _, attr := range []string{"pwrHash", "pwrExp", "pwrPw", "pwrCode", "pwrTries"} {
					if _, ok := it[attr]; ok {
						t.Errorf("%s is still on the item", attr)
					}
				}
			}
			if num(t, it, "attempts") != 0 || str(it, "lastLoginAt") == "" {
				t.Fatalf("the login itself: attempts %d, last login %q", num(t, it, "attempts"), str(it, "lastLoginAt"))
			}
		})
	}
}
