package login

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	"loginguard/shared/domain"
	"loginguard/shared/policy"
	"loginguard/shared/secret"
)

// Store is what a login needs of storage.
type Store interface {
	BeginAttempt(ctx context.Context, username string, now time.Time, at domain.Place) (domain.User, error)
	Succeed(ctx context.Context, u domain.User, now time.Time, newHash string, totpStep int64) error
	SetAttempts(ctx context.Context, u domain.User, to int) error
	ReleaseAttempt(ctx context.Context, u domain.User) error
	OpenSession(ctx context.Context, s domain.Session, ev domain.LoginEvent) error
	Record(ctx context.Context, ev domain.LoginEvent) error
	Session(ctx context.Context, idHash string, now time.Time) (domain.Session, error)
	EndSession(ctx context.Context, idHash string, loginTypes []string, now time.Time) error
	TouchSession(ctx context.Context, s domain.Session, now time.Time) error
}

// Sealer seals and opens users' TOTP keys (keyring.Ring: data keys under
// KMS). Open fails with secret.ErrUnseal when the value itself does not
// open; any other error is ours (KMS or DynamoDB unreachable).
type Sealer interface {
	Seal(ctx context.Context, plain, owner string, r io.Reader) (string, error)
	Open(ctx context.Context, sealed, owner string) (string, error)
}

// Service runs logins. Build it once per process.
type Service struct {
	Store  Store
	Rand   io.Reader        // crypto/rand.Reader in production
	Now    func() time.Time // time.Now in production
	Params secret.Params    // password hash parameters new hashes get
	// FailureFloor is the least time any refused login takes, measured from
	// its start: every refusal then answers alike in time whichever check
	// failed (unknown user, locked, wrong password, wrong token).
	// It is adaptive (gate.go, Floor) below FailureFloor, its ceiling,
	// unless FixedFloor.
	FailureFloor time.Duration
	FixedFloor   bool
	Sleep        func(context.Context, time.Duration) // waits out the floor; a context-aware sleep by default
	Log          *slog.Logger                         // warnings that do not fail a login; may be nil
	// Sealer opens users' TOTP keys; nil when none is configured (then a
	// user who must log in with a TOTP code cannot).
	Sealer Sealer
	// Sources counts failed logins per source for Throttle (throttle.go);
	// nil, or a Throttle that is not On, throttles nothing.
	Sources  SourceStore
	Throttle policy.SourceThrottle

	known     secretCache
	throttled sourceMarks // sources past the throttle's limit
	vouched   sourceMarks // sources with a success in this window
	floor     floorStats
}

// secretCache keeps, per user name, the password hash and token digest this
// instance last read, so the next login of that user can start its password
// hash while the attempt is being reserved, instead of after. A result is
// only used when the reservation succeeded and returned the same hash and
// digest; otherwise it is thrown away and the check runs on what was read.
// Hashes and digests are what DynamoDB holds anyway; no clear secret is kept.
type secretCache struct {
	mu sync.Mutex
	m  map[string]secretPair
}

type secretPair struct {
	id, passwordHash, tokenHash, totpSealed string
	twoFactor                               bool
}

func pairOf(u domain.User) secretPair {
	return secretPair{u.ID, u.PasswordHash, u.TokenHash, u.TOTPSealed, u.Policy.TwoFactorAPI}
}

func (p secretPair) user() domain.User {
	u := domain.User{ID: p.id, PasswordHash: p.passwordHash, TokenHash: p.tokenHash, TOTPSealed: p.totpSealed}
	u.Policy.TwoFactorAPI = p.twoFactor
	return u
}

// maxCached bounds the cache: past it, it starts over (a warm instance
// serves the same integration users again and again).
const maxCached = 10000

func (c *secretCache) get(key string) (secretPair, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.m[key]
	return p, ok
}

func (c *secretCache) put(key string, u domain.User) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCached {
		c.m = map[string]secretPair{}
	}
	c.m[key] = pairOf(u)
}

