package login

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"time"

	"loginguard/shared/domain"
	"loginguard/shared/mail"
	"loginguard/shared/policy"
	"loginguard/shared/secret"
)

// BrowserStore is what a browser login needs of storage beyond Store.
type BrowserStore interface {
	Store
	PutChallenge(ctx context.Context, c domain.LoginChallenge) error
	Challenge(ctx context.Context, idHash string, now time.Time) (domain.LoginChallenge, error)
	TakeTry(ctx context.Context, c domain.LoginChallenge, max int, now time.Time) (int, error)
	EndChallenge(ctx context.Context, c domain.LoginChallenge, answered bool, now time.Time) error
	AddDevice(ctx context.Context, u domain.User, digest string, d domain.Device) error
	EnrolTOTPKey(ctx context.Context, username, sealed string) error
	RaiseSession(ctx context.Context, idHash, level string, now time.Time) error
}

// Browser runs logins from the login page: the password, then maybe a
// verification code by email or a TOTP code, each step its own request.
type Browser struct {
	*Service
	Store  BrowserStore
	Mailer mail.Mailer // sends verification codes; nil when no sender is configured
	Issuer string      // the name authenticator apps show beside a TOTP key
}

// Challenge timing and tries.
const (
	ChallengeTTL = 10 * time.Minute // a code, emailed or TOTP, must be entered within it
	MaxCodeTries = 3                // wrong answers to one challenge before it ends
)

// ErrChallengeGone: the challenge is unknown, expired, used up or answered.
var ErrChallengeGone = denied(policy.ReasonChallengeExpired)

// errCodeNotSent: the verification code could not be mailed just now.
var errCodeNotSent = &domain.Error{Code: domain.CodeCodeNotSent, Reason: policy.ReasonCodeSent,
	Message: "We couldn't send your verification code just now. Try again in a few minutes."}

// BrowserStart is the login form.
type BrowserStart struct {
	Username, Password string
	Device             string // the activation cookie, "" for none
	IP                 netip.Addr
	Client             string
}

// BrowserAnswer is a code typed on the verification or TOTP page.
type BrowserAnswer struct {
	ChallengeID string // from the challenge cookie
	Code        string
	Device      string
	IP          netip.Addr
	Client      string
}

// BrowserOutcome is a step's result: a session, or a challenge to pass.
type BrowserOutcome struct {
	Result *Result // the login is done
	// Device, when set, is the activation cookie to (re)set on the browser.
	Device string
	// NoLoginPageCaching: the user's org turned off caching and autocomplete on
	// the login page.
	NoLoginPageCaching bool
	// ChallengeID (clear, for the cookie) and Pending, when a code is asked for.
	ChallengeID string
	Pending     Pending
}

// Pending is what the challenge page shows.
type Pending struct {
	Kind        policy.Challenge
	MaskedEmail string // EMAIL_CODE: where the code went, masked
	EnrolSecret string // TOTP_ENROL: the key, base32, to type into an app
	EnrolURL    string // TOTP_ENROL: its otpauth:// URL, for the QR code
	Username    string
}

// Start checks the login form's password and decides: a session, a
// challenge, or a refusal (*domain.Error, the same for every wrong-credentials case).
func (b *Browser) Start(ctx context.Context, in BrowserStart) (BrowserOutcome, error) {
	start := b.Now()
	out, err := b.start(ctx, in, start)
	if err != nil {
		b.waitFloor(ctx, start)
	}
	return out, err
}

func (b *Browser) start(ctx context.Context, in BrowserStart, now time.Time) (BrowserOutcome, error) {
	ev := domain.LoginEvent{At: now, Username: in.Username, IP: in.IP.String(), LoginType: "UI", Client: in.Client}
	if in.Username == "" || len(in.Username) > MaxUsernameLen || strings.ContainsAny(in.Username, "\x00\r\n") {
		secret.SpendPasswordCheck(in.Password)
		return BrowserOutcome{}, b.refuse(ctx, ev, policy.ReasonUnknownUser, nil)
	}
	u, err := b.Store.BeginAttempt(ctx, in.Username, now)
	if err != nil {
		reason, refused := refusedBy(err)
		if !refused {
			return BrowserOutcome{}, internal(err)
		}
		secret.SpendPasswordCheck(in.Password)
		if reason != policy.ReasonUnknownUser {
			ev.UserID, ev.OrgID, ev.Username = u.ID, u.OrgID, u.Username
		}
		return BrowserOutcome{}, b.refuse(ctx, ev, reason, nil)
	}
	ev.UserID, ev.OrgID, ev.Username = u.ID, u.OrgID, u.Username
	ok, weak, err := secret.VerifyPassword(in.Password, u.PasswordHash, b.Params)
	if err != nil {
		return BrowserOutcome{}, internal(err)
	}
	var rehash string
	if ok && weak {
		if h, err := secret.HashPassword(in.Password, b.Params, b.Rand); err == nil {
			rehash = h
		}
	}
	d := policy.DecideUILogin(b.facts(u, now, in.IP, in.Device, ok))
	a := Attempt{Username: u.Username, IP: in.IP, Type: "UI", Client: in.Client}
	return b.follow(ctx, u, d, a, ev, in.Device, domain.LoginChallenge{}, rehash, 0)
}

