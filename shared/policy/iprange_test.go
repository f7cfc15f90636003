package policy

import (
	"errors"
	"net/netip"
	"testing"
)

func TestParseIPRangeRules(t *testing.T) {
	tests := []struct {
		name, start, end string
		ok               bool
	}{
		{"an IPv4 range is accepted", "10.0.0.0", "10.0.0.255", true},
		{"one address as both ends is a range of one", "125.12.3.0", "125.12.3.0", true},
		{"an IPv6 range is accepted", "2001:db8::", "2001:db8::ffff", true},
		{"IPv4-mapped IPv6 ends inside the mapped space are accepted", "::ffff:1.2.3.4", "::ffff:1.2.3.9", true},
		{"the whole IPv4 space is accepted", "0.0.0.0", "255.255.255.255", true},
		{"IPv4 start with IPv6 end is refused", "255.255.255.255", "::1:0:0:0", false},
		{"IPv6 start with IPv4 end is refused", "::1", "10.0.0.1", false},
		{"a range across the IPv4-mapped border from below is refused", "::", "::1:0:0:0", false},
		{"a range from below the mapped space into it is refused", "::fffe:ffff:ffff", "::ffff:0.0.0.5", false},
		{"a range from the mapped space to above it is refused", "::ffff:255.255.255.0", "::1:0:0:0:0", false},
		{"an IPv6 range that spans the whole mapped space is refused", "::1", "::1:0:0:0:0", false},
		{"an IPv6 range just below the mapped space is accepted", "::1", "::fffe:ffff:ffff", true},
		{"start greater than end is refused", "10.0.0.9", "10.0.0.1", false},
		{"CIDR notation is refused", "10.0.0.0/24", "10.0.0.255", false},
		{"a zone is refused", "fe80::1%eth0", "fe80::2", false},
		{"garbage is refused", "ten.0.0.1", "10.0.0.2", false},
		{"an empty end is refused", "10.0.0.1", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParseIPRange(tt.start, tt.end)
			if (err == nil) != tt.ok {
				t.Fatalf("ParseIPRange(%q, %q) = %v, %v; want ok=%v", tt.start, tt.end, r, err, tt.ok)
			}
			var ve *ValidationError
			if err != nil && (!errors.As(err, &ve) || ve.Message == "") {
				t.Fatalf("error %v is not a ValidationError with a message", err)
			}
		})
	}
}

func TestIPRangeContains(t *testing.T) {
	v4, _ := ParseIPRange("192.168.1.10", "192.168.1.20")
	v6, _ := ParseIPRange("2001:db8::1", "2001:db8::ff")
	tests := []struct {
		name string
		r    IPRange
		ip   string
		want bool
	}{
		{"the start is inside", v4, "192.168.1.10", true},
		{"the end is inside", v4, "192.168.1.20", true},
		{"one past the end is outside", v4, "192.168.1.21", false},
		{"an IPv4-mapped form of an inside address is inside", v4, "::ffff:192.168.1.15", true},
		{"an IPv6 address is outside an IPv4 range", v4, "2001:db8::5", false},
		{"an IPv6 address inside", v6, "2001:db8::5", true},
		{"an IPv4 address is outside an IPv6 range", v6, "10.0.0.1", false},
		{"a zoned IPv6 address compares without its zone", v6, "2001:db8::5%eth0", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.r.Contains(netip.MustParseAddr(tt.ip)); got != tt.want {
				t.Fatalf("%s contains %s = %v; want %v", tt.r, tt.ip, got, tt.want)
			}
		})
	}
	if (IPRange{}).Contains(netip.MustParseAddr("1.2.3.4")) || v4.Contains(netip.Addr{}) {
		t.Fatal("zero values contain nothing")
	}
}

func TestParseIPRangesAndString(t *testing.T) {
	rs, err := ParseIPRanges(" 10.0.0.0-10.0.0.255, 192.168.1.5,::ffff:1.2.3.4-::ffff:1.2.3.9 ,2001:db8::-2001:db8::ff")
	if err != nil {
		t.Fatal(err)
	}
	if got := rs.String(); got != "10.0.0.0-10.0.0.255,192.168.1.5,1.2.3.4-1.2.3.9,2001:db8::-2001:db8::ff" {
		t.Fatalf("String() = %q", got)
	}
	back, err := ParseIPRanges(rs.String())
	if err != nil || back.String() != rs.String() {
		t.Fatalf("round trip: %v %v", back, err)
	}
	if _, err := ParseIPRanges("10.0.0.1-10.0.0.2,10.0.0.9-10.0.0.1"); err == nil {
		t.Fatal("one bad range refuses the list")
	}
	if rs, err := ParseIPRanges(""); err != nil || len(rs) != 0 {
		t.Fatal("an empty list is no ranges")
	}
}

func FuzzParseIPRange(f *testing.F) {
	f.Add("10.0.0.1", "10.0.0.2")
	f.Add("::", "::1:0:0:0")
	f.Add("::ffff:1.2.3.4", "1.2.3.5")
	f.Fuzz(func(t *testing.T, a, b string) {
		r, err := ParseIPRange(a, b)
		if err != nil {
			return
		}
		if r.Start.Compare(r.End) > 0 || crossesMapped(r) || inMapped(r.Start) != inMapped(r.End) || !r.Contains(r.Start) || !r.Contains(r.End) {
			t.Fatalf("accepted a bad range %v", r)
		}
	})
}
