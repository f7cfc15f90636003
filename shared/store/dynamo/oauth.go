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
	"loginguard/shared/policy"
)

// ---- the OAuth web-server flow: requests, codes, refresh tokens, approvals ----
//
// All live in the sessions table beside sessions and challenges, each with
// its own kind (Session() refuses any item with a kind) and an id that is
// the digest of its secret under its own purpose, so no secret of one kind
// reads as another. Requests and codes expire by TTL; a refresh token has
// a TTL only under the expire policy.

const (
	kindAuthRequest  = "OAUTH_REQUEST"
	kindAuthCode     = "OAUTH_CODE"
	kindRefreshToken = "OAUTH_REFRESH"
	kindApproval     = "OAUTH_APPROVAL"
)

type authRequestItem struct {
	ID            string   `dynamodbav:"id"`
	Kind          string   `dynamodbav:"kind"`
	ClientID      string   `dynamodbav:"clientId"`
	RedirectURI   string   `dynamodbav:"redirectUri"`
	State         string   `dynamodbav:"state,omitempty"`
	Scopes        []string `dynamodbav:"scopes"`
	CodeChallenge string   `dynamodbav:"codeChallenge,omitempty"`
	Nonce         string   `dynamodbav:"nonce,omitempty"`
	ForceLogin    bool     `dynamodbav:"forceLogin,omitempty"`
	ForceConsent  bool     `dynamodbav:"forceConsent,omitempty"`
	CreatedAt     int64    `dynamodbav:"createdAt"`
	ExpiresAt     int64    `dynamodbav:"expiresAt"`
}

type authCodeItem struct {
	ID            string   `dynamodbav:"id"`
	Kind          string   `dynamodbav:"kind"`
	ClientID      string   `dynamodbav:"clientId"`
	RedirectURI   string   `dynamodbav:"redirectUri"`
	UserID        string   `dynamodbav:"userId"`
	OrgID         string   `dynamodbav:"orgId"`
	Username      string   `dynamodbav:"username"`
	Scopes        []string `dynamodbav:"scopes"`
	CodeChallenge string   `dynamodbav:"codeChallenge,omitempty"`
	Nonce         string   `dynamodbav:"nonce,omitempty"`
	Level         string   `dynamodbav:"level"`
	AuthTime      int64    `dynamodbav:"authTime"`
	Gen           int64    `dynamodbav:"gen"`
	IP            string   `dynamodbav:"ip,omitempty"`
	Used          bool     `dynamodbav:"used,omitempty"`
	Session       string   `dynamodbav:"issuedSession,omitempty"`
	Refresh       string   `dynamodbav:"issuedRefresh,omitempty"`
	CreatedAt     int64    `dynamodbav:"createdAt"`
	ExpiresAt     int64    `dynamodbav:"expiresAt"`
}

type refreshItem struct {
	ID         string   `dynamodbav:"id"`
	Kind       string   `dynamodbav:"kind"`
	ClientID   string   `dynamodbav:"clientId"`
	UserID     string   `dynamodbav:"userId"`
	OrgID      string   `dynamodbav:"orgId"`
	Username   string   `dynamodbav:"username"`
	Scopes     []string `dynamodbav:"scopes"`
	Level      string   `dynamodbav:"level"`
	AuthTime   int64    `dynamodbav:"authTime"`
	Gen        int64    `dynamodbav:"gen"`
	Grant      string   `dynamodbav:"grant"`
	ReplacedBy string   `dynamodbav:"replacedBy,omitempty"`
	CreatedAt  int64    `dynamodbav:"createdAt"`
	LastUsedAt int64    `dynamodbav:"lastUsedAt"`
	ExpiresAt  int64    `dynamodbav:"expiresAt,omitempty"` // TTL; none: until revoked
}

func scopeStrings(ss []policy.Scope) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return out
}

func scopesOf(ss []string) []policy.Scope {
	out := make([]policy.Scope, len(ss))
	for i, s := range ss {
		out[i] = policy.Scope(s)
	}
	return out
}

func itemID(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"id": av(id)}
}

