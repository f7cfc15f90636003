package login

import (
	"testing"
	"time"

	"loginguard/shared/policy"
)

func TestTheAdaptiveFloorIsTheSlowerKindsP95UnderTheCeiling(t *testing.T) {
	const ceiling = 250 * time.Millisecond
	var f floorStats
	// Too few samples of either kind: the ceiling.
	for i := 0; i < 100; i++ {
		f.sample(policy.ReasonUnknownUser, 20*time.Millisecond)
	}
	if got := f.held(ceiling); got != ceiling {
		t.Fatalf("one kind sampled only: %s; want the ceiling", got)
	}
	// Wrong passwords take 40..59 ms: the floor is their 95th percentile.
	for i := 0; i < 200; i++ {
		f.sample(policy.ReasonInvalidCredentials, time.Duration(40+i%20)*time.Millisecond)
	}
	if got := f.held(ceiling); got != 58*time.Millisecond {
		t.Fatalf("floor %s; want the wrong passwords' p95, 58ms", got)
	}
	// A flood of fast refusals of the other kind does not lower it.
	for i := 0; i < 5000; i++ {
		f.sample(policy.ReasonUserLocked, time.Millisecond)
	}
	if got := f.held(ceiling); got != 58*time.Millisecond {
		t.Fatalf("after a flood of fast refusals: %s; want 58ms still", got)
	}
	// Refusals that say what they are anyway are not sampled.
	for i := 0; i < 5000; i++ {
		f.sample(policy.ReasonRestrictedTime, time.Second)
	}
	if got := f.held(ceiling); got != 58*time.Millisecond {
		t.Fatalf("after policy refusals: %s; want 58ms still", got)
	}
	// A slow store raises it, never above the ceiling.
	for i := 0; i < floorSamples; i++ {
		f.sample(policy.ReasonUnknownUser, time.Second)
	}
	if got := f.held(ceiling); got != ceiling {
		t.Fatalf("slow store: %s; want the ceiling", got)
	}
}
