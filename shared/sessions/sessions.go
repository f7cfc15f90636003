package sessions

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"reflect"
	"sort"
	"time"

	"loginguard/shared/domain"
	"loginguard/shared/events"
	"loginguard/shared/policy"
)

// Store is what the use case reads and writes (a dynamo.Store).
type Store interface {
	SessionsOf(ctx context.Context, orgID, userID string, now time.Time) ([]domain.Session, error)
	EndSessions(ctx context.Context, idHashes []string) (int, error)
	EndUserSessions(ctx context.Context, username string) (domain.User, error)
	Swept(ctx context.Context, username string, gen int64) error
	KeepSession(ctx context.Context, idHash, userID string, gen int64) error
	ApplySessionPolicy(ctx context.Context, sess domain.Session) error
}

// Service lists and ends sessions.
type Service struct {
	Store Store
	Now   func() time.Time
	// Sleep waits (a context-aware sleep by default); tests replace it.
	Sleep func(context.Context, time.Duration)
	// Settle is how long a login may take from its last check of the
	// user's session generation to its session showing in the index: a
	// sweep that follows a login closer than that looks again after it.
	Settle time.Duration
	// Events publishes a SessionRevocation for each End, EndAll,
	// EndOthers, SweepFor and EndApp; nil publishes nothing.
	Events events.Publisher
	Log    *slog.Logger // failures that do not fail a request; may be nil
}

// DefaultSettle is Service.Settle's default.
const DefaultSettle = 2 * time.Second

// Report is what an end or an update did.
type Report struct {
	Ended   int // sessions ended
	Updated int // sessions whose settings were rewritten
	Total   int // sessions it had to end or rewrite
}

// CodeNotAllEnded: some sessions are still open after a failure; the
// same request again finishes the job.
const CodeNotAllEnded = domain.CodeSessionsNotEnded

func notAll(r Report, what string, err error) error {
	return (&domain.Error{Code: CodeNotAllEnded,
		Message: fmt.Sprintf("%s: %d of %d done; the rest still work until the same request is made again, which finishes the job", what, r.Ended+r.Updated, r.Total)}).Wrap(err)
}

func (s *Service) sleep(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	if s.Sleep != nil {
		s.Sleep(ctx, d)
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

func (s *Service) settle() time.Duration {
	if s.Settle > 0 {
		return s.Settle
	}
	return DefaultSettle
}

// List is the live sessions of an org, or of one user of it (userID set),
// newest first.
func (s *Service) List(ctx context.Context, orgID, userID string) ([]domain.Session, error) {
	out, err := s.Store.SessionsOf(ctx, orgID, userID, s.Now())
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CreatedAt.After(out[j].CreatedAt) })
	return out, nil
}

// ErrNoSuchSession: no live session has that reference (in that org, or
// of that user).
var ErrNoSuchSession = &domain.Error{Code: domain.CodeInvalidSession, Message: "no live session has that reference"}

// End ends one session, named by its reference (domain.Session.Ref),
// among an org's sessions or one user's (userID set).
func (s *Service) End(ctx context.Context, orgID, userID, ref string) (domain.Session, error) {
	all, err := s.Store.SessionsOf(ctx, orgID, userID, s.Now())
	if err != nil {
		return domain.Session{}, err
	}
	for _, sess := range all {
		if len(ref) == domain.RefLen && sess.Ref() == ref {
			if _, err := s.Store.EndSessions(ctx, []string{sess.IDHash}); err != nil {
				return domain.Session{}, err
			}
			s.revoked(ctx, sess.OrgID, sess.UserID, sess.Username, events.ReasonEndOne, 1)
			return sess, nil
		}
	}
	return domain.Session{}, ErrNoSuchSession
}