// facts are the UI decision's inputs for user u; the password and any
// challenge passed are filled in by the caller.
func (b *Browser) facts(u domain.User, now time.Time, ip netip.Addr, device string, passwordOK bool) policy.UILogin {
	pol := u.Policy
	_, activated := u.Devices[deviceDigest(device)]
	return policy.UILogin{
		At: now, IP: ip, PasswordOK: passwordOK, Hours: pol.LoginHours,
		LoginIPRanges: pol.LoginIPRanges, TrustedRanges: pol.TrustedRanges,
		TwoFactorUI: pol.TwoFactorUI, HasTOTPKey: u.TOTPSealed != "",
		ActivatedBrowser: device != "" && activated, FirstLogin: u.LastLoginAt.IsZero(),
		RequireHighAssurance: pol.RequireHighAssurance, Levels: pol.Levels,
	}
}

func deviceDigest(device string) string {
	if device == "" {
		return ""
	}
	return secret.Digest(secret.PurposeDevice, device)
}

// follow carries out decision d for user u, whose attempt is reserved: a
// refusal, a (new) challenge, or the session. prev is the challenge this
// step answered (zero on the password step); totpStep the TOTP step passed
// in this login, if any.
func (b *Browser) follow(ctx context.Context, u domain.User, d policy.UIDecision, a Attempt, ev domain.LoginEvent,
	device string, prev domain.LoginChallenge, rehash string, totpStep int64) (BrowserOutcome, error) {
	now := ev.At
	if !d.Allowed && d.Challenge == policy.ChallengeNone {
		if prev.IDHash != "" {
			_ = b.Store.EndChallenge(ctx, prev, false, now)
		}
		return BrowserOutcome{}, b.refuse(ctx, ev, d.Reason, b.settle(ctx, u, d.CountsAsFailure))
	}
	if d.Challenge != policy.ChallengeNone {
		// A TOTP code passed settles every later step (policy.DecideUILogin),
		// so a challenge never follows one and none carries it.
		return b.challenge(ctx, u, d, ev, prev)
	}
	if prev.IDHash != "" {
		// Claim the challenge: of two requests answering it, one goes on.
		if err := b.Store.EndChallenge(ctx, prev, true, now); errors.Is(err, domain.ErrNotFound) {
			return BrowserOutcome{}, b.refuse(ctx, ev, policy.ReasonChallengeExpired, b.settle(ctx, u, false))
		} else if err != nil {
			return BrowserOutcome{}, internal(err)
		}
		if prev.EnrolKey != "" {
			// Only where no key exists: a key enrolled meanwhile (another
			// tab, another device) is never replaced, and this login ends.
			if err := b.Store.EnrolTOTPKey(ctx, u.Username, prev.EnrolKey); errors.Is(err, domain.ErrExists) {
				return BrowserOutcome{}, b.refuse(ctx, ev, policy.ReasonChallengeExpired, b.settle(ctx, u, false))
			} else if err != nil {
				return BrowserOutcome{}, internal(err)
			}
			u.TOTPSealed = prev.EnrolKey
		}
	}
	ev.Reason, ev.Via, ev.Challenge, ev.Allowed = string(d.Reason), string(d.Via), prev.Kind, true
	res, err := b.open(ctx, u, a, policy.Decision{Allowed: true, Reason: d.Reason, Via: d.Via}, ev, rehash, totpStep)
	if err != nil {
		return BrowserOutcome{}, err
	}
	out := BrowserOutcome{Result: &res, NoLoginPageCaching: u.Policy.NoLoginPageCaching}
	if d.Activate {
		out.Device = b.activate(ctx, u, device, ev, d.Via)
	}
	return out, nil
}

