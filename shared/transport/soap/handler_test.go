package soap_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"loginguard/internal/apptest"
	"loginguard/internal/testenv"
	"loginguard/shared/app"
	"loginguard/shared/config"
	"loginguard/shared/domain"
	"loginguard/shared/ids"
	"loginguard/shared/metrics"
	"loginguard/shared/policy"
	"loginguard/shared/secret"
	"loginguard/shared/store/dynamo"
	"loginguard/shared/transport/soap"
)

var fast = secret.Params{MemoryKiB: 64, Time: 1, Threads: 1}

type env struct {
	t      testing.TB
	h      *soap.Handler
	st     *dynamo.Store
	db     *dynamodb.Client // under st, for a benchmark's meter
	tables dynamo.Tables
	params secret.Params
	user   domain.User
	token  string
	pw     string
}

func newEnv(t testing.TB, params secret.Params, lockout policy.Lockout) *env {
	t.Helper()
	db := testenv.DynamoDB(testenv.Dynalite(t))
	tables := testenv.CreateTables(t, db)
	st := dynamo.New(db, tables)
	pw := "Passw0rd-demo"
	a := testenv.Seed(t, st, testenv.Password(pw), testenv.Params(params),
		testenv.Org(func(o *domain.Org) { o.Name, o.Lockout, o.SessionTimeout = "Acme & Co <Test>", lockout, time.Hour }),
		testenv.Profile(func(p *domain.Profile) { p.Name = "Admin" }),
		testenv.User(func(u *domain.User) {
			u.Username, u.Email, u.FirstName, u.LastName = "demo@loginguard.example", "demo@loginguard.example", "Demo", "User"
			u.TimeZone = "America/New_York"
		}))
	u, tok := a.User, a.Token
	e := &env{t: t, st: st, db: db, tables: tables, params: params, user: u, token: tok, pw: pw}
	e.h = e.handler(db)
	return e
}

// handler is a SOAP handler on db, its login use case built as the
// function builds it (shared/app).
func (e *env) handler(db dynamo.API) *soap.Handler {
	a := apptest.New(e.t, db, e.tables, config.Config{LogLevel: slog.LevelWarn}, app.WithParams(e.params))
	return &soap.Handler{Login: a.Login, Log: a.Log}
}

func fixture(t testing.TB, name string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	var ev events.APIGatewayV2HTTPRequest
	testenv.Event(t, "soap/"+name, &ev)
	return ev
}

func loginBody(user, password string) string {
	var u, p strings.Builder
	xml.EscapeText(&u, []byte(user))
	xml.EscapeText(&p, []byte(password))
	return `<se:Envelope xmlns:se="http://schemas.xmlsoap.org/soap/envelope/"><se:Header/><se:Body><login xmlns="urn:partner.soap.sforce.com"><username>` +
		u.String() + `</username><password>` + p.String() + `</password></login></se:Body></se:Envelope>`
}

func TestLoginResponseFollowsThePartnerWSDL(t *testing.T) {
	e := newEnv(t, fast, policy.DefaultLockout)
	ev := fixture(t, "login.json")
	ev.Body = loginBody(e.user.Username, e.pw+e.token)
	resp, err := e.h.Handle(context.Background(), ev)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("status %d, %v: %s", resp.StatusCode, err, resp.Body)
	}
	var env struct {
		Body struct {
			LoginResponse struct {
				Result struct {
					Inner []struct{ XMLName xml.Name } `xml:",any"`
				} `xml:"result"`
			} `xml:"loginResponse"`
		} `xml:"Body"`
	}
	if err := xml.Unmarshal([]byte(resp.Body), &env); err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, el := range env.Body.LoginResponse.Result.Inner {
		order = append(order, el.XMLName.Local)
	}
	want := "metadataServerUrl passwordExpired sandbox serverUrl sessionId userId userInfo"
	if got := strings.Join(order, " "); got != want {
		t.Fatalf("result elements %q; want %q", got, want)
	}
	org18, _ := ids.To18(e.user.OrgID)
	for _, s := range []string{
		"<serverUrl>http://127.0.0.1:3000/services/Soap/u/50.0/" + e.user.OrgID + "</serverUrl>",
		"<metadataServerUrl>http://127.0.0.1:3000/services/Soap/m/50.0/" + e.user.OrgID + "</metadataServerUrl>",
		"<organizationId>" + org18 + "</organizationId>",
		"<organizationName>Acme &amp; Co &lt;Test></organizationName>",
		"<passwordExpired>false</passwordExpired>",
		"<userTimeZone>America/New_York</userTimeZone>",
		"<sessionSecondsValid>3600</sessionSecondsValid>",
	} {
		if !strings.Contains(resp.Body, s) {
			t.Errorf("response lacks %s", s)
		}
	}
	if ct := resp.Headers["Content-Type"]; !strings.HasPrefix(ct, "text/xml") {
		t.Errorf("Content-Type %q", ct)
	}
}

