package dynamo_test

import (
	"testing"
	"time"

	"loginguard/shared/domain"
	"loginguard/shared/policy"
)

// putChallenge stores a login challenge of kind expiring at expires under a
// fresh id.
func (e *env) putChallenge(t *testing.T, kind string, expires time.Time) domain.LoginChallenge {
	t.Helper()
	c := domain.LoginChallenge{IDHash: "chal-" + t.Name(), UserID: "005000000000001", OrgID: "00D000000000001",
		Username: "u@example.com", Kind: kind, CodeHash: "digest", CreatedAt: now.Add(-time.Minute), ExpiresAt: expires}
	if err := e.st.PutChallenge(e.ctx, c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestPutChallengeNeverReplacesOne(t *testing.T) {
	e := newEnv(t)
	first := e.putChallenge(t, "EMAIL_CODE", now.Add(time.Minute))
	second := first
	second.CodeHash, second.Kind = "another", "TOTP"
	if err := e.st.PutChallenge(e.ctx, second); !is(err, domain.ErrExists) {
		t.Fatalf("a second challenge under one id: %v; want ErrExists", err)
	}
	sess := e.openSession(t, policy.LoginUI, now)
	if err := e.st.PutChallenge(e.ctx, domain.LoginChallenge{IDHash: sess.IDHash, Kind: "TOTP", ExpiresAt: now.Add(time.Minute)}); !is(err, domain.ErrExists) {
		t.Fatalf("a challenge over a session: %v; want ErrExists", err)
	}
	got, err := e.st.Challenge(e.ctx, first.IDHash, now)
	if err != nil || got.CodeHash != "digest" || got.Kind != "EMAIL_CODE" {
		t.Fatalf("the first challenge is %+v, %v; want it kept", got, err)
	}
	if it := e.item(t, e.tb.Sessions, idKey(sess.IDHash)); str(it, "loginType") != policy.LoginUI || str(it, "kind") != "<missing>" {
		t.Fatalf("the session became %v", it)
	}
}

func TestTakeTryCountsTriesUpToTheMaximum(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		name      string
		tries     int // before
		expires   time.Time
		session   bool // a session under the id instead
		ended     bool
		want      error
		wantTries int64 // stored after; -1 for no item
	}{
		{name: "a first try is taken and counted", expires: now.Add(time.Minute), wantTries: 1},
		{name: "the last try is taken", tries: 2, expires: now.Add(time.Minute), wantTries: 3},
		{name: "past the maximum no try is left: ErrNotFound, the count stays", tries: 3, expires: now.Add(time.Minute),
			want: domain.ErrNotFound, wantTries: 3},
		{name: "an expired challenge has no tries: ErrNotFound", expires: now, want: domain.ErrNotFound, wantTries: 0},
		{name: "a session is no challenge: ErrNotFound", session: true, want: domain.ErrNotFound, wantTries: -1},
		{name: "an ended challenge is not made again: ErrNotFound", expires: now.Add(time.Minute), ended: true,
			want: domain.ErrNotFound, wantTries: -1},
	} {
		t.Run(c.name, func(t *testing.T) {
			var ch domain.LoginChallenge
			if c.session {
				ch.IDHash = e.openSession(t, policy.LoginUI, now).IDHash
			} else {
				ch = e.putChallenge(t, "EMAIL_CODE", c.expires)
				e.set(t, e.tb.Sessions, idKey(ch.IDHash), "SET tries = :n", map[string]typesAV{":n": n(int64(c.tries))})
			}
			if c.ended {
				if err := e.st.EndChallenge(e.ctx, ch, false, now); err != nil {
					t.Fatal(err)
				}
			}
			got, err := e.st.TakeTry(e.ctx, ch, 3, now)
			if !is(err, c.want) {
				t.Fatalf("err %v; want %v", err, c.want)
			}
			if c.want == nil && int64(got) != c.wantTries {
				t.Errorf("returned %d tries; want %d", got, c.wantTries)
			}
			if stored := num(t, e.item(t, e.tb.Sessions, idKey(ch.IDHash)), "tries"); stored != c.wantTries {
				t.Errorf("stored tries %d; want %d", stored, c.wantTries)
			}
		})
	}
}

func TestEndChallengeClaimsALiveChallengeOnce(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		name     string
		expires  time.Time
		claimAs  string // the kind the claimer read; "" to claim as stored
		answered bool
		twice    bool
		want     error
		wantKept bool
	}{
		{name: "a right answer claims a live challenge", expires: now.Add(time.Minute), answered: true},
		{name: "of two right answers the second gets ErrNotFound", expires: now.Add(time.Minute), answered: true, twice: true, want: domain.ErrNotFound},
		{name: "an expired challenge cannot be claimed: ErrNotFound, left for TTL", expires: now, answered: true,
			want: domain.ErrNotFound, wantKept: true},
		{name: "a challenge read as another kind cannot be claimed: ErrNotFound", expires: now.Add(time.Minute), claimAs: "TOTP",
			answered: true, want: domain.ErrNotFound, wantKept: true},
		{name: "giving up ends even an expired challenge", expires: now},
		{name: "giving up twice is no error", expires: now.Add(time.Minute), twice: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			ch := e.putChallenge(t, "EMAIL_CODE", c.expires)
			if c.claimAs != "" {
				ch.Kind = c.claimAs
			}
			err := e.st.EndChallenge(e.ctx, ch, c.answered, now)
			if c.twice {
				if err != nil {
					t.Fatal(err)
				}
				err = e.st.EndChallenge(e.ctx, ch, c.answered, now)
			}
			if !is(err, c.want) {
				t.Fatalf("err %v; want %v", err, c.want)
			}
			if kept := e.item(t, e.tb.Sessions, idKey(ch.IDHash)) != nil; kept != c.wantKept {
				t.Errorf("challenge kept: %v; want %v", kept, c.wantKept)
			}
		})
	}
}
