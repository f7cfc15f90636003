package ids

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"strings"
	"testing"
)

// Pairs published outside this project, each checked by hand against the
// rule (bit i of a chunk set when character i is upper case):
//   - 00D000000000062: Salesforce's own org 62, as the Salesforce Mobile SDK
//     tests and sigmavirus24/salesforceid's tests spell it; "00D00" has D at
//     2 (4, E), the other chunks have no capitals (A, A).
//   - 005R0000000Dsla: the user id beside it in that Mobile SDK test;
//     "005R0" has R at 3 (8, I), "00000" (A), "0Dsla" D at 1 (2, C).
//   - 003D0000001aH2A, 00d000000000062: sigmavirus24/salesforceid.
//   - 001A0000006Vm9r, 003A0000005QB3A, 003A0000008qb1s: the examples
//     Salesforce's help and many validators reuse.
//   - 00D50000000IZ3Z: a case-safe id test suite's "published" pair.
var knownPairs = []struct{ id15, id18 string }{
	{"00D000000000062", "00D000000000062EAA"},
	{"005R0000000Dsla", "005R0000000DslaIAC"},
	{"003D0000001aH2A", "003D0000001aH2AIAU"},
	{"00d000000000062", "00d000000000062AAA"},
	{"001A0000006Vm9r", "001A0000006Vm9rIAC"},
	{"003A0000005QB3A", "003A0000005QB3AIAW"},
	{"003A0000008qb1s", "003A0000008qb1sIAA"},
	{"00D50000000IZ3Z", "00D50000000IZ3ZEAW"},
	{"005000000000000", "005000000000000AAA"},
	{"ABCDEABCDEABCDE", "ABCDEABCDEABCDE555"},
}

func TestTo18MatchesSalesforce(t *testing.T) {
	for _, tt := range knownPairs {
		t.Run(tt.id15, func(t *testing.T) {
			got, err := To18(tt.id15)
			if err != nil || got != tt.id18 {
				t.Fatalf("To18(%q) = %q, %v; want %q", tt.id15, got, err, tt.id18)
			}
			if back, err := To15(tt.id18); err != nil || back != tt.id15 {
				t.Fatalf("To15(%q) = %q, %v; want %q", tt.id18, back, err, tt.id15)
			}
		})
	}
}

