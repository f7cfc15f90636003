package passwords

import (
	_ "embed"
	"strings"
)

//go:generate go run gen.go

// list is blocklist.txt: a header of "#" lines, a blank line, then the words,
// one a line, sorted by byte value, each line ending in "\n". gen.go writes it.
//
//go:embed blocklist.txt
var list string

// Blocklist answers whether a password is one of the list's words under the
// rules of Forms. The zero value blocks nothing.
type Blocklist struct {
	words string // sorted lines, each ending in "\n"
}

// Default is the blocklist built into the binary (blocklist.txt). It costs
// no work at init and no memory beyond the embedded text: lookups search the
// text in place.
func Default() Blocklist { return Blocklist{words: body(list)} }

// body is the part of a list file after its header.
func body(file string) string {
	if i := strings.Index(file, "\n\n"); i >= 0 {
		return file[i+2:]
	}
	return file
}

// Common reports whether pw, or one of its Forms, is on the list.
func (b Blocklist) Common(pw string) bool {
	for _, f := range Forms(pw) {
		if b.has(f) {
			return true
		}
	}
	return false
}

// Len is the number of words on the list.
func (b Blocklist) Len() int { return strings.Count(b.words, "\n") }

// has is a binary search over the sorted lines, in place: each step takes the
// line around the middle of what is left and keeps the half w can be in.
func (b Blocklist) has(w string) bool {
	s := b.words
	for len(s) > 0 {
		mid := len(s) / 2
		start := strings.LastIndexByte(s[:mid], '\n') + 1
		end := start + strings.IndexByte(s[start:], '\n')
		switch line := s[start:end]; {
		case w == line:
			return true
		case w < line:
			s = s[:start]
		default:
			s = s[end+1:]
		}
	}
	return false
}