func TestBadInputGetsAClientFaultNeverACrash(t *testing.T) {
	e := newEnv(t, fast, policy.DefaultLockout)
	big := loginBody("a@b.c", strings.Repeat("x", 70<<10))
	tests := []struct {
		name    string
		fixture string
		mod     func(*events.APIGatewayV2HTTPRequest)
		want    string // in the fault
	}{
		{"malformed XML", "login-malformed.json", nil, "<faultcode>"},
		{"a DOCTYPE is refused", "login-doctype.json", nil, "DOCTYPE"},
		{"a body over 64 KiB", "login.json", func(ev *events.APIGatewayV2HTTPRequest) { ev.Body = big }, "<faultcode>"},
		{"wrong envelope namespace", "login.json", func(ev *events.APIGatewayV2HTTPRequest) {
			ev.Body = strings.Replace(ev.Body, "http://schemas.xmlsoap.org/soap/envelope/", "urn:nope", 1)
		}, "<faultcode>"},
		{"wrong operation namespace", "login.json", func(ev *events.APIGatewayV2HTTPRequest) {
			ev.Body = strings.Replace(ev.Body, "urn:partner.soap.sforce.com", "urn:enterprise.soap.sforce.com", 1)
		}, "<faultcode>"},
		{"unknown operation", "login.json", func(ev *events.APIGatewayV2HTTPRequest) {
			ev.Body = strings.NewReplacer("<login ", "<query ", "</login>", "</query>").Replace(ev.Body)
		}, "No operation available"},
		{"missing password", "login.json", func(ev *events.APIGatewayV2HTTPRequest) {
			ev.Body = strings.Replace(ev.Body, "<password>Demo-Passw0rd!</password>", "", 1)
		}, "<faultcode>"},
		{"non-UTF-8 body", "login.json", func(ev *events.APIGatewayV2HTTPRequest) {
			ev.Body = strings.Replace(ev.Body, "demo@", "d\xffmo@", 1)
		}, "<faultcode>"},
		{"non-UTF-8 body as base64", "login-base64.json", func(ev *events.APIGatewayV2HTTPRequest) {
			ev.Body = "PHg+/w==" // "<x>\xff"
		}, "<faultcode>"},
		{"wrong content type", "login.json", func(ev *events.APIGatewayV2HTTPRequest) { ev.Headers["content-type"] = "application/json" }, "Content-Type"},
		{"unsupported API version", "login.json", func(ev *events.APIGatewayV2HTTPRequest) { ev.PathParameters["version"] = "abc" }, "<faultcode>"},
		{"empty body", "login.json", func(ev *events.APIGatewayV2HTTPRequest) { ev.Body = "" }, "<faultcode>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := fixture(t, tt.fixture)
			if tt.mod != nil {
				tt.mod(&ev)
			}
			resp, err := e.h.Handle(context.Background(), ev)
			if err != nil {
				t.Fatalf("handler error %v: the gateway would answer 502", err)
			}
			if resp.StatusCode != 500 || !strings.Contains(resp.Body, "<soapenv:Fault>") && !strings.Contains(resp.Body, "Fault>") {
				t.Fatalf("status %d body %s; want a SOAP fault with HTTP 500", resp.StatusCode, resp.Body)
			}
			if !strings.Contains(resp.Body, tt.want) {
				t.Fatalf("fault %s does not mention %q", resp.Body, tt.want)
			}
			if strings.Contains(resp.Body, "goroutine") || strings.Contains(resp.Body, ".go:") {
				t.Fatal("fault leaks internals")
			}
		})
	}
}