// EndAll ends every session of a user (an admin's "end", the user's
// "log out everywhere"): the generation is raised, then the sweep runs. A
// failed sweep is finished by calling EndAll again.
func (s *Service) EndAll(ctx context.Context, username string) (Report, error) {
	u, err := s.Store.EndUserSessions(ctx, username)
	if err != nil {
		return Report{}, err
	}
	r, err := s.Sweep(ctx, u, "")
	// The generation is raised: every session is refused from here on,
	// even those a failed sweep left in the index.
	s.revoked(ctx, u.OrgID, u.ID, u.Username, events.ReasonEndAll, r.Ended)
	return r, err
}

// EndOthers ends every session of a user but the one whose id digest is
// keep: "log out everywhere else".
func (s *Service) EndOthers(ctx context.Context, username, keep string) (Report, error) {
	u, err := s.Store.EndUserSessions(ctx, username)
	if err != nil {
		return Report{}, err
	}
	r, err := s.Sweep(ctx, u, keep)
	s.revoked(ctx, u.OrgID, u.ID, u.Username, events.ReasonEndOthers, r.Ended)
	return r, err
}

// SweepFor is Sweep after a change that ended u's sessions by raising
// their generation (a deactivation, a new password), and publishes the
// SessionRevocation for reason.
func (s *Service) SweepFor(ctx context.Context, u domain.User, keep, reason string) (Report, error) {
	r, err := s.Sweep(ctx, u, keep)
	s.revoked(ctx, u.OrgID, u.ID, u.Username, reason, r.Ended)
	return r, err
}

// revoked publishes the SessionRevocation of n ended sessions.
func (s *Service) revoked(ctx context.Context, orgID, userID, username, reason string, n int) {
	events.Emit(ctx, s.Events, s.Log, events.Event{Type: events.SessionRevocation, Detail: events.Detail{OrgID: orgID,
		UserID: userID, Username: username, Time: s.Now().UTC(), Reason: reason, Sessions: n}})
}

// Sweep ends every session of u opened under an older generation than
// u.SessionGen (u as the write that raised it left it), but keep (an id
// digest; "" for none), which moves into the new generation first. It
// records the sweep on the user once it is complete. Running it again
// after a failure finishes the job.
func (s *Service) Sweep(ctx context.Context, u domain.User, keep string) (Report, error) {
	if keep != "" {
		if err := s.Store.KeepSession(ctx, keep, u.ID, u.SessionGen); err != nil && !errors.Is(err, domain.ErrNotFound) {
			return Report{}, err
		}
	}
	var r Report
	pass := func() error {
		return s.endWhere(ctx, u.OrgID, u.ID, &r, func(sess domain.Session) bool { return sess.Gen < u.SessionGen && sess.IDHash != keep })
	}
	if err := pass(); err != nil {
		return r, notAll(r, "ending "+u.Username+"'s sessions", err)
	}
	// A login that passed its generation check just before the raise may
	// not have shown in the index yet: look again once it has.
	if wait := u.LastLoginAt.Add(s.settle()).Sub(s.Now()); !u.LastLoginAt.IsZero() && wait > 0 {
		s.sleep(ctx, wait)
		if err := pass(); err != nil {
			return r, notAll(r, "ending "+u.Username+"'s sessions", err)
		}
	}
	if err := s.Store.Swept(ctx, u.Username, u.SessionGen); err != nil {
		return r, notAll(r, "ending "+u.Username+"'s sessions", err)
	}
	return r, nil
}

// endWhere ends the live sessions of an org (or of one user of it) that
// match, adding what it did to r.
func (s *Service) endWhere(ctx context.Context, orgID, userID string, r *Report, match func(domain.Session) bool) error {
	all, err := s.Store.SessionsOf(ctx, orgID, userID, s.Now())
	if err != nil {
		return err
	}
	var ids []string
	for _, sess := range all {
		if match(sess) {
			ids = append(ids, sess.IDHash)
		}
	}
	r.Total += len(ids)
	n, err := s.Store.EndSessions(ctx, ids)
	r.Ended += n
	return err
}