func (c *secretCache) drop(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, key)
}

// earlyCheck is a login's password check started before the reservation,
// when this instance knows the user's hash (secretCache): it runs while the
// attempt is reserved, and counts only if the reservation returns the very
// secrets it checked against.
type earlyCheck struct {
	s           *Service
	ctx         context.Context
	key, secret string
	now         time.Time
	ch          chan checked // nil: nothing was known, nothing started
}

func (s *Service) checkEarly(ctx context.Context, username, sec string, now time.Time, early bool) *earlyCheck {
	e := &earlyCheck{s: s, ctx: ctx, key: domain.NormalizeUsername(username), secret: sec, now: now}
	if pair, ok := s.known.get(e.key); ok && early {
		e.ch = make(chan checked, 1)
		go func() {
			creds, step, rehash, err := s.checkSecret(ctx, pair.user(), sec, now)
			e.ch <- checked{pair, creds, step, rehash, err}
		}()
	}
	return e
}

// spend is what a refused reservation costs: the early check, waited for
// and thrown away, or one check's cost spent now.
func (e *earlyCheck) spend() {
	if e.ch != nil {
		<-e.ch
		return
	}
	secret.SpendPasswordCheck(e.secret)
}

// result is the check of the secret against u, the reserved user: the early
// one when it was of u's very secrets, else one run now on what was read.
func (e *earlyCheck) result(u domain.User) checked {
	e.s.known.put(e.key, u)
	if e.ch != nil {
		if c := <-e.ch; c.pair == pairOf(u) {
			return c
		}
	}
	c := checked{pair: pairOf(u)}
	c.creds, c.totpStep, c.rehash, c.err = e.s.checkSecret(e.ctx, u, e.secret, e.now)
	return c
}

type checked struct {
	pair     secretPair
	creds    policy.Credentials
	totpStep int64
	rehash   string
	err      error
}

// Attempt is one login request.
type Attempt struct {
	Username   string
	Secret     string // password, with the security token appended where needed
	IP         netip.Addr
	Type       string // SOAP, REST, UI
	Client     string // user agent
	APIVersion string
	App        domain.ConnectedApp // the OAuth client logged in through (zero for SOAP and the pages)
	// Persistent: a browser login that asked to be remembered until logout,
	// into an org that offers it (Browser decides; API logins never are).
	Persistent bool
	// TOTPPassed: a TOTP code was passed, and its step spent, at an earlier
	// step of this browser login (before an expired password's forced
	// change): the session's level is two-factor's.
	TOTPPassed bool
}

// Result is a successful login.
type Result struct {
	SessionID string // the only place the clear session id exists; never log it
	Session   domain.Session
	User      domain.User
	Decision  policy.Decision
}

// MaxUsernameLen bounds the user name (Salesforce's limit is 80).
const MaxUsernameLen = 80

// Login runs one API login attempt. Errors are *domain.Error.
func (s *Service) Login(ctx context.Context, a Attempt) (Result, error) {
	return floored(ctx, s, func(now time.Time) (Result, error) { return s.login(ctx, a, now) })
}

