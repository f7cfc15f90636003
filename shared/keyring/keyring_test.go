package keyring_test

import (
	"context"
	"crypto/rand"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"loginguard/internal/testenv"
	"loginguard/shared/domain"
	"loginguard/shared/keyring"
	"loginguard/shared/secret"
	"loginguard/shared/store/dynamo"
)

type fixture struct {
	kmsEndpoint, keyARN string
	st                  *dynamo.Store
}

func setup(t *testing.T) fixture {
	t.Helper()
	db := testenv.DynamoDB(testenv.Dynalite(t))
	st := dynamo.New(db, testenv.CreateTables(t, db))
	endpoint, arn := testenv.KMS(t)
	return fixture{endpoint, arn, st}
}

// instance is one process's ring (its own cache), as one Lambda instance has.
func (f fixture) instance(t *testing.T, mod func(*keyring.Config)) *keyring.Ring {
	t.Helper()
	cfg := keyring.Config{KMSKey: f.keyARN, Name: "totp"}
	if mod != nil {
		mod(&cfg)
	}
	r, err := keyring.New(testenv.KMSClient(t, f.kmsEndpoint), f.st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func keyID(t *testing.T, sealed string) string {
	t.Helper()
	parts := strings.SplitN(sealed, ".", 3)
	if len(parts) != 3 || parts[0] != "v2" || len(parts[1]) != 8 {
		t.Fatalf("sealed value %q is not v2.<8-character key id>.<base64>", sealed)
	}
	return parts[1]
}

func TestSealedValuesOpenOnlyAsSealed(t *testing.T) {
	f := setup(t)
	ctx := testenv.Context(t)
	r := f.instance(t, nil)
	sealed, err := r.Seal(ctx, "JBSWY3DPEHPK3PXP", "005A", rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id := keyID(t, sealed)
	if strings.Contains(sealed, "JBSWY3DPEHPK3PXP") {
		t.Fatal("the sealed value shows the secret")
	}
	body := sealed[len("v2.")+len(id)+1:]
	flipped := []byte(body)
	flipped[len(flipped)/2] ^= 1
	if flipped[len(flipped)/2] == '=' || flipped[len(flipped)/2] > 'z' {
		flipped[len(flipped)/2] = 'A'
	}
	other := "00000000"
	if id == other {
		other = "11111111"
	}
	// A second instance (nothing cached) opens it: the data key comes from
	// DynamoDB, unwrapped by KMS.
	fresh := f.instance(t, nil)
	if got, err := fresh.Open(ctx, sealed, "005A"); err != nil || got != "JBSWY3DPEHPK3PXP" {
		t.Fatalf("another instance: Open = %q, %v", got, err)
	}
	tests := []struct {
		name, sealed, owner string
	}{
		{"another owner's value does not open", sealed, "005B"},
		{"a tampered ciphertext does not open", "v2." + id + "." + string(flipped), "005A"},
		{"an unknown key id does not open", "v2." + other + "." + body, "005A"},
		{"a malformed key id does not open", "v2.zz." + body, "005A"},
		{"a value without a key id does not open", "v2." + body, "005A"},
		{"a first-format value does not open without the legacy key", body, "005A"},
		{"an empty value does not open", "", "005A"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, ring := range []*keyring.Ring{r, fresh} {
				if got, err := ring.Open(ctx, tt.sealed, tt.owner); !errors.Is(err, keyring.ErrUnseal) || got != "" {
					t.Fatalf("Open = %q, %v; want ErrUnseal", got, err)
				}
			}
		})
	}
}

func TestRotationKeepsOldValuesAndSealsWithTheNewest(t *testing.T) {
	f := setup(t)
	ctx := testenv.Context(t)
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	admin := f.instance(t, nil)
	web := f.instance(t, func(c *keyring.Config) { c.Now = clock })
	soap := f.instance(t, nil)

	old, err := web.Seal(ctx, "OLDSECRET", "005A", rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := soap.Open(ctx, old, "005A"); err != nil || got != "OLDSECRET" {
		t.Fatalf("before rotation: Open = %q, %v", got, err)
	}
	newID, err := admin.Rotate(ctx, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if newID == keyID(t, old) {
		t.Fatal("rotation kept the same key id")
	}
	keys, err := admin.Keys(ctx)
	if err != nil || len(keys) != 2 || keys[1].ID != newID || len(keys[0].Blob) != 0 {
		t.Fatalf("Keys = %+v, %v; want two, the new one last, no key material", keys, err)
	}
	// The admin's own instance seals with the new key at once.
	v, err := admin.Seal(ctx, "NEWSECRET", "005B", rand.Reader)
	if err != nil || keyID(t, v) != newID {
		t.Fatalf("after rotation the rotating instance sealed with %q (%v); want %s", v, err, newID)
	}
	// An instance that read the keyring before opens the new key's values
	// (it reads the keyring again on an unknown id) and still opens old ones.
	if got, err := soap.Open(ctx, v, "005B"); err != nil || got != "NEWSECRET" {
		t.Fatalf("a value of the new key on an older instance: Open = %q, %v", got, err)
	}
	if got, err := soap.Open(ctx, old, "005A"); err != nil || got != "OLDSECRET" {
		t.Fatalf("a value of the old key after rotation: Open = %q, %v", got, err)
	}
	// The web instance seals with the newest key once its copy is older
	// than keyring.Refresh.
	now = now.Add(keyring.Refresh + time.Second)
	v2, err := web.Seal(ctx, "LATER", "005C", rand.Reader)
	if err != nil || keyID(t, v2) != newID {
		t.Fatalf("after the refresh time the instance sealed with %q (%v); want %s", v2, err, newID)
	}
	if got, err := web.Open(ctx, old, "005A"); err != nil || got != "OLDSECRET" {
		t.Fatalf("old value on the refreshed instance: Open = %q, %v", got, err)
	}
	// Relabelling a value with the other key's id does not open it.
	relabelled := "v2." + newID + old[len("v2.")+8:]
	if _, err := soap.Open(ctx, relabelled, "005A"); !errors.Is(err, keyring.ErrUnseal) {
		t.Fatalf("relabelled value: %v; want ErrUnseal", err)
	}
}

func TestRacingInstancesMakeOneFirstKey(t *testing.T) {
	f := setup(t)
	ctx := testenv.Context(t)
	const n = 2
	var wg sync.WaitGroup
	sealed := make([]string, n)
	errs := make([]error, n)
	rings := make([]*keyring.Ring, n)
	for i := range n {
		rings[i] = f.instance(t, nil)
	}
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			sealed[i], errs[i] = rings[i].Seal(ctx, "RACE", "005A", rand.Reader)
		}()
	}
	close(start)
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("instance %d: %v", i, errs[i])
		}
	}
	k, err := f.st.Keyring(ctx, "totp")
	if err != nil || len(k.Keys) != 1 || k.Version != 1 {
		t.Fatalf("keyring after the race: %+v, %v; want exactly one key", k, err)
	}
	for i := range n {
		if keyID(t, sealed[i]) != k.Keys[0].ID {
			t.Fatalf("instance %d sealed with %s, not the stored key %s", i, keyID(t, sealed[i]), k.Keys[0].ID)
		}
		for j := range n {
			if got, err := rings[j].Open(ctx, sealed[i], "005A"); err != nil || got != "RACE" {
				t.Fatalf("instance %d opening %d's value: %q, %v", j, i, got, err)
			}
		}
	}
}

