package main

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

func TestRouteMatchingFollowsAPIGateway(t *testing.T) {
	g := &gateway{}
	mk := func(method, path string) *route {
		return &route{method: method, path: path, segments: splitPath(path), fn: &pool{}}
	}
	exact, param, greedy, other := mk("GET", "/things/special"), mk("ANY", "/things/{id}"), mk("ANY", "/files/{proxy+}"), mk("POST", "/things/{id}")
	g.routes = []*route{greedy, param, exact, other}
	sortRoutes(g.routes)
	tests := []struct {
		name, method, path string
		want               *route
		params             string
	}{
		{"an exact path wins over a parameter", "GET", "/things/special", exact, ""},
		{"a parameter matches one segment", "GET", "/things/42", param, "id=42"},
		{"a method route wins over ANY", "POST", "/things/42", other, "id=42"},
		{"a greedy parameter takes the rest", "GET", "/files/a/b/c.txt", greedy, "proxy=a/b/c.txt"},
		{"a parameter does not span segments", "GET", "/things/1/2", nil, ""},
		{"an unknown path is not found", "GET", "/nope", nil, ""},
		{"ANY takes methods the exact route lacks", "DELETE", "/things/special", param, "id=special"},
		{"a leading double slash routes as one", "GET", "//things/special", exact, ""},
		{"so does a longer run", "GET", "///things/42", param, "id=42"},
		{"an empty segment inside matches no parameter", "GET", "/things//42", nil, ""},
		{"nor a literal", "GET", "/things//special", nil, ""},
		{"a greedy parameter keeps an empty segment inside, for the authorizer to refuse", "GET", "/files//a", greedy, "proxy=/a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt, params, _ := g.find(tt.method, tt.path)
			if rt != tt.want {
				t.Fatalf("route %+v; want %+v", rt, tt.want)
			}
			if rt != nil && tt.params != "" {
				k, v, _ := strings.Cut(tt.params, "=")
				if params[k] != v {
					t.Fatalf("params %v; want %s", params, tt.params)
				}
			}
		})
	}
}

func TestEventFields(t *testing.T) {
	rt := &route{method: "POST", path: "/things/{id}", segments: splitPath("/things/{id}"), fn: &pool{}}
	r := httptest.NewRequest("POST", "http://127.0.0.1:3000/things/7?a=1&a=2&b=x", strings.NewReader("ignored"))
	r.RemoteAddr = "127.0.0.9:5555"
	r.Header.Set("Content-Type", "text/xml")
	r.Header.Add("X-Multi", "1")
	r.Header.Add("X-Multi", "2")
	r.Header.Set("Cookie", "s=1; t=2")
	r.Header.Set("X-Forwarded-For", "203.0.113.5, 10.0.0.1")
	g := &gateway{}
	ev := g.event(r, rt, map[string]string{"id": "7"}, []byte("<x/>"), "rid")
	if ev.Version != "2.0" || ev.RouteKey != "POST /things/{id}" || ev.RawPath != "/things/7" || ev.RawQueryString != "a=1&a=2&b=x" {
		t.Fatalf("event %+v", ev)
	}
	if ev.QueryStringParameters["a"] != "1,2" || ev.Headers["x-multi"] != "1,2" || ev.Headers["host"] != "127.0.0.1:3000" {
		t.Fatalf("query/headers %v %v", ev.QueryStringParameters, ev.Headers)
	}
	if strings.Join(ev.Cookies, "|") != "s=1|t=2" || ev.Headers["cookie"] != "" {
		t.Fatalf("cookies %v", ev.Cookies)
	}
	if ev.RequestContext.HTTP.SourceIP != "127.0.0.9" {
		t.Fatalf("source IP %q: without the flag it is the TCP peer", ev.RequestContext.HTTP.SourceIP)
	}
	if ev.Body != "<x/>" || ev.IsBase64Encoded {
		t.Fatal("a text body goes as text")
	}
	g.trustForwardedFor = true
	ev = g.event(r, rt, nil, []byte{0xff, 0x00}, "rid")
	if ev.RequestContext.HTTP.SourceIP != "203.0.113.5" {
		t.Fatalf("with the flag the first X-Forwarded-For address is the client: %q", ev.RequestContext.HTTP.SourceIP)
	}
	if !ev.IsBase64Encoded || ev.Body != "/wA=" {
		t.Fatal("a binary body goes as base64")
	}
}

