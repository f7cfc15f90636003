package login

import (
	"context"
	"errors"
	"slices"
	"sync"
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
		s.floor.sample(domain.AsError(err).Reason, s.Now().Sub(start))
		s.waitFloor(ctx, start)
	}
	return out, err
}

// The floor a refusal waits out (SECURITY.md, "The failure floor"). Fixed,
// it is FailureFloor. Adaptive (the default), it is the 95th percentile of
// this instance's recent refusals' own work, taken for each of the two
// kinds an INVALID_LOGIN can hide (the reservation refused: unknown, locked
// or inactive user; the secret checked and wrong) and the higher of the
// two, capped by FailureFloor: every kind then answers in the same time
// but for its slowest twentieth, and a refusal holds its instance little
// longer than its work. Until each kind has minFloorSamples, FailureFloor.
// Flooding one kind cannot lower the floor below the other's work: each
// kind keeps its own samples.

const (
	floorSamples    = 256 // recent refusals kept per kind
	minFloorSamples = 32
)

type floorStats struct {
	mu         sync.Mutex
	unreserved ring // unknown, locked, inactive: refused at the reservation
	checked    ring // the secret was checked, and was wrong
}

type ring struct {
	d [floorSamples]time.Duration
	n int
}

func (r *ring) add(d time.Duration) {
	r.d[r.n%floorSamples] = d
	r.n++
}

// p95 is the 95th percentile of the kept samples; false with too few.
func (r *ring) p95() (time.Duration, bool) {
	n := min(r.n, floorSamples)
	if n < minFloorSamples {
		return 0, false
	}
	s := make([]time.Duration, n)
	copy(s, r.d[:n])
	slices.Sort(s)
	return s[(n*95+99)/100-1], true
}

// sample records the work of a refusal for reason r (kinds other than the
// two are not sampled: their answers say what they are anyway).
func (f *floorStats) sample(r policy.Reason, work time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch r {
	case policy.ReasonUnknownUser, policy.ReasonUserLocked, policy.ReasonUserInactive:
		f.unreserved.add(work)
	case policy.ReasonInvalidCredentials, policy.ReasonTwoFactorRequired, policy.ReasonTOTPReused, policy.ReasonInvalidTOTP, policy.ReasonInvalidCode:
		f.checked.add(work)
	}
}

// held is the floor to wait out now: ceiling, or the adaptive one below it.
func (f *floorStats) held(ceiling time.Duration) time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, okA := f.unreserved.p95()
	b, okB := f.checked.p95()
	if !okA || !okB {
		return ceiling
	}
	return min(ceiling, max(a, b))
}

// Floor is the failure floor a refusal would wait out now.
func (s *Service) Floor() time.Duration {
	if s.FixedFloor {
		return s.FailureFloor
	}
	return s.floor.held(s.FailureFloor)
}

func (s *Service) waitFloor(ctx context.Context, start time.Time) {
	if rest := s.Floor() - s.Now().Sub(start); rest > 0 {
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
// or counted. probe (nil for none) is the read of the source's count
// running beside the reservation: a source found past the limit is refused
// without spending anything, its reservation given back.
func (s *Service) reserve(ctx context.Context, username string, now time.Time, place domain.Place, ev *domain.LoginEvent, spend func(), probe *sourceProbe) (domain.User, error) {
	refuse := func(r policy.Reason, u domain.User, pol *domain.LoginPolicy) error {
		if ev == nil {
			return denied(r)
		}
		s.failedAt(ctx, place.IP, r, pol)
		line := *ev
		line.Grounds = refused(u, r, now)
		return s.refuse(ctx, line, r, nil)
	}
	if !validUsername(username) {
		if te, ok := s.past(probe, place.IP, nil, now); ok {
			return domain.User{}, te
		}
		spend()
		return domain.User{}, refuse(policy.ReasonUnknownUser, domain.User{}, nil)
	}
	u, err := s.Store.BeginAttempt(ctx, username, now, place)
	var pol *domain.LoginPolicy
	if err == nil || !errors.Is(err, domain.ErrNotFound) {
		pol = &u.Policy
	}
	if te, ok := s.past(probe, place.IP, pol, now); ok {
		if err == nil {
			// Nothing was tried: the reservation goes back.
			if rErr := settle(ctx, s.Store, u, false); rErr != nil && s.Log != nil {
				s.Log.WarnContext(ctx, "login attempt not given back", "user_id", u.ID, "error", rErr.Error())
			}
		}
		return domain.User{}, te
	}
	if err != nil {
		reason, refused := refusedBy(err)
		spend()
		if !refused {
			return domain.User{}, internal(err)
		}
		if reason == policy.ReasonUnknownUser {
			s.known.drop(domain.NormalizeUsername(username))
			return domain.User{}, refuse(reason, domain.User{}, nil)
		}
		if ev != nil {
			ev.UserID, ev.OrgID, ev.Username = u.ID, u.OrgID, u.Username
		}
		return domain.User{}, refuse(reason, u, &u.Policy)
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

// lockRead is the lockout count of u, whose attempt is reserved, before
// and after it: a success resets it, a failure keeps the reservation (or
// restarts the count at it after an expired lock, as settle does),
// anything else gives it back.
func lockRead(u domain.User, allowed, countsAsFailure bool) policy.LockRead {
	lo := u.Policy.Lockout
	reserved := u.ReservedLock().Attempts
	before := min(reserved-1, lo.Ceiling())
	if lo.AttemptAfterLapse(reserved) {
		before = 0 // the lock had run out: the count starts over
	}
	r := policy.LockRead{Known: true, Before: before, After: before, Max: lo.MaxAttempts, Unfamiliar: u.Unfamiliar}
	switch {
	case allowed:
		r.After = 0
	case countsAsFailure:
		r.After = before + 1
	}
	return r
}

// refused are the grounds of a reservation refused for reason r (u is the
// user as the refusal read it, zero for an unknown name): the rules the
// reservation applies, and the lockout count, which stands as it was.
func refused(u domain.User, r policy.Reason, now time.Time) policy.Grounds {
	g := policy.Grounds{ProfileID: u.ProfileID}
	switch r {
	case policy.ReasonUnknownUser:
		g.Trace = policy.TraceOf(policy.Step{Rule: policy.RuleUser, Outcome: policy.Refused})
		return g
	case policy.ReasonUserInactive:
		g.Trace = policy.TraceOf(policy.Step{Rule: policy.RuleUser, Outcome: policy.Passed},
			policy.Step{Rule: policy.RuleActive, Outcome: policy.Refused})
	default:
		g.Trace = policy.TraceOf(policy.Step{Rule: policy.RuleUser, Outcome: policy.Passed},
			policy.Step{Rule: policy.RuleActive, Outcome: policy.Passed}, policy.Step{Rule: policy.RuleLockout, Outcome: policy.Refused})
	}
	lo := u.Policy.Lockout
	lock, unfamiliar := u.Lock, false
	if !lo.Locked(lock, now) && lo.Locked(u.UnfamiliarLock, now) {
		lock, unfamiliar = u.UnfamiliarLock, true
	}
	n := min(lock.Attempts, lo.Ceiling())
	g.Lock = policy.LockRead{Known: true, Before: n, After: n, Max: lo.MaxAttempts, Unfamiliar: unfamiliar}
	return g
}
