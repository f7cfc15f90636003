package login_test

import (
	"context"
	"crypto/rand"
	"errors"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"loginguard/internal/apptest"
	"loginguard/internal/testenv"
	"loginguard/shared/app"
	"loginguard/shared/config"
	"loginguard/shared/domain"
	"loginguard/shared/login"
	"loginguard/shared/policy"
	"loginguard/shared/secret"
	"loginguard/shared/store/dynamo"
)

// fastParams keep the tests quick; the benchmark uses the real ones.
var fastParams = secret.Params{MemoryKiB: 64, Time: 1, Threads: 1}

const password = "Correct-Horse-9"

var (
	untrusted = netip.MustParseAddr("198.51.100.7")
	office    = netip.MustParseAddr("203.0.113.9")
)

// fixture is a dynalite with the template's tables and a count of the
// DynamoDB calls made through its client.
type fixture struct {
	store  *dynamo.Store
	calls  *atomic.Int64
	db     dynamo.API
	tables dynamo.Tables
}

func setup(t testing.TB) fixture {
	t.Helper()
	endpoint := testenv.Dynalite(t)
	calls := &atomic.Int64{}
	db := testenv.DynamoDB(endpoint, func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
			return s.Initialize.Add(middleware.InitializeMiddlewareFunc("count", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				calls.Add(1)
				return next.HandleInitialize(ctx, in)
			}), middleware.Before)
		})
	})
	tables := testenv.CreateTables(t, db)
	return fixture{store: dynamo.New(db, tables), calls: calls, db: db, tables: tables}
}

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

type world struct {
	t     *testing.T
	ctx   context.Context
	st    *dynamo.Store
	calls *atomic.Int64
	clock *clock
	app   *app.App
	svc   *login.Service
	org   domain.Org
	prof  domain.Profile
	waits []time.Duration
	mu    sync.Mutex
	// another builds one more instance of the use cases on the same
	// DynamoDB: a second Lambda instance, knowing nothing of the first's.
	another func() *login.Service
	db      dynamo.API // the store's client and tables, for reading items raw
	tables  dynamo.Tables
}

// newWorld makes an org (lockout lo, the given trusted ranges) and a profile.
// The use cases are built as the functions build them (shared/app), on
// this test's DynamoDB client and clock, with cheap hashes; refusals record
// the floor they would wait out instead of sleeping. opts add to that.
func newWorld(t *testing.T, lo policy.Lockout, trusted string, prof func(*domain.Profile), opts ...app.Option) *world {
	t.Helper()
	f := setup(t)
	ctx := testenv.Context(t)
	// Monday 2026-11-23 15:00 UTC.
	c := &clock{now: time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)}
	w := &world{t: t, ctx: ctx, calls: f.calls, clock: c, db: f.db, tables: f.tables}
	record := func(_ context.Context, d time.Duration) {
		w.mu.Lock()
		w.waits = append(w.waits, d)
		w.mu.Unlock()
	}
	build := func() *app.App {
		return apptest.New(t, f.db, f.tables, config.Config{FailureFloor: 50 * time.Millisecond},
			append([]app.Option{app.WithClock(c.Now), app.WithParams(fastParams), app.WithSleep(record)}, opts...)...)
	}
	w.app = build()
	w.svc, w.st = w.app.Login, w.app.Store
	w.another = func() *login.Service {
		s := build().Login
		s.Throttle = w.svc.Throttle
		return s
	}
	var tr policy.IPRanges
	if trusted != "" {
		var err error
		if tr, err = policy.ParseIPRanges(trusted); err != nil {
			t.Fatal(err)
		}
	}
	w.org = testenv.SeedOrg(t, f.store, func(o *domain.Org) {
		o.Name, o.TimeZone, o.Lockout, o.SessionTimeout, o.TrustedRanges = "Acme", "America/New_York", lo, 2*time.Hour, tr
	})
	w.prof = testenv.SeedProfile(t, f.store, w.org, func(p *domain.Profile) { p.Name = "Sales" }, prof)
	return w
}

