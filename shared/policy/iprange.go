package policy

import (
	"net/netip"
	"strings"
)

// ValidationError is a setting refused at write time, with the field it is about.
type ValidationError struct {
	Field   string
	Message string
}

func (e *ValidationError) Error() string {
	if e.Field == "" {
		return e.Message
	}
	return e.Field + ": " + e.Message
}

func invalid(field, msg string) error { return &ValidationError{Field: field, Message: msg} }

// IPRange is an inclusive range of addresses. Both ends are kept in 16-byte
// form: IPv4 addresses live in the IPv4-mapped IPv6 space ::ffff:0:0 to
// ::ffff:ffff:ffff, as login-restrictions.txt describes.
type IPRange struct{ Start, End netip.Addr }

var (
	mappedFirst = netip.MustParseAddr("::ffff:0.0.0.0")
	mappedLast  = netip.MustParseAddr("::ffff:255.255.255.255")
)

func inMapped(a netip.Addr) bool { return a.Compare(mappedFirst) >= 0 && a.Compare(mappedLast) <= 0 }

// crossesMapped reports whether r holds addresses both inside and outside the
// IPv4-mapped space: it starts below the space and reaches into (or over)
// it, or starts inside it and ends above it.
func crossesMapped(r IPRange) bool {
	below := r.Start.Compare(mappedFirst) < 0 && r.End.Compare(mappedFirst) >= 0
	above := r.Start.Compare(mappedLast) <= 0 && r.End.Compare(mappedLast) > 0
	return below || above
}

// as16 is the 16-byte form of a, zone dropped.
func as16(a netip.Addr) netip.Addr { return netip.AddrFrom16(a.WithZone("").As16()) }

func parseEnd(field, s string) (netip.Addr, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		return netip.Addr{}, invalid(field, "write a range as two addresses, not in CIDR notation: "+s)
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, invalid(field, "not an IP address: "+s)
	}
	return a, nil
}

// ParseIPRange validates and builds the range from start to end: both ends
// IPv4 or both IPv6, the range wholly inside or wholly outside the
// IPv4-mapped space, start not greater than end. One address as both ends
// is a range of one.
func ParseIPRange(start, end string) (IPRange, error) {
	s, err := parseEnd("start address", start)
	if err != nil {
		return IPRange{}, err
	}
	e, err := parseEnd("end address", end)
	if err != nil {
		return IPRange{}, err
	}
	if s.Is4() != e.Is4() {
		return IPRange{}, invalid("IP range", "both addresses of a range must be IPv4, or both IPv6: "+start+" to "+end)
	}
	r := IPRange{Start: as16(s), End: as16(e)}
	if r.Start.Compare(r.End) > 0 {
		return IPRange{}, invalid("IP range", "the start address must not be greater than the end address: "+start+" to "+end)
	}
	if crossesMapped(r) {
		return IPRange{}, invalid("IP range", "a range may not include addresses both inside and outside the IPv4-mapped IPv6 space (::ffff:0:0 to ::ffff:ffff:ffff): "+start+" to "+end)
	}
	return r, nil
}

// Contains reports whether ip (IPv4, IPv4-mapped or IPv6) is in the range.
func (r IPRange) Contains(ip netip.Addr) bool {
	if !ip.IsValid() || !r.Start.IsValid() {
		return false
	}
	a := as16(ip)
	return a.Compare(r.Start) >= 0 && a.Compare(r.End) <= 0
}

func natural(a netip.Addr) string {
	if inMapped(a) {
		return a.Unmap().String()
	}
	return a.String()
}

// String is "start-end", IPv4 ends shown as IPv4; one address alone when
// start and end are equal.
func (r IPRange) String() string {
	if r.Start == r.End {
		return natural(r.Start)
	}
	return natural(r.Start) + "-" + natural(r.End)
}

// IPRanges is a list of ranges; an address is in it when it is in any.
type IPRanges []IPRange

// Contains reports whether ip is in any of the ranges.
func (rs IPRanges) Contains(ip netip.Addr) bool {
	for _, r := range rs {
		if r.Contains(ip) {
			return true
		}
	}
	return false
}

// String is the comma-separated form ParseIPRanges reads.
func (rs IPRanges) String() string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = r.String()
	}
	return strings.Join(parts, ",")
}

// ParseIPRanges reads "start-end" or single addresses separated by commas,
// e.g. "10.0.0.0-10.0.0.255,192.168.1.5". IPv6 ends may be written in
// brackets ("[::1]-[::2]") where a dash would be ambiguous; it never is,
// since IPv6 text has no dash.
func ParseIPRanges(spec string) (IPRanges, error) {
	var rs IPRanges
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		start, end, found := strings.Cut(part, "-")
		if !found {
			end = start
		}
		r, err := ParseIPRange(strings.Trim(start, "[] "), strings.Trim(end, "[] "))
		if err != nil {
			return nil, err
		}
		rs = append(rs, r)
	}
	return rs, nil
}
