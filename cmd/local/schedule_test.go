package main

import (
	"encoding/json"
	"testing"
	"time"
)

func TestSchedulesFlag(t *testing.T) {
	for v, want := range map[string]time.Duration{"template": 0, "off": -1, "1m": time.Minute, "90s": 90 * time.Second} {
		if got, err := scheduleEvery(v); err != nil || got != want {
			t.Errorf("--schedules %s: %v, %v; want %v", v, got, err, want)
		}
	}
	for _, bad := range []string{"", "hourly", "10ms", "-1m"} {
		if _, err := scheduleEvery(bad); err == nil {
			t.Errorf("--schedules %q accepted", bad)
		}
	}
}

// The event is EventBridge's scheduled event, as events/digest/scheduled.json is.
func TestScheduledEventHasEventBridgesShape(t *testing.T) {
	at := time.Date(2026, 12, 3, 14, 0, 0, 0, time.UTC)
	b, err := scheduledEvent("DigestFunction", "Hourly", at)
	if err != nil {
		t.Fatal(err)
	}
	var ev struct {
		DetailType string   `json:"detail-type"`
		Source     string   `json:"source"`
		Time       string   `json:"time"`
		Resources  []string `json:"resources"`
		ID         string   `json:"id"`
	}
	if err := json.Unmarshal(b, &ev); err != nil || ev.DetailType != "Scheduled Event" || ev.Source != "aws.events" ||
		ev.Time != "2026-12-03T14:00:00Z" || len(ev.Resources) != 1 || len(ev.ID) != 32 {
		t.Fatalf("%s (%v)", b, err)
	}
}