// user creates a user and returns its user name and security token.
func (w *world) user(name string) (string, string) {
	w.t.Helper()
	a := testenv.SeedUser(w.t, w.st, w.org, w.prof, testenv.Password(password), testenv.Params(fastParams),
		testenv.User(func(u *domain.User) { u.Username = name + "@" + w.org.ID + ".example"; u.Email = u.Username }))
	return a.User.Username, a.Token
}

func (w *world) login(username, sec string, ip netip.Addr) (login.Result, error) {
	return w.svc.Login(w.ctx, login.Attempt{Username: username, Secret: sec, IP: ip, Type: "SOAP", Client: "test", APIVersion: "50.0"})
}

func code(err error) string {
	if err == nil {
		return "OK"
	}
	var le *domain.Error
	if !errors.As(err, &le) {
		return "not a domain.Error: " + err.Error()
	}
	return le.Code
}

func (w *world) history(userID string) []domain.LoginEvent {
	w.t.Helper()
	evs, err := w.st.History(w.ctx, dynamo.HistoryFilter{UserID: userID, Limit: 1000})
	if err != nil {
		w.t.Fatal(err)
	}
	return evs
}

func (w *world) userRecord(username string) domain.User {
	w.t.Helper()
	u, err := w.st.User(w.ctx, username)
	if err != nil {
		w.t.Fatal(err)
	}
	return u
}

func TestAPILoginDecisionsAgainstDynamoDB(t *testing.T) {
	w := newWorld(t, policy.Lockout{MaxAttempts: 10, Period: 15 * time.Minute}, "192.0.2.0-192.0.2.255", nil)
	u, tok := w.user("ann")
	trusted := netip.MustParseAddr("192.0.2.77")
	tests := []struct {
		name   string
		user   string
		secret string
		ip     netip.Addr
		want   string
		reason policy.Reason
	}{
		{"password and token from an untrusted IP logs in", u, password + tok, untrusted, "OK", policy.ReasonAllowed},
		{"password alone from a trusted range logs in", u, password, trusted, "OK", policy.ReasonAllowed},
		{"password and token from a trusted range logs in too", u, password + tok, trusted, "OK", policy.ReasonAllowed},
		{"password alone from an untrusted IP must use the token", u, password, untrusted, domain.CodeMustUseSecurityToken, policy.ReasonMustUseSecurityToken},
		{"wrong password with the right token is invalid", u, "Wrong-Horse-9" + tok, untrusted, domain.CodeInvalidLogin, policy.ReasonInvalidCredentials},
		{"right password with a wrong token is invalid", u, password + "A" + tok[1:], untrusted, domain.CodeInvalidLogin, policy.ReasonInvalidCredentials},
		{"unknown user is invalid", "nobody@nowhere.example", password + tok, untrusted, domain.CodeInvalidLogin, policy.ReasonUnknownUser},
		{"user name is case-insensitive", "ANN@" + w.org.ID + ".EXAMPLE", password + tok, untrusted, "OK", policy.ReasonAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := w.login(tt.user, tt.secret, tt.ip)
			if got := code(err); got != tt.want {
				t.Fatalf("login = %s (%v); want %s", got, err, tt.want)
			}
			if err != nil {
				var le *domain.Error
				errors.As(err, &le)
				if le.Reason != tt.reason {
					t.Fatalf("reason %s; want %s", le.Reason, tt.reason)
				}
				if tt.want == domain.CodeInvalidLogin && le.Message != domain.InvalidLoginMessage {
					t.Fatalf("message %q; want the one wrong-credentials text", le.Message)
				}
				return
			}
			if res.Decision.Reason != tt.reason || res.SessionID == "" {
				t.Fatalf("result %+v", res.Decision)
			}
		})
	}
	// Every attempt is in the history, the unknown name under the name tried.
	ann := w.userRecord(u)
	if n := len(w.history(ann.ID)); n != 7 {
		t.Errorf("history of the user has %d lines; want 7", n)
	}
	evs, err := w.st.History(w.ctx, dynamo.HistoryFilter{Username: "nobody@nowhere.example"})
	if err != nil || len(evs) != 1 || evs[0].Reason != string(policy.ReasonUnknownUser) || evs[0].IP != untrusted.String() {
		t.Errorf("history of the unknown name: %+v, %v", evs, err)
	}
	// Every refusal waited out the failure floor.
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.waits) != 4 {
		t.Errorf("%d refusals waited for the floor; want 4", len(w.waits))
	}
}