// activate records this browser as activated for u and returns the cookie
// value to set ("" when it could not be recorded: the login stands, the
// browser is asked for a code next time).
func (b *Browser) activate(ctx context.Context, u domain.User, device string, ev domain.LoginEvent, via policy.Via) string {
	if device == "" {
		var err error
		if device, err = secret.NewOpaque(b.Rand); err != nil {
			return ""
		}
	}
	err := b.Store.AddDevice(ctx, u, deviceDigest(device), domain.Device{ActivatedAt: ev.At, IP: ev.IP, Client: ev.Client, Via: string(via)})
	if err != nil {
		if b.Log != nil {
			b.Log.WarnContext(ctx, "browser not activated", "user_id", u.ID, "error", err.Error())
		}
		return ""
	}
	return device
}

// settle sets the attempt counter right once a reserved attempt's outcome
// is known: a failure stays counted (restarting the count after an expired
// lock), anything else is given back.
func (b *Browser) settle(ctx context.Context, u domain.User, countsAsFailure bool) error {
	return settle(ctx, b.Store, u, countsAsFailure)
}

func settle(ctx context.Context, st Store, u domain.User, countsAsFailure bool) error {
	lapsed := u.Policy.Lockout.AttemptAfterLapse(u.Lock.Attempts)
	switch {
	case countsAsFailure && lapsed:
		return st.SetAttempts(ctx, u, 1)
	case !countsAsFailure && lapsed:
		return st.SetAttempts(ctx, u, 0)
	case !countsAsFailure:
		return st.ReleaseAttempt(ctx, u)
	}
	return nil
}

// challenge stores a new challenge (replacing prev, if any) and, for an
// emailed code, sends it. The email counts toward lockout, as
// login-restrictions.txt says; a TOTP prompt does not.
func (b *Browser) challenge(ctx context.Context, u domain.User, d policy.UIDecision, ev domain.LoginEvent,
	prev domain.LoginChallenge) (BrowserOutcome, error) {
	now := ev.At
	if d.Challenge == policy.ChallengeEmailCode && (u.Email == "" || b.Mailer == nil) {
		if err := b.settle(ctx, u, false); err != nil {
			return BrowserOutcome{}, internal(err)
		}
		return BrowserOutcome{}, &domain.Error{Code: domain.CodeCodeNotSent, Reason: policy.ReasonCodeSent,
			Message: "We need to verify your identity by email, but no verification code can be sent to your user. Ask your administrator to check your email address."}
	}
	if d.Challenge == policy.ChallengeTOTPEnrol && b.Sealer == nil {
		return BrowserOutcome{}, b.refuse(ctx, ev, policy.ReasonTOTPRequired, errors.Join(b.settle(ctx, u, false),
			errors.New("two-factor enrolment needs the keyring (KEYRING_KMS_KEY)")))
	}
	id, pending, c, err := b.newChallenge(ctx, u, d, ev)
	if err != nil {
		return BrowserOutcome{}, internal(err)
	}
	// prev was answered rightly (follow): an emailed code passed stays
	// passed for the rest of this login.
	c.EmailPassed = prev.EmailPassed || policy.Challenge(prev.Kind) == policy.ChallengeEmailCode
	code := pending.code
	if prev.IDHash != "" {
		// Claim the answered challenge first: it cannot be answered twice.
		// The next one has its own id (an emailed code is bound to it).
		err := b.Store.EndChallenge(ctx, prev, true, now)
		if errors.Is(err, domain.ErrNotFound) {
			return BrowserOutcome{}, b.refuse(ctx, ev, policy.ReasonChallengeExpired, b.settle(ctx, u, false))
		}
		if err != nil {
			return BrowserOutcome{}, internal(err)
		}
	}
	if err := b.Store.PutChallenge(ctx, c); err != nil {
		return BrowserOutcome{}, internal(err)
	}
	if code != "" {
		if err := b.sendCode(ctx, u, code, ev); err != nil {
			// Not sent, so not counted; the challenge goes, nothing is left half-done.
			_ = b.Store.EndChallenge(ctx, c, false, now)
			if sErr := b.settle(ctx, u, false); sErr != nil && b.Log != nil {
				b.Log.WarnContext(ctx, "login attempt not released", "user_id", u.ID, "error", sErr.Error())
			}
			if b.Log != nil {
				b.Log.ErrorContext(ctx, "verification code not sent", "user_id", u.ID, "error", err.Error())
			}
			return BrowserOutcome{}, errCodeNotSent.Wrap(err)
		}
	}
	// The mail counts toward lockout (the reservation stays, and after an
	// expired lock the count restarts at it); a TOTP prompt does not.
	reason := policy.ReasonTOTPRequired
	if d.Challenge == policy.ChallengeEmailCode {
		reason = policy.ReasonCodeSent
	}
	if err := b.settle(ctx, u, d.Challenge == policy.ChallengeEmailCode); err != nil {
		return BrowserOutcome{}, internal(err)
	}
	ev.Reason, ev.Challenge, ev.Allowed = string(reason), string(d.Challenge), false
	if err := b.Store.Record(ctx, ev); err != nil {
		return BrowserOutcome{}, internal(err)
	}
	return BrowserOutcome{ChallengeID: id, Pending: pending.Pending}, nil
}

