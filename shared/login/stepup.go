package login

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"time"

	"loginguard/shared/domain"
	"loginguard/shared/policy"
	"loginguard/shared/secret"
)

// StepUp raises a signed-in browser session to High Assurance with a TOTP
// code: the step-up the session authorizer points at for resources whose
// org policy is Raise (session-security.txt). A user without a TOTP key
// enrols one first. Wrong codes count toward lockout, as at login.

// ErrAlreadyHighAssurance: the session needs no step-up.
var ErrAlreadyHighAssurance = &domain.Error{Code: domain.CodeAlreadyHighAssurance, Message: "This session is already High Assurance."}

// ErrStepUpStandard: the org rates two-factor logins Standard, so a TOTP
// code cannot raise a session.
var ErrStepUpStandard = &domain.Error{Code: domain.CodeHighAssuranceLogin,
	Message: "Your organisation rates two-factor authentication as Standard, so this session cannot be raised to High Assurance."}

// StartStepUp opens a challenge for the signed-in user u's browser session
// sess: a TOTP code, or enrolment of a key for a user who has none. Enrolling
// adds a factor, so from a browser that is not activated for u the emailed
// verification code comes first (it counts toward lockout, as at login).
// device is the browser's activation cookie.
func (b *Browser) StartStepUp(ctx context.Context, sess domain.Session, u domain.User, device string, ip netip.Addr, client string) (BrowserOutcome, error) {
	if policy.ChannelOf(sess.LoginType) != policy.ChannelPages || sess.UserID != u.ID {
		// Only a browser session steps up here: an API session was granted
		// without any of the browser's checks.
		return BrowserOutcome{}, ErrInvalidSession
	}
	if policy.Level(sess.Level) == policy.LevelHighAssurance {
		return BrowserOutcome{}, ErrAlreadyHighAssurance
	}
	if policy.LevelOf(policy.MethodTOTP, u.Policy.Levels) != policy.LevelHighAssurance {
		return BrowserOutcome{}, ErrStepUpStandard
	}
	now := b.Login.Now()
	ev := domain.LoginEvent{At: now, UserID: u.ID, OrgID: u.OrgID, Username: u.Username, IP: ip.String(), LoginType: "UI", Client: client}
	_, activated := u.Devices[deviceDigest(device)]
	kind := policy.ChallengeTOTP
	switch {
	case u.TOTPSealed != "":
	case device != "" && activated:
		kind = policy.ChallengeTOTPEnrol
	default:
		kind = policy.ChallengeEmailCode
	}
	if kind != policy.ChallengeEmailCode {
		return b.stepUpChallenge(ctx, u, kind, sess.IDHash, false, ev)
	}
	if u.Email == "" || b.Mailer == nil {
		return BrowserOutcome{}, &domain.Error{Code: domain.CodeCodeNotSent, Reason: policy.ReasonCodeSent,
			Message: "To add an authenticator app from this browser we must first verify your identity by email, but no verification code can be sent to your user. Ask your administrator to check your email address."}
	}
	// The email counts toward lockout: reserve an attempt for it first.
	ru, err := b.Store.BeginAttempt(ctx, u.Username, now, domain.Place{Known: true})
	if err != nil {
		if reason, refused := refusedBy(err); refused {
			return BrowserOutcome{}, denied(reason)
		}
		return BrowserOutcome{}, internal(err)
	}
	if ru.ID != u.ID { // the name now belongs to another user
		return BrowserOutcome{}, errors.Join(ErrInvalidSession, b.settle(ctx, ru, false))
	}
	out, err := b.stepUpChallenge(ctx, ru, kind, sess.IDHash, false, ev)
	if err != nil {
		if sErr := b.settle(ctx, ru, false); sErr != nil && b.Login.Log != nil {
			b.Login.Log.WarnContext(ctx, "login attempt not released", "user_id", u.ID, "error", sErr.Error())
		}
		return BrowserOutcome{}, err
	}
	if err := b.settle(ctx, ru, true); err != nil {
		return BrowserOutcome{}, internal(err)
	}
	ev.Reason, ev.Challenge = string(policy.ReasonCodeSent), string(kind)
	if err := b.Store.Record(ctx, ev); err != nil {
		return BrowserOutcome{}, internal(err)
	}
	return out, nil
}

