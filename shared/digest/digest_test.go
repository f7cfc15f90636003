package digest_test

import (
	"context"
	"crypto"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"loginguard/internal/testenv"
	"loginguard/shared/digest"
	"loginguard/shared/domain"
	"loginguard/shared/store/dynamo"
)

// hour is the hour the tests' history is written in.
var hour = time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)

// env is one dynalite with the template's tables, one local-kms with the
// template's digest key, one org with a user, and the digest service.
type env struct {
	ctx context.Context
	db  *dynamodb.Client
	tb  dynamo.Tables
	st  *dynamo.Store
	svc *digest.Service
	pub crypto.PublicKey
	org string
	usr domain.User
}

func newEnv(t *testing.T) *env {
	t.Helper()
	db := testenv.DynamoDB(testenv.Dynalite(t))
	tb := testenv.CreateTables(t, db)
	st := dynamo.New(db, tb)
	keys := testenv.KMSWithDigestKey(t)
	k := testenv.KMSClient(t, keys.Endpoint)
	ctx := testenv.Context(t)
	pk, err := k.GetPublicKey(ctx, keys.Digest)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := digest.ParsePublicKey(pk.DER)
	if err != nil {
		t.Fatal(err)
	}
	a := testenv.Seed(t, st)
	return &env{ctx: ctx, db: db, tb: tb, st: st, pub: pub, org: a.Org.ID, usr: a.User,
		svc: &digest.Service{Store: st, Signer: k, KeyID: keys.Digest}}
}

// login writes one login-history line at at.
func (e *env) login(t *testing.T, at time.Time, ip string) {
	t.Helper()
	if err := e.st.Record(e.ctx, domain.LoginEvent{At: at, OrgID: e.org, UserID: e.usr.ID, Username: e.usr.Username,
		IP: ip, LoginType: "SOAP", Client: "jsforce", Reason: "OK", Allowed: true}); err != nil {
		t.Fatal(err)
	}
}

// audit writes one audit-trail line at at.
func (e *env) audit(t *testing.T, at time.Time) {
	t.Helper()
	if err := e.st.Audit(e.ctx, domain.AuditEvent{At: at, OrgID: e.org, Actor: "admin CLI", TargetID: e.usr.ID,
		Target: e.usr.Username, Action: "TOKEN_RESET", Outcome: "DONE", Via: "CLI"}); err != nil {
		t.Fatal(err)
	}
}

func (e *env) run(t *testing.T, at time.Time) digest.Report {
	t.Helper()
	rep, err := e.svc.Run(e.ctx, at)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func (e *env) verify(t *testing.T) digest.Result {
	t.Helper()
	res, err := digest.Verify(e.ctx, e.st, e.pub, e.org, hour.Add(-time.Hour), 0)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// lines are the stored lines of the tests' hour.
func (e *env) lines(t *testing.T) []digest.Line {
	t.Helper()
	ls, err := e.st.HourLines(e.ctx, e.org, hour)
	if err != nil {
		t.Fatal(err)
	}
	return ls
}

func key(l digest.Line) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"subject": l.Item["subject"], "at": l.Item["at"]}
}

// seeded writes three lines in hour (two logins, one audit line) and
// digests them at hour+1h+6m, then five hours on, so that hour is past the
// late window.
func seeded(t *testing.T) *env {
	t.Helper()
	e := newEnv(t)
	e.login(t, hour.Add(10*time.Minute), "192.0.2.1")
	e.audit(t, hour.Add(20*time.Minute))
	e.login(t, hour.Add(59*time.Minute), "192.0.2.2")
	e.login(t, hour.Add(-30*time.Minute), "192.0.2.3") // the hour before: not digested (before the first)
	if rep := e.run(t, hour.Add(66*time.Minute)); rep.Hours != 1 || rep.Lines != 3 {
		t.Fatalf("first run: %+v; want one hour digest of 3 lines", rep)
	}
	if rep := e.run(t, hour.Add(5*time.Hour+6*time.Minute)); rep.Hours != 4 || rep.Late != 0 {
		t.Fatalf("second run: %+v; want 4 hour digests, no late one", rep)
	}
	return e
}

// problems are res's problems as "CODE digest line".
func problems(res digest.Result) []string {
	var out []string
	for _, p := range res.Problems {
		out = append(out, strings.TrimSpace(p.Code+" "+p.Digest+" "+p.Line))
	}
	return out
}

func wantProblems(t *testing.T, res digest.Result, want ...string) {
	t.Helper()
	got := problems(res)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("problems:\n  %s\nwant:\n  %s\n(%+v)", strings.Join(got, "\n  "), strings.Join(want, "\n  "), res.Problems)
	}
}