func TestLegacyValuesOpenWithTheLegacyKeyOnly(t *testing.T) {
	f := setup(t)
	ctx := testenv.Context(t)
	legacyKey := make([]byte, 32)
	rand.Read(legacyKey)
	old, _ := secret.NewSealer(legacyKey)
	v, err := old.Seal("LEGACY", "005A", rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	r := f.instance(t, func(c *keyring.Config) { c.Legacy = legacyKey })
	if got, err := r.Open(ctx, v, "005A"); err != nil || got != "LEGACY" {
		t.Fatalf("legacy value with the legacy key: Open = %q, %v", got, err)
	}
	if _, err := r.Open(ctx, v, "005B"); !errors.Is(err, keyring.ErrUnseal) {
		t.Fatalf("legacy value for another owner: %v", err)
	}
	if _, err := f.instance(t, nil).Open(ctx, v, "005A"); !errors.Is(err, keyring.ErrUnseal) {
		t.Fatalf("legacy value without the legacy key: %v; want ErrUnseal", err)
	}
	// New values never use the legacy key.
	nv, err := r.Seal(ctx, "NEW", "005A", rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	keyID(t, nv)
	if _, err := old.Open(nv, "005A"); err == nil {
		t.Fatal("a new value opened with the legacy key")
	}
	if _, err := f.st.Keyring(ctx, "totp"); err != nil {
		t.Fatalf("sealing made no keyring: %v", err)
	}
}

func TestAKeyringNeedsItsOwnKMSKey(t *testing.T) {
	f := setup(t)
	ctx := testenv.Context(t)
	v, err := f.instance(t, nil).Seal(ctx, "S", "005A", rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	// Another KMS key (another local-kms with its own key) cannot unwrap
	// the stored data key: fail closed, not a crash.
	endpoint, arn := testenv.KMS(t)
	other, err := keyring.New(testenv.KMSClient(t, endpoint), f.st, keyring.Config{KMSKey: arn, Name: "totp"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Open(ctx, v, "005A"); err == nil {
		t.Fatal("a data key wrapped under one KMS key opened under another")
	}
	if _, err := keyring.New(testenv.KMSClient(t, endpoint), f.st, keyring.Config{Name: "totp"}); err == nil {
		t.Fatal("a ring without a KMS key was made")
	}
	if _, err := keyring.New(testenv.KMSClient(t, endpoint), f.st, keyring.Config{KMSKey: arn, Name: "totp", Legacy: []byte("short")}); err == nil {
		t.Fatal("a ring with a short legacy key was made")
	}
}

func TestNothingIsSealedWhenKMSIsDown(t *testing.T) {
	db := testenv.DynamoDB(testenv.Dynalite(t))
	st := dynamo.New(db, testenv.CreateTables(t, db))
	dead := "http://127.0.0.1:" + strconv.Itoa(testenv.FreePort(t))
	r, err := keyring.New(testenv.KMSClient(t, dead), st, keyring.Config{KMSKey: testenv.KMSKeyARN("00000000-0000-4000-a000-000000000000"), Name: "totp"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if v, err := r.Seal(ctx, "S", "005A", rand.Reader); err == nil || v != "" || errors.Is(err, keyring.ErrUnseal) {
		t.Fatalf("Seal with KMS down = %q, %v; want an error that is not ErrUnseal", v, err)
	}
	if _, err := st.Keyring(ctx, "totp"); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("a keyring was stored without a data key: %v", err)
	}
}
