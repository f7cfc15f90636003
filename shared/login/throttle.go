package login

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"time"

	"loginguard/shared/domain"
	"loginguard/shared/policy"
)

// The per-source throttle (policy.SourceThrottle): failed logins are
// counted per source across every user, one conditional write per failure
// and nothing on a success; a source past the limit is refused before its
// attempt spends a hash.
//
// An instance learns that a source is past the limit in one of two ways:
// one of its own failures found the count there, or it read the count.
// It reads the count (one eventually consistent GetItem, side by side with
// the attempt's reservation; the attempt's hash then waits for it instead
// of starting beside the reservation: about one round trip, once per
// place and instance) on each attempt from a source it cannot vouch for: one that has not
// logged in successfully on this instance in the current window. A user
// logging in again from the same place gains nothing; a spray costs one
// read per source and instance instead of a hash per attempt. An attack
// from a source that also has successful logins on an instance (a shared
// NAT) costs that instance at most one hash past the limit.

// SourceStore is what the throttle needs of storage.
type SourceStore interface {
	// CountSourceFailure counts one failure of source in window n (ending
	// at end) and reports whether the count is at limit.
	CountSourceFailure(ctx context.Context, source string, n int64, end time.Time, limit int) (int, bool, error)
	// SourceFailures reads the count of source in window n (an eventually
	// consistent read; 0 when none was counted).
	// held: the count was started at the limit by HoldSource.
	SourceFailures(ctx context.Context, source string, n int64) (count int, held bool, err error)
	// HoldSource starts the count of source in window n at limit (unless
	// it is there already), ending at end: a source that reached the limit
	// stays throttled through the next window.
	HoldSource(ctx context.Context, source string, n int64, end time.Time, limit int) error
	// LoginRanges reads the user's trusted and profile ranges (an
	// eventually consistent read; domain.ErrNotFound when no such user).
	LoginRanges(ctx context.Context, username string) (domain.User, error)
}

// sourceMarks is a set of sources, each until its window ends: this
// instance's view of the sources past the limit, and of those it vouches
// for. Bounded: when full, expired entries go, and if none has expired the
// map starts over (an attacker with more sources than that then costs each
// of them one more read, or hash).
type sourceMarks struct {
	mu sync.Mutex
	m  map[string]time.Time
}

const maxMarked = 50000

func (t *sourceMarks) until(key string, now time.Time) (time.Time, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	end, ok := t.m[key]
	if ok && !now.Before(end) {
		delete(t.m, key)
		return time.Time{}, false
	}
	return end, ok
}

// put records key as throttled until end; false when it was already.
func (t *sourceMarks) put(key string, end, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil {
		t.m = map[string]time.Time{}
	}
	if was, ok := t.m[key]; ok && !was.Before(end) {
		return false
	}
	if len(t.m) >= maxMarked {
		for k, e := range t.m {
			if !now.Before(e) {
				delete(t.m, k)
			}
		}
		if len(t.m) >= maxMarked {
			t.m = map[string]time.Time{}
		}
	}
	t.m[key] = end
	return true
}

