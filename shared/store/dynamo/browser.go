package dynamo

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"loginguard/shared/domain"
	"loginguard/shared/policy"
)

// ---- browser login challenges (in the sessions table) ----

// PutChallenge stores a new login challenge.
func (s *Store) PutChallenge(ctx context.Context, c domain.LoginChallenge) error {
	item, err := attributevalue.MarshalMap(toChallengeItem(c))
	if err != nil {
		return fmt.Errorf("encoding login challenge: %w", err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: &s.t.Sessions, Item: item, ConditionExpression: aws.String("attribute_not_exists(id)"),
	})
	if _, ok := isConditionFailed(err); ok {
		return domain.ErrExists
	}
	if err != nil {
		return fmt.Errorf("storing login challenge: %w", err)
	}
	return nil
}

// Challenge reads a login challenge; an expired one is domain.ErrNotFound.
func (s *Store) Challenge(ctx context.Context, idHash string, now time.Time) (domain.LoginChallenge, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &s.t.Sessions, Key: map[string]types.AttributeValue{"id": av(idHash)}, ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return domain.LoginChallenge{}, fmt.Errorf("reading login challenge: %w", err)
	}
	var it challengeItem
	if out.Item != nil {
		if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
			return domain.LoginChallenge{}, fmt.Errorf("decoding login challenge: %w", err)
		}
	}
	if it.Kind != kindChallenge || it.ExpiresAt <= now.Unix() {
		return domain.LoginChallenge{}, domain.ErrNotFound
	}
	return it.challenge(), nil
}

// TakeTry uses up one of c's max tries before its answer is checked, so
// parallel answers never check more than max codes; it returns the tries
// used, this one included. domain.ErrNotFound when none is left or c
// ended or expired.
func (s *Store) TakeTry(ctx context.Context, c domain.LoginChallenge, max int, now time.Time) (int, error) {
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           &s.t.Sessions,
		Key:                 map[string]types.AttributeValue{"id": av(c.IDHash)},
		UpdateExpression:    aws.String("SET tries = tries + :one"),
		ConditionExpression: aws.String("kind = :kind AND tries < :max AND expiresAt > :now"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":one": av(1), ":kind": av(kindChallenge), ":max": av(max), ":now": av(now.Unix()),
		},
		ReturnValues: types.ReturnValueUpdatedNew,
	})
	if _, ok := isConditionFailed(err); ok {
		return 0, domain.ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("taking a code try: %w", err)
	}
	var got struct {
		Tries int `dynamodbav:"tries"`
	}
	if err := attributevalue.UnmarshalMap(out.Attributes, &got); err != nil {
		return 0, fmt.Errorf("decoding code tries: %w", err)
	}
	return got.Tries, nil
}

// EndChallenge deletes c. With answered set it is a claim: it succeeds only
// while c is live, so of two requests answering one challenge rightly one
// goes on and the other gets domain.ErrNotFound.
func (s *Store) EndChallenge(ctx context.Context, c domain.LoginChallenge, answered bool, now time.Time) error {
	in := &dynamodb.DeleteItemInput{TableName: &s.t.Sessions, Key: map[string]types.AttributeValue{"id": av(c.IDHash)}}
	if answered {
		in.ConditionExpression = aws.String("kind = :kind AND challenge = :was AND expiresAt > :now")
		in.ExpressionAttributeValues = map[string]types.AttributeValue{
			":kind": av(kindChallenge), ":was": av(c.Kind), ":now": av(now.Unix()),
		}
	}
	_, err := s.db.DeleteItem(ctx, in)
	if _, ok := isConditionFailed(err); ok {
		return domain.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("ending login challenge: %w", err)
	}
	return nil
}

// ---- activated browsers (on the user item) ----

