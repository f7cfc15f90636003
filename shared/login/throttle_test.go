package login_test

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"loginguard/internal/testenv"
	"loginguard/shared/domain"
	"loginguard/shared/login"
	"loginguard/shared/policy"
	"loginguard/shared/secret"
)

// The per-source throttle and familiar-place lockout, through the login use
// cases on dynalite. These tests count argon2id hashes with secret.Hashes,
// which counts the whole process: none of them runs in parallel with others.

var sprayer = netip.MustParseAddr("192.0.2.66")

// throttled turns the per-source throttle on for w's logins.
func (w *world) throttled(limit int) {
	w.svc.Throttle = policy.SourceThrottle{Limit: limit, Window: 10 * time.Minute}
}

func TestASprayFromOneSourceIsThrottledAfterTheLimitWithNoHashAfterIt(t *testing.T) {
	w := newWorld(t, policy.DefaultLockout, "", nil)
	w.throttled(10)
	users := make([]string, 50)
	for i := range users {
		users[i], _ = w.user(fmt.Sprintf("sprayed%02d", i))
	}
	start := w.clock.Now()
	for i, u := range users {
		before, calls := secret.Hashes(), w.calls.Load()
		_, err := w.login(u, "Summer2026!", sprayer)
		hashes, dbCalls := secret.Hashes()-before, w.calls.Load()-calls
		if i < 10 {
			// A guess: one hash, counted toward the user and the source.
			if code(err) != domain.CodeInvalidLogin || hashes != 1 {
				t.Fatalf("guess %d: %s with %d hashes; want INVALID_LOGIN with one", i+1, code(err), hashes)
			}
			continue
		}
		// Past the limit: refused before anything, with the window's rest.
		if code(err) != domain.CodeRequestLimit || hashes != 0 || dbCalls != 1 {
			t.Fatalf("guess %d: %s with %d hashes and %d DynamoDB calls; want REQUEST_LIMIT_EXCEEDED with none but the ranges' read", i+1, code(err), hashes, dbCalls)
		}
		// Held through the next window too: the windows are fixed, and a
		// source throttled near one's end would otherwise start over.
		le := domain.AsError(err)
		_, end := w.svc.Throttle.WindowOf(start)
		_, next := w.svc.Throttle.WindowOf(end)
		if le.RetryAfter != next.Sub(start) || le.Reason != policy.ReasonSourceThrottled {
			t.Fatalf("retry after %s (%s); want %s", le.RetryAfter, le.Reason, next.Sub(start))
		}
		if got := w.userRecord(u).Lock.Attempts; got != 0 {
			t.Fatalf("a throttled guess reserved an attempt of %s (%d)", u, got)
		}
		if len(w.history(w.userRecord(u).ID)) != 0 {
			t.Fatalf("a throttled guess was written to %s's history", u)
		}
	}
	if len(w.waits) != 10 {
		t.Errorf("%d refusals waited out the floor; want the 10 guesses only", len(w.waits))
	}
	// The source is refused even with the right password; another is not.
	victim, token := w.user("victim")
	if _, err := w.login(victim, password+token, sprayer); code(err) != domain.CodeRequestLimit {
		t.Errorf("right password from the throttled source: %s", code(err))
	}
	if _, err := w.login(victim, password+token, office); err != nil {
		t.Errorf("another source: %v", err)
	}
	// The window ends: the source is still out, on this instance and on a
	// fresh one (which reads the held count); after the next, it may try
	// again.
	w.clock.Advance(10 * time.Minute)
	if _, err := w.login(users[45], "Autumn2026!", sprayer); code(err) != domain.CodeRequestLimit {
		t.Errorf("in the next window: %s; want still throttled", code(err))
	}
	if _, err := w.another().Login(w.ctx, login.Attempt{Username: users[45], Secret: "Autumn2026!", IP: sprayer, Type: "SOAP"}); code(err) != domain.CodeRequestLimit {
		t.Errorf("in the next window, on a fresh instance: %s; want still throttled", code(err))
	}
	w.clock.Advance(10 * time.Minute)
	if _, err := w.login(users[45], "Autumn2026!", sprayer); code(err) != domain.CodeInvalidLogin {
		t.Errorf("after the next window: %s", code(err))
	}
}

