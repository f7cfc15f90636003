// Package kms is our KMS client: GenerateDataKey and Decrypt for the
// keyring, GetPublicKey and Sign for the id_token key (shared/oidc), over
// KMS's JSON protocol, signed with SigV4, in a fraction of the SDK client's size.
package kms
