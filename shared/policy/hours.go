package policy

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Window is a day's login hours in minutes after midnight, 0 to 1440 (1440
// is the end of the day). Start == End means no login that day.
type Window struct{ Start, End int }

// LoginHours are a profile's login hours. They carry the time zone that was
// the org's default when they were first set: a later change of the org's
// zone does not move them, as login-restrictions.txt requires.
type LoginHours struct {
	Zone string
	Days [7]*Window // by time.Weekday; nil: no restriction that day
}

var dayNames = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

var zones sync.Map // zone name -> *time.Location

// location loads a zone once; LoadLocation reads the tz database on every call.
func location(name string) (*time.Location, error) {
	if l, ok := zones.Load(name); ok {
		return l.(*time.Location), nil
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	zones.Store(name, l)
	return l, nil
}

// NewLoginHours validates and builds login hours in zone. Minutes may be
// any value (Salesforce's UI offers whole hours; the CLI accepts HH:MM).
func NewLoginHours(zone string, days map[time.Weekday]Window) (LoginHours, error) {
	h := LoginHours{Zone: zone}
	if len(days) == 0 {
		return LoginHours{}, nil
	}
	if zone == "" {
		return LoginHours{}, invalid("login hours", "a time zone is needed")
	}
	if _, err := location(zone); err != nil {
		return LoginHours{}, invalid("login hours", fmt.Sprintf("unknown time zone %q", zone))
	}
	for d, w := range days {
		if d < time.Sunday || d > time.Saturday {
			return LoginHours{}, invalid("login hours", fmt.Sprintf("no such weekday %d", d))
		}
		if w.Start < 0 || w.End > 1440 || w.Start > 1440 || w.End < 0 {
			return LoginHours{}, invalid("login hours", fmt.Sprintf("%s: times must be from 00:00 to 24:00", dayNames[d]))
		}
		if w.End < w.Start {
			return LoginHours{}, invalid("login hours", fmt.Sprintf("%s: the end %s is before the start %s (to allow no login that day, make them equal)", dayNames[d], hhmm(w.End), hhmm(w.Start)))
		}
		w := w
		h.Days[d] = &w
	}
	return h, nil
}

// IsSet reports whether any day is restricted.
func (h LoginHours) IsSet() bool {
	for _, w := range h.Days {
		if w != nil {
			return true
		}
	}
	return false
}

// Allows reports whether a login at the instant at falls inside the hours,
// read in the hours' own zone: the weekday and minute of day there. Start is
// inclusive, End exclusive. Across a DST change the wall clock decides: on a
// spring-forward day the skipped hour never happens, on a fall-back day the
// repeated hour is inside or outside the window both times.
func (h LoginHours) Allows(at time.Time) (bool, error) {
	if !h.IsSet() {
		return true, nil
	}
	loc, err := location(h.Zone)
	if err != nil {
		return false, fmt.Errorf("login hours zone %q: %w", h.Zone, err)
	}
	local := at.In(loc)
	w := h.Days[local.Weekday()]
	if w == nil {
		return true, nil
	}
	m := local.Hour()*60 + local.Minute()
	return m >= w.Start && m < w.End, nil
}

func hhmm(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

func parseHHMM(s string) (int, error) {
	hs, ms, ok := strings.Cut(s, ":")
	h, err1 := strconv.Atoi(hs)
	m, err2 := strconv.Atoi(ms)
	if !ok || err1 != nil || err2 != nil || len(ms) != 2 || h < 0 || m < 0 || m > 59 || h*60+m > 1440 {
		return 0, fmt.Errorf("%q is not a time from 00:00 to 24:00", s)
	}
	return h*60 + m, nil
}

// ParseLoginHours reads the CLI form "mon=08:00-18:00,tue=08:00-18:00,sat=00:00-00:00"
// (day names sun..sat, "24:00" as an end). An empty spec is no restriction.
func ParseLoginHours(zone, spec string) (LoginHours, error) {
	days := map[time.Weekday]Window{}
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, span, ok := strings.Cut(part, "=")
		start, end, ok2 := strings.Cut(span, "-")
		if !ok || !ok2 {
			return LoginHours{}, invalid("login hours", fmt.Sprintf("%q: write day=HH:MM-HH:MM, e.g. mon=08:00-18:00", part))
		}
		d := -1
		for i, n := range dayNames {
			if strings.EqualFold(strings.TrimSpace(name), n) {
				d = i
			}
		}
		if d < 0 {
			return LoginHours{}, invalid("login hours", fmt.Sprintf("%q is not a day; use sun, mon, tue, wed, thu, fri, sat", name))
		}
		if _, dup := days[time.Weekday(d)]; dup {
			return LoginHours{}, invalid("login hours", fmt.Sprintf("%s is given twice", dayNames[d]))
		}
		s, err := parseHHMM(strings.TrimSpace(start))
		if err != nil {
			return LoginHours{}, invalid("login hours", dayNames[d]+": "+err.Error())
		}
		e, err := parseHHMM(strings.TrimSpace(end))
		if err != nil {
			return LoginHours{}, invalid("login hours", dayNames[d]+": "+err.Error())
		}
		days[time.Weekday(d)] = Window{Start: s, End: e}
	}
	return NewLoginHours(zone, days)
}

// String is the form ParseLoginHours reads, days from Monday to Sunday.
func (h LoginHours) String() string {
	var parts []string
	for _, d := range []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday} {
		if w := h.Days[d]; w != nil {
			parts = append(parts, dayNames[d]+"="+hhmm(w.Start)+"-"+hhmm(w.End))
		}
	}
	return strings.Join(parts, ",")
}