// challengeDraft is a new challenge's page view, with the emailed code
// (clear, to send) when there is one.
type challengeDraft struct {
	Pending
	code string
}

// newChallenge makes a challenge of d's kind for u: its id, what its page
// shows, and the record to store. An emailed code is made here and kept
// only as a digest bound to the id; a key to enrol is sealed for u.
func (b *Browser) newChallenge(ctx context.Context, u domain.User, d policy.UIDecision, ev domain.LoginEvent) (string, challengeDraft, domain.LoginChallenge, error) {
	id, err := secret.NewOpaque(b.Rand)
	if err != nil {
		return "", challengeDraft{}, domain.LoginChallenge{}, err
	}
	c := domain.LoginChallenge{
		IDHash: secret.Digest(secret.PurposeChallenge, id), UserID: u.ID, OrgID: u.OrgID, Username: u.Username,
		IP: ev.IP, Kind: string(d.Challenge), CreatedAt: ev.At, ExpiresAt: ev.At.Add(ChallengeTTL),
	}
	p := challengeDraft{Pending: Pending{Kind: d.Challenge, Username: u.Username}}
	switch d.Challenge {
	case policy.ChallengeEmailCode:
		if p.code, err = secret.NewVerificationCode(b.Rand); err != nil {
			return "", p, c, err
		}
		c.CodeHash = secret.CodeDigest(id, p.code)
		p.MaskedEmail = MaskEmail(u.Email)
		c.SentTo = p.MaskedEmail
	case policy.ChallengeTOTPEnrol:
		if b.Sealer == nil {
			return "", p, c, errors.New("two-factor enrolment needs the keyring (KEYRING_KMS_KEY)")
		}
		key, err := secret.NewTOTPKey(b.issuer(), u.Username, b.Rand)
		if err != nil {
			return "", p, c, err
		}
		if c.EnrolKey, err = b.Sealer.Seal(ctx, key.Secret(), u.ID, b.Rand); err != nil {
			return "", p, c, err
		}
		p.EnrolSecret, p.EnrolURL = key.Secret(), key.URL()
	}
	return id, p, c, nil
}

// matchTOTP checks a code against u's key, or the key c offers to enrol,
// accepting only time steps after any already used. An error means the key
// could not be opened for a failure of ours (no verdict on the code).
func (b *Browser) matchTOTP(ctx context.Context, u domain.User, c domain.LoginChallenge, code string, now time.Time) (int64, bool, error) {
	sealed := u.TOTPSealed
	if c.EnrolKey != "" {
		sealed = c.EnrolKey
	}
	key, err := b.openKey(ctx, sealed, u.ID)
	if errors.Is(err, secret.ErrUnseal) || errors.Is(err, errNoTOTPKey) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	step, ok := secret.MatchTOTP(key, code, now, u.TOTPLastStep)
	return step, ok, nil
}

func (b *Browser) issuer() string {
	if b.Issuer != "" {
		return b.Issuer
	}
	return "loginguard"
}

func (b *Browser) sendCode(ctx context.Context, u domain.User, code string, ev domain.LoginEvent) error {
	msg, err := mail.VerificationCode(mail.CodeMail{
		To: u.Email, Name: u.FullName(), Username: u.Username, OrgName: u.Policy.OrgName, Code: code,
		Valid: ChallengeTTL, At: ev.At, From: ev.IP, Client: ev.Client,
	})
	if err != nil {
		return err
	}
	return b.Mailer.Send(ctx, msg)
}

// Answer checks a code typed on the challenge page. A wrong code counts
// toward lockout and toward the challenge's few tries (a *domain.Error of
// code CodeInvalidCode, with TriesLeft); a right one opens the session or
// moves on to the next challenge.
func (b *Browser) Answer(ctx context.Context, in BrowserAnswer) (BrowserOutcome, error) {
	start := b.Now()
	out, err := b.answer(ctx, in, start)
	if err != nil {
		b.waitFloor(ctx, start)
	}
	return out, err
}

