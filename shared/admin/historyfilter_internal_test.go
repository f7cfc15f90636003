package admin

import (
	"fmt"
	"testing"
	"time"

	"loginguard/shared/domain"
)

// A page continues after the last line kept when it is full, after the
// last line looked at when the window was full, and nowhere when the
// store has nothing older or the lines are past since.
func TestAPageContinuesWhereItStopped(t *testing.T) {
	at := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	lines := make([]domain.LoginEvent, 6)
	for i := range lines {
		lines[i] = domain.LoginEvent{ID: fmt.Sprintf("k%d#x", i), At: at.Add(-time.Duration(i) * time.Minute), Allowed: i%3 == 0}
	}
	every := LineFilter{}
	allowed := LineFilter{Outcome: "success"}
	pastThird := LineFilter{Since: lines[2].At} // line 3 is older than since
	for _, tt := range []struct {
		name          string
		f             LineFilter
		read          []domain.LoginEvent
		limit, window int
		lines         int
		next          string
	}{
		{"a full page with more read after it", every, lines, 2, 6, 2, "k1#x"},
		{"a full page that is the whole window", every, lines, 6, 6, 6, "k5#x"},
		{"a short read: the end", every, lines[:4], 6, 6, 4, ""},
		{"a full window, page not filled: continue after the window", allowed, lines, 3, 6, 2, "k5#x"},
		{"a short read, page not filled: the end", allowed, lines[:5], 3, 6, 2, ""},
		{"past since: the end", pastThird, lines, 5, 6, 3, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.f.page(tt.read, tt.limit, tt.window)
			if len(p.Lines) != tt.lines || p.Next != tt.next {
				t.Fatalf("%d lines, next %q; want %d, %q", len(p.Lines), p.Next, tt.lines, tt.next)
			}
		})
	}
}
