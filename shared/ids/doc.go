// Package ids makes and converts Salesforce record ids: 15 case-sensitive
// characters (a 3-character key prefix and 12 random base62 characters), and
// the 18-character form whose 3-character suffix records the case, so that
// case-insensitive systems can carry it.
package ids
