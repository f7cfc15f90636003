package keyring

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"loginguard/shared/domain"
	"loginguard/shared/secret"
)

// KMS wraps and unwraps data keys under the KMS key keyID (shared/keyring/kms).
// A key wrapped with an encryption context unwraps only with the same one.
type KMS interface {
	// GenerateDataKey makes a 32-byte data key, returned both in clear and
	// wrapped.
	GenerateDataKey(ctx context.Context, keyID string, encCtx map[string]string) (plaintext, wrapped []byte, err error)
	// Decrypt unwraps a data key. An error that is ErrKMSRefused means KMS
	// refused the ciphertext itself (KMS's InvalidCiphertextException: not
	// this key's, another encryption context, or altered); any other error
	// is a failure that may pass.
	Decrypt(ctx context.Context, keyID string, wrapped []byte, encCtx map[string]string) ([]byte, error)
}

// Store keeps the wrapped data keys.
type Store interface {
	Keyring(ctx context.Context, name string) (domain.Keyring, error)
	CreateKeyring(ctx context.Context, name string, first domain.WrappedKey) error
	AddKeyringKey(ctx context.Context, k domain.Keyring, key domain.WrappedKey) error
}

// Sealed values: "v2.<key id>.<base64 of nonce and AES-GCM ciphertext>".
// Values without the prefix are of the first format, sealed with the one
// key TOTP_ENCRYPTION_KEY held; they open only with that legacy key.
const prefix = "v2."

// TOTP is the name of the keyring that seals users' TOTP keys.
const TOTP = "totp"

// idLen is the length of a data key's id: 8 hex digits, random.
const idLen = 8

// Refresh is how old a loaded keyring may be when sealing: a key added by
// a rotation is used for new values by every instance within this time.
const Refresh = 5 * time.Minute

var (
	// ErrUnseal: the value does not open (tampered, another owner, an
	// unknown key id, or a legacy value without the legacy key). Fail closed.
	ErrUnseal = secret.ErrUnseal
	// ErrNoKeyring: nothing was ever sealed (no data key yet).
	ErrNoKeyring = errors.New("keyring: no data key yet")
	// ErrKMSRefused is what a KMS implementation's Decrypt error matches
	// when KMS refused the ciphertext; the ring turns it into ErrUnseal.
	ErrKMSRefused = errors.New("keyring: KMS refused the ciphertext")
)

// Config says which KMS key wraps the data keys and what else the ring knows.
type Config struct {
	KMSKey string // key id or ARN (KEYRING_KMS_KEY)
	Name   string // keyring name; also bound into every wrapped key's encryption context
	// Legacy is the optional key of the first sealed-value format (the old
	// TOTP_ENCRYPTION_KEY): values sealed with it keep opening; nothing new
	// is sealed with it.
	Legacy []byte
	Now    func() time.Time // time.Now when nil
}

// Ring seals and opens values with the keyring's data keys. Build one per
// process; it is safe for concurrent use.
type Ring struct {
	kms    KMS
	st     Store
	cfg    Config
	legacy *secret.Sealer

	mu     sync.Mutex
	ring   domain.Keyring // as last read; Version 0 before the first read
	readAt time.Time
	open   map[string]*secret.Sealer // unwrapped data keys by id
}

