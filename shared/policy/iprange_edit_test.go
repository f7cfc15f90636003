package policy

import (
	"errors"
	"strings"
	"testing"
)

func TestEditRangesAddsReplacesAndDeletesOneRange(t *testing.T) {
	list := "10.0.0.0-10.0.0.255,192.0.2.7,2001:db8::-2001:db8::ff"
	tests := []struct {
		name string
		edit RangeEdit
		want string // the list after; "" with wantErr
		// wantErr is a part of the refusal's message.
		wantErr string
	}{
		{"add puts the range at the end", RangeEdit{Op: RangeAdd, Start: "198.51.100.0", End: "198.51.100.15"},
			list + ",198.51.100.0-198.51.100.15", ""},
		{"add of one address as both ends is a range of one", RangeEdit{Op: RangeAdd, Start: "125.12.3.0", End: " 125.12.3.0 "},
			list + ",125.12.3.0", ""},
		{"add refuses a start greater than the end with the rule", RangeEdit{Op: RangeAdd, Start: "10.1.0.9", End: "10.1.0.1"},
			"", "the start address must not be greater than the end address"},
		{"add refuses mixed families", RangeEdit{Op: RangeAdd, Start: "10.1.0.1", End: "::1"}, "", "must be IPv4, or both IPv6"},
		{"add refuses a range already in the list", RangeEdit{Op: RangeAdd, Start: "192.0.2.7", End: "192.0.2.7"}, "", "already has 192.0.2.7"},
		{"replace by index", RangeEdit{Op: RangeReplace, Index: 1, Start: "192.0.2.8", End: "192.0.2.9"},
			"10.0.0.0-10.0.0.255,192.0.2.8-192.0.2.9,2001:db8::-2001:db8::ff", ""},
		{"replace checks the index against the range seen", RangeEdit{Op: RangeReplace, Index: 1, Was: "192.0.2.7", Start: "192.0.2.1", End: "192.0.2.1"},
			"10.0.0.0-10.0.0.255,192.0.2.1,2001:db8::-2001:db8::ff", ""},
		{"replace finds the range seen where it moved", RangeEdit{Op: RangeReplace, Index: 0, Was: "192.0.2.7", Start: "192.0.2.1", End: "192.0.2.1"},
			"10.0.0.0-10.0.0.255,192.0.2.1,2001:db8::-2001:db8::ff", ""},
		{"replace by range text alone", RangeEdit{Op: RangeReplace, Index: -1, Was: "10.0.0.0 - 10.0.0.255", Start: "10.0.0.0", End: "10.0.0.127"},
			"10.0.0.0-10.0.0.127,192.0.2.7,2001:db8::-2001:db8::ff", ""},
		{"replace with the same range is no change", RangeEdit{Op: RangeReplace, Index: 1, Was: "192.0.2.7", Start: "192.0.2.7", End: "192.0.2.7"}, list, ""},
		{"replace refuses a range that repeats another", RangeEdit{Op: RangeReplace, Index: 1, Start: "10.0.0.0", End: "10.0.0.255"}, "", "already has 10.0.0.0-10.0.0.255"},
		{"replace refuses a range across the IPv4-mapped border", RangeEdit{Op: RangeReplace, Index: 2, Start: "::", End: "::1:0:0:0"}, "", "IPv4-mapped IPv6 space"},
		{"replace refuses a range no longer in the list", RangeEdit{Op: RangeReplace, Index: 1, Was: "192.0.2.99", Start: "192.0.2.1", End: "192.0.2.1"},
			"", "has no range 192.0.2.99"},
		{"delete by index", RangeEdit{Op: RangeDelete, Index: 0}, "192.0.2.7,2001:db8::-2001:db8::ff", ""},
		{"delete by range text", RangeEdit{Op: RangeDelete, Index: -1, Was: "2001:db8::-2001:db8::ff"}, "10.0.0.0-10.0.0.255,192.0.2.7", ""},
		{"delete of the range seen where it moved", RangeEdit{Op: RangeDelete, Index: 2, Was: "192.0.2.7"}, "10.0.0.0-10.0.0.255,2001:db8::-2001:db8::ff", ""},
		{"delete refuses an index past the end", RangeEdit{Op: RangeDelete, Index: 3}, "", "no range number 4: the list has 3"},
		{"delete refuses a negative index without a range text", RangeEdit{Op: RangeDelete, Index: -1}, "", "no range number 0"},
		{"delete refuses a range text of two ranges", RangeEdit{Op: RangeDelete, Index: 0, Was: "10.0.0.1,10.0.0.2"}, "", "name one range"},
		{"delete refuses a range text that is no range", RangeEdit{Op: RangeDelete, Index: 0, Was: "ten"}, "", "not an IP address"},
		{"an unknown change is refused", RangeEdit{Op: "move", Index: 0}, "", "add, replace or delete"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs, err := ParseIPRanges(list)
			if err != nil {
				t.Fatal(err)
			}
			got, err := EditRanges(rs, tt.edit)
			if rs.String() != list {
				t.Fatalf("the list edited was changed: %s", rs)
			}
			if tt.wantErr != "" {
				var ve *ValidationError
				if err == nil || !errors.As(err, &ve) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("EditRanges = %v, %v; want a ValidationError with %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got.String() != tt.want {
				t.Fatalf("EditRanges = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestEditRangesOfAnEmptyList(t *testing.T) {
	got, err := EditRanges(nil, RangeEdit{Op: RangeAdd, Start: "203.0.113.1", End: "203.0.113.9"})
	if err != nil || got.String() != "203.0.113.1-203.0.113.9" {
		t.Fatalf("add to none: %q, %v", got, err)
	}
	if _, err := EditRanges(nil, RangeEdit{Op: RangeDelete, Index: 0}); err == nil {
		t.Fatal("deleting from an empty list should be refused")
	}
}
