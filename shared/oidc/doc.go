// Package oidc is the OpenID Connect part of the OAuth endpoints: id_tokens
// signed RS256 by a key that never leaves KMS, the key set that verifies
// them (JWKS), and the discovery document. The tokens and documents are
// pure functions; KMSSigner is the one part that calls out.
package oidc
