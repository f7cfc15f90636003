package tokens_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"loginguard/internal/testenv"
	"loginguard/shared/ids"
	"loginguard/shared/mail/ses"
	"loginguard/shared/policy"
	"loginguard/shared/secret"
	"loginguard/shared/store"
	"loginguard/shared/store/dynamo"
	"loginguard/shared/tokens"
)

func setup(t *testing.T) (*dynamo.Store, store.User) {
	t.Helper()
	db := testenv.DynamoDB(testenv.Dynalite(t))
	st := dynamo.New(db, testenv.CreateTables(t, db))
	ctx := context.Background()
	orgID, _ := ids.New("00D", rand.Reader)
	org := store.Org{ID: orgID, Name: "Acme", TimeZone: "UTC", Lockout: policy.DefaultLockout, Version: 1}
	profID, _ := ids.New("00e", rand.Reader)
	prof := store.Profile{ID: profID, OrgID: orgID, Name: "P", APIEnabled: true, Version: 1}
	if err := st.CreateOrg(ctx, org); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateProfile(ctx, prof); err != nil {
		t.Fatal(err)
	}
	userID, _ := ids.New("005", rand.Reader)
	u := store.User{ID: userID, OrgID: orgID, ProfileID: profID, Username: "tom@acme.example", Email: "tom@acme.example",
		FirstName: "Tom", Active: true, PasswordHash: "x", TokenHash: secret.Digest(secret.PurposeToken, "OLDTOKEN"),
		Policy: store.PolicyOf(org, prof)}
	if err := st.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	return st, u
}

func TestIssueMailsThenReplacesTheToken(t *testing.T) {
	st, u := setup(t)
	sesURL := testenv.SES(t)
	sender, _ := ses.New(testenv.SESv2(sesURL), "no-reply@example.com")
	is := &tokens.Issuer{Store: st, Mailer: sender, Rand: rand.Reader, Now: time.Now}
	if err := is.Issue(context.Background(), u, "You asked to reset your security token", "198.51.100.7"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(sesURL + "/store")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var got struct {
		Emails []struct {
			From        string `json:"from"`
			Destination struct {
				To []string `json:"to"`
			} `json:"destination"`
			Subject string                      `json:"subject"`
			Body    struct{ Text, HTML string } `json:"body"`
		} `json:"emails"`
	}
	if err := json.Unmarshal(b, &got); err != nil || len(got.Emails) != 1 {
		t.Fatalf("mail store %s: %v", b, err)
	}
	m := got.Emails[0]
	_, after, ok := strings.Cut(m.Body.Text, "Security token (case-sensitive): ")
	if !ok {
		t.Fatalf("no token in the mail text:\n%s", m.Body.Text)
	}
	tok := strings.Fields(after)[0]
	if len(tok) != secret.TokenLen || m.Destination.To[0] != "tom@acme.example" || !strings.Contains(m.Body.HTML, tok) ||
		!strings.Contains(m.Body.Text, "198.51.100.7") || strings.Contains(m.Subject, tok) {
		t.Fatalf("mail %+v", m)
	}
	rec, _ := st.User(context.Background(), u.Username)
	if !secret.MatchDigest(secret.PurposeToken, tok, rec.TokenHash) || secret.MatchDigest(secret.PurposeToken, "OLDTOKEN", rec.TokenHash) {
		t.Fatal("after the mail was accepted only the new token may match")
	}
}

func TestAFailedSendKeepsTheOldToken(t *testing.T) {
	st, u := setup(t)
	// An SES endpoint nobody listens on: the send fails.
	dead := "http://127.0.0.1:" + strconv.Itoa(testenv.FreePort(t))
	sender, _ := ses.New(testenv.SESv2(dead), "no-reply@example.com")
	is := &tokens.Issuer{Store: st, Mailer: sender, Rand: rand.Reader, Now: time.Now}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := is.Issue(ctx, u, "reset", "test")
	if err == nil || !strings.Contains(err.Error(), "the old one still works") {
		t.Fatalf("Issue = %v; want a clear failure", err)
	}
	rec, _ := st.User(context.Background(), u.Username)
	if !secret.MatchDigest(secret.PurposeToken, "OLDTOKEN", rec.TokenHash) {
		t.Fatal("the old token must still work when the mail failed")
	}
	u.Email = ""
	if err := is.Issue(ctx, u, "reset", "test"); err != tokens.ErrNoEmail {
		t.Fatalf("no email: %v", err)
	}
}
