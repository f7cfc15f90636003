package dynamo

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"loginguard/shared/domain"
)

// ---- the per-source throttle ----

// sourceKeep is how long a window's item outlives its window before
// DynamoDB's TTL may remove it (the count is read only within the window).
const sourceKeep = time.Hour

// CountSourceFailure counts one failed login from source in window (its
// number; it ends at end), and reports whether the source is throttled:
// its count reached limit with this failure or before it. One conditional
// ADD, refused once the count is at the limit (so it never grows past it):
// one write per failure, and nothing is read or written on a success.
func (s *Store) CountSourceFailure(ctx context.Context, source string, window int64, end time.Time, limit int) (int, bool, error) {
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           &s.t.Sources,
		Key:                 map[string]types.AttributeValue{"source": av(sourceItemKey(source, window))},
		UpdateExpression:    aws.String("ADD n :one SET expiresAt = :exp"),
		ConditionExpression: aws.String("attribute_not_exists(n) OR n < :limit"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":one": av(1), ":limit": av(limit), ":exp": av(end.Add(sourceKeep).Unix()),
		},
		ReturnValues: types.ReturnValueUpdatedNew,
	})
	if _, ok := isConditionFailed(err); ok {
		return limit, true, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("counting a failed login of its source: %w", err)
	}
	var n int
	if v, ok := out.Attributes["n"].(*types.AttributeValueMemberN); ok {
		n, _ = strconv.Atoi(v.Value)
	}
	return n, n >= limit, nil
}

// SourceFailures reads the failures counted for source in window: an
// eventually consistent read (half a read unit), made before the hash of
// an attempt from a source the instance cannot vouch for.
// held is whether the count was started by HoldSource.
func (s *Store) SourceFailures(ctx context.Context, source string, window int64) (n int, held bool, err error) {
	got, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:            &s.t.Sources,
		Key:                  map[string]types.AttributeValue{"source": av(sourceItemKey(source, window))},
		ProjectionExpression: aws.String("n, held"),
	})
	if err != nil {
		return 0, false, fmt.Errorf("reading a source's failed logins: %w", err)
	}
	if v, ok := got.Item["n"].(*types.AttributeValueMemberN); ok {
		n, _ = strconv.Atoi(v.Value)
	}
	_, held = got.Item["held"]
	return n, held, nil
}

// HoldSource starts source's count in window at limit, so the source is
// throttled through that window: one conditional write, made once per
// instance when a source reaches the limit in the window before. A count
// already there is left alone.
func (s *Store) HoldSource(ctx context.Context, source string, window int64, end time.Time, limit int) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           &s.t.Sources,
		Key:                 map[string]types.AttributeValue{"source": av(sourceItemKey(source, window))},
		UpdateExpression:    aws.String("SET n = :limit, held = :held, expiresAt = :exp"),
		ConditionExpression: aws.String("attribute_not_exists(n) OR n < :limit"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":limit": av(limit), ":held": av(true), ":exp": av(end.Add(sourceKeep).Unix()),
		},
	})
	if _, ok := isConditionFailed(err); ok {
		return nil
	}
	if err != nil {
		return fmt.Errorf("holding a throttled source into the next window: %w", err)
	}
	return nil
}

// sourceItemKey is the key of source's count in window.
func sourceItemKey(source string, window int64) string {
	return source + "#" + strconv.FormatInt(window, 10)
}

// LoginRanges reads the ranges that exempt a source from the throttle for
// username's logins (the org's trusted ranges and the profile's login IP
// ranges): an eventually consistent read of the copy on the user item, on
// a throttled source's attempts only. domain.ErrNotFound when no such user.
func (s *Store) LoginRanges(ctx context.Context, username string) (domain.User, error) {
	got, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &s.t.Users, Key: userKey(username),
		ProjectionExpression: aws.String("username, id, orgId, displayName, pol.trusted, pol.ranges"),
	})
	if err != nil {
		return domain.User{}, fmt.Errorf("reading the user's login ranges: %w", err)
	}
	if got.Item == nil {
		return domain.User{}, domain.ErrNotFound
	}
	return decodeUser(got.Item)
}
