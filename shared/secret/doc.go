// Package secret makes and checks the secrets of a login: argon2id password
// hashes (parameters kept with each hash), security tokens, session ids, and
// the one-way digests under which tokens and session ids are stored.
package secret