func TestLogoutWithAnUnknownSessionIsInvalidSessionID(t *testing.T) {
	e := newEnv(t, fast, policy.DefaultLockout)
	resp, _ := e.h.Handle(context.Background(), fixture(t, "logout-invalid-session.json"))
	if resp.StatusCode != 500 || !strings.Contains(resp.Body, "INVALID_SESSION_ID") {
		t.Fatalf("status %d body %s", resp.StatusCode, resp.Body)
	}
}

func TestWrongPasswordFault(t *testing.T) {
	e := newEnv(t, fast, policy.DefaultLockout)
	ev := fixture(t, "login.json")
	ev.Body = loginBody(e.user.Username, "nope"+e.token)
	resp, _ := e.h.Handle(context.Background(), ev)
	for _, s := range []string{"<faultcode>INVALID_LOGIN</faultcode>",
		"<faultstring>INVALID_LOGIN: Invalid username, password, security token; or user locked out.</faultstring>",
		`xsi:type="sf:LoginFault"`, "<sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode>"} {
		if !strings.Contains(resp.Body, s) {
			t.Errorf("fault lacks %s:\n%s", s, resp.Body)
		}
	}
}

func TestLogsAndMetricsNeverHoldASecret(t *testing.T) {
	e := newEnv(t, fast, policy.DefaultLockout)
	var logs, metricsOut strings.Builder
	e.h.Log = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e.h.Metrics = metrics.New(&metricsOut)
	login := fixture(t, "login.json")
	login.Body = loginBody(e.user.Username, e.pw+e.token)
	resp, _ := e.h.Handle(context.Background(), login)
	_, after, _ := strings.Cut(resp.Body, "<sessionId>")
	sessionID, _, _ := strings.Cut(after, "</sessionId>")
	if sessionID == "" {
		t.Fatalf("no session: %s", resp.Body)
	}
	wrong := fixture(t, "login.json")
	wrong.Body = loginBody(e.user.Username, "Wrong-"+e.pw+e.token)
	e.h.Handle(context.Background(), wrong)
	logout := fixture(t, "logout-invalid-session.json")
	logout.Body = strings.Replace(logout.Body, "00D000000000001!not-a-session", sessionID, 1)
	if resp, _ := e.h.Handle(context.Background(), logout); resp.StatusCode != 200 {
		t.Fatalf("logout %d %s", resp.StatusCode, resp.Body)
	}
	all := logs.String() + metricsOut.String()
	_, opaque, _ := strings.Cut(sessionID, "!")
	for name, secretText := range map[string]string{"password": e.pw, "token": e.token, "session id": opaque} {
		if strings.Contains(all, secretText) {
			t.Errorf("a %s appears in the logs or metrics", name)
		}
	}
	for _, want := range []string{`"reason":"SUCCESS"`, `"reason":"INVALID_CREDENTIALS"`, `"request_id":"sample-request"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs lack %s:\n%s", want, logs.String())
		}
	}
	// One embedded-metric line per login outcome.
	lines := strings.Split(strings.TrimSpace(metricsOut.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d metric lines; want one per login:\n%s", len(lines), metricsOut.String())
	}
	var m struct {
		AWS struct {
			Timestamp         int64
			CloudWatchMetrics []struct {
				Namespace  string
				Dimensions [][]string
			}
		} `json:"_aws"`
		Outcome   string
		LoginType string
		Logins    int
	}
	if err := json.Unmarshal([]byte(lines[1]), &m); err != nil || m.Outcome != "INVALID_CREDENTIALS" || m.LoginType != "SOAP" ||
		m.Logins != 1 || m.AWS.CloudWatchMetrics[0].Namespace != "loginguard" || m.AWS.Timestamp == 0 {
		t.Fatalf("metric line %s: %+v %v", lines[1], m, err)
	}
}
