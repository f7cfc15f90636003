package testenv

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/awslabs/goformation/v7"
	cfndynamodb "github.com/awslabs/goformation/v7/cloudformation/dynamodb"

	"loginguard/shared/store/dynamo"
)

// CreateTables creates every DynamoDB table of the repository's
// template.yaml (names as the dev stage resolves them) on the dynalite behind
// db, and returns their names as the store wants them.
func CreateTables(t testing.TB, db *dynamodb.Client) dynamo.Tables {
	t.Helper()
	tpl, err := goformation.Open(filepath.Join(Root(t), "template.yaml"))
	if err != nil {
		t.Fatalf("testenv: reading template.yaml: %v", err)
	}
	names := map[string]string{}
	for logical, tb := range tpl.GetAllDynamoDBTableResources() {
		in := CreateTableInput(tb)
		if _, err := db.CreateTable(context.Background(), in); err != nil {
			var inUse *types.ResourceInUseException
			if !errors.As(err, &inUse) {
				t.Fatalf("testenv: creating table %s: %v", *in.TableName, err)
			}
		}
		names[logical] = *in.TableName
	}
	for _, n := range names {
		if err := WaitActive(context.Background(), db, n); err != nil {
			t.Fatalf("testenv: table %s: %v", n, err)
		}
	}
	return dynamo.Tables{Orgs: names["OrgsTable"], Users: names["UsersTable"], Sessions: names["SessionsTable"], History: names["LoginHistoryTable"]}
}

// CreateTableInput is the CreateTable request for a template's table:
// keys, attributes and global secondary indexes, billed per request. TTL
// stays in the template: dynalite has no TTL API.
func CreateTableInput(tb *cfndynamodb.Table) *dynamodb.CreateTableInput {
	keys := func(ks []cfndynamodb.Table_KeySchema) []types.KeySchemaElement {
		out := make([]types.KeySchemaElement, len(ks))
		for i, k := range ks {
			out[i] = types.KeySchemaElement{AttributeName: aws.String(k.AttributeName), KeyType: types.KeyType(k.KeyType)}
		}
		return out
	}
	in := &dynamodb.CreateTableInput{
		TableName:   tb.TableName,
		BillingMode: types.BillingModePayPerRequest,
		KeySchema:   keys(tb.KeySchema),
	}
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

// WaitActive polls until the table is ACTIVE (the SDK's waiter starts at a
// 20-second delay, far too slow for dynalite).
func WaitActive(ctx context.Context, db *dynamodb.Client, table string) error {
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
