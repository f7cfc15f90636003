package oidc_test

import (
	"crypto/sha256"
	"strings"
	"testing"

	"loginguard/internal/oidctest"
	"loginguard/internal/testenv"
	"loginguard/shared/oidc"
)

func TestKMSSignerSignsWithTheKeyKMSHolds(t *testing.T) {
	endpoint, aesKey, signingKey := testenv.KMSWithSigningKey(t)
	c := testenv.KMSClient(t, endpoint)
	ctx := testenv.Context(t)
	s, err := oidc.NewKMSSigner(ctx, c, signingKey)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := c.GetPublicKey(ctx, signingKey)
	if err != nil || pk.KeySpec != "RSA_2048" {
		t.Fatalf("GetPublicKey = %+v, %v; want an RSA_2048 key", pk, err)
	}
	if s.Public().N.BitLen() != 2048 || s.KeyID() != oidc.Thumbprint(s.Public()) {
		t.Fatalf("signer key of %d bits, kid %s", s.Public().N.BitLen(), s.KeyID())
	}
	tok, err := oidc.IDToken(ctx, s, full)
	if err != nil {
		t.Fatal(err)
	}
	_, claims := oidctest.Verify(t, tok, oidctest.Keys(t, oidc.JWKS(s.Public()))[s.KeyID()])
	if claims["sub"] != full.Subject {
		t.Fatalf("claims %v", claims)
	}

	t.Run("a digest of the wrong length is refused by KMS", func(t *testing.T) {
		if sig, err := s.Sign(ctx, []byte("short")); err == nil {
			t.Fatalf("signed a 5-byte digest: %x", sig)
		}
	})
	t.Run("a symmetric key is refused at the start", func(t *testing.T) {
		if _, err := oidc.NewKMSSigner(ctx, c, aesKey); err == nil {
			t.Fatal("a signer was made on the keyring's AES key")
		}
	})
	t.Run("an unknown key is refused at the start", func(t *testing.T) {
		_, err := oidc.NewKMSSigner(ctx, c, testenv.KMSKeyARN("00000000-0000-4000-a000-000000000000"))
		if err == nil || !strings.Contains(err.Error(), "NotFoundException") {
			t.Fatalf("NewKMSSigner on an unknown key = %v; want NotFoundException", err)
		}
	})
	t.Run("a signature of another key is refused", func(t *testing.T) {
		// The signer checks KMS's answer against the public key it read.
		other, err := oidc.NewKMSSigner(ctx, c, signingKey)
		if err != nil {
			t.Fatal(err)
		}
		*other.Public() = *oidctest.NewSigner(t).Public()
		sum := sha256.Sum256([]byte("x"))
		if _, err := other.Sign(ctx, sum[:]); err == nil {
			t.Fatal("a signature that the public key does not verify was returned")
		}
	})
}