// New makes a ring. It calls neither KMS nor DynamoDB: keys are read and
// unwrapped on first use.
func New(k KMS, st Store, cfg Config) (*Ring, error) {
	if k == nil || st == nil {
		return nil, errors.New("keyring: a KMS client and a store are required")
	}
	if cfg.KMSKey == "" {
		return nil, errors.New("keyring: no KMS key id")
	}
	if cfg.Name == "" || strings.ContainsAny(cfg.Name, ".#") {
		return nil, fmt.Errorf("keyring: name %q: want a plain word", cfg.Name)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	r := &Ring{kms: k, st: st, cfg: cfg, open: map[string]*secret.Sealer{}}
	if cfg.Legacy != nil {
		s, err := secret.NewSealer(cfg.Legacy)
		if err != nil {
			return nil, fmt.Errorf("keyring: legacy key: %w", err)
		}
		r.legacy = s
	}
	return r, nil
}

// aad binds a sealed value to the key id it names and to its owner, so it
// can be neither relabelled nor copied onto another user.
func aad(id, owner string) string { return prefix + id + "." + owner }

// Seal encrypts plain for owner with the newest data key, creating the
// keyring's first key if there is none. Nonces come from r.
func (r *Ring) Seal(ctx context.Context, plain, owner string, rnd io.Reader) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ring.Version == 0 || r.cfg.Now().Sub(r.readAt) > Refresh {
		err := r.read(ctx)
		switch {
		case errors.Is(err, domain.ErrNotFound):
			if err := r.create(ctx, rnd); err != nil {
				return "", err
			}
		case err != nil && r.ring.Version == 0:
			return "", err
		}
		// A failed refresh keeps the keys held: they are still valid.
	}
	newest := r.ring.Keys[len(r.ring.Keys)-1]
	s, err := r.unwrap(ctx, newest)
	if err != nil {
		return "", err
	}
	body, err := s.Seal(plain, aad(newest.ID, owner), rnd)
	if err != nil {
		return "", err
	}
	return prefix + newest.ID + "." + body, nil
}

// Open decrypts a sealed value of owner. ErrUnseal (and only it) means the
// value itself does not open; any other error is a failure to reach KMS or
// DynamoDB, and the value may open later.
func (r *Ring) Open(ctx context.Context, sealed, owner string) (string, error) {
	rest, ok := strings.CutPrefix(sealed, prefix)
	if !ok {
		if r.legacy == nil {
			return "", fmt.Errorf("%w: a value of the first format, and no legacy key (TOTP_ENCRYPTION_KEY) is set", ErrUnseal)
		}
		return r.legacy.Open(sealed, owner)
	}
	id, body, ok := strings.Cut(rest, ".")
	if !ok || !validID(id) {
		return "", ErrUnseal
	}
	r.mu.Lock()
	s, err := r.sealerFor(ctx, id)
	r.mu.Unlock()
	if err != nil {
		return "", err
	}
	return s.Open(body, aad(id, owner))
}

// sealerFor returns the unwrapped data key id, reading the keyring again
// once when the id is not in the copy held (a rotation since).
func (r *Ring) sealerFor(ctx context.Context, id string) (*secret.Sealer, error) {
	if s, ok := r.open[id]; ok {
		return s, nil
	}
	for try := 0; try < 2; try++ {
		for _, k := range r.ring.Keys {
			if k.ID == id {
				return r.unwrap(ctx, k)
			}
		}
		if try == 0 {
			if err := r.read(ctx); errors.Is(err, domain.ErrNotFound) {
				break
			} else if err != nil {
				return nil, err
			}
		}
	}
	return nil, fmt.Errorf("%w: no data key %q in keyring %s", ErrUnseal, id, r.cfg.Name)
}

