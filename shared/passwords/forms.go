package passwords

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// The variants a password is looked up as. Attackers who guess online start
// from a list and apply a few rules (hashcat's best64, John's "single"
// rules): lower or capitalise, append a number or a year and a symbol, swap
// letters for look-alike digits. The blocklist holds the list's words; Forms
// undoes those rules so that "Password1!", "P@ssw0rd" and "Summer2024!" meet
// "password" and "summer".
const (
	// minBase is the shortest word a password may be reduced to: "love2024!"
	// is "love", but "abc12345" is not "abc" (three letters carry nothing a
	// list would add).
	minBase = 4
	// maxAffix is the longest number-and-symbol tail removed: a year and two
	// symbols, or "123456". A longer tail ("dragon84726193") is itself more
	// than an online guesser gets to try, so it is kept.
	maxAffix = 6
)

// Forms returns the lower-case forms of pw that are looked up in the
// blocklist, pw's own (lowered) first:
//
//   - the whole password, lowered ("Password1!" -> "password1!");
//   - without a tail of at most 6 symbols ("password1");
//   - without a tail of at most 6 digits and symbols ("password"),
//     when at least 4 characters remain;
//   - each of these with look-alikes read as letters (0->o, 1->i and 1->l,
//     3->e, 4->a, 5->s, 7->t, @->a, $->s, !->i): "p@ssw0rd" -> "password".
//
// It is exported so that the list's generator compacts with the very rules
// the lookup applies (a listed "password1" adds nothing once "password" is
// listed), and so a tool can show why a password was refused.
func Forms(pw string) []string {
	low := strings.ToLower(pw)
	forms := make([]string, 0, 9)
	add := func(s string) {
		for _, f := range forms {
			if f == s {
				return
			}
		}
		forms = append(forms, s)
	}
	bases := [3]string{low, trimTail(low, isSymbol), trimTail(low, isDigitOrSymbol)}
	for _, b := range bases {
		if b != "" {
			add(b)
		}
	}
	for _, b := range bases {
		if b == "" {
			continue
		}
		add(unleet(b, 'i'))
		add(unleet(b, 'l'))
	}
	return forms
}

// trimTail removes the longest tail of runes for which in is true, if that
// tail has 1 to maxAffix runes and at least minBase runes remain; "" when it
// does not apply.
func trimTail(s string, in func(rune) bool) string {
	end, n := len(s), 0
	for end > 0 {
		r, size := utf8.DecodeLastRuneInString(s[:end])
		if !in(r) {
			break
		}
		end -= size
		n++
	}
	if n == 0 || n > maxAffix || utf8.RuneCountInString(s[:end]) < minBase {
		return ""
	}
	return s[:end]
}

func isSymbol(r rune) bool        { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }
func isDigitOrSymbol(r rune) bool { return !unicode.IsLetter(r) }

// unleet reads look-alike digits and symbols as the letters they stand for;
// one stands for i or l, as the caller says.
func unleet(s string, one rune) string {
	if !strings.ContainsAny(s, "013457@$!") {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch r {
		case '0':
			return 'o'
		case '1':
			return one
		case '3':
			return 'e'
		case '4', '@':
			return 'a'
		case '5', '$':
			return 's'
		case '7':
			return 't'
		case '!':
			return 'i'
		}
		return r
	}, s)
}