// putKind stores a new item of the sessions table (never replacing one).
func (s *Store) putKind(ctx context.Context, item any, what string) error {
	m, err := attributevalue.MarshalMap(item)
	if err != nil {
		return fmt.Errorf("encoding %s: %w", what, err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.t.Sessions, Item: m, ConditionExpression: aws.String("attribute_not_exists(id)")})
	if _, ok := isConditionFailed(err); ok {
		return domain.ErrExists
	}
	if err != nil {
		return fmt.Errorf("storing %s: %w", what, err)
	}
	return nil
}

// getKind reads an item of the given kind, live at now (its TTL not
// passed; 0 is none): domain.ErrNotFound otherwise.
func (s *Store) getKind(ctx context.Context, id, kind string, now time.Time, out any, what string) error {
	res, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.t.Sessions, Key: itemID(id), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return fmt.Errorf("reading %s: %w", what, err)
	}
	if res.Item == nil {
		return domain.ErrNotFound
	}
	var head struct {
		Kind      string `dynamodbav:"kind"`
		ExpiresAt int64  `dynamodbav:"expiresAt"`
	}
	if err := attributevalue.UnmarshalMap(res.Item, &head); err != nil {
		return fmt.Errorf("decoding %s: %w", what, err)
	}
	if head.Kind != kind || head.ExpiresAt != 0 && head.ExpiresAt <= now.Unix() {
		return domain.ErrNotFound
	}
	if err := attributevalue.UnmarshalMap(res.Item, out); err != nil {
		return fmt.Errorf("decoding %s: %w", what, err)
	}
	return nil
}

// PutAuthRequest stores a pending authorization request.
func (s *Store) PutAuthRequest(ctx context.Context, r domain.AuthRequest) error {
	return s.putKind(ctx, authRequestItem{ID: r.IDHash, Kind: kindAuthRequest, ClientID: r.ClientID, RedirectURI: r.RedirectURI, State: r.State,
		Scopes: scopeStrings(r.Scopes), CodeChallenge: r.CodeChallenge, Nonce: r.Nonce, ForceLogin: r.ForceLogin, ForceConsent: r.ForceConsent,
		CreatedAt: epoch(r.CreatedAt), ExpiresAt: epoch(r.ExpiresAt)}, "authorization request")
}

// AuthRequest reads a pending authorization request live at now.
func (s *Store) AuthRequest(ctx context.Context, idHash string, now time.Time) (domain.AuthRequest, error) {
	var it authRequestItem
	if err := s.getKind(ctx, idHash, kindAuthRequest, now, &it, "authorization request"); err != nil {
		return domain.AuthRequest{}, err
	}
	return domain.AuthRequest{IDHash: it.ID, ClientID: it.ClientID, RedirectURI: it.RedirectURI, State: it.State, Scopes: scopesOf(it.Scopes),
		CodeChallenge: it.CodeChallenge, Nonce: it.Nonce, ForceLogin: it.ForceLogin, ForceConsent: it.ForceConsent,
		CreatedAt: fromEpoch(it.CreatedAt), ExpiresAt: fromEpoch(it.ExpiresAt)}, nil
}

// EndAuthRequest removes a pending request once answered (code or error):
// domain.ErrNotFound when it was answered already (of two tabs, one goes on).
func (s *Store) EndAuthRequest(ctx context.Context, idHash string) error {
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &s.t.Sessions, Key: itemID(idHash),
		ConditionExpression:       aws.String("kind = :k"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":k": av(kindAuthRequest)}})
	if _, ok := isConditionFailed(err); ok {
		return domain.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("ending authorization request: %w", err)
	}
	return nil
}

// PutAuthCode stores a new authorization code.
func (s *Store) PutAuthCode(ctx context.Context, c domain.AuthCode) error {
	return s.putKind(ctx, authCodeItem{ID: c.IDHash, Kind: kindAuthCode, ClientID: c.ClientID, RedirectURI: c.RedirectURI, UserID: c.UserID,
		OrgID: c.OrgID, Username: c.Username, Scopes: scopeStrings(c.Scopes), CodeChallenge: c.CodeChallenge, Nonce: c.Nonce, Level: c.Level,
		AuthTime: epoch(c.AuthTime), Gen: c.Gen, IP: c.IP, CreatedAt: epoch(c.CreatedAt), ExpiresAt: epoch(c.ExpiresAt)}, "authorization code")
}

