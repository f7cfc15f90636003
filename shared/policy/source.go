package policy

import (
	"net/netip"
	"time"
)

// Where a login comes from, seen two ways: as a source that guesses across
// users and orgs (the per-source throttle), and as a place a user is known
// at (familiar-place lockout).

// ReasonSourceThrottled: the source's failed logins reached the throttle's
// limit in the current window; the attempt is refused before anything is
// checked. It answers REQUEST_LIMIT_EXCEEDED, with a retry-after.
const ReasonSourceThrottled Reason = "SOURCE_THROTTLED"

// Source is the unit failures are counted under: an IPv4 address, or the
// /64 an IPv6 address is in (one subscriber's allocation: counting single
// IPv6 addresses would give every attacker 2^64 fresh sources). An
// IPv4-mapped IPv6 address is its IPv4 address. The zero Addr is the zero
// Prefix.
func Source(ip netip.Addr) netip.Prefix {
	if !ip.IsValid() {
		return netip.Prefix{}
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is4() {
		return netip.PrefixFrom(ip, 32)
	}
	p, _ := ip.Prefix(64)
	return p
}

// SourceKey is Source as stored: "203.0.113.7" or "2001:db8:1:2::/64".
func SourceKey(ip netip.Addr) string {
	p := Source(ip)
	if !p.IsValid() {
		return ""
	}
	if p.Addr().Is4() {
		return p.Addr().String()
	}
	return p.String()
}

// SourceThrottle is the per-source throttle: the same for every org, since
// a source spraying guesses crosses orgs. Limit failed logins per source in
// a fixed window of Window; from the Limit-th on, the source is refused
// until the window ends. Exempt ranges (the service's own, e.g. a partner's
// egress) are never throttled; the user's trusted and profile ranges are
// exempt for that user's logins (Exempts). Limit 0 turns it off.
type SourceThrottle struct {
	Limit  int
	Window time.Duration
	Exempt IPRanges
}

// DefaultSourceThrottle: 20 failed logins from one source in 10 minutes.
// Five users of one office mistyping their password four times each stay
// below it; a spray of one guess per user is stopped after 20 users, and
// costs the sprayer 10 minutes per 20 guesses from each address.
var DefaultSourceThrottle = SourceThrottle{Limit: 20, Window: 10 * time.Minute}

// On reports whether the throttle counts anything.
func (t SourceThrottle) On() bool { return t.Limit > 0 && t.Window > 0 }

// WindowOf is the window now falls in: its number (windows since the
// epoch, part of the stored key) and its end.
func (t SourceThrottle) WindowOf(now time.Time) (n int64, end time.Time) {
	w := int64(t.Window / time.Second)
	if w <= 0 {
		w = 1
	}
	n = now.Unix() / w
	return n, time.Unix((n+1)*w, 0)
}

// Exempts reports whether ip is never throttled for a login of a user
// whose org trusts trusted and whose profile allows loginRanges: the
// service's exempt ranges, the org's trusted ranges, the profile's login IP
// ranges. Failures from such a source are not counted either.
func (t SourceThrottle) Exempts(ip netip.Addr, trusted, loginRanges IPRanges) bool {
	return t.Exempt.Contains(ip) || trusted.Contains(ip) || loginRanges.Contains(ip)
}

// CountsAtSource reports whether a refusal for reason r counts toward its
// source's failures: the refusals a guess gets (a wrong password, token or
// TOTP code, a missing token, an unknown, inactive or locked user). A
// refusal of valid credentials by policy (hours, ranges, API off) is not a
// guess, and neither is a failure of ours.
func CountsAtSource(r Reason) bool {
	switch r {
	case ReasonInvalidCredentials, ReasonUnknownUser, ReasonUserInactive, ReasonUserLocked, ReasonMustUseSecurityToken,
		ReasonTwoFactorRequired, ReasonTOTPReused, ReasonInvalidTOTP:
		return true
	}
	return false
}

// Place is what a login knows of where it comes from, for familiar-place
// lockout.
type Place struct {
	IP               netip.Addr
	ActivatedBrowser bool // the browser carries one of the user's activation cookies
	SeenSource       bool // the user logged in from this source before
	TrustedRanges    IPRanges
	LoginIPRanges    IPRanges
}

// Familiar reports whether a login comes from one of the user's familiar
// places: an activated browser, a source the user logged in from before,
// the org's trusted ranges or the profile's login IP ranges. With
// familiar-place lockout on, failures from anywhere else count toward a
// separate limit, so they cannot lock the user out of these places.
func (p Place) Familiar() bool {
	return p.ActivatedBrowser || p.SeenSource || p.TrustedRanges.Contains(p.IP) || p.LoginIPRanges.Contains(p.IP)
}

// MaxSeenSources bounds the sources a user is remembered at: a new one
// forgets the one used longest ago.
const MaxSeenSources = 20
