package login

import (
	"context"
	"errors"
	"strings"
	"time"

	"loginguard/shared/domain"
	"loginguard/shared/mail"
	"loginguard/shared/policy"
	"loginguard/shared/secret"
)

// A browser login's challenges: made (an emailed code, a TOTP prompt, an
// enrolment), answered, shown again, cancelled.

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
	if d.Challenge == policy.ChallengeTOTPEnrol && b.Login.Sealer == nil {
		return BrowserOutcome{}, b.Login.refuse(ctx, ev, policy.ReasonTOTPRequired, errors.Join(b.settle(ctx, u, false),
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
			return BrowserOutcome{}, b.Login.refuse(ctx, ev, policy.ReasonChallengeExpired, b.settle(ctx, u, false))
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
			if sErr := b.settle(ctx, u, false); sErr != nil && b.Login.Log != nil {
				b.Login.Log.WarnContext(ctx, "login attempt not released", "user_id", u.ID, "error", sErr.Error())
			}
			if b.Login.Log != nil {
				b.Login.Log.ErrorContext(ctx, "verification code not sent", "user_id", u.ID, "error", err.Error())
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
	id, err := secret.NewOpaque(b.Login.Rand)
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
		if p.code, err = secret.NewVerificationCode(b.Login.Rand); err != nil {
			return "", p, c, err
		}
		c.CodeHash = secret.CodeDigest(id, p.code)
		p.MaskedEmail = MaskEmail(u.Email)
		c.SentTo = p.MaskedEmail
	case policy.ChallengeTOTPEnrol:
		if b.Login.Sealer == nil {
			return "", p, c, errors.New("two-factor enrolment needs the keyring (KEYRING_KMS_KEY)")
		}
		key, err := secret.NewTOTPKey(b.issuer(), u.Username, b.Login.Rand)
		if err != nil {
			return "", p, c, err
		}
		if c.EnrolKey, err = b.Login.Sealer.Seal(ctx, key.Secret(), u.ID, b.Login.Rand); err != nil {
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
	return floored(ctx, b.Login, func(now time.Time) (BrowserOutcome, error) { return b.answer(ctx, in, now) })
}

// take reads the challenge an answer is for (a login's, or the step-up of
// the session stepUpSession), and takes one of its tries and an attempt of
// its user before the answer is checked; ev is the answer's history line.
func (b *Browser) take(ctx context.Context, in BrowserAnswer, stepUpSession string, now time.Time) (domain.LoginChallenge, domain.User, domain.LoginEvent, error) {
	c, err := b.challengeOf(ctx, in.ChallengeID, stepUpSession, now)
	if err != nil {
		return c, domain.User{}, domain.LoginEvent{}, err
	}
	ev := domain.LoginEvent{At: now, Username: c.Username, UserID: c.UserID, OrgID: c.OrgID, IP: in.IP.String(),
		LoginType: "UI", Client: in.Client, Challenge: c.Kind}
	place := placeOf(in.IP, in.Device)
	place.Known = stepUpSession != "" // a step-up is answered within the user's session
	u, err := b.reserveFor(ctx, &c, ev, place)
	return c, u, ev, err
}

func (b *Browser) answer(ctx context.Context, in BrowserAnswer, now time.Time) (BrowserOutcome, error) {
	c, u, ev, err := b.take(ctx, in, "", now)
	if err != nil {
		return BrowserOutcome{}, err
	}
	if policy.Challenge(c.Kind) == policy.ChallengeNewPassword {
		// A new password is chosen on its own form (ChangeExpired), never
		// answered as a code.
		return BrowserOutcome{}, errors.Join(ErrChallengeGone, b.settle(ctx, u, false))
	}
	code := strings.TrimSpace(in.Code)
	x := uiFacts(u, in.Device, true)
	x.EmailCodePassed = c.EmailPassed
	var totpStep int64
	var wrong policy.Reason
	switch policy.Challenge(c.Kind) {
	case policy.ChallengeEmailCode:
		if secret.MatchCode(in.ChallengeID, code, c.CodeHash) {
			x.EmailCodePassed = true
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
		x.TOTPPassed, x.HasTOTPKey, x.TOTPEnrolled = true, true, c.EnrolKey != ""
	}
	d := decideUI(u, x, now, in.IP, &ev)
	return b.follow(ctx, u, d, b.attempt(u, in.IP, in.Client, in.Remember), ev, in.Device, c, "", totpStep)
}

// reserveFor takes one of challenge c's tries (c.Tries then counts it) and
// reserves an attempt for c's user (an answer counts like a login), both
// before the answer is checked. A user locked, deactivated or gone since
// the password step ends the challenge with a refusal.
func (b *Browser) reserveFor(ctx context.Context, c *domain.LoginChallenge, ev domain.LoginEvent, place domain.Place) (domain.User, error) {
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
	u, err := b.Store.BeginAttempt(ctx, c.Username, ev.At, place)
	if err == nil && u.ID == c.UserID {
		return u, nil
	}
	_ = b.Store.EndChallenge(ctx, *c, false, ev.At)
	if err == nil { // the name now belongs to another user
		return domain.User{}, b.Login.refuse(ctx, ev, policy.ReasonUnknownUser, b.settle(ctx, u, false))
	}
	reason, ok := refusedBy(err)
	if !ok {
		return domain.User{}, internal(err)
	}
	ev.Grounds = refused(u, reason, ev.At)
	return domain.User{}, b.Login.refuse(ctx, ev, reason, nil)
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
	if b.Login.Sealer == nil || sealed == "" {
		return "", errNoTOTPKey
	}
	return b.Login.Sealer.Open(ctx, sealed, owner)
}

// wrongCode settles a wrong answer: it counts toward lockout (the
// reservation stays); its try was taken already, and at the last one the
// challenge ends.
func (b *Browser) wrongCode(ctx context.Context, u domain.User, c domain.LoginChallenge, ev domain.LoginEvent, r policy.Reason) error {
	left := MaxCodeTries - c.Tries // c.Tries counts this answer (reserveFor)
	ev.Grounds = policy.Grounds{Facts: policy.Facts{UI: true}, ProfileID: u.ProfileID, Lock: lockRead(u, false, true),
		Trace: policy.TraceOf(policy.Step{Rule: policy.RuleCode, Outcome: policy.Refused})}
	var err error
	if left <= 0 {
		err = b.Store.EndChallenge(ctx, c, false, ev.At)
	}
	if rErr := b.Login.refuse(ctx, ev, r, errors.Join(err, b.settle(ctx, u, true))); domain.ErrorCode(rErr) == domain.CodeUnknown {
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
	now := b.Login.Now()
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
	if c, err := b.challengeOf(ctx, challengeID, "", b.Login.Now()); err == nil {
		_ = b.Store.EndChallenge(ctx, c, false, b.Login.Now())
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
