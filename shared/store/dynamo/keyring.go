package dynamo

import (
	"context"
	"fmt"
	"time"

	"loginguard/shared/domain"
)

// Keyrings live in the orgs table under their own partition, beside no org
// (org ids start with 00D), so IAM can limit a function to this partition
// with dynamodb:LeadingKeys.
const pkKeyring = "KEYRING"

type keyringItem struct {
	PK      string           `dynamodbav:"pk"`
	SK      string           `dynamodbav:"sk"`
	Keys    []wrappedKeyItem `dynamodbav:"keys"`
	Version int64            `dynamodbav:"version"`
}

type wrappedKeyItem struct {
	ID        string `dynamodbav:"id"`
	Blob      []byte `dynamodbav:"blob"`
	CreatedAt string `dynamodbav:"createdAt"`
}

func toKeyringItem(k domain.Keyring) keyringItem {
	it := keyringItem{PK: pkKeyring, SK: k.Name, Version: k.Version}
	for _, w := range k.Keys {
		it.Keys = append(it.Keys, wrappedKeyItem{ID: w.ID, Blob: w.Blob, CreatedAt: w.CreatedAt.UTC().Format(time.RFC3339)})
	}
	return it
}

// Keyring reads the keyring called name (domain.ErrNotFound before its
// first key).
func (s *Store) Keyring(ctx context.Context, name string) (domain.Keyring, error) {
	var it keyringItem
	if err := s.get(ctx, s.t.Orgs, orgKey(pkKeyring, name), &it); err != nil {
		return domain.Keyring{}, fmt.Errorf("keyring %s: %w", name, err)
	}
	k := domain.Keyring{Name: name, Version: it.Version}
	for _, w := range it.Keys {
		at, _ := time.Parse(time.RFC3339, w.CreatedAt)
		k.Keys = append(k.Keys, domain.WrappedKey{ID: w.ID, Blob: w.Blob, CreatedAt: at})
	}
	return k, nil
}

// CreateKeyring stores a keyring with its first key (version 1), only if
// none exists: of two racing creators one wins, the other gets
// domain.ErrExists and must read the winner's.
func (s *Store) CreateKeyring(ctx context.Context, name string, first domain.WrappedKey) error {
	it := toKeyringItem(domain.Keyring{Name: name, Keys: []domain.WrappedKey{first}, Version: 1})
	if err := s.putNew(ctx, s.t.Orgs, it, "pk"); err != nil {
		return fmt.Errorf("creating keyring %s: %w", name, err)
	}
	return nil
}

// AddKeyringKey appends a newest key to k, only while the stored keyring is
// still at k.Version (domain.ErrConflict otherwise). Existing keys are kept.
func (s *Store) AddKeyringKey(ctx context.Context, k domain.Keyring, key domain.WrappedKey) error {
	next := domain.Keyring{Name: k.Name, Keys: append(append([]domain.WrappedKey(nil), k.Keys...), key), Version: k.Version + 1}
	if err := s.putVersioned(ctx, s.t.Orgs, toKeyringItem(next), k.Version); err != nil {
		return fmt.Errorf("adding a key to keyring %s: %w", k.Name, err)
	}
	return nil
}
