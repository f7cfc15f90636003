package e2e

import (
	"context"
	"crypto/rand"
	"net/http"
	"testing"
	"time"

	"loginguard/shared/domain"
	"loginguard/shared/policy"
	"loginguard/shared/secret"
)

// TestSessionActivityIsRecordedWhereverTheSessionIsChecked uses sessions
// idle past half their timeout, where a check writes the activity: the
// userinfo endpoint, the id URL and the authorizer. The write failing is
// only logged (the request still passes), so the answer cannot show it;
// the stored session and the IAM check of the recorded calls (TestMain) do.
func TestSessionActivityIsRecordedWhereverTheSessionIsChecked(t *testing.T) {
	s := startStack(t)
	a := s.account(t, nil, nil)
	u, err := s.st.User(context.Background(), a.username)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, path string }{
		{"userinfo", "/services/oauth2/userinfo"},
		{"the id URL", "/id/" + u.OrgID + "/" + u.ID},
		{"the authorizer", "/api/whoami"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			id, _ := secret.NewSessionID(u.OrgID, rand.Reader)
			idle := time.Now().Add(-10 * time.Minute).Truncate(time.Second)
			sess := domain.Session{IDHash: secret.Digest(secret.PurposeSession, id), UserID: u.ID, OrgID: u.OrgID, Username: u.Username,
				IP: "127.0.0.1", Level: string(policy.LevelStandard), LoginType: "REST", Timeout: 15 * time.Minute,
				CreatedAt: idle, LastSeenAt: idle}
			if err := s.st.OpenSession(context.Background(), sess, domain.LoginEvent{At: idle, UserID: u.ID, OrgID: u.OrgID, Username: u.Username, Reason: "SUCCESS", Allowed: true}); err != nil {
				t.Fatal(err)
			}
			req, _ := http.NewRequest("GET", s.baseURL+tt.path, nil)
			req.Header.Set("Authorization", "Bearer "+id)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			got, err := s.st.Session(context.Background(), sess.IDHash, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if !got.LastSeenAt.After(idle.Add(time.Minute)) {
				t.Fatalf("last seen %s; the check did not record the activity", got.LastSeenAt)
			}
		})
	}
}
