package policy

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Lockout is an org's login lockout policy. MaxAttempts 0 means no limit;
// Period 0 means locked until an admin unlocks.
type Lockout struct {
	MaxAttempts int
	Period      time.Duration
}

// DefaultLockout is a new org's policy.
var DefaultLockout = Lockout{MaxAttempts: 10, Period: 15 * time.Minute}

// NewLockout validates the values Salesforce offers: 3, 5, 10 or no limit;
// 15, 30 or 60 minutes, or until unlocked.
func NewLockout(maxAttempts int, period time.Duration) (Lockout, error) {
	switch maxAttempts {
	case 0, 3, 5, 10:
	default:
		return Lockout{}, invalid("lockout maximum", fmt.Sprintf("%d is not offered; choose 3, 5, 10 or none", maxAttempts))
	}
	switch period {
	case 0, 15 * time.Minute, 30 * time.Minute, 60 * time.Minute:
	default:
		return Lockout{}, invalid("lockout period", fmt.Sprintf("%s is not offered; choose 15m, 30m, 60m or until-unlocked", period))
	}
	return Lockout{MaxAttempts: maxAttempts, Period: period}, nil
}

// ParseLockout reads "3"|"5"|"10"|"none" and "15m"|"30m"|"60m"|"1h"|"until-unlocked"|"forever".
func ParseLockout(maxSpec, periodSpec string) (Lockout, error) {
	max := 0
	if m := strings.TrimSpace(maxSpec); m != "none" {
		n, err := strconv.Atoi(m)
		if err != nil {
			return Lockout{}, invalid("lockout maximum", fmt.Sprintf("%q is not a number; choose 3, 5, 10 or none", maxSpec))
		}
		max = n
	}
	var period time.Duration
	switch p := strings.TrimSpace(periodSpec); p {
	case "until-unlocked", "forever":
	default:
		d, err := time.ParseDuration(p)
		if err != nil {
			return Lockout{}, invalid("lockout period", fmt.Sprintf("%q is not a duration; choose 15m, 30m, 60m or until-unlocked", periodSpec))
		}
		period = d
	}
	return NewLockout(max, period)
}

// Texts is the policy in lgadmin's words, as ParseLockout reads them:
// maximum ("none" for no limit), period ("until-unlocked" for no end).
func (l Lockout) Texts() [2]string {
	t := [2]string{strconv.Itoa(l.MaxAttempts), l.Period.String()}
	if l.MaxAttempts == 0 {
		t[0] = "none"
	}
	if l.Period == 0 {
		t[1] = "until-unlocked"
	}
	return t
}

// DefaultSessionTimeout is a new org's idle session timeout.
const DefaultSessionTimeout = 2 * time.Hour

var sessionTimeouts = []time.Duration{15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour,
	4 * time.Hour, 8 * time.Hour, 12 * time.Hour, 24 * time.Hour}

// SessionTimeout validates an idle session timeout: 15m, 30m, 1h, 2h, 4h, 8h, 12h or 24h.
func SessionTimeout(d time.Duration) error {
	for _, ok := range sessionTimeouts {
		if d == ok {
			return nil
		}
	}
	return invalid("session timeout", fmt.Sprintf("%s is not offered; choose 15m, 30m, 1h, 2h, 4h, 8h, 12h or 24h", d))
}
