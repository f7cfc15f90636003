package ids

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// Key prefixes of the records we make.
const (
	PrefixOrg     = "00D"
	PrefixUser    = "005"
	PrefixProfile = "00e"
)

// ErrInvalid is returned for text that is not a 15- or 18-character id.
var ErrInvalid = errors.New("ids: not a valid 15- or 18-character id")

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// suffixAlphabet maps a 5-bit case mask onto one suffix character.
const suffixAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"

func alnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
}

func upper(c byte) bool { return c >= 'A' && c <= 'Z' }

// New returns a new 15-character id: the 3-character key prefix and 12
// characters drawn uniformly from base62 using r.
func New(prefix string, r io.Reader) (string, error) {
	if len(prefix) != 3 || !alnum(prefix[0]) || !alnum(prefix[1]) || !alnum(prefix[2]) {
		return "", fmt.Errorf("ids: key prefix %q must be 3 letters or digits", prefix)
	}
	var out [15]byte
	n := copy(out[:], prefix)
	var buf [16]byte
	for n < len(out) {
		if _, err := io.ReadFull(r, buf[:]); err != nil {
			return "", fmt.Errorf("ids: reading randomness: %w", err)
		}
		for _, b := range buf {
			// 248 = 4*62: a byte at or above it is dropped, so every
			// character is equally likely (no modulo bias).
			if b < 248 && n < len(out) {
				out[n] = base62[b%62]
				n++
			}
		}
	}
	return string(out[:]), nil
}

// Valid15 reports whether s is 15 letters and digits.
func Valid15(s string) bool {
	if len(s) != 15 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !alnum(s[i]) {
			return false
		}
	}
	return true
}

// Valid18 reports whether s is an 18-character id exactly as To18 writes
// it: 15 letters and digits and their suffix, case included.
func Valid18(s string) bool {
	return len(s) == 18 && Valid15(s[:15]) && suffixOf(s[:15]) == [3]byte{s[15], s[16], s[17]}
}

// suffixOf is Salesforce's checksum: for each 5-character chunk, bit i is set
// when character i is an upper-case letter, and the 5-bit value picks a
// character of suffixAlphabet.
func suffixOf(id15 string) [3]byte {
	var out [3]byte
	for chunk := range 3 {
		bits := 0
		for i := range 5 {
			if upper(id15[chunk*5+i]) {
				bits |= 1 << i
			}
		}
		out[chunk] = suffixAlphabet[bits]
	}
	return out
}

// To18 appends the checksum suffix to a 15-character id.
func To18(id15 string) (string, error) {
	if !Valid15(id15) {
		return "", ErrInvalid
	}
	s := suffixOf(id15)
	return id15 + string(s[:]), nil
}

// To15 returns the 15-character form of a 15- or 18-character id. An
// 18-character id is checked against its suffix. It may also come wholly in
// lower or upper case, as case-insensitive systems hand it back: the suffix
// then says which letters were upper case. A mixed-case id whose suffix
// disagrees with it is refused.
func To15(id string) (string, error) {
	switch len(id) {
	case 15:
		if Valid15(id) {
			return id, nil
		}
	case 18:
		return restore(id)
	}
	return "", ErrInvalid
}

// restore rebuilds the 15-character id that an 18-character one names.
func restore(id18 string) (string, error) {
	if !Valid15(id18[:15]) {
		return "", ErrInvalid
	}
	var out [15]byte
	for chunk := range 3 {
		bits := strings.IndexByte(suffixAlphabet, toUpper(id18[15+chunk]))
		if bits < 0 {
			return "", ErrInvalid
		}
		for i := range 5 {
			c := id18[chunk*5+i]
			switch {
			case bits&(1<<i) == 0:
				c = toLower(c)
			case c >= '0' && c <= '9':
				return "", ErrInvalid // the suffix marks a digit as upper case
			default:
				c = toUpper(c)
			}
			out[chunk*5+i] = c
		}
	}
	id15 := string(out[:])
	sum := suffixOf(id15)
	if id18[:15] == id15 && id18[15:] == string(sum[:]) || folded(id18) {
		return id15, nil
	}
	return "", ErrInvalid
}

func toUpper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}

func toLower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

// folded reports whether s has letters of one case only.
func folded(s string) bool {
	var lo, up bool
	for i := 0; i < len(s); i++ {
		lo = lo || s[i] >= 'a' && s[i] <= 'z'
		up = up || upper(s[i])
	}
	return !(lo && up)
}

// Long is the 18-character form of a 15-character id; anything else comes
// back unchanged (it is shown, not trusted).
func Long(id string) string {
	if s, err := To18(id); err == nil {
		return s
	}
	return id
}