func (b *Browser) answer(ctx context.Context, in BrowserAnswer, now time.Time) (BrowserOutcome, error) {
	c, err := b.challengeOf(ctx, in.ChallengeID, "", now)
	if err != nil {
		return BrowserOutcome{}, err
	}
	ev := domain.LoginEvent{At: now, Username: c.Username, UserID: c.UserID, OrgID: c.OrgID, IP: in.IP.String(),
		LoginType: "UI", Client: in.Client, Challenge: c.Kind}
	u, err := b.reserveFor(ctx, &c, ev)
	if err != nil {
		return BrowserOutcome{}, err
	}
	code := strings.TrimSpace(in.Code)
	f := b.facts(u, now, in.IP, in.Device, true)
	f.EmailCodePassed = c.EmailPassed
	var totpStep int64
	var wrong policy.Reason
	switch policy.Challenge(c.Kind) {
	case policy.ChallengeEmailCode:
		if secret.MatchCode(in.ChallengeID, code, c.CodeHash) {
			f.EmailCodePassed = true
		} else {
			wrong = policy.ReasonInvalidCode
		}
	default:
		wrong = policy.ReasonInvalidTOTP
		st, ok, err := b.matchTOTP(ctx, u, c, code, now)
		if err != nil {
			return BrowserOutcome{}, internal(errors.Join(err, b.settle(ctx, u, false)))
		}
		if ok {
			totpStep, wrong = st, ""
		}
	}
	if wrong != "" {
		return BrowserOutcome{}, b.wrongCode(ctx, u, c, ev, wrong)
	}
	if totpStep > 0 {
		f.TOTPPassed, f.HasTOTPKey, f.TOTPEnrolled = true, true, c.EnrolKey != ""
	}
	a := Attempt{Username: u.Username, IP: in.IP, Type: "UI", Client: in.Client}
	return b.follow(ctx, u, policy.DecideUILogin(f), a, ev, in.Device, c, "", totpStep)
}

// reserveFor takes one of challenge c's tries (c.Tries then counts it) and
// reserves an attempt for c's user (an answer counts like a login), both
// before the answer is checked. A user locked, deactivated or gone since
// the password step ends the challenge with a refusal.
func (b *Browser) reserveFor(ctx context.Context, c *domain.LoginChallenge, ev domain.LoginEvent) (domain.User, error) {
	tries, err := b.Store.TakeTry(ctx, *c, MaxCodeTries, ev.At)
	if errors.Is(err, domain.ErrNotFound) {
		// Used up, answered or expired. Not ended here: a parallel answer
		// holding a try may still be checking it.
		return domain.User{}, ErrChallengeGone
	}
	if err != nil {
		return domain.User{}, internal(err)
	}
	c.Tries = tries
	u, err := b.Store.BeginAttempt(ctx, c.Username, ev.At)
	if err == nil && u.ID == c.UserID {
		return u, nil
	}
	_ = b.Store.EndChallenge(ctx, *c, false, ev.At)
	if err == nil { // the name now belongs to another user
		return domain.User{}, b.refuse(ctx, ev, policy.ReasonUnknownUser, b.settle(ctx, u, false))
	}
	reason, refused := refusedBy(err)
	if !refused {
		return domain.User{}, internal(err)
	}
	return domain.User{}, b.refuse(ctx, ev, reason, nil)
}

// challengeOf reads the challenge behind a cookie, for one step: a login's
// (stepUpSession "") or the step-up of the session with that id. A
// challenge of another step, or another session's step-up, answers as gone:
// each is answered only where it was issued.
func (b *Browser) challengeOf(ctx context.Context, id, stepUpSession string, now time.Time) (domain.LoginChallenge, error) {
	if id == "" || len(id) > 64 {
		return domain.LoginChallenge{}, ErrChallengeGone
	}
	c, err := b.Store.Challenge(ctx, secret.Digest(secret.PurposeChallenge, id), now)
	if errors.Is(err, domain.ErrNotFound) {
		return domain.LoginChallenge{}, ErrChallengeGone
	}
	want := ""
	if stepUpSession != "" {
		want = secret.Digest(secret.PurposeSession, stepUpSession)
	}
	if err == nil && c.StepUp != want {
		return domain.LoginChallenge{}, ErrChallengeGone
	}
	if err != nil {
		return domain.LoginChallenge{}, internal(err)
	}
	return c, nil
}

