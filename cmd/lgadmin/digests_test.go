package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"loginguard/internal/testenv"
	"loginguard/shared/digest"
	"loginguard/shared/domain"
	"loginguard/shared/export"
	"loginguard/shared/policy"
	"loginguard/shared/store/dynamo"
)

// history is a CLI with a local-kms holding the digest key, and the store
// it reads, with one org and user.
type history struct {
	*cli
	db   *dynamodb.Client
	tb   dynamo.Tables
	st   *dynamo.Store
	acct testenv.Account
	svc  *digest.Service
}

func newHistory(t *testing.T) *history {
	c := newCLI(t)
	db := testenv.DynamoDB(c.env["AWS_ENDPOINT_URL_DYNAMODB"])
	tb := testenv.CreateTables(t, db)
	st := dynamo.New(db, tb)
	keys := testenv.KMSWithDigestKey(t)
	c.env["AWS_ENDPOINT_URL_KMS"], c.env["HISTORY_DIGEST_KMS_KEY"] = keys.Endpoint, keys.Digest
	return &history{cli: c, db: db, tb: tb, st: st, acct: testenv.Seed(t, st),
		svc: &digest.Service{Store: st, Signer: testenv.KMSClient(t, keys.Endpoint), KeyID: keys.Digest}}
}

// lines writes logins and audit lines from at on, with values CSV must
// quote (commas, quotes, a line break), and returns them as rows, oldest first.
func (h *history) lines(t *testing.T, at time.Time) []export.Row {
	t.Helper()
	u := h.acct.User
	ctx := testenv.Context(t)
	// A decision's grounds and trace, as the login stores them.
	grounds, err := policy.ParseGrounds("1;p=00e000000000001;c=3;f=KSa2RX;s=1785574800,90;h=America/New_York,1,1085,480-1080;lr=2,203.0.113.0-203.0.113.255;tr=2;lv=H;l=2,2,5,u;t=c+a+h-")
	if err != nil {
		t.Fatal(err)
	}
	logins := []domain.LoginEvent{
		{At: at.Add(time.Minute), OrgID: u.OrgID, UserID: u.ID, Username: u.Username, IP: "192.0.2.1", LoginType: "SOAP",
			Client: `jsforce/3.10, "node"` + "\nline two", APIVersion: "50.0", Reason: "OK", Allowed: true, Grounds: grounds},
		{At: at.Add(3*time.Minute + 250*time.Millisecond), OrgID: u.OrgID, UserID: u.ID, Username: u.Username, IP: "2001:db8::1",
			LoginType: "UI", Client: "Mozilla/5.0", Reason: "INVALID_PASSWORD", Via: "UI", Challenge: "EMAIL_CODE"},
	}
	audits := []domain.AuditEvent{{At: at.Add(2 * time.Minute), OrgID: u.OrgID, Actor: "admin CLI", TargetID: u.ID, Target: u.Username,
		Action: "TOKEN_RESET", Outcome: "DONE", Via: "CLI"}}
	for _, e := range logins {
		if err := h.st.Record(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range audits {
		if err := h.st.Audit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	return []export.Row{export.LoginRow(logins[0]), export.AuditRow(audits[0]), export.LoginRow(logins[1])}
}

// sameRows compares rows read back with the lines written, which had no
// id yet (the store names each line when it reads it), and checks that
// each login's row gives its event back, grounds and all.
func sameRows(t *testing.T, what string, got, want []export.Row) {
	t.Helper()
	norm := func(rs []export.Row, read bool) []export.Row {
		out := make([]export.Row, len(rs))
		for i, r := range rs {
			if read && r.ID == "" {
				t.Fatalf("%s: row %d has no line id", what, i)
			}
			if r.Kind == export.KindLogin {
				if _, err := r.Login(); err != nil {
					t.Fatalf("%s: row %d: %v", what, i, err)
				}
			}
			r.At, r.ID = r.At.UTC().Round(0), ""
			out[i] = r
		}
		return out
	}
	if !reflect.DeepEqual(norm(got, true), norm(want, false)) {
		t.Fatalf("%s read back:\n%+v\nwant:\n%+v", what, got, want)
	}
	for i := range got {
		if got[i].Kind == export.KindLogin && got[i].Grounds != "" {
			e, _ := got[i].Login()
			w, _ := want[i].Login()
			if e.Grounds.Encode() != w.Grounds.Encode() || e.Grounds.Trace.String() != "c+a+h-" {
				t.Fatalf("%s: grounds %q; want %q", what, e.Grounds.Encode(), w.Grounds.Encode())
			}
		}
	}
}

func TestHistoryExportRoundTrips(t *testing.T) {
	h := newHistory(t)
	at := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	want := h.lines(t, at)
	h.lines(t, at.Add(-24*time.Hour)) // outside the range
	org := h.acct.Org.ID
	since, until := at.Format(time.RFC3339), at.Add(10*time.Minute).Format(time.RFC3339)
	for _, format := range []string{export.CSV, export.JSONL} {
		code, out, errs := h.run("", "history", "export", "--org", org, "--since", since, "--until", until, "--format", format)
		if code != 0 {
			t.Fatalf("export %s: exit %d: %s", format, code, errs)
		}
		rows, err := export.Read(strings.NewReader(out), format)
		if err != nil {
			t.Fatalf("%s: %v\n%s", format, err, out)
		}
		sameRows(t, format, rows, want)
	}
	// One kind, into a file; a range that ends before the second login.
	file := filepath.Join(t.TempDir(), "audit.jsonl")
	if code, _, errs := h.run("", "history", "export", org, "--since", since, "--until", at.Add(3*time.Minute).Format(time.RFC3339),
		"--format", "jsonl", "--kind", "login", "--out", file); code != 0 {
		t.Fatalf("export --kind login --out: exit %d: %s", code, errs)
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := export.Read(f, export.JSONL)
	if err != nil {
		t.Fatal(err)
	}
	sameRows(t, "--kind login --until", rows, want[:1])
	if code, _, errs := h.run("", "history", "export", org, "--since", "1h", "--format", "xml"); code != 2 || !strings.Contains(errs, "--format must be csv or jsonl") {
		t.Fatalf("--format xml: exit %d: %s", code, errs)
	}
}

func TestHistoryVerifyAndPublicKey(t *testing.T) {
	h := newHistory(t)
	now := time.Now()
	hour := digest.DueHour(now, digest.DefaultGrace)
	h.lines(t, hour)
	if _, err := h.svc.Run(testenv.Context(t), now); err != nil {
		t.Fatal(err)
	}
	org := h.acct.Org.ID
	code, out, errs := h.run("", "history", "verify", "--org", org, "--since", "3h")
	if code != 0 || !strings.Contains(out, "1 digests and 3 lines checked") || !strings.HasSuffix(strings.TrimSpace(out), ": OK") {
		t.Fatalf("verify untouched: exit %d:\n%s%s", code, out, errs)
	}
	code, pemOut, errs := h.run("", "history", "public-key")
	if code != 0 || !strings.HasPrefix(pemOut, "-----BEGIN PUBLIC KEY-----") {
		t.Fatalf("public-key: exit %d: %s%s", code, pemOut, errs)
	}
	keyFile := filepath.Join(t.TempDir(), "digest.pem")
	if err := os.WriteFile(keyFile, []byte(pemOut), 0o600); err != nil {
		t.Fatal(err)
	}
	// Edit one line: named, exit 1, with the key from the file alone.
	ls, err := h.st.HourLines(testenv.Context(t), org, hour)
	if err != nil || len(ls) != 3 {
		t.Fatalf("lines: %v, %v", ls, err)
	}
	if _, err := h.db.UpdateItem(testenv.Context(t), &dynamodb.UpdateItemInput{TableName: &h.tb.History,
		Key:                       map[string]types.AttributeValue{"subject": ls[0].Item["subject"], "at": ls[0].Item["at"]},
		UpdateExpression:          aws.String("SET via = :v"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": &types.AttributeValueMemberS{Value: "edited"}}}); err != nil {
		t.Fatal(err)
	}
	delete(h.env, "HISTORY_DIGEST_KMS_KEY")
	code, out, errs = h.run("", "history", "verify", org, "--since", "3h", "--public-key", keyFile)
	if code != 1 || !strings.Contains(out, "LINE_CHANGED: line "+ls[0].Key()+" was changed after digest") || !strings.Contains(errs, "1 problem(s) found") {
		t.Fatalf("verify after an edit: exit %d:\n%s%s", code, out, errs)
	}
	if code, _, errs := h.run("", "history", "verify", org, "--since", "3h"); code != 1 || !strings.Contains(errs, "HISTORY_DIGEST_KMS_KEY is not set") {
		t.Fatalf("verify without a key: exit %d: %s", code, errs)
	}
}
