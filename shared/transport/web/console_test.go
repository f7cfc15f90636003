package web

import (
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// The step-up page goes back only to a console page: never to another
// host, scheme, page or query (an open redirect).
func TestTheStepUpReturnsOnlyToAConsolePage(t *testing.T) {
	for to, want := range map[string]string{
		"/setup/session-settings":                "/setup/session-settings?m=stepped-up",
		"/setup/network-access":                  "/setup/network-access?m=stepped-up",
		"":                                       "/?m=stepped-up",
		"https://evil.example/setup/users":       "/?m=stepped-up",
		"//evil.example/setup/users":             "/?m=stepped-up",
		"/setup/session-settings?next=//evil":    "/?m=stepped-up",
		"/setup/session-settings#x":              "/?m=stepped-up",
		"/login":                                 "/?m=stepped-up",
		"/setup//evil.example":                   "/?m=stepped-up",
		"/setup/\\evil.example":                  "/?m=stepped-up",
		"/setup/no-such-page":                    "/?m=stepped-up",
		"javascript:alert(1)//setup/users":       "/?m=stepped-up",
		"/setup/users/ann@acme.example/../../..": "/?m=stepped-up",
	} {
		r := &request{ev: events.APIGatewayV2HTTPRequest{QueryStringParameters: map[string]string{"return": to, "resource": "manage-ip-addresses"}}}
		if got := steppedUp(r); got != want {
			t.Errorf("return %q: back to %q; want %q", to, got, want)
		}
		action := stepUpAction(r)
		if _, ok := consoleReturn(to); ok != (want != "/?m=stepped-up") || (!ok && action != "/login/step-up?resource=manage-ip-addresses") {
			t.Errorf("return %q: the form posts to %q", to, action)
		}
	}
}
