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

// The operator's side: orgs, profiles and users. None of this is on the
// login path; it favours clear errors over round trips.

func orgKey(orgID, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": av(orgID), "sk": av(sk)}
}

func (s *Store) putNew(ctx context.Context, table string, item any, keyAttr string) error {
	m, err := attributevalue.MarshalMap(item)
	if err != nil {
		return fmt.Errorf("encoding: %w", err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: &table, Item: m,
		ConditionExpression:      aws.String("attribute_not_exists(#k)"),
		ExpressionAttributeNames: map[string]string{"#k": keyAttr},
	})
	if _, ok := isConditionFailed(err); ok {
		return domain.ErrExists
	}
	return err
}

// putVersioned replaces an item whose version is still prev.
func (s *Store) putVersioned(ctx context.Context, table string, item any, prev int64) error {
	m, err := attributevalue.MarshalMap(item)
	if err != nil {
		return fmt.Errorf("encoding: %w", err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: &table, Item: m,
		ConditionExpression:       aws.String("version = :prev"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":prev": av(prev)},
	})
	if _, ok := isConditionFailed(err); ok {
		return domain.ErrConflict
	}
	return err
}

func (s *Store) get(ctx context.Context, table string, key map[string]types.AttributeValue, into any) error {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &table, Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return err
	}
	if out.Item == nil {
		return domain.ErrNotFound
	}
	return attributevalue.UnmarshalMap(out.Item, into)
}

// CreateOrg stores a new org (version 1).
func (s *Store) CreateOrg(ctx context.Context, o domain.Org) error {
	o.Version = 1
	if err := s.putNew(ctx, s.t.Orgs, toOrgItem(o), "pk"); err != nil {
		return fmt.Errorf("creating org %s: %w", o.ID, err)
	}
	return nil
}

// Org reads an org.
func (s *Store) Org(ctx context.Context, id string) (domain.Org, error) {
	var it orgItem
	if err := s.get(ctx, s.t.Orgs, orgKey(id, skOrg), &it); err != nil {
		return domain.Org{}, fmt.Errorf("org %s: %w", id, err)
	}
	return it.org()
}

// UpdateOrg stores o (read at version o.Version) as the next version, then
// copies the new settings onto every user of the org (SyncPolicy).
func (s *Store) UpdateOrg(ctx context.Context, o domain.Org) (domain.Org, error) {
	prev := o.Version
	o.Version++
	if err := s.putVersioned(ctx, s.t.Orgs, toOrgItem(o), prev); err != nil {
		return domain.Org{}, fmt.Errorf("updating org %s: %w", o.ID, err)
	}
	return o, s.SyncPolicy(ctx, o.ID)
}

// CreateProfile stores a new profile (version 1) in its org.
func (s *Store) CreateProfile(ctx context.Context, p domain.Profile) error {
	if _, err := s.Org(ctx, p.OrgID); err != nil {
		return err
	}
	p.Version = 1
	if err := s.putNew(ctx, s.t.Orgs, toProfileItem(p), "pk"); err != nil {
		return fmt.Errorf("creating profile %s: %w", p.ID, err)
	}
	return nil
}

// Profile reads a profile of an org.
func (s *Store) Profile(ctx context.Context, orgID, id string) (domain.Profile, error) {
	var it profileItem
	if err := s.get(ctx, s.t.Orgs, orgKey(orgID, skProfilePrefix+id), &it); err != nil {
		return domain.Profile{}, fmt.Errorf("profile %s: %w", id, err)
	}
	return it.profile()
}

// Profiles lists an org's profiles.
func (s *Store) Profiles(ctx context.Context, orgID string) ([]domain.Profile, error) {
	var out []domain.Profile
	p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
		TableName:              &s.t.Orgs,
		KeyConditionExpression: aws.String("pk = :org AND begins_with(sk, :p)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":org": av(orgID), ":p": av(skProfilePrefix),
		},
		ConsistentRead: aws.Bool(true),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing profiles: %w", err)
		}
		for _, item := range page.Items {
			var it profileItem
			if err := attributevalue.UnmarshalMap(item, &it); err != nil {
				return nil, err
			}
			pr, err := it.profile()
			if err != nil {
				return nil, err
			}
			out = append(out, pr)
		}
	}
	return out, nil
}

// UpdateProfile stores p (read at version p.Version) as the next version and
// copies the new settings onto the org's users.
func (s *Store) UpdateProfile(ctx context.Context, p domain.Profile) (domain.Profile, error) {
	prev := p.Version
	p.Version++
	if err := s.putVersioned(ctx, s.t.Orgs, toProfileItem(p), prev); err != nil {
		return domain.Profile{}, fmt.Errorf("updating profile %s: %w", p.ID, err)
	}
	return p, s.SyncPolicy(ctx, p.OrgID)
}

