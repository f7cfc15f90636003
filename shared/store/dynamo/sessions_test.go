package dynamo_test

import (
	"errors"
	"testing"
	"time"

	"loginguard/shared/domain"
	"loginguard/shared/policy"
)

// openSession stores a session of loginType last seen at seen, idle for an
// hour at most, under a fresh id; it returns the session.
func (e *env) openSession(t *testing.T, loginType string, seen time.Time) domain.Session {
	t.Helper()
	sess := domain.Session{IDHash: "sess-" + t.Name(), UserID: "005000000000001", OrgID: "00D000000000001", LoginType: loginType,
		Level: string(policy.LevelStandard), Timeout: time.Hour, CreatedAt: seen, LastSeenAt: seen}
	if err := e.st.OpenSession(e.ctx, sess, domain.LoginEvent{At: seen, UserID: sess.UserID}); err != nil {
		t.Fatal(err)
	}
	return sess
}

func TestTouchSessionMovesOnlyALiveSessionForward(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		name     string
		seen     time.Time // last activity before the touch; zero for no session
		ended    bool      // ended before the touch
		wantSeen int64     // -1: no item
	}{
		{name: "activity on a live session moves its idle expiry", seen: now.Add(-10 * time.Minute), wantSeen: now.Unix()},
		{name: "an expired session is not touched", seen: now.Add(-2 * time.Hour), wantSeen: now.Add(-2 * time.Hour).Unix()},
		{name: "a touch no later than the last activity changes nothing", seen: now, wantSeen: now.Unix()},
		{name: "an ended session is not made again", seen: now.Add(-time.Minute), ended: true, wantSeen: -1},
	} {
		t.Run(c.name, func(t *testing.T) {
			sess := e.openSession(t, policy.LoginSOAP, c.seen)
			if c.ended {
				if err := e.st.EndSession(e.ctx, sess.IDHash, []string{policy.LoginSOAP}, now); err != nil {
					t.Fatal(err)
				}
			}
			if err := e.st.TouchSession(e.ctx, sess, now); err != nil {
				t.Fatalf("touching: %v; a touch that does not apply is no error", err)
			}
			it := e.item(t, e.tb.Sessions, idKey(sess.IDHash))
			if got := num(t, it, "lastSeenAt"); got != c.wantSeen {
				t.Errorf("stored last activity %d; want %d", got, c.wantSeen)
			}
			if c.wantSeen >= 0 && num(t, it, "expiresAt") != c.wantSeen+int64(time.Hour/time.Second) {
				t.Errorf("stored expiry %d; want an hour after the last activity", num(t, it, "expiresAt"))
			}
		})
	}
}

func TestEndSessionEndsOnlyALiveSessionOfTheChannel(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		name      string
		loginType string // "" for no session
		seen      time.Time
		channel   []string
		want      error
	}{
		{name: "a live session of the channel's login type ends", loginType: policy.LoginSOAP, seen: now, channel: []string{policy.LoginSOAP}},
		{name: "any of the channel's login types will do", loginType: "REST", seen: now, channel: []string{policy.LoginSOAP, "REST"}},
		{name: "a session of another channel is left alone: ErrNotFound", loginType: policy.LoginUI, seen: now,
			channel: []string{policy.LoginSOAP, "REST"}, want: domain.ErrNotFound},
		{name: "an expired session is ErrNotFound and left for TTL", loginType: policy.LoginSOAP, seen: now.Add(-time.Hour),
			channel: []string{policy.LoginSOAP}, want: domain.ErrNotFound},
		{name: "no session is ErrNotFound", channel: []string{policy.LoginSOAP}, want: domain.ErrNotFound},
		{name: "a channel with no login types ends nothing: ErrNotFound", loginType: policy.LoginSOAP, seen: now, want: domain.ErrNotFound},
	} {
		t.Run(c.name, func(t *testing.T) {
			id := "none-" + t.Name()
			if c.loginType != "" {
				id = e.openSession(t, c.loginType, c.seen).IDHash
			}
			err := e.st.EndSession(e.ctx, id, c.channel, now)
			if !is(err, c.want) {
				t.Fatalf("err %v; want %v", err, c.want)
			}
			stored := e.item(t, e.tb.Sessions, idKey(id)) != nil
			if wantStored := c.loginType != "" && c.want != nil; stored != wantStored {
				t.Errorf("session stored afterwards: %v; want %v", stored, wantStored)
			}
		})
	}
}

func TestRaiseSessionStepsUpOnlyALiveBrowserSession(t *testing.T) {
	e := newEnv(t)
	high := string(policy.LevelHighAssurance)
	for _, c := range []struct {
		name      string
		loginType string // "" for no session
		challenge bool   // a login challenge under the id instead
		seen      time.Time
		want      error
		wantLevel string
	}{
		{name: "a live UI session steps up", loginType: policy.LoginUI, seen: now, wantLevel: high},
		{name: "an API session does not step up: ErrNotFound", loginType: policy.LoginSOAP, seen: now,
			want: domain.ErrNotFound, wantLevel: string(policy.LevelStandard)},
		{name: "an expired UI session does not step up: ErrNotFound", loginType: policy.LoginUI, seen: now.Add(-time.Hour),
			want: domain.ErrNotFound, wantLevel: string(policy.LevelStandard)},
		{name: "a login challenge is no session: ErrNotFound", challenge: true, want: domain.ErrNotFound, wantLevel: "<missing>"},
		{name: "no session is not made by a step-up: ErrNotFound", want: domain.ErrNotFound},
	} {
		t.Run(c.name, func(t *testing.T) {
			id := "none-" + t.Name()
			switch {
			case c.loginType != "":
				id = e.openSession(t, c.loginType, c.seen).IDHash
			case c.challenge:
				id = e.putChallenge(t, "EMAIL_CODE", now.Add(time.Minute)).IDHash
			}
			err := e.st.RaiseSession(e.ctx, id, high, now)
			if !is(err, c.want) {
				t.Fatalf("err %v; want %v", err, c.want)
			}
			it := e.item(t, e.tb.Sessions, idKey(id))
			if c.wantLevel == "" {
				if it != nil {
					t.Fatalf("an item was made: %v", it)
				}
				return
			}
			if got := str(it, "level"); got != c.wantLevel {
				t.Errorf("stored level %q; want %q", got, c.wantLevel)
			}
		})
	}
}

