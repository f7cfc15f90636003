package digest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"loginguard/shared/domain"
)

// Defaults of Service.
const (
	// DefaultGrace is how long after an hour ends its digest waits: lines
	// are written a few milliseconds after their time, and the history's
	// org index is eventually consistent.
	DefaultGrace = 5 * time.Minute
	// DefaultLateWindow is how many digested hours each run searches again
	// for late lines.
	DefaultLateWindow = 3 * time.Hour
	// MaxHoursPerRun bounds the hour digests one run writes for one org
	// (after an outage, later runs catch up the rest).
	MaxHoursPerRun = 24
	// Algorithm is the KMS signing algorithm of an ECC_NIST_P256 key.
	Algorithm = "ECDSA_SHA_256"
)

// Store holds history lines and digests.
type Store interface {
	// DigestOrgs lists the orgs whose history is digested (every org with a
	// user: only they have history lines).
	DigestOrgs(ctx context.Context) ([]string, error)
	// HourLines lists every history line of org whose time is in hour.
	HourLines(ctx context.Context, org string, hour time.Time) ([]Line, error)
	// LastDigest is the org's newest digest (domain.ErrNotFound for none).
	LastDigest(ctx context.Context, org string) (Digest, error)
	// Digests lists the org's digests of hour from on, in chain order.
	Digests(ctx context.Context, org string, from time.Time) ([]Digest, error)
	// PutDigest stores a new digest; domain.ErrExists when one with its
	// key is there (another run wrote it).
	PutDigest(ctx context.Context, d Digest) error
}

// Signer signs a SHA-256 digest with an asymmetric KMS key (kms.Client).
type Signer interface {
	Sign(ctx context.Context, keyID string, digest []byte, algorithm string) ([]byte, error)
}

// Service writes the digests.
type Service struct {
	Store      Store
	Signer     Signer
	KeyID      string
	Grace      time.Duration // DefaultGrace when 0
	LateWindow time.Duration // DefaultLateWindow when 0
	Log        *slog.Logger
}

// Report is what one run wrote.
type Report struct {
	Orgs   int `json:"orgs"`
	Hours  int `json:"hourDigests"`
	Late   int `json:"lateDigests"`
	Lines  int `json:"lines"`
	Failed int `json:"failedOrgs"`
}

// DueHour is the newest hour a run at now digests: hour H once
// now >= H + 1h + grace.
func DueHour(now time.Time, grace time.Duration) time.Time {
	return now.Add(-time.Hour - grace).UTC().Truncate(time.Hour)
}

// Run digests, for every org, each hour due at now that is not digested
// yet (at most MaxHoursPerRun), and the late lines found since. An org that
// fails does not stop the others; the errors come back joined.
func (s *Service) Run(ctx context.Context, now time.Time) (Report, error) {
	orgs, err := s.Store.DigestOrgs(ctx)
	if err != nil {
		return Report{}, err
	}
	due := DueHour(now, or(s.Grace, DefaultGrace))
	var rep Report
	var errs []error
	for _, org := range orgs {
		r, err := s.runOrg(ctx, org, due, now)
		rep.Hours, rep.Late, rep.Lines = rep.Hours+r.Hours, rep.Late+r.Late, rep.Lines+r.Lines
		if err != nil {
			rep.Failed++
			errs = append(errs, fmt.Errorf("org %s: %w", org, err))
		}
	}
	rep.Orgs = len(orgs)
	return rep, errors.Join(errs...)
}

func or(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

func (s *Service) runOrg(ctx context.Context, org string, due, now time.Time) (Report, error) {
	var rep Report
	last, err := s.Store.LastDigest(ctx, org)
	first := due
	switch {
	case err == nil:
		first = last.Hour.Add(time.Hour)
	case !errors.Is(err, domain.ErrNotFound):
		return rep, err
	}
	if first.After(due) {
		return rep, nil // nothing due: late lines wait for the next hour digest
	}
	var late []Entry
	if err == nil {
		if late, err = s.lateLines(ctx, org, last); err != nil {
			return rep, err
		}
	}
	prev := last
	for h, n := first, 0; !h.After(due) && n < MaxHoursPerRun; h, n = h.Add(time.Hour), n+1 {
		lines, err := s.Store.HourLines(ctx, org, h)
		if err != nil {
			return rep, err
		}
		entries, err := entriesOf(lines)
		if err != nil {
			return rep, err
		}
		if prev, err = s.write(ctx, prev, Digest{OrgID: org, Hour: h, Kind: KindHour, Entries: entries}, now); errors.Is(err, domain.ErrExists) {
			return rep, nil // a run beside this one (EventBridge may deliver twice) wrote it: the rest is its
		} else if err != nil {
			return rep, err
		}
		rep.Hours++
		rep.Lines += len(entries)
	}
	if len(late) > 0 {
		if _, err := s.write(ctx, prev, Digest{OrgID: org, Hour: prev.Hour, Kind: KindLate, Entries: late}, now); errors.Is(err, domain.ErrExists) {
			return rep, nil
		} else if err != nil {
			return rep, err
		}
		rep.Late++
		rep.Lines += len(late)
		s.log().Info("late history lines digested", "org", org, "lines", len(late), "digest", prev.Hour.Format(HourFormat)+" "+KindLate)
	}
	return rep, nil
}

// write links d to prev, signs it and stores it.
func (s *Service) write(ctx context.Context, prev, d Digest, now time.Time) (Digest, error) {
	d.Seq, d.Prev = 1, ""
	if prev.Seq > 0 {
		d.Seq, d.Prev = prev.Seq+1, prev.HexHash()
	}
	d.CreatedAt, d.KeyID = now.UTC(), s.KeyID
	h := d.Hash()
	sig, err := s.Signer.Sign(ctx, s.KeyID, h[:], Algorithm)
	if err != nil {
		return prev, fmt.Errorf("signing digest %s: %w", d.ID(), err)
	}
	d.Signature = sig
	if err := s.Store.PutDigest(ctx, d); err != nil {
		return prev, fmt.Errorf("storing digest %s: %w", d.ID(), err)
	}
	return d, nil
}

// lateLines are the lines of the org's digested hours of the last
// LateWindow that no digest covers yet.
func (s *Service) lateLines(ctx context.Context, org string, last Digest) ([]Entry, error) {
	from := last.Hour.Add(time.Hour - or(s.LateWindow, DefaultLateWindow))
	ds, err := s.Store.Digests(ctx, org, from)
	if err != nil {
		return nil, err
	}
	covered := map[string]bool{}
	var digested []time.Time // hours before the org's first digest are not late: no digest covers them
	for _, d := range ds {
		if d.Kind == KindHour {
			digested = append(digested, d.Hour)
		}
		for _, e := range d.Entries {
			covered[e.Key()] = true
		}
	}
	var late []Line
	for _, h := range digested {
		lines, err := s.Store.HourLines(ctx, org, h)
		if err != nil {
			return nil, err
		}
		for _, l := range lines {
			if !covered[l.Key()] {
				late = append(late, l)
			}
		}
	}
	return entriesOf(late)
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

func sortEntries(es []Entry) {
	sort.Slice(es, func(i, j int) bool {
		if es[i].At != es[j].At {
			return es[i].At < es[j].At
		}
		return es[i].Subject < es[j].Subject
	})
}
