package digest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Kinds of digest.
const (
	// KindHour covers every line of one hour, written once the hour and its
	// grace period have passed.
	KindHour = "HOUR"
	// KindLate covers lines of hours already digested that were written
	// after their hour's digest; it is written beside the next hour digest.
	KindLate = "LATE"
)

// HourFormat spells an hour in digests and their keys (UTC).
const HourFormat = "2006-01-02T15"

// Line is one stored history line: its key in the history table and the
// whole item.
type Line struct {
	Subject, At string
	Item        Item
}

// Key names the line as verification reports it.
func (l Line) Key() string { return l.Subject + " " + l.At }

// Entry is one line as a digest covers it.
type Entry struct {
	Subject, At string
	Hash        [32]byte
}

// Key names the line as verification reports it.
func (e Entry) Key() string { return e.Subject + " " + e.At }

// Hour is the hour of the line's time (its key begins with it).
func (e Entry) Hour() (time.Time, error) { return hourOf(e.At) }

func hourOf(at string) (time.Time, error) {
	if len(at) < len(HourFormat) {
		return time.Time{}, fmt.Errorf("digest: line time %q has no hour", at)
	}
	return time.Parse(HourFormat, at[:len(HourFormat)])
}

// Digest is one signed link of an org's chain.
type Digest struct {
	OrgID string
	// Hour is, for KindHour, the hour covered; for KindLate, the hour of the
	// hour digest it was written beside.
	Hour time.Time
	Kind string
	// Seq is 1 for an org's first digest and one more for each after it.
	Seq int64
	// Prev is the hex Hash of the org's previous digest ("" for the first).
	Prev      string
	Entries   []Entry // by At, then Subject
	CreatedAt time.Time
	KeyID     string // the KMS key that signed it
	Signature []byte // over Hash
}

// ID names the digest as verification reports it: "2026-12-03T12 HOUR".
func (d Digest) ID() string { return d.Hour.UTC().Format(HourFormat) + " " + d.Kind }

// SortKey orders an org's digests in chain order: by hour, the hour
// digest before the late one written beside it.
func (d Digest) SortKey() string {
	n := "0"
	if d.Kind == KindLate {
		n = "1"
	}
	return d.Hour.UTC().Format(HourFormat) + "#" + n
}

// LinesHash binds the entries, in order, each key with its line's hash.
func (d Digest) LinesHash() [32]byte {
	h := sha256.New()
	h.Write([]byte("loginguard.lines.v1\n"))
	for _, e := range d.Entries {
		h.Write([]byte(e.Subject + "\n" + e.At + "\n"))
		h.Write(e.Hash[:])
	}
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

// Hash is what the signature signs: every field but the signature, the
// entries through LinesHash.
func (d Digest) Hash() [32]byte {
	lines := d.LinesHash()
	var b strings.Builder
	b.WriteString("loginguard.digest.v1\n")
	for _, kv := range [][2]string{{"org", d.OrgID}, {"hour", d.Hour.UTC().Format(HourFormat)}, {"kind", d.Kind},
		{"seq", strconv.FormatInt(d.Seq, 10)}, {"prev", d.Prev}, {"count", strconv.Itoa(len(d.Entries))},
		{"lines", hex.EncodeToString(lines[:])}, {"created", d.CreatedAt.UTC().Format(time.RFC3339Nano)}, {"key", d.KeyID}} {
		b.WriteString(kv[0] + "=" + kv[1] + "\n")
	}
	return sha256.Sum256([]byte(b.String()))
}

// HexHash is Hash in hex, as the next digest's Prev holds it.
func (d Digest) HexHash() string {
	h := d.Hash()
	return hex.EncodeToString(h[:])
}

// entriesOf hashes lines into entries, ordered by time, then subject.
func entriesOf(lines []Line) ([]Entry, error) {
	out := make([]Entry, 0, len(lines))
	for _, l := range lines {
		h, err := LineHash(l.Item)
		if err != nil {
			return nil, fmt.Errorf("line %s: %w", l.Key(), err)
		}
		out = append(out, Entry{Subject: l.Subject, At: l.At, Hash: h})
	}
	sortEntries(out)
	return out, nil
}
