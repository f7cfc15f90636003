// Package loginbench holds what the login benchmarks share: timing a login
// interleaved with the password hash it is measured against, and a DynamoDB
// client that counts the calls and capacity units each login costs.
package loginbench

import (
	"slices"
	"testing"
	"time"
)

// Interleaved times hash and login alternately (hash, login, hash, login,
// ...) for b.N pairs and reports the login/hash ratio of each pair as its
// median (x-hash) with the 10th and 90th percentiles (x-hash-p10,
// x-hash-p90), beside the median times (hash-ms, login-ms). The two halves
// of a pair run a few milliseconds apart, so a change of machine load moves
// both alike and the ratio keeps its meaning on a busy machine; timing all
// hashes first and all logins after did not (0.80x on one machine, 1.43x on
// a busier one). ns/op is that of a pair. It returns the number of pairs.
func Interleaved(b *testing.B, hash, login func()) int {
	b.Helper()
	var hashes, logins, ratios []float64
	for b.Loop() {
		t0 := time.Now()
		hash()
		t1 := time.Now()
		login()
		t2 := time.Now()
		h, l := float64(t1.Sub(t0)), float64(t2.Sub(t1))
		hashes, logins, ratios = append(hashes, h), append(logins, l), append(ratios, l/h)
	}
	b.ReportMetric(quantile(ratios, 0.5), "x-hash")
	b.ReportMetric(quantile(ratios, 0.1), "x-hash-p10")
	b.ReportMetric(quantile(ratios, 0.9), "x-hash-p90")
	b.ReportMetric(quantile(hashes, 0.5)/1e6, "hash-ms")
	b.ReportMetric(quantile(logins, 0.5)/1e6, "login-ms")
	return len(ratios)
}

// ReportUnits reports what n logins cost in DynamoDB: calls, read units and
// write units per login (ddb-calls/op, rcu/op, wcu/op).
func ReportUnits(b *testing.B, u Units, n int) {
	b.Helper()
	if n == 0 {
		return
	}
	b.ReportMetric(float64(u.Calls)/float64(n), "ddb-calls/op")
	b.ReportMetric(u.Read/float64(n), "rcu/op")
	b.ReportMetric(u.Write/float64(n), "wcu/op")
}

// quantile is the q-quantile of xs by linear interpolation between the
// closest ranks; xs is sorted in place.
func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	pos := q * float64(len(xs)-1)
	i := int(pos)
	if i+1 >= len(xs) {
		return xs[len(xs)-1]
	}
	return xs[i] + (pos-float64(i))*(xs[i+1]-xs[i])
}
