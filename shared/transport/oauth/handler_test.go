package oauth_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"loginguard/internal/apptest"
	"loginguard/internal/testenv"
	"loginguard/shared/config"
	"loginguard/shared/transport/oauth"
)

func fixture(t testing.TB, name string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	var ev events.APIGatewayV2HTTPRequest
	testenv.Event(t, "oauth/"+name, &ev)
	return ev
}

func TestSampleEvents(t *testing.T) {
	db := testenv.DynamoDB(testenv.Dynalite(t))
	a := apptest.New(t, db, testenv.CreateTables(t, db), config.Config{})
	h := &oauth.Handler{Store: a.Store, Log: slog.New(slog.NewJSONHandler(io.Discard, nil)), Login: a.Login}
	resp, _ := h.Handle(context.Background(), fixture(t, "token.json"))
	if resp.StatusCode != 400 || !strings.Contains(resp.Body, `"error":"invalid_client_id"`) {
		t.Fatalf("token with an unknown client: %d %s", resp.StatusCode, resp.Body)
	}
	if resp, _ := h.Handle(context.Background(), fixture(t, "userinfo-bad-token.json")); resp.StatusCode != 403 || resp.Body != "Bad_OAuth_Token" {
		t.Fatalf("userinfo with a bad token: %d %s", resp.StatusCode, resp.Body)
	}
	ev := fixture(t, "userinfo-bad-token.json")
	delete(ev.Headers, "authorization")
	if resp, _ := h.Handle(context.Background(), ev); resp.StatusCode != 401 {
		t.Fatalf("userinfo without a token: %d", resp.StatusCode)
	}
}