// AddDevice records an activated browser for a user, under the digest of
// its cookie. Past domain.MaxDevices the oldest is forgotten. At most two
// writes, or three when a parallel activation makes the map first: never a
// loop.
func (s *Store) AddDevice(ctx context.Context, u domain.User, digest string, d domain.Device) error {
	item, err := attributevalue.Marshal(toDeviceItem(d))
	if err != nil {
		return fmt.Errorf("encoding device: %w", err)
	}
	expr := "SET devices.#d = :d"
	names := map[string]string{"#d": digest}
	if len(u.Devices) >= domain.MaxDevices {
		expr += " REMOVE devices.#old"
		names["#old"] = oldestDevice(u.Devices)
	}
	add := func() error {
		_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: &s.t.Users, Key: userKey(u.Username), UpdateExpression: &expr,
			ConditionExpression:      aws.String("attribute_exists(username)"),
			ExpressionAttributeNames: names, ExpressionAttributeValues: map[string]types.AttributeValue{":d": item},
		})
		return err
	}
	err = add()
	if isBadPath(err) {
		// A user from before activation existed has no map yet: make it,
		// unless a parallel activation just did; then the map exists and
		// one more add is enough.
		_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: &s.t.Users, Key: userKey(u.Username), UpdateExpression: aws.String("SET devices = :m"),
			ConditionExpression: aws.String("attribute_exists(username) AND attribute_not_exists(devices)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":m": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{digest: item}},
			},
		})
		if _, ok := isConditionFailed(err); ok {
			err = add()
		}
	}
	if _, ok := isConditionFailed(err); ok {
		return domain.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("activating browser: %w", err)
	}
	return nil
}

func oldestDevice(m map[string]domain.Device) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return m[keys[i]].ActivatedAt.Before(m[keys[j]].ActivatedAt) })
	return keys[0]
}

func isBadPath(err error) bool {
	var api smithy.APIError
	return errors.As(err, &api) && api.ErrorCode() == "ValidationException"
}

// RevokeDevice forgets one activated browser of a user (by the digest that
// keys it, or a unique prefix of it, as the admin CLI lists them).
// domain.ErrNotFound when the user has none such.
func (s *Store) RevokeDevice(ctx context.Context, username, digestOrPrefix string) (string, error) {
	u, err := s.User(ctx, username)
	if err != nil {
		return "", err
	}
	var match string
	for k := range u.Devices {
		if len(digestOrPrefix) >= 8 && len(k) >= len(digestOrPrefix) && k[:len(digestOrPrefix)] == digestOrPrefix {
			if match != "" {
				return "", fmt.Errorf("device %q: %w (the prefix is ambiguous)", digestOrPrefix, domain.ErrNotFound)
			}
			match = k
		}
	}
	if match == "" {
		return "", fmt.Errorf("device %q: %w", digestOrPrefix, domain.ErrNotFound)
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.t.Users, Key: userKey(username), UpdateExpression: aws.String("REMOVE devices.#d"),
		ConditionExpression:      aws.String("attribute_exists(devices.#d)"),
		ExpressionAttributeNames: map[string]string{"#d": match},
	})
	if _, ok := isConditionFailed(err); ok {
		return "", fmt.Errorf("device %q: %w", digestOrPrefix, domain.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("revoking browser: %w", err)
	}
	return match, nil
}

// RevokeAllDevices forgets every activated browser of a user.
func (s *Store) RevokeAllDevices(ctx context.Context, username string) error {
	return s.updateUser(ctx, username, "SET devices = :m", map[string]types.AttributeValue{
		":m": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}},
	})
}

// RaiseSession sets a live browser session's security level (a step-up;
// only browser sessions step up).
// domain.ErrNotFound when it ended or expired meanwhile.
func (s *Store) RaiseSession(ctx context.Context, idHash, level string, now time.Time) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.t.Sessions,
		Key:                       map[string]types.AttributeValue{"id": av(idHash)},
		UpdateExpression:          aws.String("SET #level = :level"),
		ConditionExpression:       aws.String("attribute_exists(id) AND attribute_not_exists(kind) AND expiresAt > :now AND loginType = :ui"),
		ExpressionAttributeNames:  map[string]string{"#level": "level"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":level": av(level), ":now": av(now.Unix()), ":ui": av(policy.LoginUI)},
	})
	return orNotFound(err, "raising session")
}
