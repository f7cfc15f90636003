package dynamo_test

import (
	"fmt"
	"testing"
	"time"

	"loginguard/internal/testenv"
	"loginguard/shared/domain"
)

func TestEnrolTOTPKeyStoresOnlyAFirstKey(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		name    string
		before  string // "missing", "empty" (an old removal), or a sealed key
		unknown bool
		want    error
		wantKey string
	}{
		{name: "a first enrolment stores the key and restarts the steps", before: "missing", wantKey: "new"},
		{name: "a key stored as empty counts as none", before: "empty", wantKey: "new"},
		{name: "a second enrolment is refused: ErrExists, the first key stays", before: "first", want: domain.ErrExists, wantKey: "first"},
		{name: "an unknown user gets no item: ErrExists", unknown: true, want: domain.ErrExists, wantKey: "<missing>"},
	} {
		t.Run(c.name, func(t *testing.T) {
			name := "nobody-" + t.Name() + "@example.com"
			if !c.unknown {
				name = e.user(t).Username
				switch c.before {
				case "missing":
				case "empty":
					e.set(t, e.tb.Users, userKey(name), "SET totpKey = :k", map[string]typesAV{":k": s("")})
				default:
					if err := e.st.EnrolTOTPKey(e.ctx, name, c.before); err != nil {
						t.Fatal(err)
					}
				}
				e.set(t, e.tb.Users, userKey(name), "SET totpLastStep = :s", map[string]typesAV{":s": n(50)})
			}
			err := e.st.EnrolTOTPKey(e.ctx, name, "new")
			if !is(err, c.want) {
				t.Fatalf("err %v; want %v", err, c.want)
			}
			it := e.userItem(t, name)
			if got := str(it, "totpKey"); got != c.wantKey {
				t.Errorf("stored key %q; want %q", got, c.wantKey)
			}
			if wantStep := map[bool]int64{true: 0, false: 50}[c.want == nil]; !c.unknown && num(t, it, "totpLastStep") != wantStep {
				t.Errorf("stored step %d; want %d", num(t, it, "totpLastStep"), wantStep)
			}
		})
	}
	if err := e.st.EnrolTOTPKey(e.ctx, e.user(t).Username, ""); err == nil {
		t.Error("an empty key was enrolled")
	}
}

func TestAddDeviceRecordsABrowserAndForgetsTheOldest(t *testing.T) {
	e := newEnv(t)
	d := func(minutes int) domain.Device {
		return domain.Device{ActivatedAt: now.Add(time.Duration(minutes) * time.Minute), IP: "127.0.0.1", Client: "test", Via: "EMAIL_CODE"}
	}
	full := map[string]domain.Device{}
	for i := range domain.MaxDevices {
		full[fmt.Sprintf("dev%02d", i)] = d(i - 100)
	}
	full["oldest"] = d(-1000)
	delete(full, "dev00")
	for _, c := range []struct {
		name    string
		devices map[string]domain.Device
		noMap   bool // a user from before activation existed
		unknown bool
		want    error
		wantLen int
		gone    string
	}{
		{name: "a browser is added to the user's map", devices: map[string]domain.Device{"a": d(-5)}, wantLen: 2},
		{name: "a user with no map yet gets one", noMap: true, wantLen: 1},
		{name: "past the maximum the oldest is forgotten", devices: full, wantLen: domain.MaxDevices, gone: "oldest"},
		{name: "an unknown user gets no item: ErrNotFound", unknown: true, want: domain.ErrNotFound},
	} {
		t.Run(c.name, func(t *testing.T) {
			var u domain.User
			if c.unknown {
				u.Username = "nobody-" + t.Name() + "@example.com"
			} else {
				u = e.user(t, testenv.User(func(u *domain.User) { u.Devices = c.devices }))
				if c.noMap {
					e.set(t, e.tb.Users, userKey(u.Username), "REMOVE devices", nil)
				}
			}
			err := e.st.AddDevice(e.ctx, u, "new", d(0))
			if !is(err, c.want) {
				t.Fatalf("err %v; want %v", err, c.want)
			}
			if c.unknown {
				if it := e.userItem(t, u.Username); it != nil {
					t.Fatalf("an item was made: %v", it)
				}
				return
			}
			got := e.read(t, u.Username).Devices
			if _, ok := got["new"]; !ok || len(got) != c.wantLen {
				t.Errorf("stored devices %v; want %d with the new one", got, c.wantLen)
			}
			if _, ok := got[c.gone]; c.gone != "" && ok {
				t.Errorf("%s is still there", c.gone)
			}
		})
	}
}

