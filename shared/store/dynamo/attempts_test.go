package dynamo_test

import (
	"testing"
	"time"

	"loginguard/internal/testenv"
	"loginguard/shared/domain"
	"loginguard/shared/policy"
)

// threeTries: three failures lock for 15 minutes.
var threeTries = testenv.Org(func(o *domain.Org) { o.Lockout = policy.Lockout{MaxAttempts: 3, Period: 15 * time.Minute} })

func lockState(attempts int, endsAt time.Time) testenv.Mod {
	return testenv.User(func(u *domain.User) { u.Lock = policy.LockState{Attempts: attempts, LockEndsAt: endsAt} })
}

func TestBeginAttemptReservesOnlyWhileTheUserMayTry(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		name         string
		mods         []testenv.Mod
		unknown      bool
		want         error
		wantAttempts int64
		wantLockEnd  time.Time
	}{
		{name: "an active unlocked user gets an attempt: the count rises and the lock would run from now",
			mods: []testenv.Mod{threeTries, lockState(1, now.Add(-time.Hour))}, wantAttempts: 2, wantLockEnd: now.Add(15 * time.Minute)},
		{name: "an unknown name is ErrNotFound and makes no item", unknown: true, want: domain.ErrNotFound, wantAttempts: -1},
		{name: "an inactive user is ErrInactive and the count stays",
			mods: []testenv.Mod{threeTries, testenv.User(func(u *domain.User) { u.Active = false })}, want: domain.ErrInactive, wantAttempts: 0},
		{name: "a user at the ceiling within the lock is ErrLocked and the count stays",
			mods: []testenv.Mod{threeTries, lockState(3, now.Add(time.Minute))}, want: domain.ErrLocked, wantAttempts: 3, wantLockEnd: now.Add(time.Minute)},
		{name: "a lock ending right now has ended: the attempt goes above the ceiling",
			mods: []testenv.Mod{threeTries, lockState(3, now)}, wantAttempts: 4, wantLockEnd: now.Add(15 * time.Minute)},
		{name: "with no limit a user never locks",
			mods:         []testenv.Mod{lockState(1000, now.Add(time.Hour)), testenv.Org(func(o *domain.Org) { o.Lockout = policy.Lockout{} })},
			wantAttempts: 1001, wantLockEnd: now.Add(policy.Forever)},
	} {
		t.Run(c.name, func(t *testing.T) {
			name := "nobody-" + t.Name() + "@example.com"
			if !c.unknown {
				name = e.user(t, c.mods...).Username
			}
			u, err := e.st.BeginAttempt(e.ctx, name, now, domain.Place{})
			if !is(err, c.want) {
				t.Fatalf("err %v; want %v", err, c.want)
			}
			if c.want == nil && u.Lock.Attempts != int(c.wantAttempts) {
				t.Errorf("returned user has %d attempts; want %d", u.Lock.Attempts, c.wantAttempts)
			}
			it := e.userItem(t, name)
			if got := num(t, it, "attempts"); got != c.wantAttempts {
				t.Errorf("stored attempts %d; want %d", got, c.wantAttempts)
			}
			wantEnd := int64(0)
			if !c.wantLockEnd.IsZero() {
				wantEnd = c.wantLockEnd.Unix()
			}
			if !c.unknown && num(t, it, "lockEndsAt") != wantEnd {
				t.Errorf("stored lock end %d; want %d", num(t, it, "lockEndsAt"), wantEnd)
			}
		})
	}
}

func TestSucceedResetsTheCountAndSpendsATOTPStepOnce(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		name      string
		lastStep  int64 // stored before; 0 leaves the seeded one
		staleHash bool  // the password changed since the attempt read the user
		newHash   string
		step      int64
		want      error
		wantHash  string // "" means the seeded hash is kept
		wantStep  int64
		wantReset bool
	}{
		{name: "a success sets the count to zero and starts a new count", wantReset: true},
		{name: "a TOTP step later than the last is recorded", lastStep: 100, step: 101, wantStep: 101, wantReset: true},
		{name: "a first TOTP step is recorded", step: 7, wantStep: 7, wantReset: true},
		{name: "a TOTP step already spent is ErrReplay and nothing changes", lastStep: 100, step: 100, want: domain.ErrReplay, wantStep: 100},
		{name: "an earlier TOTP step is ErrReplay", lastStep: 100, step: 99, want: domain.ErrReplay, wantStep: 100},
		{name: "a rehash replaces the hash still stored", newHash: "rehashed", wantHash: "rehashed", wantReset: true},
		{name: "a rehash after a password change keeps the new password; the rest still holds",
			staleHash: true, newHash: "rehashed", wantHash: "changed-meanwhile", wantReset: true},
		{name: "a rehash with a spent TOTP step is ErrReplay and keeps the hash",
			lastStep: 100, newHash: "rehashed", step: 100, want: domain.ErrReplay, wantStep: 100},
	} {
		t.Run(c.name, func(t *testing.T) {
			u := e.user(t, lockState(2, now.Add(time.Minute)))
			seeded := u.PasswordHash
			if c.lastStep > 0 {
				e.set(t, e.tb.Users, userKey(u.Username), "SET totpLastStep = :s", map[string]typesAV{":s": n(c.lastStep)})
			}
			if c.staleHash {
				e.set(t, e.tb.Users, userKey(u.Username), "SET passwordHash = :h", map[string]typesAV{":h": s("changed-meanwhile")})
			}
			err := e.st.Succeed(e.ctx, u, now, c.newHash, c.step)
			if !is(err, c.want) {
				t.Fatalf("err %v; want %v", err, c.want)
			}
			it := e.userItem(t, u.Username)
			wantHash := c.wantHash
			if wantHash == "" {
				wantHash = seeded
			}
			if got := str(it, "passwordHash"); got != wantHash {
				t.Errorf("stored hash %q; want %q", got, wantHash)
			}
			if got := num(t, it, "totpLastStep"); got != c.wantStep {
				t.Errorf("stored TOTP step %d; want %d", got, c.wantStep)
			}
			wantAttempts, wantGen := int64(2), int64(-1)
			if c.wantReset {
				wantAttempts, wantGen = 0, 1
			}
			if num(t, it, "attempts") != wantAttempts || num(t, it, "lockGen") != wantGen {
				t.Errorf("stored attempts %d, generation %d; want %d, %d", num(t, it, "attempts"), num(t, it, "lockGen"), wantAttempts, wantGen)
			}
			if c.wantReset != (str(it, "lastLoginAt") == now.Format(time.RFC3339Nano)) {
				t.Errorf("last login %q", str(it, "lastLoginAt"))
			}
		})
	}
}