func TestProfileRangesAndLoginHours(t *testing.T) {
	hours, err := policy.ParseLoginHours("America/New_York", "mon=08:00-12:00")
	if err != nil {
		t.Fatal(err)
	}
	ranges, _ := policy.ParseIPRanges("203.0.113.0-203.0.113.255")
	w := newWorld(t, policy.Lockout{MaxAttempts: 3, Period: 15 * time.Minute}, "", func(p *domain.Profile) {
		p.LoginIPRanges = ranges
		p.LoginHours = hours
	})
	u, tok := w.user("bo")
	// 15:00 UTC Monday is 10:00 in New York: inside the hours.
	if _, err := w.login(u, password, office); err != nil {
		t.Fatalf("inside a profile range without a token: %v", err)
	}
	if _, err := w.login(u, password+tok, untrusted); code(err) != domain.CodeRestrictedDomain {
		t.Fatalf("outside every profile range: %v; want %s", err, domain.CodeRestrictedDomain)
	}
	w.clock.Advance(3 * time.Hour) // 13:00 in New York
	if _, err := w.login(u, password, office); code(err) != domain.CodeRestrictedTime {
		t.Fatalf("outside login hours: %v; want %s", err, domain.CodeRestrictedTime)
	}
	// Denials of right credentials do not count toward lockout (max 3).
	for i := 0; i < 3; i++ {
		w.login(u, password, office)
	}
	w.clock.Advance(-3 * time.Hour)
	if _, err := w.login(u, password, office); err != nil {
		t.Fatalf("after policy denials the user must not be locked: %v", err)
	}
}

func TestAPIDisabledProfileIsRefused(t *testing.T) {
	w := newWorld(t, policy.DefaultLockout, "", func(p *domain.Profile) { p.APIEnabled = false })
	u, tok := w.user("cy")
	if _, err := w.login(u, password+tok, untrusted); code(err) != domain.CodeAPIDisabled {
		t.Fatalf("login = %v; want %s", err, domain.CodeAPIDisabled)
	}
}

func TestInactiveUserAnswersLikeAWrongPassword(t *testing.T) {
	w := newWorld(t, policy.DefaultLockout, "", nil)
	u, tok := w.user("di")
	if _, err := w.st.SetActive(w.ctx, u, false); err != nil {
		t.Fatal(err)
	}
	_, err := w.login(u, password+tok, untrusted)
	var le *domain.Error
	if !errors.As(err, &le) || le.Code != domain.CodeInvalidLogin || le.Reason != policy.ReasonUserInactive {
		t.Fatalf("login = %v; want INVALID_LOGIN for an inactive user", err)
	}
}

func TestParallelBadAttemptsCountExactlyTheMaximum(t *testing.T) {
	const max, parallel = 5, 40
	w := newWorld(t, policy.Lockout{MaxAttempts: max, Period: 30 * time.Minute}, "", nil)
	u, tok := w.user("eve")
	var wg sync.WaitGroup
	for i := 0; i < parallel; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := w.login(u, "guess-"+tok, untrusted); code(err) != domain.CodeInvalidLogin {
				t.Errorf("parallel bad attempt: %v", err)
			}
		}()
	}
	wg.Wait()
	rec := w.userRecord(u)
	if rec.Lock.Attempts != max {
		t.Fatalf("stored attempts %d; want exactly %d", rec.Lock.Attempts, max)
	}
	checked, locked := 0, 0
	for _, ev := range w.history(rec.ID) {
		switch policy.Reason(ev.Reason) {
		case policy.ReasonInvalidCredentials:
			checked++
		case policy.ReasonUserLocked:
			locked++
		}
	}
	if checked != max || locked != parallel-max {
		t.Fatalf("%d attempts reached the password check and %d were refused as locked; want %d and %d", checked, locked, max, parallel-max)
	}
	// Locked: the right password does not get in, and is not even checked.
	if _, err := w.login(u, password+tok, untrusted); code(err) != domain.CodeInvalidLogin {
		t.Fatalf("locked user with the right password: %v", err)
	}
	// The period runs out: the right password works and resets the count.
	w.clock.Advance(30*time.Minute + time.Second)
	if _, err := w.login(u, password+tok, untrusted); err != nil {
		t.Fatalf("after the lockout period: %v", err)
	}
	if a := w.userRecord(u).Lock.Attempts; a != 0 {
		t.Fatalf("a success must reset the count; it is %d", a)
	}
}

