package samtemplate

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	cfndynamodb "github.com/awslabs/goformation/v7/cloudformation/dynamodb"
)

// TableName is the local name of the table with this logical id.
func (t *Template) TableName(logicalID string) string {
	if tb, ok := t.Tables[logicalID]; ok && tb.TableName != nil {
		return *tb.TableName
	}
	return logicalID
}

// CreateTables creates every table of the template that is not there yet
// (keys, attributes, global secondary indexes; billed per request) and waits
// until each is ACTIVE. TTL stays in the template: dynalite has no TTL API.
func (t *Template) CreateTables(ctx context.Context, db *dynamodb.Client) ([]string, error) {
	var names []string
	for logical, tb := range t.Tables {
		in := createTableInput(t.TableName(logical), tb)
		if _, err := db.CreateTable(ctx, in); err != nil {
			var inUse *types.ResourceInUseException
			if !errors.As(err, &inUse) {
				return nil, fmt.Errorf("creating table %s: %w", *in.TableName, err)
			}
		}
		names = append(names, *in.TableName)
	}
	for _, n := range names {
		if err := waitActive(ctx, db, n); err != nil {
			return nil, fmt.Errorf("table %s: %w", n, err)
		}
	}
	return names, nil
}

func createTableInput(name string, tb *cfndynamodb.Table) *dynamodb.CreateTableInput {
	keys := func(ks []cfndynamodb.Table_KeySchema) []types.KeySchemaElement {
		out := make([]types.KeySchemaElement, len(ks))
		for i, k := range ks {
			out[i] = types.KeySchemaElement{AttributeName: aws.String(k.AttributeName), KeyType: types.KeyType(k.KeyType)}
		}
		return out
	}
	in := &dynamodb.CreateTableInput{TableName: aws.String(name), BillingMode: types.BillingModePayPerRequest, KeySchema: keys(tb.KeySchema)}
	for _, a := range tb.AttributeDefinitions {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{
			AttributeName: aws.String(a.AttributeName), AttributeType: types.ScalarAttributeType(a.AttributeType)})
	}
	for _, g := range tb.GlobalSecondaryIndexes {
		p := &types.Projection{ProjectionType: types.ProjectionTypeAll}
		if g.Projection.ProjectionType != nil {
			p.ProjectionType = types.ProjectionType(*g.Projection.ProjectionType)
		}
		p.NonKeyAttributes = g.Projection.NonKeyAttributes
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{
			IndexName: aws.String(g.IndexName), KeySchema: keys(g.KeySchema), Projection: p})
	}
	return in
}

// waitActive polls until the table is ACTIVE (the SDK's waiter starts at a
// 20-second delay, far too slow for dynalite).
func waitActive(ctx context.Context, db *dynamodb.Client, table string) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
		if err == nil && out.Table.TableStatus == types.TableStatusActive {
			return nil
		}
		if time.Now().After(deadline) {
			if err == nil {
				err = errors.New("not active after 10s")
			}
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}
