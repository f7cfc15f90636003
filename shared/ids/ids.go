// Package ids makes and converts Salesforce-style record ids: 15 case-sensitive
// characters (a 3-character key prefix and 12 random base62 characters), and
// the 18-character form with its case-checksum suffix.
package ids

import (
	"errors"
	"fmt"
	"io"
)

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// Key prefixes.
const (
	PrefixOrg     = "00D"
	PrefixUser    = "005"
	PrefixProfile = "00e"
)

// ErrInvalid is returned for text that is not a 15- or 18-character id.
var ErrInvalid = errors.New("not a valid 15- or 18-character id")

func alnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
}

// New returns a new 15-character id with the given 3-character key prefix,
// its other 12 characters random from r (no modulo bias).
func New(prefix string, r io.Reader) (string, error) {
	if len(prefix) != 3 || !alnum(prefix[0]) || !alnum(prefix[1]) || !alnum(prefix[2]) {
		return "", fmt.Errorf("ids: key prefix %q must be 3 letters or digits", prefix)
	}
	out := make([]byte, 3, 15)
	copy(out, prefix)
	var buf [16]byte
	for len(out) < 15 {
		if _, err := io.ReadFull(r, buf[:]); err != nil {
			return "", fmt.Errorf("ids: reading randomness: %w", err)
		}
		for _, b := range buf {
			if b < 248 && len(out) < 15 { // 248 = 4*62: drop the rest so each character is equally likely
				out = append(out, base62[b%62])
			}
		}
	}
	return string(out), nil
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

const suffixAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"

func suffix(id15 string) string {
	var out [3]byte
	for chunk := 0; chunk < 3; chunk++ {
		bits := 0
		for i := 0; i < 5; i++ {
			if c := id15[chunk*5+i]; c >= 'A' && c <= 'Z' {
				bits |= 1 << i
			}
		}
		out[chunk] = suffixAlphabet[bits]
	}
	return string(out[:])
}

// To18 returns the 18-character, case-insensitive-safe form of a 15-character id.
func To18(id15 string) (string, error) {
	if !Valid15(id15) {
		return "", ErrInvalid
	}
	return id15 + suffix(id15), nil
}

// To15 accepts a 15- or 18-character id and returns the 15-character form;
// an 18-character id must carry the right checksum.
func To15(id string) (string, error) {
	switch len(id) {
	case 15:
		if Valid15(id) {
			return id, nil
		}
	case 18:
		if Valid15(id[:15]) && suffix(id[:15]) == id[15:] {
			return id[:15], nil
		}
	}
	return "", ErrInvalid
}

// Long is the 18-character form of a 15-character id; anything else comes
// back unchanged (it is shown, not trusted).
func Long(id string) string {
	if s, err := To18(id); err == nil {
		return s
	}
	return id
}