// login reads as its four steps: reserve an attempt, check the secret,
// decide, open the session.
func (s *Service) login(ctx context.Context, a Attempt, now time.Time) (Result, error) {
	if err := s.admit(ctx, a.Username, a.IP); err != nil {
		return Result{}, err
	}
	ev := domain.LoginEvent{
		At: now, Username: a.Username, IP: a.IP.String(), LoginType: a.Type,
		Client: a.Client, APIVersion: a.APIVersion,
	}
	probe := s.probe(ctx, a.IP, now)
	// A source whose count is being read gets no early check: its hash
	// waits for the count.
	check := s.checkEarly(ctx, a.Username, a.Secret, now, probe == nil)
	u, err := s.reserve(ctx, a.Username, now, domain.Place{IP: a.IP, Source: policy.SourceKey(a.IP)}, &ev, check.spend, probe)
	if err != nil {
		return Result{}, err
	}
	c := check.result(u)
	if c.err != nil {
		// No verdict on the credentials: the attempt does not count.
		return Result{}, internal(errors.Join(c.err, settle(ctx, s.Store, u, false)))
	}
	pol := u.Policy
	x := policy.Facts{Credentials: c.creds, HasTOTPKey: u.TOTPSealed != "", CanSetPassword: a.Type == policy.LoginSOAP,
		PasswordSetAt: u.PasswordSetAt()}
	rules := pol.LoginSettings()
	d := policy.DecideAPILogin(x.ForAPI(now, a.IP, rules))
	ev.Reason, ev.Via, ev.Allowed = string(d.Reason), string(d.Via), d.Allowed
	ev.Grounds = policy.GroundsOf(u.ProfileID, x, now, a.IP, rules, d.Trace)
	ev.Grounds.Lock = lockRead(u, d.Allowed, d.CountsAsFailure)
	if !d.Allowed {
		// The reservation counted this attempt as a failure already; set
		// right what it got wrong.
		s.failedAt(ctx, a.IP, d.Reason, &pol)
		return Result{}, s.refuse(ctx, ev, d.Reason, settle(ctx, s.Store, u, d.CountsAsFailure))
	}
	return s.open(ctx, u, a, d, ev, c.rehash, c.totpStep)
}

// checkSecret finds what the secret holds: the password alone, the password
// followed by the security token, or (for a user who must use two-factor for
// API logins) the password followed by a current TOTP code, whose time step
// it returns. The token and the code are cheap to check, so exactly one
// password hash is checked either way.
func (s *Service) checkSecret(ctx context.Context, u domain.User, sec string, now time.Time) (policy.Credentials, int64, string, error) {
	password, with := sec, policy.PasswordOnly
	var step int64
	if u.Policy.TwoFactorAPI && u.TOTPSealed != "" {
		// Only a code will do; a security token is not even looked at.
		if n := len(sec) - secret.TOTPDigits; n > 0 && allDigits(sec[n:]) && s.Sealer != nil {
			key, err := s.Sealer.Open(ctx, u.TOTPSealed, u.ID)
			if err != nil && !errors.Is(err, secret.ErrUnseal) {
				return policy.CredentialsInvalid, 0, "", err
			}
			if err == nil {
				if st, ok := secret.MatchTOTP(key, sec[n:], now, u.TOTPLastStep); ok {
					password, with, step = sec[:n], policy.PasswordAndTOTP, st
				}
			}
		}
	} else if n := len(sec) - secret.TokenLen; n > 0 && u.TokenHash != "" &&
		secret.MatchDigest(secret.PurposeToken, sec[n:], u.TokenHash) {
		password, with = sec[:n], policy.PasswordAndToken
	}
	ok, weak, err := secret.VerifyPassword(password, u.PasswordHash, s.Params)
	if err != nil || !ok {
		return policy.CredentialsInvalid, 0, "", err
	}
	var newHash string
	if weak {
		if newHash, err = secret.HashPassword(password, s.Params, s.Rand); err != nil {
			newHash = "" // keep the old hash; upgrading can wait for the next login
		}
	}
	return with, step, newHash, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// refuse records a refused attempt and returns its public error. A failure
// to record is reported as what it is: history must not silently lose lines.
func (s *Service) refuse(ctx context.Context, ev domain.LoginEvent, r policy.Reason, fixErr error) error {
	ev.Reason, ev.Allowed = string(r), false
	if err := errors.Join(fixErr, s.Store.Record(ctx, ev)); err != nil {
		return internal(err)
	}
	return denied(r)
}

func (s *Service) open(ctx context.Context, u domain.User, a Attempt, d policy.Decision, ev domain.LoginEvent, newHash string, totpStep int64) (Result, error) {
	id, err := secret.NewSessionID(u.OrgID, s.Rand)
	if err != nil {
		return Result{}, internal(err)
	}
	now := ev.At
	method := policy.MethodPassword
	if totpStep > 0 || a.TOTPPassed {
		method = policy.MethodTOTP
	}
	sess := NewSession(u, id, a, policy.LevelOf(method, u.Policy.Levels), now)
	sess.PasswordExpired = d.PasswordExpired
	res := Result{SessionID: id, Session: sess, User: u, Decision: d}
	if totpStep > 0 {
		// The code is spent by the same conditional write that resets the
		// count, before any session exists: of two logins racing with one
		// code, one wins. One more round trip, for TOTP logins only.
		err := s.Store.Succeed(ctx, u, now, newHash, totpStep)
		if errors.Is(err, domain.ErrReplay) {
			ev.Via = ""
			s.failedAt(ctx, a.IP, policy.ReasonTOTPReused, &u.Policy)
			return Result{}, s.refuse(ctx, ev, policy.ReasonTOTPReused, nil)
		}
		if errors.Is(err, domain.ErrSessionsEnded) {
			ev.Via = ""
			return Result{}, s.refuse(ctx, ev, policy.ReasonSessionsEnded, nil)
		}
		if err != nil {
			return Result{}, internal(err)
		}
		if err := s.Store.OpenSession(ctx, sess, ev); err != nil {
			return Result{}, internal(err)
		}
		s.vouch(a.IP, now)
		return res, nil
	}
	// The counter reset and the session (with its history line) are separate
	// items: write them side by side so the login waits for one round trip.
	var wg sync.WaitGroup
	var resetErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		resetErr = s.Store.Succeed(ctx, u, now, newHash, 0)
	}()
	openErr := s.Store.OpenSession(ctx, sess, ev)
	wg.Wait()
	if errors.Is(resetErr, domain.ErrSessionsEnded) {
		// The user's sessions were ended while this login ran (its history
		// line already says SUCCESS: the refusal follows it). The session
		// is ended before anyone learns its id.
		if err := s.Store.EndSession(ctx, sess.IDHash, []string{sess.LoginType}, now); err != nil && !errors.Is(err, domain.ErrNotFound) {
			return Result{}, internal(err)
		}
		ev.Via, ev.At = "", s.Now()
		return Result{}, s.refuse(ctx, ev, policy.ReasonSessionsEnded, nil)
	}
	if openErr != nil {
		return Result{}, internal(openErr)
	}
	if resetErr != nil && s.Log != nil {
		// The session exists; the count stays higher than it should until
		// the next success. That errs on the safe side, so the login stands.
		s.Log.WarnContext(ctx, "login attempt counter not reset", "user_id", u.ID, "error", resetErr.Error())
	}
	s.vouch(a.IP, now)
	return res, nil
}

