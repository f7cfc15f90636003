package web

import (
	"errors"
	"net/url"
	"strconv"
	"testing"
	"time"

	"loginguard/shared/domain"
	"loginguard/shared/policy"
)

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestLoginHoursShownInTheAdminsZoneOnTheWeekdaysNextDate(t *testing.T) {
	december := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC) // a Thursday
	march := time.Date(2026, 3, 18, 12, 0, 0, 0, time.UTC)    // New York on summer time, London not yet
	day := policy.Window{Start: 8 * 60, End: 18 * 60}
	for _, c := range []struct {
		name     string
		w        policy.Window
		from, to string
		now      time.Time
		want     string
	}{
		{"New York's 08:00-18:00 ends at Paris's midnight", day, "America/New_York", "Europe/Paris", december, "14:00–00:00"},
		{"a window that crosses midnight names the next day", day, "America/New_York", "Asia/Tokyo", december, "22:00–Tue 08:00"},
		{"a window that starts the day before names it", policy.Window{Start: 0, End: 10 * 60}, "Asia/Tokyo", "America/New_York", december, "Sun 10:00–20:00"},
		{"the zones' offset in winter", day, "America/New_York", "Europe/London", december, "13:00–23:00"},
		{"the zones' offset when only one is on summer time", day, "America/New_York", "Europe/London", march, "12:00–22:00"},
		{"no login that day stays so", policy.Window{Start: 600, End: 600}, "America/New_York", "Europe/Paris", december, "no login"},
		{"to the end of the day", policy.Window{Start: 9 * 60, End: 24 * 60}, "UTC", "Europe/Paris", december, "10:00–Tue 01:00"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := convertWindow(time.Monday, c.w, zone(t, c.from), zone(t, c.to), c.now); got != c.want {
				t.Fatalf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestLoginHoursFormBecomesTheSettingsText(t *testing.T) {
	form := url.Values{"mode-mon": {"hours"}, "start-mon": {"08:00"}, "end-mon": {"18:00"},
		"mode-tue": {"any"}, "mode-sun": {"none"}, "start-sun": {"09:00"}}
	spec, err := hoursSpec(form)
	if err != nil || spec != "mon=08:00-18:00,sun=00:00-00:00" {
		t.Fatalf("%q, %v", spec, err)
	}
	if _, err := hoursSpec(url.Values{"mode-wed": {"hours"}, "start-wed": {"08:00"}}); domain.ErrorCode(err) != domain.CodeInvalidField {
		t.Fatalf("hours without an end: %v", err)
	}
	if _, err := hoursSpec(url.Values{"mode-wed": {"sometimes"}}); domain.ErrorCode(err) != domain.CodeInvalidField {
		t.Fatalf("an unknown choice: %v", err)
	}
	h, _ := policy.ParseLoginHours("America/New_York", "mon=08:00-18:00,sun=00:00-00:00")
	days := hoursForm(h)
	if days[0] != (HoursDay{Key: "mon", Name: "Monday", Mode: "hours", Start: "08:00", End: "18:00"}) ||
		days[6].Mode != "none" || days[1].Mode != "any" {
		t.Fatalf("the form of the hours: %+v", days)
	}
}

func TestRangeEditsChangeOneRangeAndRefuseTheSeedsForbiddenRanges(t *testing.T) {
	rs, _ := policy.ParseIPRanges("10.0.0.0-10.0.0.255,192.168.1.5")
	// edit is the profile's ranges after the form's change.
	type edited struct {
		ranges string
		err    error
	}
	edit := func(do string, at int, was, start, end string) edited {
		e, _, ok := profileChange(url.Values{"do": {do}, "at": {strconv.Itoa(at)}, "was": {was}, "start": {start}, "end": {end}})
		if !ok {
			t.Fatalf("%s: not a change of the profile page", do)
		}
		p := domain.ProfileSettings{LoginIPRanges: rs}
		err := e(domain.Org{}, &p)
		return edited{p.LoginIPRanges.String(), err}
	}
	for _, c := range []struct {
		name string
		got  edited
		want string
	}{
		{"add a range", edit("add-range", -1, "", "203.0.113.0", "203.0.113.9"), "10.0.0.0-10.0.0.255,192.168.1.5,203.0.113.0-203.0.113.9"},
		{"add one address (no end)", edit("add-range", -1, "", "125.12.3.0", ""), "10.0.0.0-10.0.0.255,192.168.1.5,125.12.3.0"},
		{"edit a range", edit("edit-range", 1, "192.168.1.5", "192.168.1.5", "192.168.1.9"), "10.0.0.0-10.0.0.255,192.168.1.5-192.168.1.9"},
		{"delete a range", edit("delete-range", 0, "10.0.0.0-10.0.0.255", "", ""), "192.168.1.5"},
		// A form of a list that has since moved changes the range it showed.
		{"a moved range is found by its text", edit("edit-range", 5, "192.168.1.5", "1.1.1.1", ""), "10.0.0.0-10.0.0.255,1.1.1.1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.got.err != nil || c.got.ranges != c.want {
				t.Fatalf("%q, %v; want %q", c.got.ranges, c.got.err, c.want)
			}
			if rs.String() != "10.0.0.0-10.0.0.255,192.168.1.5" {
				t.Fatal("the list edited was changed in place")
			}
		})
	}
	for _, c := range []struct{ name, start, end string }{
		{"an IPv4 end with an IPv6 end", "255.255.255.255", "::1:0:0:0"},
		{"a range across the IPv4-mapped space's border", "::", "::1:0:0:0"},
		{"the start above the end", "10.0.0.9", "10.0.0.1"},
		{"not an address", "10.0.0", "10.0.0.1"},
	} {
		t.Run("refused: "+c.name, func(t *testing.T) {
			_, want := policy.ParseIPRange(c.start, c.end)
			_, err := editRanges(rs, policy.RangeEdit{Op: policy.RangeAdd, Index: -1, Start: c.start, End: c.end})
			var v *policy.ValidationError
			if want == nil || domain.ErrorCode(err) != domain.CodeInvalidField || pageMessage(err) != want.Error() || !errors.As(err, &v) {
				t.Fatalf("%v; want the policy's %v", err, want)
			}
		})
	}
	t.Run("a range no longer in the list is refused, not applied to another", func(t *testing.T) {
		_, err := editRanges(rs, policy.RangeEdit{Op: policy.RangeDelete, Index: 1, Was: "192.168.1.6"})
		if domain.ErrorCode(err) != domain.CodeInvalidField {
			t.Fatalf("%v", err)
		}
	})
}

func TestRecordPagesAreRoutedByTheirPrefixOnly(t *testing.T) {
	for path, want := range map[string]bool{
		"/setup/profiles/00eAAAAAAAAAAAA": true,
		"/setup/users/ann@acme.example":   true,
		"/setup/users/ann%40acme.example": true,
		"/setup/users/":                   true, // the list itself
		"/setup/users/..":                 false,
		"/setup/users/a/b":                false,
		"/setup/nothing/a":                false,
	} {
		if _, found := consoleRouteOf("GET", path); found != want {
			t.Errorf("%s: routed %v, want %v", path, found, want)
		}
	}
	if back, ok := consoleReturn("/setup/users/ann@acme.example"); !ok || back != "/setup/users/ann@acme.example" {
		t.Errorf("a step-up goes back to a user's page: %q %v", back, ok)
	}
	if _, ok := consoleReturn("/setup/users/a/../../login"); ok {
		t.Error("a step-up must not go back outside the console")
	}
}
