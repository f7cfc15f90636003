package apiversion

import "strconv"

// Version is an API version's major number: 62 is "62.0".
type Version int

const (
	// Min is the oldest version Salesforce still serves: 21.0 to 30.0 were
	// retired in Summer '25 and are refused.
	Min Version = 31
	// Latest is the newest version /services/data lists, and the newest
	// its resources answer to. The SOAP login takes later ones too (with
	// the latest partner WSDL's elements): a client pinned to a newer
	// release must not be turned away from logging in.
	Latest Version = 62
)

// Parse reads "NN.0" (two or three digits, no leading zero) from Min on;
// ok is false for anything else. It sets no upper bound: see Served.
func Parse(s string) (Version, bool) {
	n := len(s)
	if n < 4 || n > 5 || s[n-2:] != ".0" || s[0] == '0' {
		return 0, false
	}
	v := Version(0)
	for i := 0; i < n-2; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + Version(c-'0')
	}
	return v, v >= Min
}

// Served reports whether /services/data lists v.
func (v Version) Served() bool { return v >= Min && v <= Latest }

// String is the version as Salesforce writes it: "62.0".
func (v Version) String() string { return strconv.Itoa(int(v)) + ".0" }

// seasons are the three releases of a year in the order they ship, from
// 31.0 (Summer '14) on: each Winter release carries the next year's name.
var seasons = [3]string{"Summer", "Winter", "Spring"}

// Label is the release's name, as /services/data labels it: "Winter '25".
func (v Version) Label() string {
	k := int(v - Min)
	year := 14 + (k+2)/3
	return seasons[k%3] + " '" + strconv.Itoa(year%100/10) + strconv.Itoa(year%10)
}

// All lists the served versions, oldest first.
func All() []Version {
	out := make([]Version, 0, Latest-Min+1)
	for v := Min; v <= Latest; v++ {
		out = append(out, v)
	}
	return out
}