func (it authCodeItem) code() domain.AuthCode {
	return domain.AuthCode{IDHash: it.ID, ClientID: it.ClientID, RedirectURI: it.RedirectURI, UserID: it.UserID, OrgID: it.OrgID,
		Username: it.Username, Scopes: scopesOf(it.Scopes), CodeChallenge: it.CodeChallenge, Nonce: it.Nonce, Level: it.Level,
		AuthTime: fromEpoch(it.AuthTime), Gen: it.Gen, IP: it.IP, Used: it.Used, Session: it.Session, Refresh: it.Refresh,
		CreatedAt: fromEpoch(it.CreatedAt), ExpiresAt: fromEpoch(it.ExpiresAt)}
}

// AuthCode reads an authorization code live at now, used or not.
func (s *Store) AuthCode(ctx context.Context, idHash string, now time.Time) (domain.AuthCode, error) {
	var it authCodeItem
	if err := s.getKind(ctx, idHash, kindAuthCode, now, &it, "authorization code"); err != nil {
		return domain.AuthCode{}, err
	}
	return it.code(), nil
}

// ClaimAuthCode marks c used, recording the digests of the session and
// refresh token its redemption issues, in one conditional write: of two
// redemptions one wins; the other gets domain.ErrReplay with the code as
// the first left it (what to end). domain.ErrNotFound when it expired.
func (s *Store) ClaimAuthCode(ctx context.Context, c domain.AuthCode, now time.Time) (domain.AuthCode, error) {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.t.Sessions, Key: itemID(c.IDHash),
		UpdateExpression:    aws.String("SET used = :t, issuedSession = :s, issuedRefresh = :r"),
		ConditionExpression: aws.String("kind = :k AND expiresAt > :now AND attribute_not_exists(used)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":t": av(true), ":s": av(c.Session), ":r": av(c.Refresh),
			":k": av(kindAuthCode), ":now": av(now.Unix())},
	})
	if _, ok := isConditionFailed(err); ok {
		first, rerr := s.AuthCode(ctx, c.IDHash, now)
		if rerr != nil {
			return domain.AuthCode{}, rerr
		}
		if first.Used {
			return first, domain.ErrReplay
		}
		return domain.AuthCode{}, domain.ErrNotFound
	}
	if err != nil {
		return domain.AuthCode{}, fmt.Errorf("claiming authorization code: %w", err)
	}
	return c, nil
}

func toRefreshItem(t domain.RefreshToken) refreshItem {
	return refreshItem{ID: t.IDHash, Kind: kindRefreshToken, ClientID: t.ClientID, UserID: t.UserID, OrgID: t.OrgID, Username: t.Username,
		Scopes: scopeStrings(t.Scopes), Level: t.Level, AuthTime: epoch(t.AuthTime), Gen: t.Gen, Grant: t.Grant, ReplacedBy: t.ReplacedBy,
		CreatedAt: epoch(t.CreatedAt), LastUsedAt: epoch(t.LastUsedAt), ExpiresAt: epochOrZero(t.ExpiresAt)}
}

func epochOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return epoch(t)
}

func (it refreshItem) token() domain.RefreshToken {
	t := domain.RefreshToken{IDHash: it.ID, ClientID: it.ClientID, UserID: it.UserID, OrgID: it.OrgID, Username: it.Username,
		Scopes: scopesOf(it.Scopes), Level: it.Level, AuthTime: fromEpoch(it.AuthTime), Gen: it.Gen, Grant: it.Grant, ReplacedBy: it.ReplacedBy,
		CreatedAt: fromEpoch(it.CreatedAt), LastUsedAt: fromEpoch(it.LastUsedAt)}
	if it.ExpiresAt != 0 {
		t.ExpiresAt = fromEpoch(it.ExpiresAt)
	}
	return t
}

// PutRefreshToken stores a new refresh token.
func (s *Store) PutRefreshToken(ctx context.Context, t domain.RefreshToken) error {
	return s.putKind(ctx, toRefreshItem(t), "refresh token")
}

