package e2e

import (
	"context"
	"html"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"loginguard/shared/secret"
)

// soapCall posts a partner operation with sid in the SessionHeader to the
// serverUrl of org.
func (s *stack) soapCall(t *testing.T, org, sid, op string) web {
	t.Helper()
	env := `<se:Envelope xmlns:se="http://schemas.xmlsoap.org/soap/envelope/"><se:Header><SessionHeader xmlns="urn:partner.soap.sforce.com"><sessionId>` +
		html.EscapeString(sid) + `</sessionId></SessionHeader></se:Header><se:Body>` + op + `</se:Body></se:Envelope>`
	return s.do(t, "POST", "/services/Soap/u/50.0/"+org, nil, soapHeaders, env)
}

// TestGetUserInfoChecksTheSessionAndRecordsItsActivity: getUserInfo on the
// serverUrl answers the session's user, refuses an ended session and
// another org's URL, and records activity on a session idle for more than
// half its timeout (the write the SOAP function is granted for it).
func TestGetUserInfoChecksTheSessionAndRecordsItsActivity(t *testing.T) {
	s := startStack(t)
	a := s.account(t, nil, nil)
	sid := s.soapLogin(t, a.username, a.password+a.token)
	const getUserInfo = `<getUserInfo xmlns="urn:partner.soap.sforce.com"/>`
	if r := s.soapCall(t, a.org.ID, sid, getUserInfo); r.status != 200 || !strings.Contains(r.body, "<userName>"+a.username+"</userName>") {
		t.Fatalf("getUserInfo: %d %s", r.status, r.body)
	}
	if r := s.soapCall(t, "00D000000000000", sid, getUserInfo); r.status != 500 || !strings.Contains(r.body, "INVALID_SESSION_ID") {
		t.Errorf("getUserInfo on another org's serverUrl: %d %s", r.status, r.body)
	}
	// Idle for 61 of its 120 minutes: the call moves its expiry.
	idle := time.Now().Add(-61 * time.Minute).Unix()
	key := map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: secret.Digest(secret.PurposeSession, sid)}}
	if _, err := s.db.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{TableName: aws.String(s.tables.Sessions), Key: key,
		UpdateExpression: aws.String("SET lastSeenAt = :idle, expiresAt = :exp"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":idle": &types.AttributeValueMemberN{Value: strconv.FormatInt(idle, 10)},
			":exp":  &types.AttributeValueMemberN{Value: strconv.FormatInt(idle+7200, 10)}}}); err != nil {
		t.Fatal(err)
	}
	if r := s.soapCall(t, a.org.ID, sid, getUserInfo); r.status != 200 {
		t.Fatalf("getUserInfo on an idle session: %d %s", r.status, r.body)
	}
	sess, err := s.st.Session(context.Background(), secret.Digest(secret.PurposeSession, sid), time.Now())
	if err != nil || sess.LastSeenAt.Unix() <= idle {
		t.Errorf("the session's activity was not recorded: %v, last seen %v", err, sess.LastSeenAt)
	}
	if !s.soapLogout(t, sid) {
		t.Fatal("logout")
	}
	if r := s.soapCall(t, a.org.ID, sid, getUserInfo); r.status != 500 || !strings.Contains(r.body, "INVALID_SESSION_ID") {
		t.Errorf("getUserInfo after logout: %d %s", r.status, r.body)
	}
}