func TestAnotherInstanceReadsTheCountBeforeAnyHashAndAVouchedSourceIsNotRead(t *testing.T) {
	w := newWorld(t, policy.DefaultLockout, "", nil)
	w.throttled(5)
	var users []string
	for i := 0; i < 8; i++ {
		u, _ := w.user(fmt.Sprintf("spray%d", i))
		users = append(users, u)
	}
	for i := 0; i < 5; i++ {
		if _, err := w.login(users[i], "Winter2026!", sprayer); code(err) != domain.CodeInvalidLogin {
			t.Fatalf("guess %d: %s", i+1, code(err))
		}
	}
	// A fresh instance has counted nothing from the sprayer: it reads the
	// count beside the reservation, refuses before the hash and gives the
	// reservation back.
	second := w.another()
	attempt := func(svc *login.Service, u, sec string, ip netip.Addr) (error, uint64, int64) {
		before, calls := secret.Hashes(), w.calls.Load()
		_, err := svc.Login(w.ctx, login.Attempt{Username: u, Secret: sec, IP: ip, Type: "SOAP", Client: "test", APIVersion: "50.0"})
		return err, secret.Hashes() - before, w.calls.Load() - calls
	}
	err, hashes, calls := attempt(second, users[5], "Winter2026!", sprayer)
	if code(err) != domain.CodeRequestLimit || hashes != 0 || calls != 3 {
		t.Fatalf("a fresh instance: %s with %d hashes and %d calls; want REQUEST_LIMIT_EXCEEDED with none (the read, the reservation and its return)", code(err), hashes, calls)
	}
	if got := w.userRecord(users[5]).Lock.Attempts; got != 0 {
		t.Errorf("the refused attempt kept its reservation (%d attempts)", got)
	}
	// Now it knows: unknown users too are refused at once, with no hash.
	if err, hashes, calls := attempt(second, "nobody@nowhere.example", "x", sprayer); code(err) != domain.CodeRequestLimit || hashes != 0 || calls != 1 {
		t.Errorf("an unknown user from the throttled source: %s with %d hashes and %d calls; want the ranges' read only", code(err), hashes, calls)
	}
	// A source a login succeeded from is not read again on that instance
	// in the window: a user logging in again from the same place gains
	// nothing. A new one is read once, beside the reservation.
	office := netip.MustParseAddr("198.51.100.9")
	victim, token := w.user("victim")
	if err, _, calls := attempt(second, victim, password+token, office); err != nil || calls != 4 {
		t.Fatalf("a first login from a new source: %v with %d calls; want the read, the reservation, the session and the reset", err, calls)
	}
	if err, _, calls := attempt(second, victim, password+token, office); err != nil || calls != 3 {
		t.Errorf("the next login from it: %v with %d calls; want no read (the reservation, the session, the reset)", err, calls)
	}
}

func TestAnIPv6SourceIsItsSlash64(t *testing.T) {
	w := newWorld(t, policy.DefaultLockout, "", nil)
	w.throttled(3)
	u, _ := w.user("v6")
	for i := 1; i <= 3; i++ {
		ip := netip.MustParseAddr(fmt.Sprintf("2001:db8:7:9::%x", i*0x1111))
		if _, err := w.login(u, "wrong-password", ip); code(err) != domain.CodeInvalidLogin {
			t.Fatalf("guess %d: %s", i, code(err))
		}
	}
	if _, err := w.login(u, "wrong-password", netip.MustParseAddr("2001:db8:7:9:ffff::1")); code(err) != domain.CodeRequestLimit {
		t.Errorf("another address of the same /64: %s; want throttled", code(err))
	}
	if _, err := w.login(u, "wrong-password", netip.MustParseAddr("2001:db8:7:a::1")); code(err) != domain.CodeInvalidLogin {
		t.Errorf("the next /64: %s; want a plain refusal", code(err))
	}
}

