// Package keyring seals secrets at rest (users' TOTP keys) by envelope
// encryption: AES-256-GCM data keys, kept in DynamoDB wrapped under a KMS
// key and unwrapped once per instance, so no KMS call sits on the hot path.
package keyring
