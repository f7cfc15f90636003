package settings_test

import (
	"errors"
	"testing"

	"loginguard/shared/domain"
	"loginguard/shared/policy"
	"loginguard/shared/settings"
)

func TestOneRangeOfAList(t *testing.T) {
	list, err := policy.ParseIPRanges("10.0.0.0-10.0.0.255,192.0.2.7,2001:db8::-2001:db8::ff")
	if err != nil {
		t.Fatal(err)
	}
	one := func(start, end string) policy.IPRange {
		r, err := settings.ParseRange(start, end)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	for _, tt := range []struct {
		name string
		do   func() (policy.IPRanges, error)
		want string // the list after, or the error's code
	}{
		{"an add goes at the end", func() (policy.IPRanges, error) { return settings.AddRange(list, one("198.51.100.1", "")) },
			"10.0.0.0-10.0.0.255,192.0.2.7,2001:db8::-2001:db8::ff,198.51.100.1"},
		{"a range the list has is not added twice", func() (policy.IPRanges, error) { return settings.AddRange(list, one("192.0.2.7", "192.0.2.7")) },
			domain.CodeInvalidField},
		{"an edit keeps the range's place", func() (policy.IPRanges, error) {
			return settings.ReplaceRange(list, "10.0.0.0-10.0.0.255", one("10.0.0.0", "10.0.0.127"))
		}, "10.0.0.0-10.0.0.127,192.0.2.7,2001:db8::-2001:db8::ff"},
		{"an edit onto another range of the list is refused", func() (policy.IPRanges, error) {
			return settings.ReplaceRange(list, "10.0.0.0-10.0.0.255", one("192.0.2.7", ""))
		}, domain.CodeInvalidField},
		{"a range is named in any spelling of its ends", func() (policy.IPRanges, error) { return settings.DeleteRange(list, "[2001:db8::0]-[2001:db8:0::ff]") },
			"10.0.0.0-10.0.0.255,192.0.2.7"},
		{"a range the list has not", func() (policy.IPRanges, error) { return settings.DeleteRange(list, "192.0.2.8") }, "NOT_FOUND"},
		{"two ranges name none", func() (policy.IPRanges, error) { return settings.DeleteRange(list, "192.0.2.7,10.0.0.1") }, domain.CodeInvalidField},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.do()
			switch {
			case errors.Is(err, domain.ErrNotFound):
				if tt.want != "NOT_FOUND" {
					t.Fatalf("%v; want %s", err, tt.want)
				}
			case err != nil:
				if domain.ErrorCode(err) != tt.want {
					t.Fatalf("%v; want %s", err, tt.want)
				}
			case got.String() != tt.want:
				t.Fatalf("%s; want %s", got, tt.want)
			}
			if list.String() != "10.0.0.0-10.0.0.255,192.0.2.7,2001:db8::-2001:db8::ff" {
				t.Fatalf("the list given was changed: %s", list)
			}
		})
	}
	// A refused range keeps the rule's own text.
	if _, err := settings.ParseRange("10.0.0.9", "10.0.0.1"); domain.ErrorCode(err) != domain.CodeInvalidField ||
		err.Error() == "" || !errors.As(err, new(*policy.ValidationError)) {
		t.Fatalf("%v", err)
	}
}
