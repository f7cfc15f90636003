package secret

import (
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"

	"golang.org/x/crypto/argon2"
)

// Params are the argon2id cost parameters stored with every hash, so they can
// be raised later and old hashes upgraded on the next successful login.
type Params struct {
	MemoryKiB uint32
	Time      uint32
	Threads   uint8
}

// DefaultParams is OWASP's minimum for argon2id: 19 MiB, 2 passes, 1 lane.
var DefaultParams = Params{MemoryKiB: 19 * 1024, Time: 2, Threads: 1}

const (
	saltLen = 16
	keyLen  = 32
	// MaxPasswordLen bounds the work an attacker can ask of one hash; the
	// SOAP body cap is the outer bound, this one keeps the rule local.
	MaxPasswordLen = 1024
)

// ErrMalformedHash means a stored hash could not be read; it is a data error,
// never the caller's fault.
var ErrMalformedHash = errors.New("secret: malformed password hash")

// HashPassword returns the PHC-format argon2id hash of password with a fresh salt
// from r: $argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>.
func HashPassword(password string, p Params, r io.Reader) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := io.ReadFull(r, salt); err != nil {
		return "", fmt.Errorf("secret: reading salt: %w", err)
	}
	key := idKey([]byte(password), salt, p, keyLen)
	return encodePHC(p, salt, key), nil
}

// hashes counts the argon2id computations of this process (Hashes).
var hashes atomic.Uint64

// Hashes is how many argon2id hashes this process has computed: made,
// checked or spent. A Lambda instance serves one request at a time, so the
// difference across a request is that request's cost in hashes (the
// PasswordHashes metric).
func Hashes() uint64 { return hashes.Load() }

func idKey(password, salt []byte, p Params, n uint32) []byte {
	hashes.Add(1)
	return argon2.IDKey(password, salt, p.Time, p.MemoryKiB, p.Threads, n)
}

func encodePHC(p Params, salt, key []byte) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.MemoryKiB, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// VerifyPassword reports whether password matches the encoded hash, and
// whether the hash was made with weaker parameters than want (rehash then).
func VerifyPassword(password, encoded string, want Params) (ok, rehash bool, err error) {
	p, salt, key, err := decodePHC(encoded)
	if err != nil {
		return false, false, err
	}
	if len(password) > MaxPasswordLen {
		// Still spend the hash so an over-long guess costs what any guess costs.
		password = password[:MaxPasswordLen]
		idKey([]byte(password), salt, p, uint32(len(key)))
		return false, false, nil
	}
	got := idKey([]byte(password), salt, p, uint32(len(key)))
	ok = subtle.ConstantTimeCompare(got, key) == 1
	rehash = p.MemoryKiB < want.MemoryKiB || p.Time < want.Time || p.Threads < want.Threads
	return ok, rehash, nil
}

func decodePHC(s string) (p Params, salt, key []byte, err error) {
	parts := strings.Split(s, "$")
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, key
	if len(parts) != 6 || parts[1] != "argon2id" {
		return p, nil, nil, ErrMalformedHash
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return p, nil, nil, ErrMalformedHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Time, &p.Threads); err != nil {
		return p, nil, nil, ErrMalformedHash
	}
	if p.MemoryKiB < 8 || p.MemoryKiB > 4<<20 || p.Time < 1 || p.Time > 16 || p.Threads < 1 {
		return p, nil, nil, ErrMalformedHash
	}
	b64 := base64.RawStdEncoding
	if salt, err = b64.DecodeString(parts[4]); err != nil || len(salt) < 8 {
		return p, nil, nil, ErrMalformedHash
	}
	if key, err = b64.DecodeString(parts[5]); err != nil || len(key) < 16 {
		return p, nil, nil, ErrMalformedHash
	}
	return p, salt, key, nil
}

// dummyHash is checked in place of a real one when there is no user, the user
// is locked or inactive: every wrong-credentials answer then costs one hash
// with the default parameters. It is the hash of a random password nobody kept.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$3q2+78r+ur7erb7vyv66+w$7ZmAvQnHh9XJt0m4bS6v7Zy0yR0dGkq2o1b9vYzQm0k"

// SpendPasswordCheck costs what one VerifyPassword with DefaultParams costs,
// and never succeeds.
func SpendPasswordCheck(password string) {
	_, _, _ = VerifyPassword(password, dummyHash, DefaultParams)
}

// CheckNewPassword says what is wrong with a password someone chose, or nil.
func CheckNewPassword(pw string) error {
	switch {
	case len(pw) < 8:
		return errors.New("the password must have at least 8 characters")
	case len(pw) > MaxPasswordLen:
		return fmt.Errorf("the password must have at most %d characters", MaxPasswordLen)
	case strings.ContainsAny(pw, "\x00\r\n"):
		return errors.New("the password must not contain control characters")
	}
	return nil
}