func TestATrustedRangeSourceIsNeverThrottled(t *testing.T) {
	w := newWorld(t, policy.DefaultLockout, "10.1.0.0-10.1.255.255", nil)
	w.throttled(5)
	office := netip.MustParseAddr("10.1.2.3")
	var users []string
	for i := 0; i < 12; i++ {
		u, _ := w.user(fmt.Sprintf("staff%02d", i))
		users = append(users, u)
	}
	// Thirty mistyped passwords from the org's own network: never counted.
	for i := 0; i < 30; i++ {
		if _, err := w.login(users[i%len(users)], "typo", office); code(err) != domain.CodeInvalidLogin {
			t.Fatalf("failure %d from the trusted range: %s", i+1, code(err))
		}
	}
	// Guesses at names nobody has (no org trusts anyone for them) throttle
	// the network for everyone else...
	for i := 0; i < 5; i++ {
		if _, err := w.login(fmt.Sprintf("nobody%d@else.example", i), "guess", office); code(err) != domain.CodeInvalidLogin {
			t.Fatalf("unknown name %d: %s", i, code(err))
		}
	}
	other := testenv.Seed(t, w.st, testenv.Password(password), testenv.Params(fastParams))
	if _, err := w.login(other.User.Username, password+other.Token, office); code(err) != domain.CodeRequestLimit {
		t.Errorf("a user of an org that does not trust the network: %s; want throttled", code(err))
	}
	// ...but never for the org that trusts it.
	if _, err := w.login(users[3], password, office); err != nil {
		t.Errorf("the trusting org's user from its own network: %v", err)
	}
	if _, err := w.login(users[4], "typo", office); code(err) != domain.CodeInvalidLogin {
		t.Errorf("a typo from the trusted network: %s; want a plain refusal", code(err))
	}
}

// familiarOrg seeds an org with lockout after 5 failures, trusted range
// 10.9.0.0/16 and familiar-place lockout as given, and a user of it who has
// logged in before and has one activated browser, whose cookie it returns.
func familiarOrg(t *testing.T, w *world, familiar bool) (testenv.Account, string) {
	t.Helper()
	trusted, _ := policy.ParseIPRanges("10.9.0.0-10.9.255.255")
	a := testenv.Seed(t, w.st, testenv.Password(password), testenv.Params(fastParams), testenv.Org(func(o *domain.Org) {
		o.Lockout, o.TrustedRanges, o.FamiliarPlaceLockout = policy.Lockout{MaxAttempts: 5, Period: 15 * time.Minute}, trusted, familiar
	}))
	cookie, err := secret.NewOpaque(w.svc.Rand)
	if err != nil {
		t.Fatal(err)
	}
	u := w.userRecord(a.User.Username)
	if err := w.st.AddDevice(w.ctx, u, secret.Digest(secret.PurposeDevice, cookie), domain.Device{ActivatedAt: w.clock.Now(), Via: "VERIFICATION_CODE"}); err != nil {
		t.Fatal(err)
	}
	if err := w.st.Succeed(w.ctx, w.userRecord(a.User.Username), w.clock.Now().Add(-24*time.Hour), "", 0); err != nil {
		t.Fatal(err)
	}
	return a, cookie
}

func (w *world) browserLogin(username, pw, device string, ip netip.Addr) (login.BrowserOutcome, error) {
	return w.app.Browser.Start(w.ctx, login.BrowserStart{Username: username, Password: pw, Device: device, IP: ip, Client: "test browser"})
}

