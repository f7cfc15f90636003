package login

import (
	"context"
	"errors"
	"net/netip"
	"time"

	"loginguard/shared/domain"
	"loginguard/shared/policy"
)

// An expired password's forced change: the browser login's last step
// (policy.ChallengeNewPassword), after every other challenge was passed.
// No session opens until a new password is chosen.

// forceChange makes the NEW_PASSWORD challenge that follows decision d:
// prev, the challenge this step answered, is claimed, a TOTP code passed is
// spent now (so it cannot be used again while the user chooses), and what
// was passed is carried to the step that opens the session.
func (b *Browser) forceChange(ctx context.Context, u domain.User, d policy.UIDecision, ev domain.LoginEvent,
	prev domain.LoginChallenge, totpStep int64) (BrowserOutcome, error) {
	now := ev.At
	if b.Passwords == nil {
		return BrowserOutcome{}, internal(errors.Join(errors.New("an expired password cannot be changed: no password setter"), b.settle(ctx, u, false)))
	}
	first := u.LastLoginAt.IsZero()
	u, err := b.claim(ctx, u, prev, ev)
	if err != nil {
		return BrowserOutcome{}, err
	}
	if totpStep > 0 {
		err := b.Login.Store.Succeed(ctx, u, now, "", totpStep)
		switch {
		case errors.Is(err, domain.ErrReplay):
			ip, _ := netip.ParseAddr(ev.IP)
			b.Login.failedAt(ctx, ip, policy.ReasonTOTPReused, &u.Policy)
			return BrowserOutcome{}, b.Login.refuse(ctx, ev, policy.ReasonTOTPReused, nil)
		case errors.Is(err, domain.ErrSessionsEnded):
			return BrowserOutcome{}, b.Login.refuse(ctx, ev, policy.ReasonSessionsEnded, nil)
		case err != nil:
			return BrowserOutcome{}, internal(err)
		}
	} else if err := b.settle(ctx, u, false); err != nil {
		return BrowserOutcome{}, internal(err)
	}
	id, draft, c, err := b.newChallenge(ctx, u, d, ev)
	if err != nil {
		return BrowserOutcome{}, internal(err)
	}
	c.EmailPassed = prev.EmailPassed || policy.Challenge(prev.Kind) == policy.ChallengeEmailCode
	c.TOTPPassed = totpStep > 0 || prev.TOTPPassed
	c.FirstLogin = first
	if err := b.Store.PutChallenge(ctx, c); err != nil {
		return BrowserOutcome{}, internal(err)
	}
	if totpStep > 0 {
		ev.Grounds.Lock.After = 0 // the code was spent by the write that resets the count
	}
	ev.Reason, ev.Via, ev.Challenge, ev.Allowed = string(policy.ReasonPasswordExpired), string(d.Via), string(policy.ChallengeNewPassword), false
	if err := b.Store.Record(ctx, ev); err != nil {
		return BrowserOutcome{}, internal(err)
	}
	return BrowserOutcome{ChallengeID: id, Pending: draft.Pending}, nil
}

// BrowserNewPassword is the forced change's form.
type BrowserNewPassword struct {
	ChallengeID       string // from the challenge cookie
	Password, Confirm string
	Device            string
	IP                netip.Addr
	Client            string
	Remember          bool
}

// ErrPasswordsDiffer: the new password and its confirmation differ.
var ErrPasswordsDiffer = &domain.Error{Code: domain.CodeInvalidNewPassword, Reason: "PASSWORDS_DIFFER",
	Message: "The two passwords you entered are not the same. Type the new password twice."}

// ChangeExpired sets the new password of a NEW_PASSWORD challenge and then
// opens the session, deciding again (login hours may have ended
// meanwhile) with what the login passed. Each try takes one of the
// challenge's tries and an attempt of the user, as a code does; a password
// the policy refuses is an INVALID_NEW_PASSWORD *domain.Error with
// TriesLeft and does not count toward lockout.
func (b *Browser) ChangeExpired(ctx context.Context, in BrowserNewPassword) (BrowserOutcome, error) {
	now := b.Login.Now()
	c, u, ev, err := b.take(ctx, BrowserAnswer{ChallengeID: in.ChallengeID, Device: in.Device, IP: in.IP, Client: in.Client}, "", now)
	if err != nil {
		return BrowserOutcome{}, err
	}
	if policy.Challenge(c.Kind) != policy.ChallengeNewPassword || b.Passwords == nil {
		// A code's challenge is answered on its own page, never here.
		return BrowserOutcome{}, errors.Join(ErrChallengeGone, b.settle(ctx, u, false))
	}
	var nu domain.User
	if in.Password != in.Confirm {
		err = ErrPasswordsDiffer
	} else {
		nu, err = b.Passwords.SetExpiredPassword(ctx, u, in.Password, ev.IP)
	}
	if err != nil {
		return BrowserOutcome{}, b.notChanged(ctx, u, c, err, now)
	}
	x := uiFacts(nu, in.Device, true)
	x.EmailCodePassed, x.FirstLogin, x.PasswordChanged = c.EmailPassed, c.FirstLogin, true
	if c.TOTPPassed {
		x.TOTPPassed, x.HasTOTPKey = true, true
	}
	a := b.attempt(nu, in.IP, in.Client, in.Remember)
	a.TOTPPassed = c.TOTPPassed
	ev.Challenge = c.Kind
	d := decideUI(nu, x, now, in.IP, &ev)
	return b.follow(ctx, nu, d, a, ev, in.Device, c, "", 0)
}

// notChanged settles a try that set no password: the reservation is given
// back, and at the challenge's last try it ends. A refusal the user caused
// (the policy, the two fields differing) says how many tries are left.
func (b *Browser) notChanged(ctx context.Context, u domain.User, c domain.LoginChallenge, err error, now time.Time) error {
	left := MaxCodeTries - c.Tries
	var ended error
	if left <= 0 {
		ended = b.Store.EndChallenge(ctx, c, false, now)
	}
	if sErr := errors.Join(b.settle(ctx, u, false), ended); sErr != nil && b.Login.Log != nil {
		b.Login.Log.WarnContext(ctx, "login attempt not released", "user_id", u.ID, "error", sErr.Error())
	}
	var e *domain.Error
	if !errors.As(err, &e) || e.Code != domain.CodeInvalidNewPassword {
		return err
	}
	out := *e
	out.TriesLeft = left
	if left <= 0 {
		out.Message += " Too many tries: log in again."
	}
	return &out
}