func TestLockoutUntilUnlockedAndAdminUnlock(t *testing.T) {
	w := newWorld(t, policy.Lockout{MaxAttempts: 3}, "", nil)
	u, tok := w.user("fay")
	for i := 0; i < 3; i++ {
		w.login(u, "nope-nope", untrusted)
	}
	w.clock.Advance(24 * time.Hour)
	if _, err := w.login(u, password+tok, untrusted); code(err) != domain.CodeInvalidLogin {
		t.Fatalf("a lock until unlocked must hold a day later: %v", err)
	}
	if err := w.st.Unlock(w.ctx, u); err != nil {
		t.Fatal(err)
	}
	if _, err := w.login(u, password+tok, untrusted); err != nil {
		t.Fatalf("after an admin unlock: %v", err)
	}
}

func TestFailureAfterAnExpiredLockStartsTheCountAgain(t *testing.T) {
	w := newWorld(t, policy.Lockout{MaxAttempts: 3, Period: 15 * time.Minute}, "", nil)
	u, tok := w.user("gus")
	for i := 0; i < 3; i++ {
		w.login(u, "nope-nope", untrusted)
	}
	w.clock.Advance(16 * time.Minute)
	w.login(u, "nope-again", untrusted)
	if a := w.userRecord(u).Lock.Attempts; a != 1 {
		t.Fatalf("first failure after the lock ran out: count %d; want 1", a)
	}
	// Two more failures are allowed before the next lock: the third locks.
	w.login(u, "nope-3", untrusted)
	if _, err := w.login(u, password+tok, untrusted); err != nil {
		t.Fatalf("third attempt with the right password: %v", err)
	}
}