func TestRevokeDeviceForgetsOneBrowser(t *testing.T) {
	e := newEnv(t)
	two := map[string]domain.Device{"abcdef0123456789": {ActivatedAt: now}, "abcdef01ffffffff": {ActivatedAt: now}}
	for _, c := range []struct {
		name      string
		digest    string
		want      error
		wantMatch string
	}{
		{name: "the full digest revokes that browser", digest: "abcdef0123456789", wantMatch: "abcdef0123456789"},
		{name: "a unique prefix revokes that browser", digest: "abcdef0123", wantMatch: "abcdef0123456789"},
		{name: "an ambiguous prefix revokes nothing: ErrNotFound", digest: "abcdef01", want: domain.ErrNotFound},
		{name: "a prefix under 8 characters revokes nothing: ErrNotFound", digest: "abcdef0", want: domain.ErrNotFound},
		{name: "an unknown digest revokes nothing: ErrNotFound", digest: "0000000000000000", want: domain.ErrNotFound},
	} {
		t.Run(c.name, func(t *testing.T) {
			name := e.user(t, testenv.User(func(u *domain.User) { u.Devices = two })).Username
			match, err := e.st.RevokeDevice(e.ctx, name, c.digest)
			if !is(err, c.want) || match != c.wantMatch {
				t.Fatalf("revoked %q, %v; want %q, %v", match, err, c.wantMatch, c.want)
			}
			got := e.read(t, name).Devices
			for k := range two {
				if _, ok := got[k]; ok == (k == c.wantMatch) {
					t.Errorf("device %s stored: %v", k, ok)
				}
			}
		})
	}
	if _, err := e.st.RevokeDevice(e.ctx, "nobody@example.com", "abcdef0123456789"); !is(err, domain.ErrNotFound) {
		t.Errorf("an unknown user: %v", err)
	}
}

func TestSetCredentialsReplacesOnlyWhatTheChangerRead(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		name       string
		noToken    string // "empty" or "missing": the user has no token yet
		staleTok   bool   // the token changed since the changer read the user
		stalePw    bool
		newPw      string
		want       error
		wantChange bool
	}{
		{name: "a new token replaces the one read", wantChange: true},
		{name: "a new password and token replace both and clear the lockout", newPw: "new-hash", wantChange: true},
		{name: "a first token where the digest is empty", noToken: "empty", wantChange: true},
		{name: "a first token on a user from before tokens", noToken: "missing", wantChange: true},
		{name: "a token changed meanwhile is not undone: ErrConflict", staleTok: true, want: domain.ErrConflict},
		{name: "a password changed meanwhile is not undone: ErrConflict", stalePw: true, newPw: "new-hash", want: domain.ErrConflict},
	} {
		t.Run(c.name, func(t *testing.T) {
			mods := []testenv.Mod{lockState(2, now.Add(time.Minute))}
			if c.noToken != "" {
				mods = append(mods, testenv.Token(""))
			}
			u := e.user(t, mods...)
			if c.noToken == "missing" {
				e.set(t, e.tb.Users, userKey(u.Username), "REMOVE tokenHash", nil)
			}
			if c.staleTok {
				e.set(t, e.tb.Users, userKey(u.Username), "SET tokenHash = :t", map[string]typesAV{":t": s("raced")})
			}
			if c.stalePw {
				e.set(t, e.tb.Users, userKey(u.Username), "SET passwordHash = :p", map[string]typesAV{":p": s("raced")})
			}
			before := e.userItem(t, u.Username)
			_, err := e.st.SetCredentials(e.ctx, u, c.newPw, "new-token", time.Now())
			if !is(err, c.want) {
				t.Fatalf("err %v; want %v", err, c.want)
			}
			it := e.userItem(t, u.Username)
			if !c.wantChange {
				if str(it, "tokenHash") != str(before, "tokenHash") || str(it, "passwordHash") != str(before, "passwordHash") || num(t, it, "attempts") != 2 {
					t.Errorf("a refused change wrote: %v", it)
				}
				return
			}
			wantPw, wantAttempts, wantGen := u.PasswordHash, int64(2), int64(-1)
			if c.newPw != "" {
				wantPw, wantAttempts, wantGen = c.newPw, 0, 1
			}
			if str(it, "tokenHash") != "new-token" || str(it, "passwordHash") != wantPw ||
				num(t, it, "attempts") != wantAttempts || num(t, it, "lockGen") != wantGen {
				t.Errorf("stored %v; want token new-token, password %s, attempts %d, generation %d", it, wantPw, wantAttempts, wantGen)
			}
		})
	}
}

