package login

import (
	"context"
	"errors"
	"net/netip"
	"strings"

	"loginguard/shared/policy"
	"loginguard/shared/secret"
	"loginguard/shared/store"
)

// StepUp raises a signed-in browser session to High Assurance with a TOTP
// code: the step-up the session authorizer points at for resources whose
// org policy is Raise (session-security.txt). A user without a TOTP key
// enrols one first. Wrong codes count toward lockout, as at login.

// ErrAlreadyHighAssurance: the session needs no step-up.
var ErrAlreadyHighAssurance = &Error{Code: "ALREADY_HIGH_ASSURANCE", Message: "This session is already High Assurance."}

// ErrStepUpStandard: the org rates two-factor logins Standard, so a TOTP
// code cannot raise a session.
var ErrStepUpStandard = &Error{Code: CodeHighAssuranceLogin,
	Message: "Your organisation rates two-factor authentication as Standard, so this session cannot be raised to High Assurance."}

// StartStepUp opens a TOTP challenge for the signed-in user u's session sess.
func (b *Browser) StartStepUp(ctx context.Context, sess store.Session, u store.User, ip netip.Addr, client string) (BrowserOutcome, error) {
	if policy.Level(sess.Level) == policy.LevelHighAssurance {
		return BrowserOutcome{}, ErrAlreadyHighAssurance
	}
	if policy.LevelOf(policy.MethodTOTP, u.Policy.Levels) != policy.LevelHighAssurance {
		return BrowserOutcome{}, ErrStepUpStandard
	}
	kind := policy.ChallengeTOTP
	if u.TOTPSealed == "" {
		kind = policy.ChallengeTOTPEnrol
	}
	now := b.Now()
	ev := store.LoginEvent{At: now, UserID: u.ID, OrgID: u.OrgID, Username: u.Username, IP: ip.String(), LoginType: "UI", Client: client}
	id, pending, c, err := b.newChallenge(ctx, u, policy.UIDecision{Challenge: kind}, ev)
	if err != nil {
		return BrowserOutcome{}, internal(err)
	}
	c.StepUp = sess.IDHash
	if err := b.Store.PutChallenge(ctx, c); err != nil {
		return BrowserOutcome{}, internal(err)
	}
	return BrowserOutcome{ChallengeID: id, Pending: pending.Pending}, nil
}

// AnswerStepUp checks the code; a right one raises the session the
// challenge was opened for (it must be the browser's session, sessionID).
func (b *Browser) AnswerStepUp(ctx context.Context, sessionID string, in BrowserAnswer) error {
	start := b.Now()
	err := b.answerStepUp(ctx, sessionID, in)
	if err != nil {
		b.waitFloor(ctx, start)
	}
	return err
}

func (b *Browser) answerStepUp(ctx context.Context, sessionID string, in BrowserAnswer) error {
	now := b.Now()
	c, err := b.challengeOf(ctx, in.ChallengeID, now)
	if err != nil {
		return err
	}
	if c.StepUp == "" || c.StepUp != secret.Digest(secret.PurposeSession, sessionID) {
		return ErrChallengeGone
	}
	ev := store.LoginEvent{At: now, Username: c.Username, UserID: c.UserID, OrgID: c.OrgID, IP: in.IP.String(),
		LoginType: "UI", Client: in.Client, Challenge: c.Kind}
	u, err := b.reserveFor(ctx, &c, ev)
	if err != nil {
		return err
	}
	step, ok, err := b.matchTOTP(ctx, u, c, strings.TrimSpace(in.Code), now)
	if err != nil {
		return internal(errors.Join(err, b.settle(ctx, u, false)))
	}
	if !ok {
		return b.wrongCode(ctx, u, c, ev, policy.ReasonInvalidTOTP)
	}
	if err := b.Store.EndChallenge(ctx, c, true, now); errors.Is(err, store.ErrNotFound) {
		return b.refuse(ctx, ev, policy.ReasonChallengeExpired, b.settle(ctx, u, false))
	} else if err != nil {
		return internal(err)
	}
	if c.EnrolKey != "" {
		if err := b.Store.SetTOTPKey(ctx, u.Username, c.EnrolKey); err != nil {
			return internal(err)
		}
	}
	// Spends the code (single-use) and resets the count, in one write.
	if err := b.Store.Succeed(ctx, u, now, "", step); errors.Is(err, store.ErrReplay) {
		return b.refuse(ctx, ev, policy.ReasonTOTPReused, nil)
	} else if err != nil {
		return internal(err)
	}
	if err := b.Store.RaiseSession(ctx, c.StepUp, string(policy.LevelHighAssurance), now); errors.Is(err, store.ErrNotFound) {
		return ErrInvalidSession
	} else if err != nil {
		return internal(err)
	}
	ev.Reason, ev.Via, ev.Allowed = "STEP_UP", string(policy.ViaTOTP), true
	if err := b.Store.Record(ctx, ev); err != nil {
		return internal(err)
	}
	return nil
}
