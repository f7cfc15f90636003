package domain

import "time"

// Keyring is a named set of data keys, each stored only wrapped (encrypted
// under a KMS key). The last key is the newest: new values are sealed with
// it; the others stay so that values sealed with them still open.
type Keyring struct {
	Name    string
	Keys    []WrappedKey // oldest first
	Version int64        // for conditional replacement
}

// WrappedKey is one data key of a keyring as KMS returned it: the
// ciphertext blob only KMS can decrypt, never the key itself.
type WrappedKey struct {
	ID        string // short id that sealed values carry
	Blob      []byte // KMS CiphertextBlob
	CreatedAt time.Time
}
