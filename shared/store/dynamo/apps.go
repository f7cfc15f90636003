package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"loginguard/shared/domain"
	"loginguard/shared/policy"
)

type appItem struct {
	ClientID   string `dynamodbav:"clientId"`
	OrgID      string `dynamodbav:"orgId"`
	Name       string `dynamodbav:"name"`
	SecretHash string `dynamodbav:"secretHash,omitempty"` // none for a public app
	CreatedAt  string `dynamodbav:"createdAt"`
	// The OAuth policy. An app stored before it was kept has none of
	// these: a confidential app of the default policy, without callbacks.
	Public      bool     `dynamodbav:"public,omitempty"`
	Callbacks   []string `dynamodbav:"callbacks,omitempty"`
	NoPKCE      bool     `dynamodbav:"noPkce,omitempty"`
	Scopes      []string `dynamodbav:"scopes,omitempty"`
	RefreshMode string   `dynamodbav:"refreshMode,omitempty"`
	RefreshTTL  int64    `dynamodbav:"refreshTtlSec,omitempty"`
}

func toAppItem(a domain.ConnectedApp) appItem {
	o := a.OAuth
	it := appItem{ClientID: a.ClientID, OrgID: a.OrgID, Name: a.Name, SecretHash: a.SecretHash, CreatedAt: ts(a.CreatedAt),
		Public: o.Public, Callbacks: o.Callbacks, NoPKCE: !o.RequirePKCE, RefreshMode: string(o.Refresh.Mode), RefreshTTL: int64(o.Refresh.TTL / time.Second)}
	for _, sc := range o.Scopes {
		it.Scopes = append(it.Scopes, string(sc))
	}
	return it
}

func (it appItem) app() domain.ConnectedApp {
	o := policy.OAuthApp{Public: it.Public, Callbacks: it.Callbacks, RequirePKCE: !it.NoPKCE || it.Public,
		Refresh: policy.RefreshPolicy{Mode: policy.RefreshMode(it.RefreshMode), TTL: time.Duration(it.RefreshTTL) * time.Second}}
	for _, sc := range it.Scopes {
		o.Scopes = append(o.Scopes, policy.Scope(sc))
	}
	if len(o.Scopes) == 0 {
		o.Scopes = policy.DefaultScopes
	}
	if o.Refresh.Mode == "" {
		o.Refresh.Mode = policy.RefreshUntilRevoked
	}
	return domain.ConnectedApp{ClientID: it.ClientID, OrgID: it.OrgID, Name: it.Name, SecretHash: it.SecretHash, CreatedAt: parseTS(it.CreatedAt), OAuth: o}
}

func appKey(clientID string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"clientId": av(clientID)}
}

// CreateApp stores a connected app; its secret only as a digest.
func (s *Store) CreateApp(ctx context.Context, a domain.ConnectedApp) error {
	if _, err := s.Org(ctx, a.OrgID); err != nil {
		return err
	}
	it := toAppItem(a)
	if err := s.putNew(ctx, s.t.Apps, it, "clientId"); err != nil {
		return fmt.Errorf("creating connected app: %w", err)
	}
	return nil
}

// App reads a connected app by client id.
func (s *Store) App(ctx context.Context, clientID string) (domain.ConnectedApp, error) {
	var it appItem
	if err := s.get(ctx, s.t.Apps, appKey(clientID), &it); err != nil {
		return domain.ConnectedApp{}, fmt.Errorf("connected app: %w", err)
	}
	return it.app(), nil
}

// Apps lists an org's connected apps.
func (s *Store) Apps(ctx context.Context, orgID string) ([]domain.ConnectedApp, error) {
	var out []domain.ConnectedApp
	pg := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
		TableName: &s.t.Apps, IndexName: aws.String("byOrg"),
		KeyConditionExpression:    aws.String("orgId = :o"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":o": av(orgID)},
	})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing connected apps: %w", err)
		}
		for _, item := range page.Items {
			var it appItem
			if err := attributevalue.UnmarshalMap(item, &it); err != nil {
				return nil, err
			}
			out = append(out, it.app())
		}
	}
	return out, nil
}

// DeleteApp removes a connected app of an org.
func (s *Store) DeleteApp(ctx context.Context, orgID, clientID string) error {
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: &s.t.Apps, Key: appKey(clientID),
		ConditionExpression:       aws.String("orgId = :o"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":o": av(orgID)},
	})
	if _, ok := isConditionFailed(err); ok {
		return fmt.Errorf("connected app %s in org %s: %w", clientID, orgID, domain.ErrNotFound)
	}
	return err
}