// stepUpChallenge stores a step-up challenge of kind for the session whose
// id has digest sessionHash, and sends its code when it is an emailed one
// (nothing is left stored when the mail fails).
func (b *Browser) stepUpChallenge(ctx context.Context, u domain.User, kind policy.Challenge, sessionHash string, emailPassed bool, ev domain.LoginEvent) (BrowserOutcome, error) {
	id, pending, c, err := b.newChallenge(ctx, u, policy.UIDecision{Challenge: kind}, ev)
	if err != nil {
		return BrowserOutcome{}, internal(err)
	}
	c.StepUp, c.EmailPassed = sessionHash, emailPassed
	if err := b.Store.PutChallenge(ctx, c); err != nil {
		return BrowserOutcome{}, internal(err)
	}
	if pending.code != "" {
		if err := b.sendCode(ctx, u, pending.code, ev); err != nil {
			_ = b.Store.EndChallenge(ctx, c, false, ev.At)
			if b.Login.Log != nil {
				b.Login.Log.ErrorContext(ctx, "verification code not sent", "user_id", u.ID, "error", err.Error())
			}
			return BrowserOutcome{}, errCodeNotSent.Wrap(err)
		}
	}
	return BrowserOutcome{ChallengeID: id, Pending: pending.Pending}, nil
}

// AnswerStepUp checks a code typed on the step-up page; the challenge must
// be a step-up of the browser's own session, sessionID. A right TOTP code
// raises that session; a right emailed code moves on to enrolment (the
// outcome then carries the next challenge).
func (b *Browser) AnswerStepUp(ctx context.Context, sessionID string, in BrowserAnswer) (BrowserOutcome, error) {
	return floored(ctx, b.Login, func(time.Time) (BrowserOutcome, error) { return b.answerStepUp(ctx, sessionID, in) })
}

func (b *Browser) answerStepUp(ctx context.Context, sessionID string, in BrowserAnswer) (BrowserOutcome, error) {
	now := b.Login.Now()
	if sessionID == "" {
		return BrowserOutcome{}, ErrChallengeGone
	}
	c, u, ev, err := b.take(ctx, in, sessionID, now)
	if err != nil {
		return BrowserOutcome{}, err
	}
	code := strings.TrimSpace(in.Code)
	if policy.Challenge(c.Kind) == policy.ChallengeEmailCode {
		if !secret.MatchCode(in.ChallengeID, code, c.CodeHash) {
			return BrowserOutcome{}, b.wrongCode(ctx, u, c, ev, policy.ReasonInvalidCode)
		}
		if err := b.Store.EndChallenge(ctx, c, true, now); errors.Is(err, domain.ErrNotFound) {
			return BrowserOutcome{}, b.Login.refuse(ctx, ev, policy.ReasonChallengeExpired, b.settle(ctx, u, false))
		} else if err != nil {
			return BrowserOutcome{}, internal(err)
		}
		if err := b.settle(ctx, u, false); err != nil {
			return BrowserOutcome{}, internal(err)
		}
		kind := policy.ChallengeTOTPEnrol
		if u.TOTPSealed != "" { // enrolled meanwhile elsewhere: a code of that key, then
			kind = policy.ChallengeTOTP
		}
		return b.stepUpChallenge(ctx, u, kind, c.StepUp, true, ev)
	}
	step, ok, err := b.matchTOTP(ctx, u, c, code, now)
	if err != nil {
		return BrowserOutcome{}, internal(errors.Join(err, b.settle(ctx, u, false)))
	}
	if !ok {
		return BrowserOutcome{}, b.wrongCode(ctx, u, c, ev, policy.ReasonInvalidTOTP)
	}
	if err := b.Store.EndChallenge(ctx, c, true, now); errors.Is(err, domain.ErrNotFound) {
		return BrowserOutcome{}, b.Login.refuse(ctx, ev, policy.ReasonChallengeExpired, b.settle(ctx, u, false))
	} else if err != nil {
		return BrowserOutcome{}, internal(err)
	}
	if c.EnrolKey != "" {
		if err := b.Store.EnrolTOTPKey(ctx, u.Username, c.EnrolKey); errors.Is(err, domain.ErrExists) {
			return BrowserOutcome{}, b.Login.refuse(ctx, ev, policy.ReasonChallengeExpired, b.settle(ctx, u, false))
		} else if err != nil {
			return BrowserOutcome{}, internal(err)
		}
	}
	// Spends the code (single-use) and resets the count, in one write.
	if err := b.Store.Succeed(ctx, u, now, "", step); errors.Is(err, domain.ErrReplay) {
		return BrowserOutcome{}, b.Login.refuse(ctx, ev, policy.ReasonTOTPReused, nil)
	} else if err != nil {
		return BrowserOutcome{}, internal(err)
	}
	if err := b.Store.RaiseSession(ctx, c.StepUp, string(policy.LevelHighAssurance), now); errors.Is(err, domain.ErrNotFound) {
		return BrowserOutcome{}, ErrInvalidSession
	} else if err != nil {
		return BrowserOutcome{}, internal(err)
	}
	ev.Reason, ev.Via, ev.Allowed = "STEP_UP", string(policy.ViaTOTP), true
	if err := b.Store.Record(ctx, ev); err != nil {
		return BrowserOutcome{}, internal(err)
	}
	return BrowserOutcome{}, nil
}
