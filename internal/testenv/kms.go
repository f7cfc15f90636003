package testenv

import (
	"crypto/rand"
	"encoding/hex"
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

// KMSKeyARN is the ARN local-kms gives the key with this id.
func KMSKeyARN(keyID string) string {
	return "arn:aws:kms:" + kmsRegion + ":" + kmsAccount + ":key/" + keyID
}

// KMS starts local-kms with its data in a temporary folder and one
// symmetric key seeded; it returns the endpoint URL and the key's ARN.
func KMS(t testing.TB) (endpoint, keyARN string) {
	t.Helper()
	b := make([]byte, 16+32)
	rand.Read(b)
	h := hex.EncodeToString(b[:16])
	keyID := h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:32]
	dir := t.TempDir()
	seed := filepath.Join(dir, "seed.yaml")
	if err := os.WriteFile(seed, []byte(KMSSeed(keyID, hex.EncodeToString(b[16:]))), 0o600); err != nil {
		t.Fatal(err)
	}
	port := FreePort(t)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	StartEnv(t, addr, []string{"PORT=" + strconv.Itoa(port), "KMS_DATA_PATH=" + filepath.Join(dir, "data"),
		"KMS_SEED_PATH=" + seed, "KMS_ACCOUNT_ID=" + kmsAccount, "KMS_REGION=" + kmsRegion}, LocalKMSBinary(t))
	return "http://" + addr, KMSKeyARN(keyID)
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