func TestMissingTokenCountsTowardLockout(t *testing.T) {
	w := newWorld(t, policy.Lockout{MaxAttempts: 3, Period: 15 * time.Minute}, "", nil)
	u, tok := w.user("hal")
	for i := 0; i < 3; i++ {
		if _, err := w.login(u, password, untrusted); code(err) != domain.CodeMustUseSecurityToken {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	if _, err := w.login(u, password+tok, untrusted); code(err) != domain.CodeInvalidLogin {
		t.Fatalf("after three missing tokens the user is locked: %v", err)
	}
}

func TestLogoutEndsTheSession(t *testing.T) {
	w := newWorld(t, policy.DefaultLockout, "", nil)
	u, tok := w.user("ida")
	res, err := w.login(u, password+tok, untrusted)
	if err != nil {
		t.Fatal(err)
	}
	got, err := w.st.Session(w.ctx, secret.Digest(secret.PurposeSession, res.SessionID), w.clock.Now())
	if err != nil || got.UserID != res.User.ID || got.Level != string(policy.LevelStandard) {
		t.Fatalf("stored session %+v, %v", got, err)
	}
	if err := w.svc.Logout(w.ctx, res.SessionID, policy.ChannelAPI); err != nil {
		t.Fatal(err)
	}
	if err := w.svc.Logout(w.ctx, res.SessionID, policy.ChannelAPI); code(err) != domain.CodeInvalidSession {
		t.Fatalf("second logout: %v; want %s", err, domain.CodeInvalidSession)
	}
	if err := w.svc.Logout(w.ctx, "00D000000000001!nonsense", policy.ChannelAPI); code(err) != domain.CodeInvalidSession {
		t.Fatalf("made-up session: %v", err)
	}
}

func TestExpiredSessionIsInvalidBeforeTTLRemovesIt(t *testing.T) {
	w := newWorld(t, policy.DefaultLockout, "", nil)
	u, tok := w.user("jo")
	res, err := w.login(u, password+tok, untrusted)
	if err != nil {
		t.Fatal(err)
	}
	w.clock.Advance(2*time.Hour + time.Second)
	if _, err := w.st.Session(w.ctx, secret.Digest(secret.PurposeSession, res.SessionID), w.clock.Now()); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("expired session read: %v; want not found", err)
	}
	if err := w.svc.Logout(w.ctx, res.SessionID, policy.ChannelAPI); code(err) != domain.CodeInvalidSession {
		t.Fatalf("logout of an expired session: %v", err)
	}
}

func TestDynamoDBCallsPerLogin(t *testing.T) {
	w := newWorld(t, policy.DefaultLockout, "", nil)
	u, tok := w.user("kim")
	count := func(sec string) int64 {
		before := w.calls.Load()
		w.login(u, sec, untrusted)
		return w.calls.Load() - before
	}
	if n := count(password + tok); n != 3 {
		t.Errorf("a successful login made %d DynamoDB calls; want 3 (reserve+read, reset, session+history in one batch)", n)
	}
	if n := count("wrong-wrong"); n != 2 {
		t.Errorf("a failed login made %d DynamoDB calls; want 2 (reserve+read, history)", n)
	}
}

func TestStoredSecretsAreDigestsOnly(t *testing.T) {
	w := newWorld(t, policy.DefaultLockout, "", nil)
	u, tok := w.user("lu")
	res, err := w.login(u, password+tok, untrusted)
	if err != nil {
		t.Fatal(err)
	}
	rec := w.userRecord(u)
	if rec.TokenHash == tok || len(rec.TokenHash) != 64 {
		t.Fatal("the token must be stored as its digest")
	}
	if _, err := w.st.Session(w.ctx, res.SessionID, w.clock.Now()); !errors.Is(err, domain.ErrNotFound) {
		t.Fatal("a session must not be found under its clear id")
	}
}

func TestATokenResetIsHonouredAtOnceByAWarmInstance(t *testing.T) {
	w := newWorld(t, policy.DefaultLockout, "", nil)
	u, oldTok := w.user("max")
	// The first login teaches the instance the user's hash and token digest.
	if _, err := w.login(u, password+oldTok, untrusted); err != nil {
		t.Fatal(err)
	}
	newTok, _ := secret.NewToken(rand.Reader)
	if err := w.st.SetTokenHash(w.ctx, u, secret.Digest(secret.PurposeToken, newTok)); err != nil {
		t.Fatal(err)
	}
	if _, err := w.login(u, password+oldTok, untrusted); code(err) != domain.CodeInvalidLogin {
		t.Fatalf("the old token after a reset: %v; want INVALID_LOGIN", err)
	}
	if _, err := w.login(u, password+newTok, untrusted); err != nil {
		t.Fatalf("the new token: %v", err)
	}
	// And the other way round: the early check said no, the stored data says yes.
	if err := w.st.SetTokenHash(w.ctx, u, secret.Digest(secret.PurposeToken, oldTok)); err != nil {
		t.Fatal(err)
	}
	if _, err := w.login(u, password+oldTok, untrusted); err != nil {
		t.Fatalf("the token set back: %v", err)
	}
}

func TestSessionChecks(t *testing.T) {
	hours, _ := policy.ParseLoginHours("America/New_York", "mon=08:00-11:00")
	w := newWorld(t, policy.DefaultLockout, "", func(p *domain.Profile) { p.LoginHours = hours })
	// Lock sessions to their IP, with a one-hour idle timeout.
	w.org.LockSessionsToIP, w.org.SessionTimeout = true, time.Hour
	w.org.HighAssurance = map[string]policy.Action{"reports": policy.ActionRaise}
	if _, err := w.st.UpdateOrg(w.ctx, w.org); err != nil {
		t.Fatal(err)
	}
	u, tok := w.user("nia")
	res, err := w.login(u, password+tok, untrusted) // Monday 10:00 in New York
	if err != nil {
		t.Fatal(err)
	}
	reads := func(use login.Use) (policy.SessionDecision, error, int64) {
		before := w.calls.Load()
		_, d, err := w.svc.CheckSession(w.ctx, res.SessionID, use)
		return d, err, w.calls.Load() - before
	}
	if d, err, n := reads(login.Use{Channel: policy.ChannelAPI, IP: untrusted, SafeMethod: true}); err != nil || !d.Allowed || n != 1 {
		t.Fatalf("fresh session: %+v %v, %d calls; want allowed in one read", d, err, n)
	}
	if _, err, _ := reads(login.Use{Channel: policy.ChannelAPI, IP: office, SafeMethod: true}); code(err) != domain.CodeInvalidSession {
		t.Fatalf("another IP with the IP lock: %v", err)
	}
	w.clock.Advance(40 * time.Minute) // past half the timeout: activity is written
	if d, err, n := reads(login.Use{Channel: policy.ChannelAPI, IP: untrusted, SafeMethod: false}); err != nil || !d.Touch || n != 2 {
		t.Fatalf("after 40 idle minutes: %+v %v, %d calls; want a read and an activity write", d, err, n)
	}
	w.clock.Advance(50 * time.Minute) // 11:30 in New York: after hours; 50 minutes after the write
	if d, err, _ := reads(login.Use{Channel: policy.ChannelAPI, IP: untrusted, SafeMethod: true}); err != nil || !d.ReadOnly {
		t.Fatalf("after login hours a read: %+v %v; want allowed, read-only", d, err)
	}
	var denied *domain.Error
	if _, err, _ := reads(login.Use{Channel: policy.ChannelAPI, IP: untrusted, SafeMethod: false}); !errors.As(err, &denied) || denied.Code != domain.CodeSessionDenied || denied.Session.Reason != policy.ReasonReadOnlyAfterHours {
		t.Fatalf("after login hours an action: %v; want denied", err)
	}
	if _, err, _ := reads(login.Use{Channel: policy.ChannelAPI, IP: untrusted, SafeMethod: true, Resource: "reports"}); !errors.As(err, &denied) || denied.Code != domain.CodeSessionDenied || denied.Session.Reason != policy.ReasonRaiseSessionLevel {
		t.Fatalf("a High Assurance resource with a Standard session: %v; want raise", err)
	}
	w.clock.Advance(61 * time.Minute) // idle past the timeout since the last write
	if _, err, _ := reads(login.Use{Channel: policy.ChannelAPI, IP: untrusted, SafeMethod: true}); code(err) != domain.CodeInvalidSession {
		t.Fatalf("idle past the timeout: %v; want INVALID_SESSION_ID", err)
	}
}

// totpUser makes a user of a profile with "two-factor for API logins" and a
// registered TOTP key; it returns the user name, token and key.
func totpWorld(t *testing.T, lo policy.Lockout) (*world, string, string, string) {
	t.Helper()
	w := newWorld(t, lo, "", func(p *domain.Profile) { p.TwoFactorAPI = true })
	sealer := testenv.Keyring(t, w.st)
	w.svc.Sealer = sealer
	u, tok := w.user("tia")
	rec := w.userRecord(u)
	k, _ := secret.NewTOTPKey("loginguard", u, rand.Reader)
	sealed, err := sealer.Seal(w.ctx, k.Secret(), rec.ID, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.st.SetTOTPKey(w.ctx, u, sealed); err != nil {
		t.Fatal(err)
	}
	return w, u, tok, k.Secret()
}

func totpCode(t *testing.T, key string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(key, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestTOTPForAPILogins(t *testing.T) {
	w, u, tok, key := totpWorld(t, policy.DefaultLockout)
	res, err := w.login(u, password+totpCode(t, key, w.clock.Now()), untrusted)
	if err != nil || res.Session.Level != string(policy.LevelHighAssurance) || res.Decision.Via != policy.ViaTOTP {
		t.Fatalf("password + current code: %+v %v; want a High Assurance session", res.Decision, err)
	}
	if _, err := w.login(u, password+totpCode(t, key, w.clock.Now()), untrusted); code(err) != domain.CodeInvalidLogin {
		t.Fatalf("the same code again: %v; want INVALID_LOGIN (codes are single-use)", err)
	}
	if _, err := w.login(u, password+tok, untrusted); code(err) != domain.CodeInvalidLogin {
		t.Fatalf("the security token for a TOTP user: %v; want refused", err)
	}
	if _, err := w.login(u, password, untrusted); code(err) != domain.CodeInvalidLogin {
		t.Fatalf("no code: %v; want refused", err)
	}
	w.clock.Advance(30 * time.Second)
	if _, err := w.login(u, password+totpCode(t, key, w.clock.Now()), untrusted); err != nil {
		t.Fatalf("the next step's code: %v", err)
	}
	evs := w.history(w.userRecord(u).ID)
	reasons := map[string]int{}
	for _, e := range evs {
		reasons[e.Reason]++
	}
	if reasons[string(policy.ReasonTOTPReused)] != 1 || reasons[string(policy.ReasonTwoFactorRequired)] != 1 {
		t.Fatalf("history reasons %v", reasons)
	}
}

func TestTOTPReplayInParallelLetsOneIn(t *testing.T) {
	w, u, _, key := totpWorld(t, policy.Lockout{})
	c := totpCode(t, key, w.clock.Now())
	var ok atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := w.login(u, password+c, untrusted); err == nil {
				ok.Add(1)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 1 {
		t.Fatalf("%d parallel logins with one code got in; want exactly 1", ok.Load())
	}
}

func TestWrongTOTPCodesCountTowardLockout(t *testing.T) {
	w, u, _, key := totpWorld(t, policy.Lockout{MaxAttempts: 3, Period: 15 * time.Minute})
	for i := 0; i < 3; i++ {
		w.login(u, password+"000000", untrusted)
	}
	if _, err := w.login(u, password+totpCode(t, key, w.clock.Now()), untrusted); code(err) != domain.CodeInvalidLogin {
		t.Fatalf("after 3 wrong codes the user is locked: %v", err)
	}
	if a := w.userRecord(u).Lock.Attempts; a != 3 {
		t.Fatalf("attempts %d; want 3", a)
	}
}

func TestHighAssuranceRequiredAtLogin(t *testing.T) {
	w, u, tok, key := totpWorld(t, policy.DefaultLockout)
	w.prof.RequireHighAssurance = true
	w.prof.TwoFactorAPI = false
	p, err := w.st.UpdateProfile(w.ctx, w.prof)
	if err != nil {
		t.Fatal(err)
	}
	w.prof = p
	var le *domain.Error
	if _, err := w.login(u, password+tok, untrusted); !errors.As(err, &le) || le.Code != domain.CodeHighAssuranceLogin {
		t.Fatalf("a password login: %v; want %s", err, domain.CodeHighAssuranceLogin)
	}
	// With two-factor for API logins, a TOTP login is High Assurance.
	w.prof.TwoFactorAPI = true
	if w.prof, err = w.st.UpdateProfile(w.ctx, w.prof); err != nil {
		t.Fatal(err)
	}
	if res, err := w.login(u, password+totpCode(t, key, w.clock.Now()), untrusted); err != nil || res.Session.Level != string(policy.LevelHighAssurance) {
		t.Fatalf("a TOTP login: %v", err)
	}
	// The org rates two-factor Standard: nobody of this profile can log in.
	w.org.Levels = map[policy.Method]policy.Level{policy.MethodTOTP: policy.LevelStandard}
	o, _ := w.st.Org(w.ctx, w.org.ID)
	o.Levels = w.org.Levels
	if _, err := w.st.UpdateOrg(w.ctx, o); err != nil {
		t.Fatal(err)
	}
	w.clock.Advance(30 * time.Second)
	if _, err := w.login(u, password+totpCode(t, key, w.clock.Now()), untrusted); !errors.As(err, &le) || le.Code != domain.CodeHighAssuranceLogin {
		t.Fatalf("a TOTP login rated Standard: %v; want %s", err, domain.CodeHighAssuranceLogin)
	}
	if a := w.userRecord(u).Lock.Attempts; a != 0 {
		t.Fatalf("right credentials refused by the level must not count: attempts %d", a)
	}
}

func TestAGiveBackNeverErasesAFailureAfterAReset(t *testing.T) {
	w := newWorld(t, policy.DefaultLockout, "", nil)
	name, _ := w.user("lea")
	now := w.clock.Now()
	denied, err := w.st.BeginAttempt(w.ctx, name, now, domain.Place{}) // right credentials, later denied by policy
	if err != nil {
		t.Fatal(err)
	}
	if err := w.st.Succeed(w.ctx, denied, now, "", 0); err != nil { // a parallel login succeeds: the count restarts
		t.Fatal(err)
	}
	if _, err := w.st.BeginAttempt(w.ctx, name, now, domain.Place{}); err != nil { // a failure races in after the reset
		t.Fatal(err)
	}
	if err := w.st.ReleaseAttempt(w.ctx, denied); err != nil {
		t.Fatal(err)
	}
	if got := w.userRecord(name).Lock.Attempts; got != 1 {
		t.Fatalf("attempts %d after a stale give-back; want 1: the failure after the reset must stay counted", got)
	}
	// Within one count, a give-back takes back its own slot.
	mine, _ := w.st.BeginAttempt(w.ctx, name, now, domain.Place{})
	if err := w.st.ReleaseAttempt(w.ctx, mine); err != nil {
		t.Fatal(err)
	}
	if got := w.userRecord(name).Lock.Attempts; got != 1 {
		t.Fatalf("attempts %d; want 1", got)
	}
}

// endsFirst is the store with a deactivation (or password reset) landing
// between a login's reservation and its last write.
type endsFirst struct{ *dynamo.Store }

func (e endsFirst) Succeed(ctx context.Context, u domain.User, now time.Time, newHash string, step int64) error {
	if _, err := e.Store.SetActive(ctx, u.Username, false); err != nil {
		return err
	}
	return e.Store.Succeed(ctx, u, now, newHash, step)
}

// A login under way when the user's sessions are ended opens none: its
// last write is conditioned on the session generation it reserved under.
func TestALoginRacingTheEndOfItsUsersSessionsOpensNone(t *testing.T) {
	w := newWorld(t, policy.DefaultLockout, "", nil)
	name, tok := w.user("racer")
	svc := &login.Service{Store: endsFirst{w.st}, Rand: rand.Reader, Now: w.clock.Now, Params: fastParams, FailureFloor: time.Millisecond}
	_, err := svc.Login(w.ctx, login.Attempt{Username: name, Secret: password + tok, IP: untrusted, Type: "SOAP", Client: "test"})
	le := domain.AsError(err)
	if le.Code != domain.CodeInvalidLogin || le.Reason != policy.ReasonSessionsEnded {
		t.Fatalf("login = %v (%s); want INVALID_LOGIN for %s", err, le.Reason, policy.ReasonSessionsEnded)
	}
	u := w.userRecord(name)
	if live, err := w.st.SessionsOf(w.ctx, u.OrgID, u.ID, w.clock.Now()); err != nil || len(live) != 0 {
		t.Fatalf("live sessions after: %d, %v; want none", len(live), err)
	}
	refused := false
	for _, ev := range w.history(u.ID) {
		refused = refused || ev.Reason == string(policy.ReasonSessionsEnded) && !ev.Allowed
	}
	if !refused {
		t.Fatalf("history: %+v; want the refusal in it", w.history(u.ID))
	}
}
