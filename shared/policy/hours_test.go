package policy

import (
	"testing"
	"time"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestLoginHoursAllows(t *testing.T) {
	ny := mustHoursT(t, "America/New_York", "mon=08:00-18:00,tue=08:00-18:00,wed=08:00-18:00,thu=08:00-18:00,fri=08:00-18:00,sat=00:00-00:00")
	tokyo := mustHoursT(t, "Asia/Tokyo", "mon=09:00-17:00,sun=00:00-00:00")
	sydney := mustHoursT(t, "Australia/Sydney", "mon=08:00-18:00")
	allDay := mustHoursT(t, "UTC", "wed=00:00-24:00")
	tests := []struct {
		name string
		h    LoginHours
		at   string
		want bool
	}{
		// New York: EDT (UTC-4) until 2026-11-01, EST (UTC-5) after.
		{"12:30 UTC on a summer Monday is 08:30 EDT: inside", ny, "2026-06-01T12:30:00Z", true},
		{"12:30 UTC on a winter Monday is 07:30 EST: outside", ny, "2026-11-02T12:30:00Z", false},
		{"13:30 UTC on a winter Monday is 08:30 EST: inside", ny, "2026-11-02T13:30:00Z", true},
		{"the Friday before the spring change, 12:30 UTC is 07:30 EST: outside", ny, "2026-03-06T12:30:00Z", false},
		{"the Monday after the spring change, 12:30 UTC is 08:30 EDT: inside", ny, "2026-03-09T12:30:00Z", true},
		{"the end is exclusive: 18:00 local is outside", ny, "2026-06-01T22:00:00Z", false},
		{"one minute before the end is inside", ny, "2026-06-01T21:59:00Z", true},
		{"start equal to end means no login that day", ny, "2026-06-06T16:00:00Z", false},
		{"a day without hours is unrestricted (Sunday noon)", ny, "2026-06-07T16:00:00Z", true},
		{"Sunday 03:00 UTC is still Saturday evening in New York: closed", ny, "2026-06-07T03:00:00Z", false},
		{"Monday 01:00 UTC is still Sunday evening in New York (unrestricted)", ny, "2026-06-01T01:00:00Z", true},
		{"08:59 on a Monday in Tokyo is Sunday 23:59 UTC: Monday's rules apply, outside", tokyo, "2026-11-22T23:59:00Z", false},
		{"09:00 on a Monday in Tokyo is inside", tokyo, "2026-11-23T00:00:00Z", true},
		{"Sunday in Tokyo is closed though it is Saturday in UTC", tokyo, "2026-11-21T16:00:00Z", false},
		// Sydney: AEDT (UTC+11) in November, AEST (UTC+10) in June.
		{"a southern-summer Monday 08:00 AEDT is 21:00 UTC Sunday: inside", sydney, "2026-11-22T21:00:00Z", true},
		{"the same UTC time in June is 07:00 AEST Monday: outside", sydney, "2026-06-14T21:00:00Z", false},
		{"00:00-24:00 allows the whole day", allDay, "2026-11-25T23:59:59Z", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.h.Allows(utc(tt.at))
			if err != nil || got != tt.want {
				t.Fatalf("Allows(%s) = %v, %v; want %v", tt.at, got, err, tt.want)
			}
		})
	}
}

func mustHoursT(t *testing.T, zone, spec string) LoginHours {
	t.Helper()
	h, err := ParseLoginHours(zone, spec)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestLoginHoursAcrossDSTChangeDays(t *testing.T) {
	// 2026-03-08 is spring-forward in New York: 02:00-02:59 never happens.
	// 2026-11-01 is fall-back: 01:00-01:59 happens twice.
	h := mustHoursT(t, "America/New_York", "sun=02:00-03:00")
	tests := []struct {
		name, at string
		want     bool
	}{
		{"spring-forward: 01:59 EST is before the window", "2026-03-08T06:59:00Z", false},
		{"spring-forward: the next minute is 03:00 EDT, after the window (the skipped hour never happens)", "2026-03-08T07:00:00Z", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, _ := h.Allows(utc(tt.at)); got != tt.want {
				t.Fatalf("Allows(%s) = %v; want %v", tt.at, got, tt.want)
			}
		})
	}
	fall := mustHoursT(t, "America/New_York", "sun=01:00-02:00")
	for _, at := range []string{"2026-11-01T05:30:00Z", "2026-11-01T06:30:00Z"} { // 01:30 EDT, then 01:30 EST
		if ok, _ := fall.Allows(utc(at)); !ok {
			t.Errorf("fall-back: %s is 01:30 local both times and inside the window", at)
		}
	}
}

func TestLoginHoursKeepTheirZoneWhenTheOrgChangesItsZone(t *testing.T) {
	// Hours set while the org's zone was New York; the org later moves to
	// Paris. The profile's hours still carry New York.
	h := mustHoursT(t, "America/New_York", "mon=08:00-18:00")
	// Monday 08:30 in Paris (07:30 UTC) is 02:30 in New York: outside.
	if ok, _ := h.Allows(utc("2026-06-01T07:30:00Z")); ok {
		t.Fatal("the hours moved to the org's new zone")
	}
	if ok, _ := h.Allows(utc("2026-06-01T12:30:00Z")); !ok {
		t.Fatal("08:30 in New York must still be inside")
	}
}

func TestLoginHoursValidation(t *testing.T) {
	tests := []struct {
		name, zone, spec string
		ok               bool
	}{
		{"an empty spec is no restriction", "UTC", "", true},
		{"start equal to end is allowed (no login that day)", "UTC", "mon=09:00-09:00", true},
		{"24:00 is allowed as an end", "UTC", "mon=00:00-24:00", true},
		{"end before start is refused", "UTC", "mon=18:00-08:00", false},
		{"after 24:00 is refused", "UTC", "mon=08:00-24:30", false},
		{"an unknown day is refused", "UTC", "mo=08:00-18:00", false},
		{"a day given twice is refused", "UTC", "mon=08:00-18:00,mon=09:00-10:00", false},
		{"an unknown zone is refused", "Mars/Olympus", "mon=08:00-18:00", false},
		{"minutes above 59 are refused", "UTC", "mon=08:60-18:00", false},
		{"missing dash is refused", "UTC", "mon=08:00", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseLoginHours(tt.zone, tt.spec); (err == nil) != tt.ok {
				t.Fatalf("ParseLoginHours(%q, %q) err %v; want ok=%v", tt.zone, tt.spec, err, tt.ok)
			}
		})
	}
	h := mustHoursT(t, "UTC", "sun=00:00-00:00,mon=08:00-18:30")
	if got := h.String(); got != "mon=08:00-18:30,sun=00:00-00:00" {
		t.Fatalf("String() = %q", got)
	}
	if (LoginHours{}).IsSet() || !h.IsSet() {
		t.Fatal("IsSet")
	}
	if ok, err := (LoginHours{}).Allows(time.Now()); !ok || err != nil {
		t.Fatal("no hours allow any time")
	}
}
