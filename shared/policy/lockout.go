package policy

import "time"

// LockState is a user's lockout counter as stored: Attempts counts password
// checks let through since the last success (each reserved before its check,
// so parallel attempts cannot overshoot); LockEndsAt is when a lock reached
// by the latest attempt would end.
type LockState struct {
	Attempts   int
	LockEndsAt time.Time
	// Gen counts the times the count was reset (a success, an unlock, a
	// restart after an expired lock): an attempt given back must belong to
	// the count as it is now, never to one a reset has ended.
	Gen int64
}

// Locked reports whether a user with state s may not attempt a login at now:
// the maximum is reached and the period since the last attempt has not run out.
// Period 0 locks until an admin unlocks; MaxAttempts 0 never locks.
func (l Lockout) Locked(s LockState, now time.Time) bool {
	if l.MaxAttempts == 0 || s.Attempts < l.MaxAttempts {
		return false
	}
	return l.Period == 0 || now.Before(s.LockEndsAt)
}

// Forever stands for "until an admin unlocks" where a duration is needed
// (the stored lock end of a user whose org never unlocks by itself).
const Forever = 100 * 365 * 24 * time.Hour

// LockFor is the lock period as a duration, Forever for "until unlocked".
func (l Lockout) LockFor() time.Duration {
	if l.Period == 0 {
		return Forever
	}
	return l.Period
}

// Ceiling is the attempt count at which the user locks, a very large number
// when the org sets no limit.
func (l Lockout) Ceiling() int {
	if l.MaxAttempts == 0 {
		return 1 << 40
	}
	return l.MaxAttempts
}

// AttemptAfterLapse reports whether a reserved attempt (the count after the
// reservation) is the first after an expired lock: the counter then restarts
// at one, this attempt.
func (l Lockout) AttemptAfterLapse(reserved int) bool {
	return reserved > l.Ceiling()
}