func TestTo15(t *testing.T) {
	tests := []struct {
		name, in, want string // want "" means refused
	}{
		{"a 15-character id is itself", "001A0000006Vm9r", "001A0000006Vm9r"},
		{"an 18-character id drops its suffix", "001A0000006Vm9rIAC", "001A0000006Vm9r"},
		{"a lower-cased 18-character id gets its case back", "001a0000006vm9riac", "001A0000006Vm9r"},
		{"an upper-cased 18-character id gets its case back", "001A0000006VM9RIAC", "001A0000006Vm9r"},
		{"a lower-cased org id gets its case back", "00d000000000062eaa", "00D000000000062"},
		{"a suffix that disagrees with the case is refused", "001A0000006Vm9rIAA", ""},
		{"a suffix marking a digit upper case is refused", "00D000000000062EAB", ""},
		{"a lower-case suffix on a mixed-case id is refused", "00D000000000062eaa", ""},
		{"a suffix character outside the alphabet is refused", "00D000000000062EA9", ""},
		{"punctuation is refused", "00D00000000006!", ""},
		{"punctuation in the suffix is refused", "00D000000000062EA!", ""},
		{"16 characters are refused", "00D000000000062E", ""},
		{"19 characters are refused", "00D000000000062EAAA", ""},
		{"empty is refused", "", ""},
		{"non-ASCII is refused", "00D00000000006é", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := To15(tt.in)
			if tt.want == "" {
				if !errors.Is(err, ErrInvalid) {
					t.Fatalf("To15(%q) = %q, %v; want ErrInvalid", tt.in, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("To15(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestTo18RefusesWhatIsNotA15CharacterID(t *testing.T) {
	for _, s := range []string{"", "short", "00D000000000062EAA", "00D 00000000062", "00D00000000006\x00"} {
		if got, err := To18(s); !errors.Is(err, ErrInvalid) {
			t.Errorf("To18(%q) = %q, %v; want ErrInvalid", s, got, err)
		}
	}
}

func TestValid15(t *testing.T) {
	for s, want := range map[string]bool{
		"001A0000006Vm9r": true, "000000000000000": true, "zzzzzzzzzzzzzzz": true,
		"001A0000006Vm9": false, "001A0000006Vm9rI": false, "001A0000006Vm9-": false, "": false,
	} {
		if got := Valid15(s); got != want {
			t.Errorf("Valid15(%q) = %v; want %v", s, got, want)
		}
	}
}

func TestValid18(t *testing.T) {
	for _, p := range knownPairs {
		if !Valid18(p.id18) {
			t.Errorf("Valid18(%q) = false", p.id18)
		}
	}
	for _, s := range []string{"", "00D000000000062", "00D000000000062EAB", "00d000000000062eaa",
		"00D000000000062eaa", "00D00000000006!EAA", "00D000000000062EAAA"} {
		if Valid18(s) {
			t.Errorf("Valid18(%q) = true", s)
		}
	}
}

func TestLong(t *testing.T) {
	for in, want := range map[string]string{
		"00D000000000062":    "00D000000000062EAA",
		"00D000000000062EAA": "00D000000000062EAA", // already long: shown as is
		"not an id":          "not an id",
	} {
		if got := Long(in); got != want {
			t.Errorf("Long(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestNew(t *testing.T) {
	t.Run("ids carry the prefix and are distinct", func(t *testing.T) {
		seen := map[string]bool{}
		for range 1000 {
			id, err := New(PrefixUser, rand.Reader)
			if err != nil || !Valid15(id) || id[:3] != PrefixUser || seen[id] {
				t.Fatalf("New = %q, %v", id, err)
			}
			seen[id] = true
		}
	})
	t.Run("bytes at or above 248 are skipped, the rest map modulo 62", func(t *testing.T) {
		// 248..255 would bias the first 8 characters; they must be dropped.
		src := append(bytes.Repeat([]byte{255, 248}, 4), 0, 61, 62, 247, 1, 2, 3, 4, 5, 6, 7, 8)
		id, err := New(PrefixOrg, bytes.NewReader(append(src, make([]byte, 32)...)))
		if err != nil {
			t.Fatal(err)
		}
		if want := "00D" + "0z0z12345678"; id != want {
			t.Fatalf("New = %q; want %q", id, want)
		}
	})
	t.Run("every character is about equally likely", func(t *testing.T) {
		counts := map[byte]int{}
		const n = 4000
		for range n {
			id, err := New("a0B", rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			for i := 3; i < 15; i++ {
				counts[id[i]]++
			}
		}
		if len(counts) != 62 {
			t.Fatalf("%d distinct characters; want 62", len(counts))
		}
		mean := n * 12 / 62
		for c, k := range counts {
			if k < mean*7/10 || k > mean*13/10 {
				t.Errorf("character %q seen %d times; mean %d", c, k, mean)
			}
		}
	})
	t.Run("a prefix must be 3 letters or digits", func(t *testing.T) {
		for _, p := range []string{"", "00", "0000", "0!D", "00é"} {
			if _, err := New(p, rand.Reader); err == nil {
				t.Errorf("New(%q) accepted", p)
			}
		}
	})
	t.Run("running out of randomness is an error", func(t *testing.T) {
		if _, err := New(PrefixOrg, bytes.NewReader(nil)); !errors.Is(err, io.EOF) {
			t.Errorf("err %v; want io.EOF wrapped", err)
		}
		if _, err := New(PrefixOrg, strings.NewReader(strings.Repeat("\xff", 64))); err == nil {
			t.Error("only unusable bytes must end in an error, not a loop")
		}
	})
}

func FuzzTo18(f *testing.F) {
	for _, p := range knownPairs {
		f.Add(p.id15)
	}
	f.Add("")
	f.Add("00D00000000006!")
	f.Fuzz(func(t *testing.T, s string) {
		id18, err := To18(s)
		if err != nil {
			if Valid15(s) {
				t.Fatalf("To18(%q) refused a valid id: %v", s, err)
			}
			return
		}
		if len(id18) != 18 || id18[:15] != s || !Valid18(id18) {
			t.Fatalf("To18(%q) = %q", s, id18)
		}
		for _, form := range []string{id18, strings.ToLower(id18), strings.ToUpper(id18)} {
			if back, err := To15(form); err != nil || back != s {
				t.Fatalf("To15(%q) = %q, %v; want %q", form, back, err, s)
			}
		}
	})
}