func TestVerifyPassesOnUntouchedHistory(t *testing.T) {
	e := seeded(t)
	res := e.verify(t)
	wantProblems(t, res)
	if res.Digests != 5 || res.Lines != 3 || len(res.Pending) != 0 || res.Head != "2026-12-03T13 HOUR" {
		t.Fatalf("result %+v; want 5 digests, 3 lines checked, head 2026-12-03T13 HOUR", res)
	}
	// A run with nothing due writes nothing.
	if rep := e.run(t, hour.Add(5*time.Hour+30*time.Minute)); rep.Hours+rep.Late != 0 {
		t.Fatalf("a run within the hour: %+v", rep)
	}
}

func TestVerifyNamesAnEditedLine(t *testing.T) {
	e := seeded(t)
	l := e.lines(t)[1]
	if _, err := e.db.UpdateItem(e.ctx, &dynamodb.UpdateItemInput{TableName: &e.tb.History, Key: key(l),
		UpdateExpression:          aws.String("SET ip = :ip"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":ip": &types.AttributeValueMemberS{Value: "203.0.113.9"}}}); err != nil {
		t.Fatal(err)
	}
	wantProblems(t, e.verify(t), "LINE_CHANGED 2026-12-03T09 HOUR "+l.Key())
}

// An attribute the digest code has never heard of counts as much as any.
func TestVerifyNamesALineWithAnAddedAttribute(t *testing.T) {
	e := seeded(t)
	l := e.lines(t)[0]
	if _, err := e.db.UpdateItem(e.ctx, &dynamodb.UpdateItemInput{TableName: &e.tb.History, Key: key(l),
		UpdateExpression: aws.String("SET trace = :t"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":t": &types.AttributeValueMemberL{Value: []types.AttributeValue{
			&types.AttributeValueMemberS{Value: "HOURS:PASS"}}}}}); err != nil {
		t.Fatal(err)
	}
	wantProblems(t, e.verify(t), "LINE_CHANGED 2026-12-03T09 HOUR "+l.Key())
}

func TestVerifyNamesADeletedLine(t *testing.T) {
	e := seeded(t)
	l := e.lines(t)[2]
	if _, err := e.db.DeleteItem(e.ctx, &dynamodb.DeleteItemInput{TableName: &e.tb.History, Key: key(l)}); err != nil {
		t.Fatal(err)
	}
	wantProblems(t, e.verify(t), "LINE_REMOVED 2026-12-03T09 HOUR "+l.Key())
}

func TestVerifyNamesAnInsertedLine(t *testing.T) {
	e := seeded(t)
	e.login(t, hour.Add(30*time.Minute), "198.51.100.7")
	var added digest.Line
	for _, l := range e.lines(t) {
		if strings.Contains(l.At, "T09:30:00") {
			added = l
		}
	}
	wantProblems(t, e.verify(t), "LINE_ADDED  "+added.Key())
}

func TestVerifyNamesAnEditedDigest(t *testing.T) {
	e := seeded(t)
	// Drop the second line from the signed list, as one hiding a line would.
	if _, err := e.db.UpdateItem(e.ctx, &dynamodb.UpdateItemInput{TableName: &e.tb.Digests,
		Key:              map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: e.org}, "sk": &types.AttributeValueMemberS{Value: "2026-12-03T09#0"}},
		UpdateExpression: aws.String("REMOVE entries[1]")}); err != nil {
		t.Fatal(err)
	}
	l := e.lines(t)[1]
	wantProblems(t, e.verify(t), "DIGEST_CHANGED 2026-12-03T09 HOUR", "LINE_ADDED  "+l.Key())
}

func TestVerifyNamesARemovedDigest(t *testing.T) {
	e := seeded(t)
	if _, err := e.db.DeleteItem(e.ctx, &dynamodb.DeleteItemInput{TableName: &e.tb.Digests,
		Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: e.org}, "sk": &types.AttributeValueMemberS{Value: "2026-12-03T11#0"}}}); err != nil {
		t.Fatal(err)
	}
	wantProblems(t, e.verify(t), "DIGEST_MISSING 2026-12-03T12 HOUR")
}

func TestVerifyNamesABrokenChainLink(t *testing.T) {
	e := seeded(t)
	if _, err := e.db.UpdateItem(e.ctx, &dynamodb.UpdateItemInput{TableName: &e.tb.Digests,
		Key:                       map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: e.org}, "sk": &types.AttributeValueMemberS{Value: "2026-12-03T12#0"}},
		UpdateExpression:          aws.String("SET prev = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: strings.Repeat("0", 64)}}}); err != nil {
		t.Fatal(err)
	}
	// The edited link no longer matches its signature; the chain itself
	// still holds from 11 to 13 through 12's stored hash.
	wantProblems(t, e.verify(t), "DIGEST_CHANGED 2026-12-03T12 HOUR", "CHAIN_BROKEN 2026-12-03T12 HOUR")
}