func TestSetAttemptsWritesOnlyOverTheReservedCount(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		name         string
		raced        bool // another attempt moved the count after the reservation
		to           int
		wantAttempts int64
		wantGen      int64
	}{
		{name: "a failure after an expired lock restarts the count at one", to: 1, wantAttempts: 1, wantGen: 1},
		{name: "a policy denial after an expired lock sets the count to zero", to: 0, wantAttempts: 0, wantGen: 1},
		{name: "a count moved by a concurrent attempt is left alone, without an error", raced: true, to: 1, wantAttempts: 5, wantGen: -1},
	} {
		t.Run(c.name, func(t *testing.T) {
			name := e.user(t, threeTries, lockState(3, now)).Username
			u, err := e.st.BeginAttempt(e.ctx, name, now, domain.Place{})
			if err != nil {
				t.Fatal(err)
			}
			if c.raced {
				e.set(t, e.tb.Users, userKey(name), "SET attempts = :n", map[string]typesAV{":n": n(5)})
			}
			if err := e.st.SetAttempts(e.ctx, u, c.to); err != nil {
				t.Fatal(err)
			}
			it := e.userItem(t, name)
			if num(t, it, "attempts") != c.wantAttempts || num(t, it, "lockGen") != c.wantGen {
				t.Errorf("stored attempts %d, generation %d; want %d, %d", num(t, it, "attempts"), num(t, it, "lockGen"), c.wantAttempts, c.wantGen)
			}
		})
	}
}

func TestReleaseAttemptGivesBackOnlyItsOwnSlot(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		name         string
		unlocksFirst int  // resets before the reservation (each a new generation)
		resetAfter   bool // an unlock after the reservation
		zeroAfter    bool // the count is zero by the time of the give-back
		wantAttempts int64
	}{
		{name: "a give-back of its own slot lowers the count by one (a user from before generations)", wantAttempts: 1},
		{name: "a give-back in the same generation lowers the count by one", unlocksFirst: 2, wantAttempts: 1},
		{name: "a give-back after a reset lowers nothing", resetAfter: true, wantAttempts: 0},
		{name: "a give-back after a reset and a new failure lowers nothing", unlocksFirst: 1, resetAfter: true, wantAttempts: 1},
		{name: "a give-back never goes below zero", zeroAfter: true, wantAttempts: 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			name := e.user(t, threeTries, lockState(1, time.Time{})).Username
			for range c.unlocksFirst {
				if err := e.st.Unlock(e.ctx, name); err != nil {
					t.Fatal(err)
				}
				e.set(t, e.tb.Users, userKey(name), "SET attempts = :n", map[string]typesAV{":n": n(1)})
			}
			u, err := e.st.BeginAttempt(e.ctx, name, now, domain.Place{})
			if err != nil {
				t.Fatal(err)
			}
			if c.resetAfter {
				if err := e.st.Unlock(e.ctx, name); err != nil {
					t.Fatal(err)
				}
				if c.unlocksFirst > 0 {
					e.set(t, e.tb.Users, userKey(name), "SET attempts = :n", map[string]typesAV{":n": n(1)})
				}
			}
			if c.zeroAfter {
				e.set(t, e.tb.Users, userKey(name), "SET attempts = :n", map[string]typesAV{":n": n(0)})
			}
			if err := e.st.ReleaseAttempt(e.ctx, u); err != nil {
				t.Fatal(err)
			}
			if got := num(t, e.userItem(t, name), "attempts"); got != c.wantAttempts {
				t.Errorf("stored attempts %d; want %d", got, c.wantAttempts)
			}
		})
	}
}
