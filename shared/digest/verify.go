package digest

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"sort"
	"time"

	"loginguard/shared/domain"
)

// Problem codes: what verification found wrong, each with what it names.
const (
	LineChanged   = "LINE_CHANGED"   // a line differs from what its digest signed
	LineRemoved   = "LINE_REMOVED"   // a line a digest signed is gone
	LineAdded     = "LINE_ADDED"     // a line of a digested hour is in no digest
	DigestChanged = "DIGEST_CHANGED" // a digest's content no longer matches its signature
	DigestMissing = "DIGEST_MISSING" // the chain skips a digest (seq or hour)
	ChainBroken   = "CHAIN_BROKEN"   // a digest does not link to the one before it
)

// Problem is one finding: its code, the digest and line it names (either
// may be empty) and a sentence for a person.
type Problem struct {
	Code    string `json:"code"`
	Digest  string `json:"digest,omitempty"`
	Line    string `json:"line,omitempty"`
	Message string `json:"message"`
}

// Result is a verification's outcome.
type Result struct {
	OrgID    string `json:"orgId"`
	Digests  int    `json:"digests"`        // digests checked
	Lines    int    `json:"lines"`          // lines checked against them
	Head     string `json:"head,omitempty"` // the newest digest's id
	HeadHash string `json:"headHash,omitempty"`
	// Pending are lines of recently digested hours that no digest covers
	// yet and the next run will list in a late digest.
	Pending []string `json:"pending,omitempty"`
	// Late are the lines late digests cover ("<line> in <digest>"): written
	// after their hour was digested, which an auditor may want to see.
	Late     []string  `json:"late,omitempty"`
	Problems []Problem `json:"problems"`
}

// OK says whether nothing was found wrong.
func (r Result) OK() bool { return len(r.Problems) == 0 }

// Reader is what verification reads.
type Reader interface {
	HourLines(ctx context.Context, org string, hour time.Time) ([]Line, error)
	Digests(ctx context.Context, org string, from time.Time) ([]Digest, error)
	// DigestBefore is the org's newest digest of an hour before hour
	// (domain.ErrNotFound for none).
	DigestBefore(ctx context.Context, org string, hour time.Time) (Digest, error)
}

// ParsePublicKey reads a DER (PKIX) public key, as KMS GetPublicKey gives
// it: ECDSA or RSA.
func ParsePublicKey(der []byte) (crypto.PublicKey, error) {
	k, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("digest public key: %w", err)
	}
	switch k.(type) {
	case *ecdsa.PublicKey, *rsa.PublicKey:
		return k, nil
	}
	return nil, fmt.Errorf("digest public key: a %T cannot check these signatures", k)
}

func signatureOK(pub crypto.PublicKey, d Digest) bool {
	h := d.Hash()
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		return ecdsa.VerifyASN1(k, h[:], d.Signature)
	case *rsa.PublicKey:
		return rsa.VerifyPKCS1v15(k, crypto.SHA256, h[:], d.Signature) == nil
	}
	return false
}

// Verify checks every digest of org from the hour of since on (signature,
// link to the one before, no gap) and every line of the hours they cover
// against them, and names each line or digest that was changed, removed
// or added. lateWindow is the digest function's (DefaultLateWindow when 0).
func Verify(ctx context.Context, st Reader, pub crypto.PublicKey, org string, since time.Time, lateWindow time.Duration) (Result, error) {
	res := Result{OrgID: org, Problems: []Problem{}}
	from := since.UTC().Truncate(time.Hour)
	ds, err := st.Digests(ctx, org, from)
	if err != nil {
		return res, err
	}
	if len(ds) == 0 {
		return res, nil
	}
	prev, err := st.DigestBefore(ctx, org, from)
	havePrev := err == nil
	if err != nil && !errors.Is(err, domain.ErrNotFound) {
		return res, err
	}
	res.Digests = len(ds)
	res.Head, res.HeadHash = ds[len(ds)-1].ID(), ds[len(ds)-1].HexHash()
	res.Problems = append(res.Problems, checkChain(pub, prev, havePrev, ds)...)
	lines, err := checkLines(ctx, st, org, ds, or(lateWindow, DefaultLateWindow), &res)
	if err != nil {
		return res, err
	}
	res.Lines = lines
	sort.SliceStable(res.Problems, func(i, j int) bool {
		return res.Problems[i].Digest+res.Problems[i].Line < res.Problems[j].Digest+res.Problems[j].Line
	})
	return res, nil
}

