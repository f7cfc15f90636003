package testenv

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"loginguard/shared/keyring"
	"loginguard/shared/keyring/kms"
)

// Local KMS ARNs use the account and region every local ARN here uses
// (internal/samtemplate), so the template's key ARN and local-kms agree.
const (
	kmsAccount = "000000000000"
	kmsRegion  = "us-east-1"
)

var localKMS struct {
	once sync.Once
	path string
	err  error
}

// LocalKMSBinary builds (once per test binary, from go.mod's tool) the
// local-kms stand-in and returns its path.
func LocalKMSBinary(t testing.TB) string {
	t.Helper()
	localKMS.once.Do(func() {
		cmd := exec.Command("go", "tool", "-n", "local-kms")
		cmd.Dir = Root(t)
		out, err := cmd.Output()
		if err != nil {
			localKMS.err = fmt.Errorf("building local-kms (go tool -n local-kms): %w", err)
			return
		}
		localKMS.path = strings.TrimSpace(string(out))
	})
	if localKMS.err != nil {
		t.Fatalf("testenv: %v", localKMS.err)
	}
	return localKMS.path
}

// KMSSeed is the local-kms seed file that makes one AES key with the given
// id and 32-byte backing key (hex).
func KMSSeed(keyID, backingKeyHex string) string {
	return "Keys:\n  Symmetric:\n    Aes:\n      - Metadata:\n          KeyId: " + keyID +
		"\n          Description: loginguard keyring key (local)\n        BackingKeys:\n          - " + backingKeyHex + "\n"
}

// KMSSigningSeed is the part of a seed file (after KMSSeed's) that makes
// one RSA SIGN_VERIFY key with the given id and PEM (PKCS #8) private key.
func KMSSigningSeed(keyID, privateKeyPEM string) string {
	return "  Asymmetric:\n    Rsa:\n      - Metadata:\n          KeyId: " + keyID +
		"\n          KeyUsage: SIGN_VERIFY\n          Description: loginguard id_token key (local)\n        PrivateKeyPem: |\n" +
		"          " + strings.ReplaceAll(strings.TrimSpace(privateKeyPEM), "\n", "\n          ") + "\n"
}

// KMSKeyARN is the ARN local-kms gives the key with this id.
func KMSKeyARN(keyID string) string {
	return "arn:aws:kms:" + kmsRegion + ":" + kmsAccount + ":key/" + keyID
}

// KMS starts local-kms with its data in a temporary folder and one
// symmetric key seeded; it returns the endpoint URL and the key's ARN.
func KMS(t testing.TB) (endpoint, keyARN string) {
	t.Helper()
	keyID := newKeyID()
	return startKMS(t, KMSSeed(keyID, hex.EncodeToString(randomBytes(32)))), KMSKeyARN(keyID)
}

// KMSWithSigningKey is KMS with an RSA_2048 SIGN_VERIFY key seeded too
// (the template's IdTokenKey); it returns that key's ARN as well.
func KMSWithSigningKey(t testing.TB) (endpoint, keyARN, signingKeyARN string) {
	t.Helper()
	k := KMSWithDigestKey(t)
	return k.Endpoint, k.Keyring, k.IDToken
}

// LocalKeys are the keys of a local-kms KMSWithDigestKey started: the
// template's KeyringKey, IdTokenKey and HistoryDigestKey, by ARN.
type LocalKeys struct {
	Endpoint, Keyring, IDToken, Digest string
}

// KMSWithDigestKey is KMSWithSigningKey with an ECC_NIST_P256 SIGN_VERIFY
// key seeded too (the template's HistoryDigestKey).
func KMSWithDigestKey(t testing.TB) LocalKeys {
	t.Helper()
	keyID, signingID, digestID := newKeyID(), newKeyID(), newKeyID()
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecDER, err := x509.MarshalECPrivateKey(ec)
	if err != nil {
		t.Fatal(err)
	}
	ecPEM := string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: ecDER}))
	seed := KMSSeed(keyID, hex.EncodeToString(randomBytes(32))) + KMSSigningSeed(signingID, pemKey) + KMSECCSeed(digestID, ecPEM)
	return LocalKeys{Endpoint: startKMS(t, seed), Keyring: KMSKeyARN(keyID), IDToken: KMSKeyARN(signingID), Digest: KMSKeyARN(digestID)}
}

// KMSECCSeed is the part of a seed file (after KMSSigningSeed's) that
// makes one ECC SIGN_VERIFY key with the given id and PEM (SEC 1) private key.
func KMSECCSeed(keyID, privateKeyPEM string) string {
	return "    Ecc:\n      - Metadata:\n          KeyId: " + keyID +
		"\n          KeyUsage: SIGN_VERIFY\n          Description: loginguard history digest key (local)\n        PrivateKeyPem: |\n" +
		"          " + strings.ReplaceAll(strings.TrimSpace(privateKeyPEM), "\n", "\n          ") + "\n"
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// newKeyID is a random key id in KMS's (UUID v4) form.
func newKeyID() string {
	h := hex.EncodeToString(randomBytes(16))
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:32]
}

// startKMS starts local-kms seeded with seed, its data in a temporary
// folder, and returns its endpoint URL.
func startKMS(t testing.TB, seed string) string {
	t.Helper()
	dir := t.TempDir()
	seedPath := filepath.Join(dir, "seed.yaml")
	if err := os.WriteFile(seedPath, []byte(seed), 0o600); err != nil {
		t.Fatal(err)
	}
	port := FreePort(t)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	StartEnv(t, addr, []string{"PORT=" + strconv.Itoa(port), "KMS_DATA_PATH=" + filepath.Join(dir, "data"),
		"KMS_SEED_PATH=" + seedPath, "KMS_ACCOUNT_ID=" + kmsAccount, "KMS_REGION=" + kmsRegion}, LocalKMSBinary(t))
	return "http://" + addr
}

// KMSClient returns the functions' KMS client for the local-kms at endpoint.
func KMSClient(t testing.TB, endpoint string) *kms.Client {
	t.Helper()
	c, err := kms.New(AWSConfig(), endpoint)
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	return c
}

// Keyring starts local-kms and returns a keyring named "totp" on it that
// keeps its wrapped keys in st (a dynamo.Store on dynalite).
func Keyring(t testing.TB, st keyring.Store) *keyring.Ring {
	t.Helper()
	endpoint, arn := KMS(t)
	r, err := keyring.New(KMSClient(t, endpoint), st, keyring.Config{KMSKey: arn, Name: "totp"})
	if err != nil {
		t.Fatal(err)
	}
	return r
}
