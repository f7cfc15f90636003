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
)

// HistoryLine is one line of an org's history: a login (Login set) or an
// audit-trail line (Audit set).
type HistoryLine struct {
	Login *domain.LoginEvent
	Audit *domain.AuditEvent
}

// OrgHistory calls fn with every line of org's login history and audit
// trail whose time is in [from, to), oldest first, page by page (nothing is
// held beyond one page: an export streams).
func (s *Store) OrgHistory(ctx context.Context, org string, from, to time.Time, fn func(HistoryLine) error) error {
	in := &dynamodb.QueryInput{TableName: &s.t.History, IndexName: aws.String("byOrg"),
		KeyConditionExpression: aws.String("orgId = :o"), ExpressionAttributeValues: map[string]types.AttributeValue{":o": av(org)}}
	// The period's key condition, a second wider each side (narrowHistory
	// says why); the lines are then held to [from, to) exactly.
	narrowHistory(in, HistoryFilter{Since: from, Until: to})
	pg := dynamodb.NewQueryPaginator(s.db, in)
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("reading history: %w", err)
		}
		for _, item := range page.Items {
			line, at, err := decodeHistoryLine(item)
			if err != nil {
				return err
			}
			if at.Before(from) || !at.Before(to) {
				continue
			}
			if err := fn(line); err != nil {
				return err
			}
		}
	}
	return nil
}

func decodeHistoryLine(item map[string]types.AttributeValue) (HistoryLine, time.Time, error) {
	if _, audit := item["kind"]; audit {
		var it auditItem
		if err := attributevalue.UnmarshalMap(item, &it); err != nil {
			return HistoryLine{}, time.Time{}, fmt.Errorf("decoding audit line: %w", err)
		}
		ev := it.event()
		return HistoryLine{Audit: &ev}, ev.At, nil
	}
	var it historyItem
	if err := attributevalue.UnmarshalMap(item, &it); err != nil {
		return HistoryLine{}, time.Time{}, fmt.Errorf("decoding login history: %w", err)
	}
	ev := it.event()
	return HistoryLine{Login: &ev}, ev.At, nil
}