// NewSession is the session with id that a login a of u opens at now, at
// level: the settings of u's org and profile every later check of it reads
// (idle timeout, IP lock, login hours, the resources' levels), and where it
// came from. Every login opens its session with it, the token endpoint's
// grants too.
func NewSession(u domain.User, id string, a Attempt, level policy.Level, now time.Time) domain.Session {
	timeout := u.Policy.SessionTimeout
	if timeout <= 0 {
		timeout = policy.DefaultSessionTimeout
	}
	return domain.Session{
		IDHash: secret.Digest(secret.PurposeSession, id), UserID: u.ID, OrgID: u.OrgID, Username: u.Username,
		IP: a.IP.String(), Level: string(level), LoginType: a.Type, Timeout: timeout, Persistent: a.Persistent,
		LockIP: u.Policy.LockSessionsToIP, Hours: u.Policy.LoginHours, HighAssurance: u.Policy.HighAssurance, CreatedAt: now, LastSeenAt: now,
		ProfileID: u.ProfileID, ClientID: a.App.ClientID, AppName: a.App.Name, Client: a.Client, Gen: u.SessionGen,
	}
}

// Logout ends the session with the given id, presented on channel ch: a
// session of another channel is not ended (one conditional delete, no read).
// ErrInvalidSession when there is none such.
func (s *Service) Logout(ctx context.Context, sessionID string, ch policy.Channel) error {
	types := policy.LoginTypesOf(ch)
	if sessionID == "" || len(sessionID) > 256 || len(types) == 0 {
		return ErrInvalidSession
	}
	err := s.Store.EndSession(ctx, secret.Digest(secret.PurposeSession, sessionID), types, s.Now())
	if errors.Is(err, domain.ErrNotFound) {
		return ErrInvalidSession
	}
	if err != nil {
		return internal(err)
	}
	return nil
}

