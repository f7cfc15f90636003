package login

import (
	"context"
	"errors"
	"time"

	"loginguard/shared/domain"
	"loginguard/shared/policy"
)

// The gate every secret check passes (an API login, the login form, the
// current password on the change form) and the floor every refusal waits
// out: each written once.

// floored runs step at the service's now and, when it fails, waits out the
// failure floor measured from that start, so every refusal answers alike in
// time whichever check failed.
func floored[T any](ctx context.Context, s *Service, step func(now time.Time) (T, error)) (T, error) {
	start := s.Now()
	out, err := step(start)
	if err != nil && domain.ErrorCode(err) != domain.CodeRequestLimit {
		// A throttled source's refusal waits nothing: it is the same for
		// every user and spent nothing whose time could tell one apart.
		s.waitFloor(ctx, start)
	}
	return out, err
}

func (s *Service) waitFloor(ctx context.Context, start time.Time) {
	if rest := s.FailureFloor - s.Now().Sub(start); rest > 0 {
		sleep := s.Sleep
		if sleep == nil {
			sleep = sleepCtx
		}
		sleep(ctx, rest)
	}
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// reserve takes one attempt for username, from place, before any secret is
// checked: one conditional write, so N parallel guesses never check more
// than the limit allows. A name that cannot be a user's, or a reservation
// refused (unknown, inactive, locked), is recorded in history as ev, counted
// at its source, and answered with its public error, after spend has cost
// what one check costs. ev is filled with the user the reservation found;
// with ev nil (a check within a session, not a login) nothing is recorded
// or counted.
func (s *Service) reserve(ctx context.Context, username string, now time.Time, place domain.Place, ev *domain.LoginEvent, spend func()) (domain.User, error) {
	refuse := func(r policy.Reason, pol *domain.LoginPolicy) error {
		if ev == nil {
			return denied(r)
		}
		s.failedAt(ctx, place.IP, r, pol)
		return s.refuse(ctx, *ev, r, nil)
	}
	if !validUsername(username) {
		spend()
		return domain.User{}, refuse(policy.ReasonUnknownUser, nil)
	}
	u, err := s.Store.BeginAttempt(ctx, username, now, place)
	if err != nil {
		reason, refused := refusedBy(err)
		spend()
		if !refused {
			return domain.User{}, internal(err)
		}
		if reason == policy.ReasonUnknownUser {
			s.known.drop(domain.NormalizeUsername(username))
			return domain.User{}, refuse(reason, nil)
		}
		if ev != nil {
			ev.UserID, ev.OrgID, ev.Username = u.ID, u.OrgID, u.Username
		}
		return domain.User{}, refuse(reason, &u.Policy)
	}
	if ev != nil {
		ev.UserID, ev.OrgID, ev.Username = u.ID, u.OrgID, u.Username
	}
	return u, nil
}

// refusedBy is the reason a reservation (BeginAttempt) was refused; false
// for a failure of ours.
func refusedBy(err error) (policy.Reason, bool) {
	switch {
	case errors.Is(err, domain.ErrNotFound):
		return policy.ReasonUnknownUser, true
	case errors.Is(err, domain.ErrLocked):
		return policy.ReasonUserLocked, true
	case errors.Is(err, domain.ErrInactive):
		return policy.ReasonUserInactive, true
	}
	return "", false
}

// settle sets the attempt counter right once a reserved attempt's outcome
// is known: a failure stays counted (restarting the count after an expired
// lock), anything else is given back.
func settle(ctx context.Context, st Store, u domain.User, countsAsFailure bool) error {
	lapsed := u.Policy.Lockout.AttemptAfterLapse(u.ReservedLock().Attempts)
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