func TestResponseMapping(t *testing.T) {
	w := httptest.NewRecorder()
	writeResponse(w, []byte(`{"statusCode":302,"headers":{"Location":"/x"},"multiValueHeaders":{"X-A":["1","2"]},"cookies":["a=1","b=2"],"body":"aGk=","isBase64Encoded":true}`))
	if w.Code != 302 || w.Header().Get("Location") != "/x" || len(w.Header().Values("Set-Cookie")) != 2 || len(w.Header().Values("X-A")) != 2 || w.Body.String() != "hi" {
		t.Fatalf("got %d %v %q", w.Code, w.Header(), w.Body.String())
	}
	w = httptest.NewRecorder()
	writeResponse(w, []byte(`{"hello":"world"}`))
	if w.Code != 200 || w.Header().Get("Content-Type") != "application/json" || w.Body.String() != `{"hello":"world"}` {
		t.Fatal("an answer without statusCode is 200 JSON, as API Gateway infers")
	}
	if !isErrorPayload([]byte(`{"errorMessage":"boom","errorType":"string"}`)) || isErrorPayload([]byte(`{"statusCode":200}`)) {
		t.Fatal("isErrorPayload")
	}
}

// buildTestFunctions builds the emulator and the test functions into dir.
func buildTestFunctions(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for out, pkg := range map[string]string{
		"aws-lambda-rie":          "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie",
		"EchoFunction/bootstrap":  "./testdata/echo",
		"PanicFunction/bootstrap": "./testdata/panic",
		"AuthzFunction/bootstrap": "./testdata/authz",
	} {
		cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", filepath.Join(dir, out), pkg)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("building %s: %v\n%s", pkg, err, b)
		}
	}
	return dir
}

