package settings

import (
	"fmt"
	"slices"
	"strings"

	"loginguard/shared/domain"
	"loginguard/shared/policy"
)

// One range of a list at a time, as the seed's Login IP Ranges page edits
// them ("Add IP Ranges", and Edit or Delete for a range). A range is named
// by its own text, start-end as the settings show it (one address alone
// when both ends are equal), in any spelling that parses to the same ends:
// unlike a position in the list, that name still means the same range after
// someone else adds or deletes another, so an edit never lands on the
// wrong one. The rules are the ranges' own (policy.ParseIPRange), with
// their messages.

// ParseRange is a range given as its two ends; an empty end is the start
// (a range of one address).
func ParseRange(start, end string) (policy.IPRange, error) {
	if strings.TrimSpace(end) == "" {
		end = start
	}
	r, err := policy.ParseIPRange(strings.TrimSpace(start), strings.TrimSpace(end))
	if err != nil {
		return policy.IPRange{}, asInvalid(err)
	}
	return r, nil
}

// ParseRangeID is a range named by its text ("10.0.0.0-10.0.0.255",
// "192.0.2.7").
func ParseRangeID(id string) (policy.IPRange, error) {
	rs, err := policy.ParseIPRanges(id)
	if err != nil {
		return policy.IPRange{}, asInvalid(err)
	}
	if len(rs) != 1 {
		return policy.IPRange{}, invalid(fmt.Sprintf("%q does not name one IP range (start-end, or one address)", id))
	}
	return rs[0], nil
}

// errDuplicate: a list holds each range once, since its text names it.
func errDuplicate(r policy.IPRange) error {
	return invalid(fmt.Sprintf("the IP range %s is in the list already", r))
}

// AddRange is rs with r added at the end.
func AddRange(rs policy.IPRanges, r policy.IPRange) (policy.IPRanges, error) {
	if slices.Contains(rs, r) {
		return nil, errDuplicate(r)
	}
	return append(slices.Clone(rs), r), nil
}

// ReplaceRange is rs with the range named id replaced by r, in its place
// (domain.ErrNotFound when rs has no such range).
func ReplaceRange(rs policy.IPRanges, id string, r policy.IPRange) (policy.IPRanges, error) {
	i, err := rangeIndex(rs, id)
	if err != nil {
		return nil, err
	}
	if j := slices.Index(rs, r); j >= 0 && j != i {
		return nil, errDuplicate(r)
	}
	out := slices.Clone(rs)
	out[i] = r
	return out, nil
}

// DeleteRange is rs without the range named id (domain.ErrNotFound when
// rs has no such range).
func DeleteRange(rs policy.IPRanges, id string) (policy.IPRanges, error) {
	i, err := rangeIndex(rs, id)
	if err != nil {
		return nil, err
	}
	return slices.Delete(slices.Clone(rs), i, i+1), nil
}

func rangeIndex(rs policy.IPRanges, id string) (int, error) {
	r, err := ParseRangeID(id)
	if err != nil {
		return 0, err
	}
	i := slices.Index(rs, r)
	if i < 0 {
		return 0, fmt.Errorf("IP range %s: %w", r, domain.ErrNotFound)
	}
	return i, nil
}
