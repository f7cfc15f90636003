package web

import (
	"strconv"
	"time"

	"loginguard/shared/domain"
)

// The Login History page's chart: the last day's logins and failures per
// hour, drawn on the server as inline SVG (no script; the CSP allows none
// inline) with its counts as a table beside it.

// chartHours is the chart's span: the hour under way and the 23 before it.
const chartHours = 24

// HourCount is one hour of the chart: its start, its label (the hour on
// the admin's clock) and the lines in it.
type HourCount struct {
	Start           time.Time
	Label           string // "14": the hour in the zone, "14:30" in a half-hour zone
	Success, Failed int
}

// HourBuckets counts evs by hour over the day up to now, in zone: 24 hours,
// oldest first, the last the hour now is in. An hour is the zone's: in a
// zone half an hour off UTC it starts at :30 UTC; on a day the clocks
// change by an hour the labels repeat (01, 01) or skip (01, 03), and there
// are still 24 real hours; where they change by half an hour (Lord Howe),
// the bars keep the current hour's grid, so the hours before the change
// read :30. Lines outside the day are not counted.
func HourBuckets(evs []domain.LoginEvent, now time.Time, zone *time.Location) []HourCount {
	first := hourStart(now, zone).Add(-(chartHours - 1) * time.Hour)
	hours := make([]HourCount, chartHours)
	for i := range hours {
		start := first.Add(time.Duration(i) * time.Hour)
		hours[i] = HourCount{Start: start, Label: hourLabel(start, zone)}
	}
	for _, e := range evs {
		if e.At.Before(first) || e.At.After(now) {
			continue
		}
		i := int(e.At.Sub(first) / time.Hour)
		if e.Allowed {
			hours[i].Success++
		} else {
			hours[i].Failed++
		}
	}
	return hours
}

// hourStart is the start of the zone's hour t is in: t less the minutes and
// seconds its clock shows there (arithmetic on the instant, so an hour the
// clocks repeat is not confused with its twin).
func hourStart(t time.Time, zone *time.Location) time.Time {
	local := t.In(zone)
	into := time.Duration(local.Minute())*time.Minute + time.Duration(local.Second())*time.Second + time.Duration(local.Nanosecond())
	return t.Add(-into)
}

// hourLabel is the hour start shows on the zone's clock: "14", or "14:30"
// where the zone's hours do not start on the hour.
func hourLabel(start time.Time, zone *time.Location) string {
	local := start.In(zone)
	if local.Minute() != 0 {
		return local.Format("15:04")
	}
	return local.Format("15")
}

// The chart's geometry (SVG user units): a bar slot per hour, the bars'
// area above the hour labels, the scale's labels on the left.
const (
	chartLeft   = 34
	chartSlot   = 28
	chartBar    = 20
	chartTop    = 12
	chartArea   = 140
	chartBottom = 34
)

// HourChart is the chart as drawn: its bars, its scale, its totals.
type HourChart struct {
	Bars            []HourBar
	Busiest         int // the most lines in one hour (the scale's top, at least 1)
	Success, Failed int // over the day
	// Partial: the day has more lines than one read returns
	// (admin.MaxLines), so the counts are of the latest ones.
	Partial              bool
	Width, Height, Base  int // the drawing's size; y of the bars' base line
	ScaleTop, ScaleLabel int // y of the scale's top line and of its label
}

// HourBar is one hour's bar: successes at the bottom, failures stacked on
// them, as rectangles (x, y, height), and the hour's label under them.
type HourBar struct {
	HourCount
	X, LabelX          int
	SuccessY, SuccessH int
	FailedY, FailedH   int
	StartISO, Title    string
}

// chartOf lays out hours as bars scaled to the busiest hour.
func chartOf(hours []HourCount, partial bool) HourChart {
	c := HourChart{Partial: partial, Width: chartLeft + chartSlot*len(hours) + 6, Height: chartTop + chartArea + chartBottom,
		Base: chartTop + chartArea, ScaleTop: chartTop, ScaleLabel: chartTop + 4}
	for _, h := range hours {
		c.Success += h.Success
		c.Failed += h.Failed
		c.Busiest = max(c.Busiest, h.Success+h.Failed)
	}
	top := max(c.Busiest, 1)
	scale := func(n int) int { return (n*chartArea + top/2) / top }
	for i, h := range hours {
		b := HourBar{HourCount: h, X: chartLeft + i*chartSlot + (chartSlot-chartBar)/2, LabelX: chartLeft + i*chartSlot + chartSlot/2,
			StartISO: h.Start.UTC().Format(time.RFC3339)}
		b.SuccessH = scale(h.Success)
		b.FailedH = scale(h.Success+h.Failed) - b.SuccessH
		b.SuccessY = c.Base - b.SuccessH
		b.FailedY = b.SuccessY - b.FailedH
		b.Title = "From " + h.Clock() + ": " + strconv.Itoa(h.Success) + " successful, " + strconv.Itoa(h.Failed) + " failed"
		c.Bars = append(c.Bars, b)
	}
	return c
}

// Clock is the hour's start on the zone's clock ("14:00").
func (h HourCount) Clock() string {
	if len(h.Label) == 2 {
		return h.Label + ":00"
	}
	return h.Label
}

// Summary is the chart in one sentence (its accessible description).
func (c HourChart) Summary() string {
	return strconv.Itoa(c.Success) + " successful and " + strconv.Itoa(c.Failed) +
		" failed logins in the last 24 hours; at most " + strconv.Itoa(c.Busiest) + " in one hour."
}
