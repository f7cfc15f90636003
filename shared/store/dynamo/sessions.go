package dynamo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"loginguard/shared/domain"
)

// Sessions by org and user, their generations, and ending them in bulk.
// The sessions table's byOrg index keys each session by org (sessOrg) and
// "<userId>#<ref>" (sessKey): one query lists an org's sessions, or one
// user's. The index is eventually consistent: a session written a moment
// ago may be missing from it (see sessions.Service for how a sweep covers that).

const sessionsByOrg = "byOrg"

// SessionsOf lists the live sessions of an org, or of one user of it when
// userID is set, by the index. Expired ones (left for TTL) are skipped.
func (s *Store) SessionsOf(ctx context.Context, orgID, userID string, now time.Time) ([]domain.Session, error) {
	cond := "sessOrg = :o"
	vals := map[string]types.AttributeValue{":o": av(orgID), ":now": av(now.Unix())}
	if userID != "" {
		cond += " AND begins_with(sessKey, :u)"
		vals[":u"] = av(sessKey(userID, ""))
	}
	in := &dynamodb.QueryInput{
		TableName: &s.t.Sessions, IndexName: aws.String(sessionsByOrg),
		KeyConditionExpression: &cond, FilterExpression: aws.String("expiresAt > :now"),
		ExpressionAttributeValues: vals,
	}
	var out []domain.Session
	for {
		page, err := s.db.Query(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("listing sessions: %w", err)
		}
		for _, item := range page.Items {
			var it sessionItem
			if err := attributevalue.UnmarshalMap(item, &it); err != nil {
				return nil, fmt.Errorf("decoding session: %w", err)
			}
			sess, err := it.session()
			if err != nil {
				return nil, err
			}
			out = append(out, sess)
		}
		if len(page.LastEvaluatedKey) == 0 {
			return out, nil
		}
		in.ExclusiveStartKey = page.LastEvaluatedKey
	}
}

// maxBatch is BatchWriteItem's limit on requests per call.
const maxBatch = 25

// EndSessions deletes the sessions with the given id digests, 25 to a
// call. It returns how many it is sure are gone: on an error the rest may
// still be there, and calling it again with them finishes the job
// (deleting a deleted session is no error).
func (s *Store) EndSessions(ctx context.Context, idHashes []string) (int, error) {
	done := 0
	for start := 0; start < len(idHashes); start += maxBatch {
		batch := idHashes[start:min(start+maxBatch, len(idHashes))]
		reqs := make([]types.WriteRequest, len(batch))
		for i, id := range batch {
			reqs[i] = types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: map[string]types.AttributeValue{"id": av(id)}}}
		}
		req := map[string][]types.WriteRequest{s.t.Sessions: reqs}
		for try := 0; len(req) > 0; try++ {
			if try == 5 {
				return done, errors.New("ending sessions: DynamoDB left deletes unprocessed after 5 tries")
			}
			if try > 0 {
				time.Sleep(time.Duration(10<<try) * time.Millisecond)
			}
			out, err := s.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: req})
			if err != nil {
				return done, fmt.Errorf("ending sessions: %w", err)
			}
			req = out.UnprocessedItems
		}
		done += len(batch)
	}
	return done, nil
}

// orNotFound is a conditional write's outcome: domain.ErrNotFound when its
// condition failed, else its error, saying what it was doing.
func orNotFound(err error, what string) error {
	if _, ok := isConditionFailed(err); ok {
		return domain.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// nextSessionGen raises a user's session generation (with :zero and :one
// bound): every write that ends a user's sessions carries it.
const nextSessionGen = "sessGen = if_not_exists(sessGen, :zero) + :one"

// EndUserSessions raises a user's session generation: their sessions opened
// before it are to be ended (sessions.Service sweeps them), and a login
// reserved before it fails to open one. It returns the user as it now is.
func (s *Store) EndUserSessions(ctx context.Context, username string) (domain.User, error) {
	return s.updateUserNew(ctx, username, "SET "+nextSessionGen, map[string]types.AttributeValue{":zero": av(0), ":one": av(1)})
}

// updateUserNew is updateUser returning the user as stored after it.
func (s *Store) updateUserNew(ctx context.Context, username, expr string, vals map[string]types.AttributeValue) (domain.User, error) {
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.t.Users, Key: userKey(username),
		UpdateExpression: &expr, ConditionExpression: aws.String("attribute_exists(username)"),
		ExpressionAttributeValues: vals, ReturnValues: types.ReturnValueAllNew,
	})
	if _, ok := isConditionFailed(err); ok {
		return domain.User{}, fmt.Errorf("user %s: %w", username, domain.ErrNotFound)
	}
	if err != nil {
		return domain.User{}, err
	}
	return decodeUser(out.Attributes)
}

// Swept records that a sweep ended every session of username older than
// generation gen (never lowering the mark).
func (s *Store) Swept(ctx context.Context, username string, gen int64) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.t.Users, Key: userKey(username),
		UpdateExpression:          aws.String("SET sweptGen = :g"),
		ConditionExpression:       aws.String("attribute_exists(username) AND (attribute_not_exists(sweptGen) OR sweptGen < :g)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":g": av(gen)},
	})
	if _, ok := isConditionFailed(err); ok {
		return nil
	}
	if err != nil {
		return fmt.Errorf("recording the sweep: %w", err)
	}
	return nil
}

// KeepSession moves a live session of userID into generation gen, so a
// sweep of the older ones leaves it (the session a password is changed
// from). domain.ErrNotFound when it ended or is not that user's.
func (s *Store) KeepSession(ctx context.Context, idHash, userID string, gen int64) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.t.Sessions,
		Key:                       map[string]types.AttributeValue{"id": av(idHash)},
		UpdateExpression:          aws.String("SET gen = :g"),
		ConditionExpression:       aws.String("attribute_exists(id) AND attribute_not_exists(kind) AND userId = :u AND (attribute_not_exists(gen) OR gen < :g)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":g": av(gen), ":u": av(userID)},
	})
	return orNotFound(err, "keeping session")
}

// ApplySessionPolicy rewrites the settings a live session carries (its
// idle timeout, IP lock, login hours and high-assurance policy) to sess's,
// moving its expiry with the timeout. A session that ended meanwhile is
// left ended (domain.ErrNotFound).
func (s *Store) ApplySessionPolicy(ctx context.Context, sess domain.Session) error {
	it := toSessionItem(sess)
	expr := "SET timeoutSec = :t, expiresAt = :exp, lockIp = :lock, hoursZone = :hz, hours = :h"
	vals := map[string]types.AttributeValue{
		":t": av(it.TimeoutSec), ":exp": av(it.ExpiresAt), ":lock": av(it.LockIP), ":hz": av(it.HoursZone), ":h": av(it.Hours),
	}
	if len(it.HighAssur) > 0 {
		m, err := attributevalue.Marshal(it.HighAssur)
		if err != nil {
			return err
		}
		expr += ", highAssurance = :ha"
		vals[":ha"] = m
	} else {
		expr += " REMOVE highAssurance"
	}
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.t.Sessions, Key: map[string]types.AttributeValue{"id": av(sess.IDHash)},
		UpdateExpression: &expr, ConditionExpression: aws.String("attribute_exists(id) AND attribute_not_exists(kind)"),
		ExpressionAttributeValues: vals,
	})
	return orNotFound(err, "updating session settings")
}