// RefreshToken reads a refresh token live at now (replaced or not).
func (s *Store) RefreshToken(ctx context.Context, idHash string, now time.Time) (domain.RefreshToken, error) {
	var it refreshItem
	if err := s.getKind(ctx, idHash, kindRefreshToken, now, &it, "refresh token"); err != nil {
		return domain.RefreshToken{}, err
	}
	return it.token(), nil
}

// UseRefreshToken records a use of t at now and, with next set (the rotate
// policy), that next replaced it, in one conditional write: a token already
// replaced is domain.ErrReplay (of two uses one wins), one gone
// domain.ErrNotFound. ttl, when positive, moves its expiry to now+ttl.
func (s *Store) UseRefreshToken(ctx context.Context, t domain.RefreshToken, next string, now time.Time) error {
	set := "SET lastUsedAt = :now"
	vals := map[string]types.AttributeValue{":now": av(now.Unix()), ":k": av(kindRefreshToken)}
	if next != "" {
		set += ", replacedBy = :next"
		vals[":next"] = av(next)
	}
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.t.Sessions, Key: itemID(t.IDHash), UpdateExpression: &set,
		ConditionExpression:       aws.String("kind = :k AND attribute_not_exists(replacedBy)"),
		ExpressionAttributeValues: vals,
	})
	if _, ok := isConditionFailed(err); ok {
		if _, rerr := s.RefreshToken(ctx, t.IDHash, now); rerr != nil {
			return rerr
		}
		return domain.ErrReplay
	}
	if err != nil {
		return fmt.Errorf("using refresh token: %w", err)
	}
	return nil
}

// DeleteRefreshToken ends a refresh token: domain.ErrNotFound when there
// is none such (ended already, or never one).
func (s *Store) DeleteRefreshToken(ctx context.Context, idHash string) (domain.RefreshToken, error) {
	out, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &s.t.Sessions, Key: itemID(idHash),
		ConditionExpression:       aws.String("kind = :k"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":k": av(kindRefreshToken)},
		ReturnValues:              types.ReturnValueAllOld})
	if _, ok := isConditionFailed(err); ok {
		return domain.RefreshToken{}, domain.ErrNotFound
	}
	if err != nil {
		return domain.RefreshToken{}, fmt.Errorf("ending refresh token: %w", err)
	}
	var it refreshItem
	if err := attributevalue.UnmarshalMap(out.Attributes, &it); err != nil {
		return domain.RefreshToken{}, fmt.Errorf("decoding refresh token: %w", err)
	}
	return it.token(), nil
}

// EndRefreshChain ends the refresh token with digest idHash and every one
// that replaced it after (a rotated grant, when a replaced token comes
// back). It returns how many it ended.
func (s *Store) EndRefreshChain(ctx context.Context, idHash string) (int, error) {
	n := 0
	for id, seen := idHash, map[string]bool{}; id != "" && !seen[id]; {
		seen[id] = true
		t, err := s.DeleteRefreshToken(ctx, id)
		if errors.Is(err, domain.ErrNotFound) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n++
		id = t.ReplacedBy
	}
	return n, nil
}

func approvalID(userID, clientID string) string { return "approval#" + userID + "#" + clientID }

// Approved reports whether the user approved the app (the approval page).
func (s *Store) Approved(ctx context.Context, userID, clientID string) (bool, error) {
	var it struct {
		Kind string `dynamodbav:"kind"`
	}
	err := s.getKind(ctx, approvalID(userID, clientID), kindApproval, time.Now(), &it, "app approval")
	if errors.Is(err, domain.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// Approve records that the user approved the app at at.
func (s *Store) Approve(ctx context.Context, userID, orgID, clientID string, at time.Time) error {
	m, err := attributevalue.MarshalMap(struct {
		ID        string `dynamodbav:"id"`
		Kind      string `dynamodbav:"kind"`
		UserID    string `dynamodbav:"userId"`
		OrgID     string `dynamodbav:"orgId"`
		ClientID  string `dynamodbav:"clientId"`
		CreatedAt int64  `dynamodbav:"createdAt"`
	}{approvalID(userID, clientID), kindApproval, userID, orgID, clientID, at.Unix()})
	if err != nil {
		return fmt.Errorf("encoding app approval: %w", err)
	}
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.t.Sessions, Item: m}); err != nil {
		return fmt.Errorf("storing app approval: %w", err)
	}
	return nil
}
