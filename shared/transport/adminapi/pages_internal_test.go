package adminapi

import (
	"encoding/base64"
	"fmt"
	"testing"

	"loginguard/shared/domain"
)

// A page continues after the last line kept when it is full, after the
// last line looked at when the window was full, and nowhere when the
// store has nothing older or the lines are past since.
func TestAPageContinuesWhereItStopped(t *testing.T) {
	lines := make([]domain.LoginEvent, 6)
	for i := range lines {
		lines[i] = domain.LoginEvent{ID: fmt.Sprintf("k%d#x", i), Allowed: i%3 == 0}
	}
	every := historyScan{keep: func(domain.LoginEvent) bool { return true }, past: func(domain.LoginEvent) bool { return false }}
	allowed := historyScan{keep: func(e domain.LoginEvent) bool { return e.Allowed }, past: every.past}
	pastThird := historyScan{keep: every.keep, past: func(e domain.LoginEvent) bool { return e.ID == "k3#x" }}
	for _, tt := range []struct {
		name          string
		scan          historyScan
		read          []domain.LoginEvent
		limit, window int
		lines         int
		next          string // the key the cursor names, "" for none
	}{
		{"a full page with more read after it", every, lines, 2, 6, 2, "k1#x"},
		{"a full page that is the whole window", every, lines, 6, 6, 6, "k5#x"},
		{"a short read: the end", every, lines[:4], 6, 6, 4, ""},
		{"a full window, page not filled: continue after the window", allowed, lines, 3, 6, 2, "k5#x"},
		{"a short read, page not filled: the end", allowed, lines[:5], 3, 6, 2, ""},
		{"past since: the end", pastThird, lines, 5, 6, 3, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.scan.page(tt.read, tt.limit, tt.window)
			next := ""
			if p.NextCursor != "" {
				b, _ := base64.RawURLEncoding.DecodeString(p.NextCursor)
				next = string(b)
			}
			if len(p.Records) != tt.lines || next != tt.next {
				t.Fatalf("%d lines, next %q; want %d, %q", len(p.Records), next, tt.lines, tt.next)
			}
		})
	}
}