func validID(id string) bool {
	if len(id) != idLen {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil
}

func (r *Ring) read(ctx context.Context) error {
	k, err := r.st.Keyring(ctx, r.cfg.Name)
	if err != nil {
		return err
	}
	if len(k.Keys) == 0 {
		return fmt.Errorf("keyring %s has no keys", r.cfg.Name)
	}
	r.ring, r.readAt = k, r.cfg.Now()
	return nil
}

// encryptionContext ties a wrapped key to this keyring and its id: KMS
// refuses to unwrap it for any other.
func (r *Ring) encryptionContext(id string) map[string]string {
	return map[string]string{"loginguard:keyring": r.cfg.Name, "loginguard:key": id}
}

func (r *Ring) unwrap(ctx context.Context, k domain.WrappedKey) (*secret.Sealer, error) {
	if s, ok := r.open[k.ID]; ok {
		return s, nil
	}
	plain, err := r.kms.Decrypt(ctx, r.cfg.KMSKey, k.Blob, r.encryptionContext(k.ID))
	if err != nil {
		if errors.Is(err, ErrKMSRefused) {
			return nil, fmt.Errorf("%w: KMS refused data key %s of keyring %s", ErrUnseal, k.ID, r.cfg.Name)
		}
		return nil, fmt.Errorf("keyring %s: unwrapping data key %s: %w", r.cfg.Name, k.ID, err)
	}
	return r.keep(k.ID, plain)
}

func (r *Ring) keep(id string, key []byte) (*secret.Sealer, error) {
	s, err := secret.NewSealer(key)
	clear(key)
	if err != nil {
		return nil, fmt.Errorf("keyring %s: data key %s: %w", r.cfg.Name, id, err)
	}
	r.open[id] = s
	return s, nil
}

// generate makes a new data key with an id not in taken; the key is kept
// unwrapped, and returned wrapped for storing.
func (r *Ring) generate(ctx context.Context, rnd io.Reader, taken []domain.WrappedKey) (domain.WrappedKey, *secret.Sealer, error) {
	var id string
	for {
		b := make([]byte, idLen/2)
		if _, err := io.ReadFull(rnd, b); err != nil {
			return domain.WrappedKey{}, nil, fmt.Errorf("keyring: reading randomness: %w", err)
		}
		id = hex.EncodeToString(b)
		dup := false
		for _, k := range taken {
			dup = dup || k.ID == id
		}
		if !dup {
			break
		}
	}
	plain, wrapped, err := r.kms.GenerateDataKey(ctx, r.cfg.KMSKey, r.encryptionContext(id))
	if err != nil {
		return domain.WrappedKey{}, nil, fmt.Errorf("keyring %s: generating a data key: %w", r.cfg.Name, err)
	}
	s, err := secret.NewSealer(plain)
	clear(plain)
	if err != nil {
		return domain.WrappedKey{}, nil, err
	}
	return domain.WrappedKey{ID: id, Blob: wrapped, CreatedAt: r.cfg.Now().UTC().Truncate(time.Second)}, s, nil
}

// create makes the keyring's first key. Of instances racing to do so, one
// write wins; the others throw their key away and use the winner's.
func (r *Ring) create(ctx context.Context, rnd io.Reader) error {
	w, s, err := r.generate(ctx, rnd, nil)
	if err != nil {
		return err
	}
	err = r.st.CreateKeyring(ctx, r.cfg.Name, w)
	if errors.Is(err, domain.ErrExists) {
		return r.read(ctx)
	}
	if err != nil {
		return err
	}
	r.open[w.ID] = s
	r.ring, r.readAt = domain.Keyring{Name: r.cfg.Name, Keys: []domain.WrappedKey{w}, Version: 1}, r.cfg.Now()
	return nil
}

// Rotate adds a new data key, from then on the one new values are sealed
// with (by every instance within Refresh); values sealed with older keys
// keep opening. It returns the new key's id. Of two concurrent rotations
// one fails with domain.ErrConflict and nothing is lost.
func (r *Ring) Rotate(ctx context.Context, rnd io.Reader) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	err := r.read(ctx)
	if errors.Is(err, domain.ErrNotFound) {
		if err := r.create(ctx, rnd); err != nil {
			return "", err
		}
		return r.ring.Keys[len(r.ring.Keys)-1].ID, nil
	}
	if err != nil {
		return "", err
	}
	w, s, err := r.generate(ctx, rnd, r.ring.Keys)
	if err != nil {
		return "", err
	}
	if err := r.st.AddKeyringKey(ctx, r.ring, w); err != nil {
		return "", err
	}
	r.open[w.ID] = s
	r.ring.Keys = append(r.ring.Keys, w)
	r.ring.Version++
	r.readAt = r.cfg.Now()
	return w.ID, nil
}

// Keys lists the keyring's keys, oldest first (ids and dates; no key
// material). ErrNoKeyring before the first.
func (r *Ring) Keys(ctx context.Context) ([]domain.WrappedKey, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.read(ctx); errors.Is(err, domain.ErrNotFound) {
		return nil, ErrNoKeyring
	} else if err != nil {
		return nil, err
	}
	out := make([]domain.WrappedKey, len(r.ring.Keys))
	for i, k := range r.ring.Keys {
		out[i] = domain.WrappedKey{ID: k.ID, CreatedAt: k.CreatedAt}
	}
	return out, nil
}
