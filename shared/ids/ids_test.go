package ids

import (
	"bytes"
	"crypto/rand"
	"testing"
)

func TestTo18MatchesSalesforce(t *testing.T) {
	// Pairs as Salesforce shows them.
	tests := []struct{ id15, id18 string }{
		{"00D000000000062", "00D000000000062EAA"},
		{"001A0000006Vm9r", "001A0000006Vm9rIAC"},
		{"003A0000005QB3A", "003A0000005QB3AIAW"},
		{"005000000000000", "005000000000000AAA"},
		{"ABCDEABCDEABCDE", "ABCDEABCDEABCDE555"},
	}
	for _, tt := range tests {
		got, err := To18(tt.id15)
		if err != nil || got != tt.id18 {
			t.Errorf("To18(%q) = %q, %v; want %q", tt.id15, got, err, tt.id18)
		}
		back, err := To15(tt.id18)
		if err != nil || back != tt.id15 {
			t.Errorf("To15(%q) = %q, %v", tt.id18, back, err)
		}
	}
}

func TestInvalidIDsAreRefused(t *testing.T) {
	for _, s := range []string{"", "00D", "00D00000000006!", "00D000000000062EAB", "00D000000000062eaa", "00D0000000000620000"} {
		if _, err := To15(s); err == nil {
			t.Errorf("To15(%q) accepted", s)
		}
	}
	if _, err := To18("short"); err == nil {
		t.Error("To18 of a short id accepted")
	}
}

func TestNewIDs(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		id, err := New(PrefixUser, rand.Reader)
		if err != nil || !Valid15(id) || id[:3] != "005" || seen[id] {
			t.Fatalf("New = %q, %v", id, err)
		}
		seen[id] = true
	}
	if _, err := New("0!D", rand.Reader); err == nil {
		t.Error("a prefix with punctuation was accepted")
	}
	if _, err := New(PrefixOrg, bytes.NewReader(nil)); err == nil {
		t.Error("no randomness must be an error")
	}
}

func FuzzTo18(f *testing.F) {
	f.Add("00D000000000062")
	f.Fuzz(func(t *testing.T, s string) {
		id18, err := To18(s)
		if err != nil {
			return
		}
		back, err := To15(id18)
		if err != nil || back != s {
			t.Fatalf("round trip of %q: %q, %v", s, back, err)
		}
	})
}