// SyncPolicy copies the org's and each profile's current settings onto every
// user of the org (domain.ErrPartialSync when some were not updated:
// running it again finishes the job). Each user write only goes forward in versions, so running
// it twice, or two of them at once, is harmless.
func (s *Store) SyncPolicy(ctx context.Context, orgID string) error {
	org, err := s.Org(ctx, orgID)
	if err != nil {
		return err
	}
	profiles, err := s.Profiles(ctx, orgID)
	if err != nil {
		return err
	}
	byID := map[string]domain.Profile{}
	for _, p := range profiles {
		byID[p.ID] = p
	}
	failed := 0
	pg := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
		TableName: &s.t.Users, IndexName: aws.String("byOrg"),
		KeyConditionExpression:    aws.String("orgId = :org"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":org": av(orgID)},
	})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("listing users of org %s: %w", orgID, err)
		}
		for _, item := range page.Items {
			var k struct {
				Username  string `dynamodbav:"username"`
				ProfileID string `dynamodbav:"profileId"`
			}
			if err := attributevalue.UnmarshalMap(item, &k); err != nil {
				return err
			}
			p, ok := byID[k.ProfileID]
			if !ok {
				failed++
				continue
			}
			if err := s.setPolicy(ctx, k.Username, domain.PolicyOf(org, p)); err != nil {
				failed++
			}
		}
	}
	if failed > 0 {
		return fmt.Errorf("org %s: %d users not updated: %w", orgID, failed, domain.ErrPartialSync)
	}
	return nil
}

func (s *Store) setPolicy(ctx context.Context, username string, pol domain.LoginPolicy) error {
	pi, err := attributevalue.Marshal(toPolicyItem(pol))
	if err != nil {
		return err
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           &s.t.Users,
		Key:                 userKey(username),
		UpdateExpression:    aws.String("SET pol = :p, lockCeiling = :ceil, lockForSec = :for"),
		ConditionExpression: aws.String("attribute_exists(username) AND pol.orgVersion <= :ov AND pol.profileVersion <= :pv"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":p": pi, ":ceil": av(int64(pol.Lockout.Ceiling())), ":for": av(int64(pol.Lockout.LockFor() / time.Second)),
			":ov": av(pol.OrgVersion), ":pv": av(pol.ProfileVersion),
		},
	})
	if _, ok := isConditionFailed(err); ok {
		return nil // a newer copy is there already, or the user is gone
	}
	return err
}

// CreateUser stores a new user; domain.ErrExists when the user name is taken
// (user names are unique across all orgs, case-insensitively).
func (s *Store) CreateUser(ctx context.Context, u domain.User) error {
	if err := s.putNew(ctx, s.t.Users, toUserItem(u), "username"); err != nil {
		return fmt.Errorf("creating user %s: %w", u.Username, err)
	}
	return nil
}

// User reads a user by user name.
func (s *Store) User(ctx context.Context, username string) (domain.User, error) {
	var it userItem
	if err := s.get(ctx, s.t.Users, userKey(username), &it); err != nil {
		return domain.User{}, fmt.Errorf("user %s: %w", username, err)
	}
	return it.user()
}

// UserByID reads a user by its 15-character id.
func (s *Store) UserByID(ctx context.Context, id string) (domain.User, error) {
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName: &s.t.Users, IndexName: aws.String("byId"),
		KeyConditionExpression:    aws.String("id = :id"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":id": av(id)},
	})
	if err != nil {
		return domain.User{}, fmt.Errorf("user %s: %w", id, err)
	}
	if len(out.Items) == 0 {
		return domain.User{}, fmt.Errorf("user %s: %w", id, domain.ErrNotFound)
	}
	var k struct {
		Username string `dynamodbav:"username"`
	}
	if err := attributevalue.UnmarshalMap(out.Items[0], &k); err != nil {
		return domain.User{}, err
	}
	return s.User(ctx, k.Username)
}

// UsersOfOrg lists the user names of an org.
func (s *Store) UsersOfOrg(ctx context.Context, orgID string) ([]domain.User, error) {
	var users []domain.User
	pg := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
		TableName: &s.t.Users, IndexName: aws.String("byOrg"),
		KeyConditionExpression:    aws.String("orgId = :org"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":org": av(orgID)},
	})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing users: %w", err)
		}
		for _, item := range page.Items {
			var k struct {
				Username string `dynamodbav:"username"`
			}
			if err := attributevalue.UnmarshalMap(item, &k); err != nil {
				return nil, err
			}
			u, err := s.User(ctx, k.Username)
			if err != nil {
				return nil, err
			}
			users = append(users, u)
		}
	}
	return users, nil
}

func (s *Store) updateUser(ctx context.Context, username, expr string, vals map[string]types.AttributeValue) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.t.Users, Key: userKey(username),
		UpdateExpression: &expr, ConditionExpression: aws.String("attribute_exists(username)"),
		ExpressionAttributeValues: vals,
	})
	if _, ok := isConditionFailed(err); ok {
		return fmt.Errorf("user %s: %w", username, domain.ErrNotFound)
	}
	return err
}