var errNoTOTPKey = errors.New("no TOTP key")

func (b *Browser) openKey(ctx context.Context, sealed, owner string) (string, error) {
	if b.Sealer == nil || sealed == "" {
		return "", errNoTOTPKey
	}
	return b.Sealer.Open(ctx, sealed, owner)
}

// wrongCode settles a wrong answer: it counts toward lockout (the
// reservation stays); its try was taken already, and at the last one the
// challenge ends.
func (b *Browser) wrongCode(ctx context.Context, u domain.User, c domain.LoginChallenge, ev domain.LoginEvent, r policy.Reason) error {
	left := MaxCodeTries - c.Tries // c.Tries counts this answer (reserveFor)
	var err error
	if left <= 0 {
		err = b.Store.EndChallenge(ctx, c, false, ev.At)
	}
	if rErr := b.refuse(ctx, ev, r, errors.Join(err, b.settle(ctx, u, true))); domain.ErrorCode(rErr) == domain.CodeUnknown {
		return rErr
	}
	msg := "The code you entered is not valid. Check it and try again."
	if left <= 0 {
		msg = "The code you entered is not valid, and too many codes were tried. Log in again."
	}
	return &domain.Error{Code: domain.CodeInvalidCode, Message: msg, Reason: r, TriesLeft: left}
}

// PendingOf shows the challenge behind a challenge cookie again (the page
// reloaded): its kind, where the code went, the key to enrol. stepUpSession
// is the session a step-up challenge must belong to, "" for a login's.
func (b *Browser) PendingOf(ctx context.Context, challengeID, stepUpSession string) (Pending, error) {
	now := b.Now()
	c, err := b.challengeOf(ctx, challengeID, stepUpSession, now)
	if err != nil {
		return Pending{}, err
	}
	p := Pending{Kind: policy.Challenge(c.Kind), Username: c.Username}
	switch p.Kind {
	case policy.ChallengeEmailCode:
		p.MaskedEmail = c.SentTo
	case policy.ChallengeTOTPEnrol:
		key, err := b.openKey(ctx, c.EnrolKey, c.UserID)
		if err != nil {
			return Pending{}, internal(err)
		}
		p.EnrolSecret = key
		p.EnrolURL = secret.TOTPURL(b.issuer(), c.Username, key)
	}
	return p, nil
}

// Cancel ends a pending challenge (the "Cancel" link): the browser goes back
// to the login page.
func (b *Browser) Cancel(ctx context.Context, challengeID string) {
	if c, err := b.challengeOf(ctx, challengeID, "", b.Now()); err == nil {
		_ = b.Store.EndChallenge(ctx, c, false, b.Now())
	}
}

// MaskEmail shows enough of an address to recognise it: "d***@example.com".
func MaskEmail(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at < 1 {
		return "your email address"
	}
	return addr[:1] + "***" + addr[at:]
}

// ErrWrongPassword is a wrong current password where one is asked again
// (changing the password).
var ErrWrongPassword = &domain.Error{Code: domain.CodeInvalidPassword, Reason: policy.ReasonInvalidCredentials,
	Message: "Your current password is not correct."}

// CheckPassword checks the password of a signed-in user asking to change
// it: through the same gate as a login, so wrong guesses count toward
// lockout and a locked user gets nowhere. It returns the user as stored.
func (s *Service) CheckPassword(ctx context.Context, username, password string) (domain.User, error) {
	start := s.Now()
	u, err := s.checkPassword(ctx, username, password, start)
	if err != nil {
		s.waitFloor(ctx, start)
	}
	return u, err
}

func (s *Service) checkPassword(ctx context.Context, username, password string, now time.Time) (domain.User, error) {
	u, err := s.Store.BeginAttempt(ctx, username, now)
	if err != nil {
		if _, refused := refusedBy(err); !refused {
			return domain.User{}, internal(err)
		}
		secret.SpendPasswordCheck(password)
		return domain.User{}, denied(policy.ReasonUserLocked)
	}
	ok, _, err := secret.VerifyPassword(password, u.PasswordHash, s.Params)
	if err != nil {
		return domain.User{}, internal(err)
	}
	if sErr := settle(ctx, s.Store, u, !ok); sErr != nil && s.Log != nil {
		s.Log.WarnContext(ctx, "login attempt counter not settled", "user_id", u.ID, "error", sErr.Error())
	}
	if !ok {
		return domain.User{}, ErrWrongPassword
	}
	return u, nil
}
