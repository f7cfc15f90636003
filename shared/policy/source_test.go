package policy

import (
	"net/netip"
	"testing"
	"time"
)

func TestSourceAndPlace(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113.7":             "203.0.113.7",
		"::ffff:203.0.113.7":      "203.0.113.7",
		"2001:db8:1:2:3:4:5:6":    "2001:db8:1:2::/64",
		"2001:db8:1:2::9":         "2001:db8:1:2::/64",
		"fe80::1%eth0":            "fe80::/64",
		"2001:db8:1:3:ffff::ffff": "2001:db8:1:3::/64",
	} {
		if got := SourceKey(netip.MustParseAddr(in)); got != want {
			t.Errorf("SourceKey(%s) = %s; want %s", in, got, want)
		}
	}
	if SourceKey(netip.Addr{}) != "" {
		t.Error("no address has a source")
	}

	th := SourceThrottle{Limit: 20, Window: 10 * time.Minute}
	n1, end1 := th.WindowOf(time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC))
	n2, end2 := th.WindowOf(time.Date(2026, 12, 2, 10, 9, 59, 0, time.UTC))
	n3, _ := th.WindowOf(time.Date(2026, 12, 2, 10, 10, 0, 0, time.UTC))
	if n1 != n2 || n3 != n1+1 || !end1.Equal(end2) || !end1.Equal(time.Date(2026, 12, 2, 10, 10, 0, 0, time.UTC)) {
		t.Errorf("windows %d %d %d, ends %s %s", n1, n2, n3, end1, end2)
	}
	if !th.On() || (SourceThrottle{Window: time.Minute}).On() {
		t.Error("On")
	}
	trusted, _ := ParseIPRanges("10.0.0.0-10.0.255.255")
	login, _ := ParseIPRanges("192.0.2.10")
	th.Exempt, _ = ParseIPRanges("198.18.0.1")
	for ip, want := range map[string]bool{"10.0.9.9": true, "192.0.2.10": true, "198.18.0.1": true, "203.0.113.1": false} {
		if got := th.Exempts(netip.MustParseAddr(ip), trusted, login); got != want {
			t.Errorf("Exempts(%s) = %v", ip, got)
		}
	}
	for r, want := range map[Reason]bool{ReasonInvalidCredentials: true, ReasonUnknownUser: true, ReasonUserLocked: true,
		ReasonUserInactive: true, ReasonRestrictedTime: false, ReasonRestrictedDomain: false, ReasonAPIDisabled: false, ReasonMustUseSecurityToken: true} {
		if CountsAtSource(r) != want {
			t.Errorf("CountsAtSource(%s) = %v", r, !want)
		}
	}

	ip := netip.MustParseAddr("203.0.113.1")
	if (Place{IP: ip}).Familiar() {
		t.Error("a new place is familiar")
	}
	for name, p := range map[string]Place{
		"activated browser": {IP: ip, ActivatedBrowser: true},
		"seen source":       {IP: ip, SeenSource: true},
		"trusted range":     {IP: netip.MustParseAddr("10.0.1.1"), TrustedRanges: trusted},
		"login range":       {IP: netip.MustParseAddr("192.0.2.10"), LoginIPRanges: login},
	} {
		if !p.Familiar() {
			t.Errorf("%s is not familiar", name)
		}
	}
}