// SetTokenHash replaces a user's security-token digest.
func (s *Store) SetTokenHash(ctx context.Context, username, digest string) error {
	return s.updateUser(ctx, username, "SET tokenHash = :h", map[string]types.AttributeValue{":h": av(digest)})
}

// Unlock clears a user's lockout (both counts, with familiar-place lockout).
func (s *Store) Unlock(ctx context.Context, username string) error {
	return s.updateUser(ctx, username, "SET "+resetCounts, map[string]types.AttributeValue{":zero": av(0), ":one": av(1)})
}

// SetActive activates or deactivates a user and returns the user as it now
// is. Deactivating also raises the session generation in the same write:
// every session of the user is then to be ended, and a login reserved
// before it cannot open one.
func (s *Store) SetActive(ctx context.Context, username string, active bool) (domain.User, error) {
	if active {
		return s.updateUserNew(ctx, username, "SET active = :a", map[string]types.AttributeValue{":a": av(true)})
	}
	return s.updateUserNew(ctx, username, "SET active = :a, "+nextSessionGen, map[string]types.AttributeValue{":a": av(false), ":zero": av(0), ":one": av(1)})
}

// HistoryFilter picks login history lines (domain.HistoryFilter).
type HistoryFilter = domain.HistoryFilter

// History lists login history, newest first.
func (s *Store) History(ctx context.Context, f HistoryFilter) ([]domain.LoginEvent, error) {
	in := &dynamodb.QueryInput{TableName: &s.t.History, ScanIndexForward: aws.Bool(false)}
	switch {
	case f.UserID != "":
		in.KeyConditionExpression = aws.String("subject = :s")
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":s": av("user#" + f.UserID)}
	case f.Username != "":
		in.KeyConditionExpression = aws.String("subject = :s")
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":s": av("name#" + domain.NormalizeUsername(f.Username))}
	case f.OrgID != "":
		in.IndexName = aws.String("byOrg")
		in.KeyConditionExpression = aws.String("orgId = :o")
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":o": av(f.OrgID)}
	default:
		return nil, errors.New("login history: name a user, a user name or an org")
	}
	narrowHistory(in, f)
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	var out []domain.LoginEvent
	pg := dynamodb.NewQueryPaginator(s.db, in)
	for pg.HasMorePages() && int32(len(out)) < limit {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("reading login history: %w", err)
		}
		for _, item := range page.Items {
			if _, audit := item["kind"]; audit {
				continue // the org's audit trail shares the index; see AuditTrail
			}
			var it historyItem
			if err := attributevalue.UnmarshalMap(item, &it); err != nil {
				return nil, err
			}
			if ev := it.event(); int32(len(out)) < limit && inPeriod(ev.At, f) && (f.Before == "" || it.At < f.Before) {
				out = append(out, ev)
			}
		}
	}
	return out, nil
}

// narrowHistory adds f's line or period to the key condition. Stored
// times sort as text only to the second (RFC 3339 drops a fraction's
// trailing zeros), so the period's bounds are widened by a second here
// and applied exactly on the lines read (inPeriod).
func narrowHistory(in *dynamodb.QueryInput, f HistoryFilter) {
	cond := ""
	switch {
	case f.Before != "" && f.Since.IsZero() && f.Until.IsZero() && f.ID == "":
		// A listing's next page: the key's own order, as the last page read.
		cond, in.ExpressionAttributeValues[":before"] = " AND #at < :before", av(f.Before)
	case f.ID != "":
		cond, in.ExpressionAttributeValues[":id"] = " AND #at = :id", av(f.ID)
	case !f.Since.IsZero() && !f.Until.IsZero():
		cond = " AND #at BETWEEN :since AND :until"
		in.ExpressionAttributeValues[":since"] = av(ts(f.Since.Add(-time.Second)))
		in.ExpressionAttributeValues[":until"] = av(ts(f.Until.Add(time.Second)))
	case !f.Since.IsZero():
		cond, in.ExpressionAttributeValues[":since"] = " AND #at >= :since", av(ts(f.Since.Add(-time.Second)))
	case !f.Until.IsZero():
		cond, in.ExpressionAttributeValues[":until"] = " AND #at <= :until", av(ts(f.Until.Add(time.Second)))
	default:
		return
	}
	in.KeyConditionExpression = aws.String(*in.KeyConditionExpression + cond)
	in.ExpressionAttributeNames = map[string]string{"#at": "at"}
}

// inPeriod reports whether a line at at is within f's period.
func inPeriod(at time.Time, f HistoryFilter) bool {
	return (f.Since.IsZero() || !at.Before(f.Since)) && (f.Until.IsZero() || !at.After(f.Until))
}