func TestTokenResetsAreRateLimitedPerWindow(t *testing.T) {
	e := newEnv(t)
	const window, max = time.Hour, 3
	for _, c := range []struct {
		name        string
		count       int64 // resets in the window before; -1 for none ever
		opened      time.Time
		unknown     bool
		want        error
		wantCount   int64
		wantOpened  time.Time
		giveBackNow bool // then give one back
	}{
		{name: "a first reset opens a window", count: -1, wantCount: 1, wantOpened: now},
		{name: "a reset within the window counts in it", count: 2, opened: now.Add(-time.Minute), wantCount: 3, wantOpened: now.Add(-time.Minute)},
		{name: "past the maximum in the window: ErrRateLimited, the count stays", count: 3, opened: now.Add(-time.Minute),
			want: domain.ErrRateLimited, wantCount: 3, wantOpened: now.Add(-time.Minute)},
		{name: "a window that has run out opens a new one", count: 3, opened: now.Add(-window), wantCount: 1, wantOpened: now},
		{name: "an unknown user gets no item: ErrRateLimited", unknown: true, want: domain.ErrRateLimited, wantCount: -1},
		{name: "a give-back of a failed reset lowers the count", count: 1, opened: now.Add(-time.Minute), giveBackNow: true,
			wantCount: 1, wantOpened: now.Add(-time.Minute)},
	} {
		t.Run(c.name, func(t *testing.T) {
			name := "nobody-" + t.Name() + "@example.com"
			if !c.unknown {
				name = e.user(t).Username
				if c.count >= 0 {
					e.set(t, e.tb.Users, userKey(name), "SET resetCount = :c, resetWindowStart = :o",
						map[string]typesAV{":c": n(c.count), ":o": n(c.opened.Unix())})
				}
			}
			err := e.st.ReserveTokenReset(e.ctx, name, now, window, max)
			if !is(err, c.want) {
				t.Fatalf("err %v; want %v", err, c.want)
			}
			if c.giveBackNow {
				if err := e.st.ReleaseTokenReset(e.ctx, name); err != nil {
					t.Fatal(err)
				}
			}
			it := e.userItem(t, name)
			if got := num(t, it, "resetCount"); got != c.wantCount {
				t.Errorf("stored count %d; want %d", got, c.wantCount)
			}
			if !c.unknown && num(t, it, "resetWindowStart") != c.wantOpened.Unix() {
				t.Errorf("stored window start %d; want %d", num(t, it, "resetWindowStart"), c.wantOpened.Unix())
			}
		})
	}
	t.Run("a give-back never goes below zero", func(t *testing.T) {
		name := e.user(t).Username
		e.set(t, e.tb.Users, userKey(name), "SET resetCount = :c", map[string]typesAV{":c": n(0)})
		if err := e.st.ReleaseTokenReset(e.ctx, name); err != nil {
			t.Fatal(err)
		}
		if got := num(t, e.userItem(t, name), "resetCount"); got != 0 {
			t.Errorf("stored count %d", got)
		}
	})
}