// EndApp ends every session a connected app's logins opened (after the
// app is deleted, so no new one can open; logins that read the app just
// before are covered by a second look after Settle).
func (s *Service) EndApp(ctx context.Context, orgID, clientID string) (Report, error) {
	var r Report
	pass := func() error {
		return s.endWhere(ctx, orgID, "", &r, func(sess domain.Session) bool { return sess.ClientID == clientID })
	}
	if err := pass(); err != nil {
		return r, notAll(r, "ending the app's sessions", err)
	}
	s.sleep(ctx, s.settle())
	err := pass()
	// The app is gone: its sessions are refused from here on, even those
	// a failed pass left.
	s.revoked(ctx, orgID, "", "", events.ReasonAppDeleted, r.Ended)
	if err != nil {
		return r, notAll(r, "ending the app's sessions", err)
	}
	return r, nil
}

// Apply carries an org's settings and its profiles' onto the org's live
// sessions, per setting as README "Settings and live sessions" describes:
// the idle timeout, the IP lock, login hours and the high-assurance policy
// are rewritten on each session; a session whose start IP is outside its
// profile's login IP ranges, or an API session of a profile whose API
// access is off, is ended. Lockout settings and two-factor requirements
// apply at the next login only. Running it again after a failure finishes
// the job; a session already up to date costs no write.
func (s *Service) Apply(ctx context.Context, o domain.Org, profiles []domain.Profile) (Report, error) {
	byID := make(map[string]domain.ProfileSettings, len(profiles))
	for _, p := range profiles {
		byID[p.ID] = p.ProfileSettings
	}
	all, err := s.Store.SessionsOf(ctx, o.ID, "", s.Now())
	if err != nil {
		return Report{}, err
	}
	var end []string
	var r Report
	for _, sess := range all {
		p, known := byID[sess.ProfileID]
		if known && mustEnd(sess, p) {
			end = append(end, sess.IDHash)
			continue
		}
		next := withSettings(sess, o.OrgSettings, p, known)
		if sameSettings(sess, next) {
			continue
		}
		r.Total++
		switch err := s.Store.ApplySessionPolicy(ctx, next); {
		case err == nil:
			r.Updated++
		case errors.Is(err, domain.ErrNotFound):
			r.Total-- // ended meanwhile
		default:
			return r, notAll(r, "applying the settings to live sessions", err)
		}
	}
	r.Total += len(end)
	n, err := s.Store.EndSessions(ctx, end)
	r.Ended += n
	if err != nil {
		return r, notAll(r, "applying the settings to live sessions", err)
	}
	return r, nil
}

// mustEnd: the profile's settings now refuse the session outright.
func mustEnd(sess domain.Session, p domain.ProfileSettings) bool {
	if policy.ChannelOf(sess.LoginType) == policy.ChannelAPI && !p.APIEnabled {
		return true
	}
	ip, err := netip.ParseAddr(sess.IP)
	return len(p.LoginIPRanges) > 0 && (err != nil || !p.LoginIPRanges.Contains(ip))
}

// withSettings is sess carrying the org's settings now (and its profile's,
// when known).
func withSettings(sess domain.Session, o domain.OrgSettings, p domain.ProfileSettings, known bool) domain.Session {
	sess.Timeout = o.SessionTimeout
	if sess.Timeout <= 0 {
		sess.Timeout = policy.DefaultSessionTimeout
	}
	sess.LockIP = o.LockSessionsToIP
	sess.HighAssurance = o.HighAssurance
	if known {
		sess.Hours = p.LoginHours
	}
	return sess
}

func sameSettings(a, b domain.Session) bool {
	return a.Timeout == b.Timeout && a.LockIP == b.LockIP &&
		a.Hours.Zone == b.Hours.Zone && a.Hours.String() == b.Hours.String() &&
		len(a.HighAssurance) == len(b.HighAssurance) && (len(a.HighAssurance) == 0 || reflect.DeepEqual(a.HighAssurance, b.HighAssurance))
}
