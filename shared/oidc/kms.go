package oidc

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"slices"

	"loginguard/shared/keyring/kms"
)

// kmsAlgorithm is RS256 as KMS names it.
const kmsAlgorithm = "RSASSA_PKCS1_V1_5_SHA_256"

// KMSSigner signs with an asymmetric KMS key: the private key never leaves
// KMS, and the public key is read once, when the signer is made.
type KMSSigner struct {
	kms *kms.Client
	key string
	pub *rsa.PublicKey
	kid string
}

// NewKMSSigner reads the public key of keyID (one GetPublicKey) and checks
// that the key signs RS256: an RSA SIGN_VERIFY key of 2048 bits or more.
// A key that cannot sign fails here, at a function's start, not at the
// first login that asks for an id_token.
func NewKMSSigner(ctx context.Context, c *kms.Client, keyID string) (*KMSSigner, error) {
	pk, err := c.GetPublicKey(ctx, keyID)
	if err != nil {
		return nil, fmt.Errorf("oidc: the id_token key: %w", err)
	}
	if pk.KeyUsage != "SIGN_VERIFY" || !slices.Contains(pk.SigningAlgorithms, kmsAlgorithm) {
		return nil, fmt.Errorf("oidc: the id_token key %s is a %s key for %s; want an RSA SIGN_VERIFY key with %s",
			keyID, pk.KeySpec, pk.KeyUsage, kmsAlgorithm)
	}
	parsed, err := x509.ParsePKIXPublicKey(pk.DER)
	if err != nil {
		return nil, fmt.Errorf("oidc: the id_token key's public key: %w", err)
	}
	pub, ok := parsed.(*rsa.PublicKey)
	if !ok || pub.N.BitLen() < 2048 {
		return nil, fmt.Errorf("oidc: the id_token key %s is not an RSA key of 2048 bits or more", keyID)
	}
	return &KMSSigner{kms: c, key: keyID, pub: pub, kid: Thumbprint(pub)}, nil
}

// KeyID is the key's thumbprint.
func (s *KMSSigner) KeyID() string { return s.kid }

// Public is the key's public half, as KMS gave it.
func (s *KMSSigner) Public() *rsa.PublicKey { return s.pub }

// Sign has KMS sign digest. The signature is checked against the public
// key before it is used (a microsecond's work): a token that no client
// could verify is an error here, not a failed login there.
func (s *KMSSigner) Sign(ctx context.Context, digest []byte) ([]byte, error) {
	sig, err := s.kms.Sign(ctx, s.key, digest, kmsAlgorithm)
	if err != nil {
		return nil, err
	}
	if err := rsa.VerifyPKCS1v15(s.pub, crypto.SHA256, digest, sig); err != nil {
		return nil, fmt.Errorf("oidc: KMS's signature does not verify with the key's public key: %w", err)
	}
	return sig, nil
}
