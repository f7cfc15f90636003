package dynamo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"loginguard/shared/domain"
)

// ---- credential changes: rate limit, conditional writes, audit ----

// ReserveTokenReset takes one of a user's max token resets in a window of
// length window. One conditional write while the window is open, a second
// to open a new one; domain.ErrRateLimited when both refuse.
func (s *Store) ReserveTokenReset(ctx context.Context, username string, now time.Time, window time.Duration, max int) error {
	opened := now.Add(-window).Unix()
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.t.Users, Key: userKey(username),
		UpdateExpression:    aws.String("SET resetCount = resetCount + :one"),
		ConditionExpression: aws.String("attribute_exists(username) AND resetWindowStart > :opened AND resetCount < :max"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":one": av(1), ":opened": av(opened), ":max": av(max),
		},
	})
	if _, ok := isConditionFailed(err); !ok {
		if err != nil {
			return fmt.Errorf("reserving token reset: %w", err)
		}
		return nil
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.t.Users, Key: userKey(username),
		UpdateExpression:    aws.String("SET resetWindowStart = :now, resetCount = :one"),
		ConditionExpression: aws.String("attribute_exists(username) AND (attribute_not_exists(resetWindowStart) OR resetWindowStart <= :opened)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":now": av(now.Unix()), ":one": av(1), ":opened": av(opened),
		},
	})
	if _, ok := isConditionFailed(err); ok {
		return domain.ErrRateLimited
	}
	if err != nil {
		return fmt.Errorf("reserving token reset: %w", err)
	}
	return nil
}

// ReleaseTokenReset gives back a reservation whose reset did not happen
// (the mail failed): a failure of ours must not use up the user's resets.
func (s *Store) ReleaseTokenReset(ctx context.Context, username string) error {
	return s.giveBack(ctx, username, "resetCount", "releasing token reset")
}

// SetCredentials replaces a user's token digest and, when newPasswordHash
// is set, the password hash, in one conditional write: only if both are
// still what u holds (domain.ErrConflict otherwise), so of two changes racing
// neither silently undoes the other. A new password also clears the
// attempt count and raises the session generation: the user's sessions are
// then to be ended (all, or all but the one the change was made from). It
// returns the user as it now is.
func (s *Store) SetCredentials(ctx context.Context, u domain.User, newPasswordHash, newTokenDigest string, at time.Time) (domain.User, error) {
	set := "SET tokenHash = :tok"
	vals := map[string]types.AttributeValue{":tok": av(newTokenDigest), ":oldTok": av(u.TokenHash), ":oldPw": av(u.PasswordHash)}
	if newPasswordHash != "" {
		set += ", passwordHash = :pw, pwChangedAt = :pwAt, " + resetCounts + ", " + nextSessionGen
		vals[":pw"], vals[":pwAt"], vals[":zero"], vals[":one"] = av(newPasswordHash), av(ts(at)), av(0), av(1)
	}
	cond := "attribute_exists(username) AND passwordHash = :oldPw AND "
	if u.TokenHash == "" {
		cond += "(attribute_not_exists(tokenHash) OR tokenHash = :oldTok)"
	} else {
		cond += "tokenHash = :oldTok"
	}
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.t.Users, Key: userKey(u.Username),
		UpdateExpression: &set, ConditionExpression: &cond, ExpressionAttributeValues: vals,
		ReturnValues: types.ReturnValueAllNew,
	})
	if _, ok := isConditionFailed(err); ok {
		return domain.User{}, domain.ErrConflict
	}
	if err != nil {
		return domain.User{}, fmt.Errorf("saving new credentials: %w", err)
	}
	return decodeUser(out.Attributes)
}

// auditItem is a domain.AuditEvent in the login-history table, under the
// subject "audit#<orgId>", so an org's trail is one query.
type auditItem struct {
	Subject   string `dynamodbav:"subject"`
	At        string `dynamodbav:"at"`
	Kind      string `dynamodbav:"kind"` // "AUDIT"
	OrgID     string `dynamodbav:"orgId"`
	ActorID   string `dynamodbav:"actorId,omitempty"`
	Actor     string `dynamodbav:"actor"`
	TargetID  string `dynamodbav:"targetId"`
	Target    string `dynamodbav:"target"`
	Action    string `dynamodbav:"action"`
	Outcome   string `dynamodbav:"outcome"`
	IP        string `dynamodbav:"ip,omitempty"`
	Via       string `dynamodbav:"via"`
	ExpiresAt int64  `dynamodbav:"expiresAt"`
}

// AuditRetention is how long the audit trail is kept.
const AuditRetention = 2 * 365 * 24 * time.Hour

// Audit adds one line to the audit trail.
func (s *Store) Audit(ctx context.Context, ev domain.AuditEvent) error {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return err
	}
	item, err := attributevalue.MarshalMap(auditItem{
		Subject: "audit#" + ev.OrgID, At: ts(ev.At) + "#" + hex.EncodeToString(b[:]), Kind: "AUDIT", OrgID: ev.OrgID,
		ActorID: ev.ActorID, Actor: ev.Actor, TargetID: ev.TargetID, Target: ev.Target, Action: ev.Action,
		Outcome: ev.Outcome, IP: ev.IP, Via: ev.Via, ExpiresAt: ev.At.Add(AuditRetention).Unix(),
	})
	if err != nil {
		return fmt.Errorf("encoding audit line: %w", err)
	}
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.t.History, Item: item}); err != nil {
		return fmt.Errorf("recording audit line: %w", err)
	}
	return nil
}

// AuditTrail lists an org's audit trail, newest first.
func (s *Store) AuditTrail(ctx context.Context, orgID string, limit int32) ([]domain.AuditEvent, error) {
	return s.AuditTrailBefore(ctx, orgID, "", limit)
}

// AuditTrailBefore lists an org's audit trail, newest first, from the line
// older than the one whose Key before is ("": from the newest).
func (s *Store) AuditTrailBefore(ctx context.Context, orgID, before string, limit int32) ([]domain.AuditEvent, error) {
	in := &dynamodb.QueryInput{
		TableName: &s.t.History, KeyConditionExpression: aws.String("subject = :s"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":s": av("audit#" + orgID)},
		ScanIndexForward:          aws.Bool(false), Limit: aws.Int32(limit),
	}
	olderThan(in, before)
	out, err := s.db.Query(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("reading audit trail: %w", err)
	}
	evs := make([]domain.AuditEvent, 0, len(out.Items))
	for _, item := range out.Items {
		var it auditItem
		if err := attributevalue.UnmarshalMap(item, &it); err != nil {
			return nil, fmt.Errorf("decoding audit line: %w", err)
		}
		at, _, _ := cutLast(it.At, "#")
		evs = append(evs, domain.AuditEvent{At: parseTS(at), Key: it.At, OrgID: it.OrgID, ActorID: it.ActorID, Actor: it.Actor,
			TargetID: it.TargetID, Target: it.Target, Action: it.Action, Outcome: it.Outcome, IP: it.IP, Via: it.Via})
	}
	return evs, nil
}

// olderThan narrows a query of the history table (or its byOrg index),
// both sorted by at, to the lines before the line at key before ("":
// every line): the next page of a listing.
func olderThan(in *dynamodb.QueryInput, before string) {
	if before == "" {
		return
	}
	in.KeyConditionExpression = aws.String(*in.KeyConditionExpression + " AND #at < :before")
	in.ExpressionAttributeNames = map[string]string{"#at": "at"}
	in.ExpressionAttributeValues[":before"] = av(before)
}
