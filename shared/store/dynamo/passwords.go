package dynamo

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"loginguard/shared/domain"
)

// Password histories live in the orgs table, one item per user under a
// partition of its own ("PWHISTORY#<userId>"): off the user item, which
// every login reads and writes (24 hashes would take it past 1 KB and
// double a login's write units), beside no org (org ids start with 00D)
// or keyring, so IAM can limit a function to these partitions with
// dynamodb:LeadingKeys. Keyed by the user's id, not the name: a user
// created again under a freed name starts with no history.
const (
	// PasswordHistoryPartition begins the partition key of every password
	// history; template.yaml's grants name it (PWHISTORY#*).
	PasswordHistoryPartition = "PWHISTORY#"
	skPasswordHistory        = "PWHISTORY"
)

type passwordHistoryItem struct {
	PK      string   `dynamodbav:"pk"`
	SK      string   `dynamodbav:"sk"`
	Hashes  []string `dynamodbav:"hashes"`
	Version int64    `dynamodbav:"version"`
}

func passwordHistoryKey(u domain.User) map[string]types.AttributeValue {
	return orgKey(PasswordHistoryPartition+u.ID, skPasswordHistory)
}

// PasswordHistory reads u's remembered password hashes (consistent read),
// newest first; a user with none stored yet has an empty history at
// Version 0.
func (s *Store) PasswordHistory(ctx context.Context, u domain.User) (domain.PasswordHistory, error) {
	var it passwordHistoryItem
	err := s.get(ctx, s.t.Orgs, passwordHistoryKey(u), &it)
	if errors.Is(err, domain.ErrNotFound) {
		return domain.PasswordHistory{}, nil
	}
	if err != nil {
		return domain.PasswordHistory{}, fmt.Errorf("reading password history: %w", err)
	}
	return domain.PasswordHistory{Hashes: it.Hashes, Version: it.Version}, nil
}

// RememberPasswords replaces u's history, read at prev, by hashes (at
// prev.Version + 1), in one conditional write: only while the stored
// history is still at prev.Version (domain.ErrConflict otherwise), so of
// two changes racing the later one cannot write over a hash the first one
// added.
func (s *Store) RememberPasswords(ctx context.Context, u domain.User, prev domain.PasswordHistory, hashes []string) error {
	it := passwordHistoryItem{PK: PasswordHistoryPartition + u.ID, SK: skPasswordHistory, Hashes: hashes, Version: prev.Version + 1}
	var err error
	if prev.Version == 0 {
		if err = s.putNew(ctx, s.t.Orgs, it, "pk"); errors.Is(err, domain.ErrExists) {
			err = domain.ErrConflict
		}
	} else {
		err = s.putVersioned(ctx, s.t.Orgs, it, prev.Version)
	}
	if err != nil && !errors.Is(err, domain.ErrConflict) {
		return fmt.Errorf("saving password history: %w", err)
	}
	return err
}