// sourceThrottled is the refusal of a throttled source: Salesforce's
// REQUEST_LIMIT_EXCEEDED, with the time left until its window ends.
func sourceThrottled(retry time.Duration) *domain.Error {
	secs := int((retry + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	return &domain.Error{Code: domain.CodeRequestLimit, Reason: policy.ReasonSourceThrottled, RetryAfter: time.Duration(secs) * time.Second,
		Message: fmt.Sprintf("Too many failed logins from your network address. Try again in %s.", minutes(secs))}
}

func minutes(secs int) string {
	if secs < 90 {
		return fmt.Sprintf("%d seconds", secs)
	}
	return fmt.Sprintf("%d minutes", (secs+59)/60)
}

// throttleOn reports whether attempts from ip are throttled at all.
func (s *Service) throttleOn(ip netip.Addr) bool {
	return s.Sources != nil && s.Throttle.On() && ip.IsValid() && !s.Throttle.Exempt.Contains(ip)
}

// admit refuses an attempt for username from a throttled source, before
// anything is reserved or hashed; nil lets it go on. A source this instance
// has not seen past the limit costs nothing here. A throttled one costs one
// read: the user's own trusted and profile ranges exempt it for that
// user's logins, so a network one org trusts is never shut out of it by
// guesses against other orgs.
func (s *Service) admit(ctx context.Context, username string, ip netip.Addr) error {
	if !s.throttleOn(ip) {
		return nil
	}
	now := s.Now()
	end, ok := s.throttled.until(policy.SourceKey(ip), now)
	if !ok {
		return nil
	}
	if validUsername(username) {
		u, err := s.Sources.LoginRanges(ctx, username)
		if err == nil && s.Throttle.Exempts(ip, u.Policy.TrustedRanges, u.Policy.LoginIPRanges) {
			return nil
		}
		if err != nil && !errors.Is(err, domain.ErrNotFound) && s.Log != nil {
			s.Log.WarnContext(ctx, "login ranges not read for a throttled source", "error", err.Error())
		}
	}
	return sourceThrottled(end.Sub(now))
}

// sourceProbe is an attempt's read of its source's count, running beside
// its reservation; nil when none was needed.
type sourceProbe struct {
	key  string
	end  time.Time // the window's end
	next time.Time // the next window's end
	ch   chan probed
}

type probed struct {
	count int // -1 when it could not be read
	held  bool
}

// probe starts reading the count of ip's source, unless this instance
// knows enough already: the source is throttled (admit refused it), or
// vouched for (a success from it in this window), or not throttled at all.
func (s *Service) probe(ctx context.Context, ip netip.Addr, now time.Time) *sourceProbe {
	if !s.throttleOn(ip) {
		return nil
	}
	key := policy.SourceKey(ip)
	if _, ok := s.vouched.until(key, now); ok {
		return nil
	}
	n, end := s.Throttle.WindowOf(now)
	_, next := s.Throttle.WindowOf(end)
	p := &sourceProbe{key: key, end: end, next: next, ch: make(chan probed, 1)}
	go func() {
		count, held, err := s.Sources.SourceFailures(ctx, key, n)
		if err != nil {
			// Unread, the attempt goes on as the throttle's cache alone
			// would have it: its failure, if it is one, is still counted.
			if s.Log != nil {
				s.Log.WarnContext(ctx, "login source's failures not read", "error", err.Error())
			}
			count = -1
		}
		p.ch <- probed{count, held}
	}()
	return p
}

// past waits for the probe and reports whether the source is past the
// limit for a login under pol (nil for no known user): the user's trusted
// and profile ranges exempt it. A source found past the limit is
// remembered as throttled.
func (s *Service) past(p *sourceProbe, ip netip.Addr, pol *domain.LoginPolicy, now time.Time) (*domain.Error, bool) {
	if p == nil {
		return nil, false
	}
	got := <-p.ch
	if got.count < s.Throttle.Limit {
		return nil, false
	}
	if pol != nil && s.Throttle.Exempts(ip, pol.TrustedRanges, pol.LoginIPRanges) {
		return nil, false
	}
	// Failures reached the limit in this window: held through the next
	// one (failedAt wrote the hold). A window held from the last one ends
	// with itself.
	until := p.next
	if got.held {
		until = p.end
	}
	if s.throttled.put(p.key, until, now) && s.Log != nil {
		s.Log.Info("login source throttled", "source", p.key, "failures", got.count,
			"limit", s.Throttle.Limit, "until", until.UTC().Format(time.RFC3339))
	}
	return sourceThrottled(until.Sub(now)), true
}

// vouch marks ip's source as one this instance need not read the count of
// until the window ends: a login from it just succeeded.
func (s *Service) vouch(ip netip.Addr, now time.Time) {
	if !s.throttleOn(ip) {
		return
	}
	_, end := s.Throttle.WindowOf(now)
	s.vouched.put(policy.SourceKey(ip), end, now)
}

// failedAt counts a refusal for reason r toward the attempt's source, when
// it is a guess (policy.CountsAtSource) from a source neither the service
// nor pol (the user's policy; nil for an unknown user) exempts. Counting
// never fails the refusal: a failure to count is logged.
func (s *Service) failedAt(ctx context.Context, ip netip.Addr, r policy.Reason, pol *domain.LoginPolicy) {
	if !s.throttleOn(ip) || !policy.CountsAtSource(r) {
		return
	}
	if pol != nil && s.Throttle.Exempts(ip, pol.TrustedRanges, pol.LoginIPRanges) {
		return
	}
	now := s.Now()
	key := policy.SourceKey(ip)
	n, end := s.Throttle.WindowOf(now)
	count, throttled, err := s.Sources.CountSourceFailure(ctx, key, n, end, s.Throttle.Limit)
	if err != nil {
		if s.Log != nil {
			s.Log.WarnContext(ctx, "failed login not counted at its source", "error", err.Error())
		}
		return
	}
	// The windows are fixed: a source that reached the limit just before
	// one ends would start again at zero a moment later. It is held
	// through the next window instead (one write, by each instance that
	// learns it from its own count), so a throttled source stays out for
	// at least a whole window.
	_, next := s.Throttle.WindowOf(end) // the end of the next window
	if throttled && s.throttled.put(key, next, now) {
		if err := s.Sources.HoldSource(ctx, key, n+1, next, s.Throttle.Limit); err != nil && s.Log != nil {
			s.Log.WarnContext(ctx, "throttled login source not held into the next window", "error", err.Error())
		}
		if s.Log != nil {
			s.Log.InfoContext(ctx, "login source throttled", "source", key, "failures", count,
				"limit", s.Throttle.Limit, "until", next.UTC().Format(time.RFC3339))
		}
	}
}

// validUsername reports whether username can be a user's at all.
func validUsername(username string) bool {
	return username != "" && len(username) <= MaxUsernameLen && !strings.ContainsAny(username, "\x00\r\n")
}
