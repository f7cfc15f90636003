package loginbench

import (
	"slices"
	"testing"
	"time"
)

// Kinds holds the answer times of requests of several kinds that must not
// be told apart by their timing (a refused login of each kind, a forgot
// request for each kind of name), taken interleaved: one of each kind per
// round, so that a change of machine load moves every kind alike.
type Kinds struct {
	names []string
	times [][]time.Duration
}

// NewKinds is an empty Kinds of the named kinds.
func NewKinds(names ...string) *Kinds {
	return &Kinds{names: names, times: make([][]time.Duration, len(names))}
}

// Add is one answer time of kind i.
func (k *Kinds) Add(i int, d time.Duration) { k.times[i] = append(k.times[i], d) }

// Median is the median answer time of kind i.
func (k *Kinds) Median(i int) time.Duration {
	ts := slices.Clone(k.times[i])
	if len(ts) == 0 {
		return 0
	}
	slices.Sort(ts)
	return ts[len(ts)/2]
}

// Spread is how far apart the slowest and the fastest kinds' medians are,
// in percent of the fastest.
func (k *Kinds) Spread() float64 {
	lo, hi := time.Duration(1<<62), time.Duration(0)
	for i := range k.names {
		m := k.Median(i)
		lo, hi = min(lo, m), max(hi, m)
	}
	if lo <= 0 {
		return 0
	}
	return float64(hi-lo) * 100 / float64(lo)
}

// Report reports each kind's median in ms (<name>-ms) and the Spread
// (spread-%).
func (k *Kinds) Report(b *testing.B) {
	b.Helper()
	for i, name := range k.names {
		b.ReportMetric(float64(k.Median(i).Microseconds())/1000, name+"-ms")
	}
	b.ReportMetric(k.Spread(), "spread-%")
}