// checkChain checks each digest's signature and its link to the one
// before. A digest whose signature fails is named once: the next one's
// link to it is not reported again.
func checkChain(pub crypto.PublicKey, prev Digest, havePrev bool, ds []Digest) []Problem {
	var out []Problem
	prevOK := true
	for i, d := range ds {
		ok := signatureOK(pub, d)
		if !ok {
			out = append(out, Problem{Code: DigestChanged, Digest: d.ID(),
				Message: fmt.Sprintf("digest %s was changed: its content no longer matches its signature", d.ID())})
		}
		switch {
		case i == 0 && !havePrev && d.Seq != 1:
			out = append(out, Problem{Code: DigestMissing, Digest: d.ID(),
				Message: fmt.Sprintf("digest %s (number %d) has no digest before it: digest number %d was removed", d.ID(), d.Seq, d.Seq-1)})
		case i == 0 && !havePrev:
		case d.Seq != prev.Seq+1:
			out = append(out, Problem{Code: DigestMissing, Digest: d.ID(),
				Message: fmt.Sprintf("between digest %s (number %d) and digest %s (number %d) digests were removed or added", prev.ID(), prev.Seq, d.ID(), d.Seq)})
		case prevOK && d.Prev != prev.HexHash():
			out = append(out, Problem{Code: ChainBroken, Digest: d.ID(),
				Message: fmt.Sprintf("chain broken: digest %s does not link to digest %s before it (one of them was replaced)", d.ID(), prev.ID())})
		case d.Kind == KindHour && !d.Hour.Equal(prev.Hour.Add(time.Hour)):
			// A late digest has the hour of the hour digest beside it.
			out = append(out, Problem{Code: DigestMissing, Digest: d.ID(),
				Message: fmt.Sprintf("no digest for the hours from %s to before %s", prev.Hour.Add(time.Hour).Format(HourFormat), d.Hour.Format(HourFormat))})
		}
		prev, prevOK, havePrev = d, ok, true
	}
	return out
}

type signed struct {
	entry  Entry
	digest string
	seen   bool
}

// checkLines compares the lines of every hour an hour digest covers with
// what the digests signed for them.
func checkLines(ctx context.Context, st Reader, org string, ds []Digest, lateWindow time.Duration, res *Result) (int, error) {
	want := map[string]*signed{}
	hours := map[time.Time]bool{}
	var lastHour time.Time
	for _, d := range ds {
		if d.Kind == KindHour {
			hours[d.Hour] = true
			lastHour = d.Hour
		}
		for _, e := range d.Entries {
			want[e.Key()] = &signed{entry: e, digest: d.ID()}
			if d.Kind == KindLate {
				res.Late = append(res.Late, e.Key()+" in "+d.ID())
			}
		}
	}
	checked := 0
	for h := range hours {
		lines, err := st.HourLines(ctx, org, h)
		if err != nil {
			return 0, err
		}
		for _, l := range lines {
			checked++
			w, ok := want[l.Key()]
			if !ok {
				if h.After(lastHour.Add(-lateWindow)) {
					res.Pending = append(res.Pending, l.Key())
					continue
				}
				res.Problems = append(res.Problems, Problem{Code: LineAdded, Line: l.Key(),
					Message: fmt.Sprintf("line %s (hour %s) is in no digest: it was added after its hour was digested", l.Key(), h.Format(HourFormat))})
				continue
			}
			w.seen = true
			if got, err := LineHash(l.Item); err != nil || got != w.entry.Hash {
				res.Problems = append(res.Problems, Problem{Code: LineChanged, Digest: w.digest, Line: l.Key(),
					Message: fmt.Sprintf("line %s was changed after digest %s signed it", l.Key(), w.digest)})
			}
		}
	}
	for key, w := range want {
		h, err := w.entry.Hour()
		if err != nil || !hours[h] || w.seen {
			continue
		}
		res.Problems = append(res.Problems, Problem{Code: LineRemoved, Digest: w.digest, Line: key,
			Message: fmt.Sprintf("line %s, signed in digest %s, was removed", key, w.digest)})
	}
	sort.Strings(res.Pending)
	return checked, nil
}
