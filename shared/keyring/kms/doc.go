// Package kms is the keyring's KMS client: GenerateDataKey and Decrypt over
// KMS's JSON protocol, signed with SigV4, in a fraction of the SDK client's size.
package kms
