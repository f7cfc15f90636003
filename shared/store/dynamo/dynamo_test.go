package dynamo_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"loginguard/internal/testenv"
	"loginguard/shared/domain"
	"loginguard/shared/store/dynamo"
)

// The tests here give each conditional write a table of cases against
// dynalite: the error returned and the item stored afterwards.

// now is the tests' clock: the store takes time as a parameter.
var now = time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)

type env struct {
	t   *testing.T
	ctx context.Context
	st  *dynamo.Store
	db  *dynamodb.Client
	tb  dynamo.Tables
}

// newEnv starts one dynalite for a test; its cases seed their own users.
func newEnv(t *testing.T) *env {
	t.Helper()
	db := testenv.DynamoDB(testenv.Dynalite(t))
	tb := testenv.CreateTables(t, db)
	return &env{t: t, ctx: testenv.Context(t), st: dynamo.New(db, tb), db: db, tb: tb}
}

// user seeds an account and returns its user as stored.
func (e *env) user(t *testing.T, mods ...testenv.Mod) domain.User {
	t.Helper()
	return e.read(t, testenv.Seed(t, e.st, mods...).User.Username)
}

func (e *env) read(t *testing.T, username string) domain.User {
	t.Helper()
	u, err := e.st.User(e.ctx, username)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func userKey(username string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"username": s(domain.NormalizeUsername(username))}
}

func idKey(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"id": s(id)}
}

// item is the stored item under key (nil for none).
func (e *env) item(t *testing.T, table string, key map[string]types.AttributeValue) map[string]types.AttributeValue {
	t.Helper()
	out, err := e.db.GetItem(e.ctx, &dynamodb.GetItemInput{TableName: &table, Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	return out.Item
}

func (e *env) userItem(t *testing.T, username string) map[string]types.AttributeValue {
	t.Helper()
	return e.item(t, e.tb.Users, userKey(username))
}

// set writes an item's attributes around the store, to make a state the
// store's own writes do not (an older item, a raced one).
func (e *env) set(t *testing.T, table string, key map[string]types.AttributeValue, expr string, vals map[string]types.AttributeValue) {
	t.Helper()
	if _, err := e.db.UpdateItem(e.ctx, &dynamodb.UpdateItemInput{TableName: &table, Key: key,
		UpdateExpression: &expr, ExpressionAttributeValues: vals}); err != nil {
		t.Fatal(err)
	}
}

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func n(v int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}

// num reads a number attribute; -1 when it is missing.
func num(t *testing.T, item map[string]types.AttributeValue, attr string) int64 {
	t.Helper()
	v, ok := item[attr].(*types.AttributeValueMemberN)
	if !ok {
		return -1
	}
	x, err := strconv.ParseInt(v.Value, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// str reads a string attribute; "<missing>" when it is missing.
func str(item map[string]types.AttributeValue, attr string) string {
	v, ok := item[attr].(*types.AttributeValueMemberS)
	if !ok {
		return "<missing>"
	}
	return v.Value
}

// is reports whether err is want (nil for none).
func is(err, want error) bool {
	if want == nil {
		return err == nil
	}
	return errors.Is(err, want)
}

type typesAV = types.AttributeValue