// A line written into an hour already digested is pending until the next
// hour digest, then listed in a late digest beside it.
func TestLateLinesGoIntoALateDigest(t *testing.T) {
	e := newEnv(t)
	e.login(t, hour.Add(10*time.Minute), "192.0.2.1")
	e.run(t, hour.Add(66*time.Minute))
	e.login(t, hour.Add(59*time.Minute+59*time.Second), "192.0.2.9") // written after the digest ran
	res := e.verify(t)
	wantProblems(t, res)
	if len(res.Pending) != 1 || !strings.Contains(res.Pending[0], "T09:59:59") {
		t.Fatalf("pending %v; want the late line", res.Pending)
	}
	if rep := e.run(t, hour.Add(2*time.Hour+6*time.Minute)); rep.Hours != 1 || rep.Late != 1 || rep.Lines != 1 {
		t.Fatalf("run after the late line: %+v; want one hour digest and one late digest of 1 line", rep)
	}
	res = e.verify(t)
	wantProblems(t, res)
	if res.Digests != 3 || len(res.Pending) != 0 || res.Head != "2026-12-03T10 LATE" ||
		len(res.Late) != 1 || !strings.Contains(res.Late[0], "T09:59:59") || !strings.HasSuffix(res.Late[0], " in 2026-12-03T10 LATE") {
		t.Fatalf("result %+v; want 3 digests (09, 10, the late one), none pending", res)
	}
	// The late line is guarded like any: deleting it is named, with its late digest.
	for _, l := range e.lines(t) {
		if strings.Contains(l.At, "T09:59:59") {
			if _, err := e.db.DeleteItem(e.ctx, &dynamodb.DeleteItemInput{TableName: &e.tb.History, Key: key(l)}); err != nil {
				t.Fatal(err)
			}
			wantProblems(t, e.verify(t), "LINE_REMOVED 2026-12-03T10 LATE "+l.Key())
		}
	}
}

// A second run for the same hour (EventBridge may deliver twice) stores nothing.
func TestASecondRunForTheSameHourWritesNothing(t *testing.T) {
	e := newEnv(t)
	e.login(t, hour.Add(10*time.Minute), "192.0.2.1")
	e.run(t, hour.Add(66*time.Minute))
	if rep := e.run(t, hour.Add(67*time.Minute)); rep.Hours != 0 {
		t.Fatalf("second run: %+v", rep)
	}
	wantProblems(t, e.verify(t))
}

// Two runs side by side (the second one's view of the chain taken before
// the first one stored its digest): one digest is stored, and neither fails.
func TestRunsSideBySideStoreOneDigest(t *testing.T) {
	e := newEnv(t)
	e.login(t, hour.Add(10*time.Minute), "192.0.2.1")
	stale := &staleHead{Store: e.st}
	other := &digest.Service{Store: stale, Signer: e.svc.Signer, KeyID: e.svc.KeyID}
	e.run(t, hour.Add(66*time.Minute))
	rep, err := other.Run(e.ctx, hour.Add(67*time.Minute))
	if err != nil || rep.Hours != 0 || rep.Failed != 0 {
		t.Fatalf("the second run: %+v, %v; want nothing stored and no failure", rep, err)
	}
	wantProblems(t, e.verify(t))
}

// staleHead is the store as a run sees it that read the chain's head
// before another run stored the next digest.
type staleHead struct{ *dynamo.Store }

func (staleHead) LastDigest(context.Context, string) (digest.Digest, error) {
	return digest.Digest{}, domain.ErrNotFound
}

// A digest of more lines than one item holds is stored in pages and read
// back whole, in order.
func TestALargeDigestIsStoredInPagesAndReadBackWhole(t *testing.T) {
	e := newEnv(t)
	d := digest.Digest{OrgID: e.org, Hour: hour, Kind: digest.KindHour, Seq: 1, CreatedAt: hour.Add(66 * time.Minute), KeyID: "k", Signature: []byte{1}}
	for i := 0; i < 4501; i++ {
		en := digest.Entry{Subject: "user#005" + strconv.Itoa(i), At: hour.Add(time.Duration(i)*time.Millisecond).Format(time.RFC3339Nano) + "#00"}
		en.Hash[0], en.Hash[31] = byte(i), byte(i>>8)
		d.Entries = append(d.Entries, en)
	}
	if err := e.st.PutDigest(e.ctx, d); err != nil {
		t.Fatal(err)
	}
	got, err := e.st.LastDigest(e.ctx, e.org)
	if err != nil {
		t.Fatal(err)
	}
	if got.HexHash() != d.HexHash() || len(got.Entries) != len(d.Entries) || got.Entries[4500] != d.Entries[4500] {
		t.Fatalf("read back %d entries, hash %s; want %d, %s", len(got.Entries), got.HexHash(), len(d.Entries), d.HexHash())
	}
	if err := e.st.PutDigest(e.ctx, d); !errors.Is(err, domain.ErrExists) {
		t.Fatalf("a second digest under the same key: %v; want ErrExists", err)
	}
}