func TestFamiliarPlaceLockoutKeepsAStrangersFailuresFromLockingOutFamiliarPlaces(t *testing.T) {
	w := newWorld(t, policy.DefaultLockout, "", nil)
	a, cookie := familiarOrg(t, w, true)
	stranger := netip.MustParseAddr("203.0.113.50")
	for i := 0; i < 20; i++ {
		if _, err := w.login(a.User.Username, fmt.Sprintf("guess-%d", i), stranger); code(err) != domain.CodeInvalidLogin {
			t.Fatalf("guess %d: %s", i+1, code(err))
		}
	}
	u := w.userRecord(a.User.Username)
	if u.UnfamiliarLock.Attempts != 5 || u.Lock.Attempts != 0 {
		t.Fatalf("counts after 20 failures from a new source: unfamiliar %d, familiar %d; want 5 and 0", u.UnfamiliarLock.Attempts, u.Lock.Attempts)
	}
	locked := 0
	for _, ev := range w.history(u.ID) {
		if ev.Reason == string(policy.ReasonUserLocked) {
			locked++
		}
	}
	if locked != 15 {
		t.Errorf("%d of the 20 failures refused as locked; want 15", locked)
	}
	// The activated browser, from an address the user never used, logs in.
	out, err := w.browserLogin(a.User.Username, password, cookie, netip.MustParseAddr("198.51.100.99"))
	if err != nil || out.Result == nil {
		t.Fatalf("the activated browser: %+v, %v; want a session", out, err)
	}
	// So does the org's trusted range, with the password alone.
	if _, err := w.login(a.User.Username, password, netip.MustParseAddr("10.9.4.2")); err != nil {
		t.Fatalf("the trusted range: %v", err)
	}
	// Unfamiliar places stay locked, the stranger's included, even with
	// the right password and token; a place the user logged in from is not.
	for _, ip := range []string{"203.0.113.50", "192.0.2.200"} {
		if _, err := w.login(a.User.Username, password+a.Token, netip.MustParseAddr(ip)); code(err) != domain.CodeInvalidLogin {
			t.Errorf("right credentials from unfamiliar %s: %s; want refused (locked)", ip, code(err))
		}
	}
	if got := w.userRecord(a.User.Username).Seen; got["10.9.4.2"].IsZero() || got["198.51.100.99"].IsZero() {
		t.Errorf("seen sources %v; want the two places logged in from", got)
	}
	if _, err := w.login(a.User.Username, password+a.Token, netip.MustParseAddr("198.51.100.99")); err != nil {
		t.Errorf("a source logged in from before: %v", err)
	}
	// An admin's unlock clears both counts.
	if err := w.st.Unlock(w.ctx, a.User.Username); err != nil {
		t.Fatal(err)
	}
	if _, err := w.login(a.User.Username, password+a.Token, stranger); err != nil {
		t.Errorf("after the unlock: %v", err)
	}
}

func TestWithoutFamiliarPlaceLockoutAStrangerLocksEveryPlace(t *testing.T) {
	w := newWorld(t, policy.DefaultLockout, "", nil)
	a, cookie := familiarOrg(t, w, false)
	for i := 0; i < 20; i++ {
		_, _ = w.login(a.User.Username, fmt.Sprintf("guess-%d", i), netip.MustParseAddr("203.0.113.50"))
	}
	if got := w.userRecord(a.User.Username).Lock.Attempts; got != 5 {
		t.Fatalf("count %d; want 5 (Salesforce's one count)", got)
	}
	if _, err := w.browserLogin(a.User.Username, password, cookie, netip.MustParseAddr("198.51.100.99")); code(err) != domain.CodeInvalidLogin {
		t.Errorf("the activated browser: %s; want locked out", code(err))
	}
	if _, err := w.login(a.User.Username, password, netip.MustParseAddr("10.9.4.2")); code(err) != domain.CodeInvalidLogin {
		t.Errorf("the trusted range: %s; want locked out", code(err))
	}
}
