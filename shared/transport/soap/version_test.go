package soap

import (
	"errors"
	"testing"
)

func TestParseVersion(t *testing.T) {
	tests := []struct {
		name, in string
		ok       bool
	}{
		{"jsforce's default", "50.0", true},
		{"simpleforce's default", "54.0", true},
		{"the oldest Salesforce still serves", "31.0", true},
		{"the last without orgDefaultCurrencyLocale", "37.0", true},
		{"the first with orgDefaultCurrencyLocale", "38.0", true},
		{"the first with chatterExternal", "40.0", true},
		{"the newest WSDL at hand", "58.0", true},
		{"a recent release", "66.0", true},
		{"a three-digit version", "100.0", true},
		{"a retired version", "30.0", false},
		{"a long-retired version", "20.0", false},
		{"a single digit", "9.0", false},
		{"no minor", "50", false},
		{"a minor other than 0", "50.1", false},
		{"two zeros", "50.00", false},
		{"a leading zero", "050.0", false},
		{"a leading v", "v50.0", false},
		{"a sign", "+50.0", false},
		{"four digits", "1000.0", false},
		{"letters", "ab.0", false},
		{"empty", "", false},
		{"path traversal", "../0", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseVersion(tt.in)
			if tt.ok {
				if err != nil || got != tt.in {
					t.Fatalf("ParseVersion(%q) = %q, %v", tt.in, got, err)
				}
				return
			}
			var f *Fault
			if !errors.As(err, &f) || got != "" {
				t.Fatalf("ParseVersion(%q) = %q, %v; want a fault", tt.in, got, err)
			}
			if f.Code != CodeUnsupportedVersion || f.Message != "Invalid Api version specified on URL" || f.Kind != KindUnexpectedError {
				t.Fatalf("fault %+v", f)
			}
		})
	}
}
