package login

import (
	"context"
	"time"

	"loginguard/shared/domain"
	"loginguard/shared/events"
)

// settle is settleOn on the service's store.
func (s *Service) settle(ctx context.Context, u domain.User, countsAsFailure bool) error {
	return s.settleOn(ctx, s.Store, u, countsAsFailure)
}

// settleOn sets the attempt counter right (settle in gate.go) and, when
// this failure is the one that locked u, publishes the Lockout once the
// counter is stored.
func (s *Service) settleOn(ctx context.Context, st Store, u domain.User, countsAsFailure bool) error {
	if err := settle(ctx, st, u, countsAsFailure); err != nil {
		return err
	}
	if countsAsFailure && locksOut(u) {
		events.Emit(ctx, s.Events, s.Log, lockoutEvent(u, s.Now()))
	}
	return nil
}

// locksOut reports whether u's reserved attempt, failed, reaches the
// lockout: it is the maximum-th (or, after an expired lock, the first when
// the maximum is one). Parallel failures lock once: only one attempt holds
// the maximum-th reservation.
func locksOut(u domain.User) bool {
	l := u.Policy.Lockout
	n := u.ReservedLock().Attempts
	switch {
	case l.MaxAttempts == 0:
		return false
	case l.AttemptAfterLapse(n):
		return l.MaxAttempts == 1
	}
	return n == l.MaxAttempts
}

func lockoutEvent(u domain.User, now time.Time) events.Event {
	d := events.Detail{OrgID: u.OrgID, UserID: u.ID, Username: u.Username, Time: now.UTC(), Reason: events.ReasonMaxAttempts}
	if u.Unfamiliar {
		d.Reason = events.ReasonMaxAttemptsUnfamiliar
	}
	if u.Policy.Lockout.Period != 0 {
		until := now.Add(u.Policy.Lockout.Period).UTC()
		d.LockedUntil = &until
	}
	return events.Event{Type: events.Lockout, Detail: d}
}