// The writes that end a user's sessions raise the session generation in
// the same write; a login's last write (Succeed) then fails with
// ErrSessionsEnded and changes nothing.
func TestEndingAUsersSessionsRaisesTheGenerationAndFailsALoginUnderWay(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		name    string
		end     func(u domain.User) (domain.User, error)
		wantGen int64 // the generation after the write
	}{
		{name: "deactivation", end: func(u domain.User) (domain.User, error) { return e.st.SetActive(e.ctx, u.Username, false) }, wantGen: 1},
		{name: "activation ends nothing", end: func(u domain.User) (domain.User, error) { return e.st.SetActive(e.ctx, u.Username, true) }},
		{name: "a new password", end: func(u domain.User) (domain.User, error) {
			return e.st.SetCredentials(e.ctx, u, "new-hash", "new-token", time.Now())
		}, wantGen: 1},
		{name: "a new token alone ends nothing", end: func(u domain.User) (domain.User, error) {
			return e.st.SetCredentials(e.ctx, u, "", "new-token", time.Now())
		}},
		{name: "an explicit end", end: func(u domain.User) (domain.User, error) { return e.st.EndUserSessions(e.ctx, u.Username) }, wantGen: 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			reserved := e.user(t) // as a login's reservation read it
			after, err := c.end(reserved)
			if err != nil || after.SessionGen != c.wantGen {
				t.Fatalf("generation after: %d, %v; want %d", after.SessionGen, err, c.wantGen)
			}
			err = e.st.Succeed(e.ctx, reserved, now, "", 0)
			if ended := errors.Is(err, domain.ErrSessionsEnded); ended != (c.wantGen > 0) {
				t.Fatalf("the login's last write: %v; want ErrSessionsEnded: %v", err, c.wantGen > 0)
			}
			if got := e.read(t, reserved.Username); c.wantGen > 0 && !got.LastLoginAt.IsZero() {
				t.Errorf("the failed last write recorded a login at %v", got.LastLoginAt)
			}
		})
	}
}

func TestKeepSessionMovesOnlyTheUsersLiveSessionForward(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		name    string
		userID  string
		gen     int64
		want    error
		wantGen int64
	}{
		{name: "the user's session moves into the new generation", userID: "005000000000001", gen: 3, wantGen: 3},
		{name: "another user's session is not theirs to keep: ErrNotFound", userID: "005000000000002", gen: 3, want: domain.ErrNotFound},
		{name: "a generation never goes back: ErrNotFound", userID: "005000000000001", gen: 0, want: domain.ErrNotFound},
	} {
		t.Run(c.name, func(t *testing.T) {
			sess := e.openSession(t, policy.LoginUI, now)
			err := e.st.KeepSession(e.ctx, sess.IDHash, c.userID, c.gen)
			if !is(err, c.want) {
				t.Fatalf("err %v; want %v", err, c.want)
			}
			if got := num(t, e.item(t, e.tb.Sessions, idKey(sess.IDHash)), "gen"); got != c.wantGen {
				t.Errorf("stored generation %d; want %d", got, c.wantGen)
			}
		})
	}
	if err := e.st.KeepSession(e.ctx, "none", "005000000000001", 1); !is(err, domain.ErrNotFound) {
		t.Fatalf("keeping no session: %v; want ErrNotFound and no item made", err)
	}
	if e.item(t, e.tb.Sessions, idKey("none")) != nil {
		t.Fatal("KeepSession made an item")
	}
}

// A session opened on an expired password stays restricted when read back,
// and a forced change's challenge keeps what the login passed.
func TestRestrictedSessionsAndForcedChangesReadBackAsStored(t *testing.T) {
	e := newEnv(t)
	sess := domain.Session{IDHash: "sess-restricted", UserID: "005000000000001", OrgID: "00D000000000001", LoginType: policy.LoginSOAP,
		Level: string(policy.LevelStandard), Timeout: time.Hour, CreatedAt: now, LastSeenAt: now, PasswordExpired: true}
	if err := e.st.OpenSession(e.ctx, sess, domain.LoginEvent{At: now, UserID: sess.UserID}); err != nil {
		t.Fatal(err)
	}
	got, err := e.st.Session(e.ctx, sess.IDHash, now)
	if err != nil || !got.PasswordExpired {
		t.Fatalf("read back: %+v, %v; want it restricted", got, err)
	}
	c := domain.LoginChallenge{IDHash: "chal-forced", UserID: sess.UserID, OrgID: sess.OrgID, Username: "u@x.example", IP: "192.0.2.1",
		Kind: string(policy.ChallengeNewPassword), EmailPassed: true, TOTPPassed: true, FirstLogin: true, CreatedAt: now, ExpiresAt: now.Add(10 * time.Minute)}
	if err := e.st.PutChallenge(e.ctx, c); err != nil {
		t.Fatal(err)
	}
	back, err := e.st.Challenge(e.ctx, c.IDHash, now)
	if err != nil || !back.EmailPassed || !back.TOTPPassed || !back.FirstLogin || back.Kind != c.Kind {
		t.Fatalf("challenge read back: %+v, %v", back, err)
	}
}
