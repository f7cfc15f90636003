package policy

import (
	"fmt"
	"strings"
)

// RangeOp is what one edit of a list of IP ranges does.
type RangeOp string

const (
	RangeAdd     RangeOp = "add"
	RangeReplace RangeOp = "replace"
	RangeDelete  RangeOp = "delete"
)

// RangeEdit is one change of a list of IP ranges, as Setup's Network
// Access (and a profile's Login IP Ranges, login-restrictions.txt: "click
// Edit or Delete for that range") makes it: add the range Start to End,
// replace the range at Index with it, or delete the range at Index. An
// empty End is Start: a range of one address.
//
// Was, when not "", is the range's text (IPRange.String, or any form
// ParseIPRanges reads) as the editor saw it: the range at Index must still
// be that one, else the range of that text is the one changed wherever it
// now is, so that an edit made on a list another change has since moved
// never lands on a range the editor did not see. With Was, a negative
// Index finds the range by its text alone.
type RangeEdit struct {
	Op         RangeOp
	Index      int
	Was        string
	Start, End string
}

// EditRanges is rs with e made, as a new list (rs itself is not changed).
// The new range is checked as ParseIPRange checks it, and refused when the
// list already has it; an edit of a range not (or no longer) in the list
// is refused.
func EditRanges(rs IPRanges, e RangeEdit) (IPRanges, error) {
	switch e.Op {
	case RangeAdd:
		r, err := newRange(rs, -1, e)
		if err != nil {
			return nil, err
		}
		return append(append(IPRanges{}, rs...), r), nil
	case RangeReplace, RangeDelete:
	default:
		return nil, invalid("IP range", fmt.Sprintf("%q: the change is add, replace or delete", e.Op))
	}
	i, err := rs.find(e)
	if err != nil {
		return nil, err
	}
	out := append(IPRanges{}, rs...)
	if e.Op == RangeDelete {
		return append(out[:i], out[i+1:]...), nil
	}
	r, err := newRange(rs, i, e)
	if err != nil {
		return nil, err
	}
	out[i] = r
	return out, nil
}

// newRange is e's range, checked, for rs at position i (-1: added): it may
// not repeat another range of rs.
func newRange(rs IPRanges, i int, e RangeEdit) (IPRange, error) {
	if strings.TrimSpace(e.End) == "" {
		e.End = e.Start // one address: the seed's range of one
	}
	r, err := ParseIPRange(strings.TrimSpace(e.Start), strings.TrimSpace(e.End))
	if err != nil {
		return IPRange{}, err
	}
	for j, have := range rs {
		if j != i && have == r {
			return IPRange{}, invalid("IP range", "the list already has "+r.String())
		}
	}
	return r, nil
}

// find is the position of the range e changes.
func (rs IPRanges) find(e RangeEdit) (int, error) {
	if e.Was == "" {
		if e.Index < 0 || e.Index >= len(rs) {
			return -1, invalid("IP range", fmt.Sprintf("there is no range number %d: the list has %d", e.Index+1, len(rs)))
		}
		return e.Index, nil
	}
	was, err := ParseIPRanges(e.Was)
	if err != nil {
		return -1, err
	}
	if len(was) != 1 {
		return -1, invalid("IP range", fmt.Sprintf("%q: name one range", e.Was))
	}
	if e.Index >= 0 && e.Index < len(rs) && rs[e.Index] == was[0] {
		return e.Index, nil
	}
	for i, r := range rs {
		if r == was[0] {
			return i, nil
		}
	}
	return -1, invalid("IP range", "the list has no range "+was[0].String()+": it may have just been changed or deleted")
}