// Use is one request made with a session.
type Use struct {
	Channel    policy.Channel // where the session is presented; it must be the one its login allows
	IP         netip.Addr
	SafeMethod bool   // GET, HEAD, OPTIONS
	Resource   string // the protected resource asked for, "" for none; its policy is the org's
	// SettingPassword: the use sets the session user's password (SOAP's
	// setPassword), the one use a session opened on an expired password has.
	SettingPassword bool
}

// CheckSession reads the session with the given id and applies the session
// checks of the policy for one use. One read in the common case; activity is
// written only once half the idle timeout has passed. Errors:
// ErrInvalidSession (unknown, ended, expired, presented on a channel its
// login does not allow, or from another IP when sessions are locked to theirs), a *domain.Error with code
// CodeSessionDenied (its Session says why), or an internal one.
func (s *Service) CheckSession(ctx context.Context, sessionID string, use Use) (domain.Session, policy.SessionDecision, error) {
	if sessionID == "" || len(sessionID) > 256 {
		return domain.Session{}, policy.SessionDecision{}, ErrInvalidSession
	}
	now := s.Now()
	sess, err := s.Store.Session(ctx, secret.Digest(secret.PurposeSession, sessionID), now)
	if errors.Is(err, domain.ErrNotFound) {
		return domain.Session{}, policy.SessionDecision{}, ErrInvalidSession
	}
	if err != nil {
		return domain.Session{}, policy.SessionDecision{}, internal(err)
	}
	startIP, _ := netip.ParseAddr(sess.IP)
	d := policy.CheckSession(policy.SessionCheck{
		LoginType: sess.LoginType, Channel: use.Channel, Now: now, LastSeenAt: sess.LastSeenAt, Timeout: sess.Timeout, LockIP: sess.LockIP, StartIP: startIP, IP: use.IP,
		Hours: sess.Hours, SafeMethod: use.SafeMethod, Level: policy.Level(sess.Level), Required: sess.HighAssurance[use.Resource],
		PasswordExpired: sess.PasswordExpired, SettingPassword: use.SettingPassword,
	})
	switch {
	case d.Reason == policy.ReasonSessionExpired || d.Reason == policy.ReasonSessionIPChanged || d.Reason == policy.ReasonSessionWrongPlace:
		// A session of another channel answers as no session at all: the
		// holder learns nothing about it.
		return domain.Session{}, d, ErrInvalidSession
	case d.Reason == policy.ReasonSessionPasswordExpired:
		return sess, d, ErrPasswordExpiredSession
	case !d.Allowed:
		return sess, d, sessionDenied(d)
	}
	if d.Touch {
		if err := s.Store.TouchSession(ctx, sess, now); err != nil && s.Log != nil {
			s.Log.WarnContext(ctx, "session activity not recorded", "error", err.Error())
		}
	}
	return sess, d, nil
}

// Refresh checks a session for one use and records activity on it now,
// whatever the half-timeout rule says: the "Continue" of the browser's
// idle-timeout prompt. It returns the session as it now stands.
func (s *Service) Refresh(ctx context.Context, sessionID string, use Use) (domain.Session, error) {
	sess, d, err := s.CheckSession(ctx, sessionID, use)
	if err != nil {
		return domain.Session{}, err
	}
	now := s.Now()
	if !d.Touch {
		if err := s.Store.TouchSession(ctx, sess, now); err != nil {
			return domain.Session{}, internal(err)
		}
	}
	sess.LastSeenAt = now
	return sess, nil
}