func TestGatewayRunsRealFunctionsUnderTheEmulator(t *testing.T) {
	dir := buildTestFunctions(t)
	env := filepath.Join(dir, "env.json")
	os.WriteFile(env, []byte(`{"EchoFunction":{"OVERRIDDEN":"from-env-vars","LIMIT_OVERRIDDEN":"5"}}`), 0o600)
	t.Setenv("SENTINEL_FROM_TEST", "must-not-leak")
	t.Setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:1")
	c := common{template: "testdata/template.yaml", buildDir: dir, envVars: env, params: paramFlag{}, poolSize: 3}
	tpl, pools, err := c.pools()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, p := range pools {
			p.close()
		}
	})
	g := &gateway{log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	g.routes = routesOf(tpl, pools)
	srv := httptest.NewServer(g)
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/things/42?x=1")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 201 || len(resp.Header.Values("Set-Cookie")) != 2 || resp.Header.Get("Apigw-Requestid") == "" {
		t.Fatalf("status %d headers %v", resp.StatusCode, resp.Header)
	}
	var got struct {
		Event events.APIGatewayV2HTTPRequest
		Env   map[string]string
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	if got.Event.PathParameters["id"] != "42" || got.Event.RouteKey != "ANY /things/{id}" {
		t.Fatalf("event %+v", got.Event)
	}
	// A Number parameter reaches the environment as text, and --env-vars
	// wins over a value the template gives, from a parameter or not.
	want := map[string]string{"TABLE": "things-test", "GLOBAL_VAR": "test", "OVERRIDDEN": "from-env-vars",
		"LIMIT": "20", "LIMIT_OVERRIDDEN": "5", "UNSET": "",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256", "AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:1"}
	for k, v := range want {
		if got, set := got.Env[k]; got != v || !set {
			t.Errorf("function env %s = %q (set %v); want %q", k, got, set, v)
		}
	}
	if _, leaked := got.Env["SENTINEL_FROM_TEST"]; leaked {
		t.Error("a variable of the gateway's own environment reached the function")
	}

	// A panicking function is a 500 from the gateway, never a 502.
	resp, _ = http.Post(srv.URL+"/boom", "application/json", strings.NewReader("{}"))
	if resp.StatusCode != 500 {
		t.Fatalf("panic: status %d; want 500", resp.StatusCode)
	}
	resp.Body.Close()
	// Unknown route, oversized body.
	if resp, _ := http.Get(srv.URL + "/nope"); resp.StatusCode != 404 {
		t.Fatalf("unknown route: %d", resp.StatusCode)
	}
	big := strings.NewReader(strings.Repeat("x", MaxRequestBody+1))
	if resp, _ := http.Post(srv.URL+"/things/1", "text/plain", big); resp.StatusCode != 413 {
		t.Fatalf("oversized body: %d", resp.StatusCode)
	}

	// A route behind the Lambda authorizer.
	private := func(auth string) (int, string) {
		req, _ := http.NewRequest("GET", srv.URL+"/private", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, string(b)
	}
	if code, _ := private(""); code != 401 {
		t.Fatalf("no identity source: %d; want 401", code)
	}
	if code, body := private("Bearer bad"); code != 403 || !strings.Contains(body, "Forbidden") {
		t.Fatalf("denied: %d %s; want 403", code, body)
	}
	code, text := private("Bearer good")
	var ok struct {
		Event events.APIGatewayV2HTTPRequest
	}
	json.Unmarshal([]byte(text), &ok)
	if code != 201 || ok.Event.RequestContext.Authorizer == nil || ok.Event.RequestContext.Authorizer.Lambda["who"] != "alice" ||
		ok.Event.RequestContext.Authorizer.Lambda["route"] != "GET /private" {
		t.Fatalf("allowed: %d %s; want the backend to see the authorizer's context", code, text)
	}

	// The authorizer cache: TestAuth (no ReauthorizeEvery) reuses an answer
	// for the same Authorization on another route, allow and deny alike;
	// FreshAuth (ReauthorizeEvery: 0) asks every time.
	routeSeen := func(path, auth string) (int, interface{}) {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Header.Set("Authorization", auth)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var got struct {
			Event events.APIGatewayV2HTTPRequest
		}
		json.NewDecoder(resp.Body).Decode(&got)
		if a := got.Event.RequestContext.Authorizer; a != nil {
			return resp.StatusCode, a.Lambda["route"]
		}
		return resp.StatusCode, nil
	}
	cacheTests := []struct {
		name, path, auth string
		code             int
		route            interface{} // the route the authorizer was asked for
	}{
		{"a cached authorizer allows where it is asked", "/private", "Bearer route-bound 1", 201, "GET /private"},
		{"its allow is reused on another route, unasked", "/private/other", "Bearer route-bound 1", 201, "GET /private"},
		{"a cached authorizer denies where it is asked", "/private/other", "Bearer route-bound 2", 403, nil},
		{"its deny is reused on another route, unasked", "/private", "Bearer route-bound 2", 403, nil},
		{"an uncached authorizer allows where it is asked", "/fresh", "Bearer route-bound 3", 201, "GET /fresh"},
		{"it is asked again on another route", "/fresh/other", "Bearer route-bound 3", 403, nil},
		{"and again on the first", "/fresh", "Bearer route-bound 3", 201, "GET /fresh"},
	}
	for _, tt := range cacheTests {
		if code, route := routeSeen(tt.path, tt.auth); code != tt.code || route != tt.route {
			t.Errorf("%s: %d, authorizer asked for %v; want %d, %v", tt.name, code, route, tt.code, tt.route)
		}
	}

	// Three parallel requests through a pool of three take about one sleep.
	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Get(srv.URL + "/things/p?sleep=700ms")
			if err == nil {
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("3 parallel 700ms requests took %s: the pool did not run them in parallel", d)
	}
	n := len(pools["EchoFunction"].running)
	if n < 2 || n > 3 {
		t.Errorf("echo pool runs %d emulators; want 2 or 3 (at most the pool size)", n)
	}
}

func TestInvokeRunsOneEvent(t *testing.T) {
	dir := buildTestFunctions(t)
	ev := filepath.Join(dir, "event.json")
	os.WriteFile(ev, []byte(`{"version":"2.0","rawPath":"/things/1","requestContext":{"http":{"method":"GET"}}}`), 0o600)
	stdout := os.Stdout
	r, w, _ := os.Pipe()
	os.Stdout = w
	err := invoke(t.Context(), []string{"--template", "testdata/template.yaml", "--build-dir", dir, "--function", "EchoFunction", "--event", ev})
	w.Close()
	os.Stdout = stdout
	out, _ := io.ReadAll(r)
	if err != nil || !strings.Contains(string(out), `"statusCode":201`) || !strings.Contains(string(out), `\"rawPath\":\"/things/1\"`) {
		t.Fatalf("invoke: %v\n%s", err, out)
	}
	if err := invoke(t.Context(), []string{"--template", "testdata/template.yaml", "--build-dir", dir, "--function", "Nope", "--event", ev}); err == nil || !strings.Contains(err.Error(), "functions: ") {
		t.Fatalf("unknown function: %v", err)
	}
	if err := invoke(t.Context(), []string{"--template", "testdata/template.yaml", "--build-dir", dir, "--function", "PanicFunction", "--event", ev}); err == nil {
		t.Fatal("a panicking function must make invoke fail")
	}
}

func TestDecisionCacheExpiresAfterItsTTL(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	c := newDecisionCache(300*time.Second, func() time.Time { return now })
	key := cacheKey([]string{"Bearer a"})
	c.put(key, decision{allowed: true})
	if _, ok := c.get(cacheKey([]string{"Bearer b"})); ok {
		t.Fatal("another identity source value must not hit")
	}
	if _, ok := c.get(cacheKey([]string{"Bearer a", ""})); ok {
		t.Fatal("the key is every identity source value, not a prefix of them")
	}
	now = now.Add(299 * time.Second)
	if d, ok := c.get(key); !ok || !d.allowed {
		t.Fatal("within the TTL the answer is reused")
	}
	now = now.Add(time.Second)
	if _, ok := c.get(key); ok {
		t.Fatal("at the TTL the authorizer is asked again")
	}
}
