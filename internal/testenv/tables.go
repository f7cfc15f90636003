package testenv

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"loginguard/internal/samtemplate"
	"loginguard/shared/store/dynamo"
)

// CreateTables creates every DynamoDB table of the repository's
// template.yaml (names as the dev stage resolves them) on the dynalite behind
// db, and returns their names as the store wants them.
func CreateTables(t testing.TB, db *dynamodb.Client) dynamo.Tables {
	t.Helper()
	tpl, err := samtemplate.Load(filepath.Join(Root(t), "template.yaml"), nil)
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	if _, err := tpl.CreateTables(context.Background(), db); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	return dynamo.Tables{Orgs: tpl.TableName("OrgsTable"), Users: tpl.TableName("UsersTable"),
		Sessions: tpl.TableName("SessionsTable"), History: tpl.TableName("LoginHistoryTable"),
		Apps: tpl.TableName("ConnectedAppsTable"), Sources: tpl.TableName("SourcesTable"),
		Digests: tpl.TableName("DigestsTable")}
}
