package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// MaxRequestBody is API Gateway's payload limit.
const MaxRequestBody = 10 << 20

type route struct {
	method   string // upper case, or ANY
	path     string // as in the template
	segments []string
	fn       *pool
	auth     *authorizer // nil: open route
}

// authorizer is a Lambda REQUEST authorizer (payload 2.0). One is shared by
// every route it guards, as its cache is in API Gateway.
type authorizer struct {
	name    string
	fn      *pool
	headers []string // identity source: each must be present, else 401
	simple  bool
	cache   *decisionCache // nil: ReauthorizeEvery 0, every request is asked
}

// decision is an authorizer's answer: allowed with a context, or not.
type decision struct {
	allowed bool
	context map[string]interface{}
}

// decisionCache is API Gateway's authorizer cache, emulated so that a
// template which turns it on shows locally what it does in AWS: an answer,
// allow or deny, is reused until the TTL runs out for every request whose
// identity source values are the same, whatever its route, method, source
// IP or time. Failures and missing identity sources are not cached.
type decisionCache struct {
	ttl     time.Duration
	now     func() time.Time
	mu      sync.Mutex
	entries map[string]cachedDecision
}

type cachedDecision struct {
	decision
	expires time.Time
}

func newDecisionCache(ttl time.Duration, now func() time.Time) *decisionCache {
	return &decisionCache{ttl: ttl, now: now, entries: map[string]cachedDecision{}}
}

// cacheKey joins the identity source values; NUL cannot occur in a header.
func cacheKey(sources []string) string { return strings.Join(sources, "\x00") }

func (c *decisionCache) get(key string) (decision, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || !c.now().Before(e.expires) {
		delete(c.entries, key)
		return decision{}, false
	}
	return e.decision, true
}

func (c *decisionCache) put(key string, d decision) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if len(c.entries) >= 10000 { // a local run; only keep it from growing without end
		for k, e := range c.entries {
			if !now.Before(e.expires) {
				delete(c.entries, k)
			}
		}
	}
	c.entries[key] = cachedDecision{decision: d, expires: now.Add(c.ttl)}
}

// match returns the path parameters when path fits the route.
func (r *route) match(segs []string) (map[string]string, bool) {
	params := map[string]string{}
	for i, s := range r.segments {
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "+}") {
			if i >= len(segs) {
				return nil, false
			}
			params[s[1:len(s)-2]] = strings.Join(segs[i:], "/")
			return params, true
		}
		if i >= len(segs) {
			return nil, false
		}
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
			if segs[i] == "" {
				return nil, false
			}
			v, err := url.PathUnescape(segs[i])
			if err != nil {
				return nil, false
			}
			params[s[1:len(s)-1]] = v
			continue
		}
		if s != segs[i] {
			return nil, false
		}
	}
	return params, len(segs) == len(r.segments)
}

// rank orders routes as API Gateway picks them: more literal segments first,
// then parameters before greedy ones, then a method before ANY.
func (r *route) rank() (int, int, int) {
	lit, greedy := 0, 0
	for _, s := range r.segments {
		switch {
		case strings.HasSuffix(s, "+}"):
			greedy++
		case !strings.HasPrefix(s, "{"):
			lit++
		}
	}
	any := 0
	if r.method == "ANY" {
		any = 1
	}
	return lit, -greedy, -any
}

// splitPath is a path's segments as routes match them. A run of leading
// slashes is one, as API Gateway routes it ("//services/data" is GET
// /services/data: jsforce-based clients whose instance URL ends in "/"
// send it); the event still carries the path as sent, for the authorizer
// and the function to judge. An empty segment further in ("/a//b")
// matches no literal and no parameter.
func splitPath(p string) []string { return strings.Split(strings.Trim(p, "/"), "/") }

func sortRoutes(rs []*route) {
	sort.SliceStable(rs, func(i, j int) bool {
		a1, a2, a3 := rs[i].rank()
		b1, b2, b3 := rs[j].rank()
		if a1 != b1 {
			return a1 > b1
		}
		if a2 != b2 {
			return a2 > b2
		}
		return a3 > b3
	})
}

type gateway struct {
	routes            []*route
	trustForwardedFor bool
	log               *slog.Logger
}

func jsonError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(`{"message":"` + msg + `"}`))
}

func requestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	id := requestID()
	w.Header().Set("Apigw-Requestid", id)
	status, fnName := g.serve(w, r, id)
	g.log.Info("request", "method", r.Method, "path", r.URL.Path, "status", status, "function", fnName,
		"duration_ms", float64(time.Since(start).Microseconds())/1000, "request_id", id)
}

func (g *gateway) find(method, path string) (*route, map[string]string, bool) {
	segs := splitPath(path)
	pathFound := false
	for _, rt := range g.routes {
		params, ok := rt.match(segs)
		if !ok {
			continue
		}
		pathFound = true
		if rt.method == "ANY" || rt.method == method {
			return rt, params, true
		}
	}
	return nil, nil, pathFound
}

func (g *gateway) serve(w http.ResponseWriter, r *http.Request, id string) (int, string) {
	rt, params, _ := g.find(r.Method, r.URL.Path)
	if rt == nil {
		jsonError(w, http.StatusNotFound, "Not Found")
		return http.StatusNotFound, ""
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxRequestBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			jsonError(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
			return http.StatusRequestEntityTooLarge, rt.fn.fn.LogicalID
		}
		jsonError(w, http.StatusBadRequest, "Bad Request")
		return http.StatusBadRequest, rt.fn.fn.LogicalID
	}
	ev := g.event(r, rt, params, body, id)
	if rt.auth != nil {
		lambdaCtx, status := g.authorize(r, rt, ev)
		if status != 0 {
			msg := map[int]string{401: "Unauthorized", 403: "Forbidden", 500: "Internal Server Error"}[status]
			jsonError(w, status, msg)
			return status, rt.auth.fn.fn.LogicalID
		}
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: lambdaCtx}
	}
	payload, _ := json.Marshal(ev)
	out, err := rt.fn.invoke(r.Context(), payload)
	if err != nil {
		g.log.Error("function failed", "function", rt.fn.fn.LogicalID, "error", err.Error(), "request_id", id)
		jsonError(w, http.StatusInternalServerError, "Internal Server Error")
		return http.StatusInternalServerError, rt.fn.fn.LogicalID
	}
	return writeResponse(w, out), rt.fn.fn.LogicalID
}

func (g *gateway) sourceIP(r *http.Request) string {
	if g.trustForwardedFor {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			first := strings.TrimSpace(strings.Split(xff, ",")[0])
			if ip := net.ParseIP(first); ip != nil {
				return ip.String()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// textual reports whether API Gateway would pass a body of this type as text.
func textual(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return contentType == ""
	}
	return strings.HasPrefix(mt, "text/") || mt == "application/json" || mt == "application/xml" ||
		mt == "application/x-www-form-urlencoded" || strings.HasSuffix(mt, "+xml") || strings.HasSuffix(mt, "+json") ||
		mt == "application/javascript"
}

// event builds the API Gateway HTTP API payload 2.0 event.
func (g *gateway) event(r *http.Request, rt *route, params map[string]string, body []byte, id string) events.APIGatewayV2HTTPRequest {
	now := time.Now()
	headers := map[string]string{}
	for k, vs := range r.Header {
		if strings.EqualFold(k, "Cookie") {
			continue
		}
		headers[strings.ToLower(k)] = strings.Join(vs, ",")
	}
	headers["host"] = r.Host
	sourceIP := g.sourceIP(r)
	// API Gateway adds these; the function builds URLs back to itself from them.
	headers["x-forwarded-proto"] = "http"
	headers["x-forwarded-for"] = sourceIP
	if _, port, err := net.SplitHostPort(r.Host); err == nil {
		headers["x-forwarded-port"] = port
	}
	var cookies []string
	for _, c := range r.Header.Values("Cookie") {
		for _, part := range strings.Split(c, ";") {
			if part = strings.TrimSpace(part); part != "" {
				cookies = append(cookies, part)
			}
		}
	}
	var query map[string]string
	if r.URL.RawQuery != "" {
		query = map[string]string{}
		for k, vs := range r.URL.Query() {
			query[k] = strings.Join(vs, ",")
		}
	}
	routeKey := rt.method + " " + rt.path
	if rt.path == "$default" {
		routeKey = "$default"
	}
	domain := r.Host
	if h, _, err := net.SplitHostPort(r.Host); err == nil {
		domain = h
	}
	ev := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: routeKey, RawPath: r.URL.EscapedPath(), RawQueryString: r.URL.RawQuery,
		Cookies: cookies, Headers: headers, QueryStringParameters: query, PathParameters: params,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			AccountID: "000000000000", APIID: "local", DomainName: domain, DomainPrefix: strings.Split(domain, ".")[0],
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method: r.Method, Path: r.URL.Path, Protocol: r.Proto, SourceIP: sourceIP, UserAgent: r.UserAgent(),
			},
			RequestID: id, RouteKey: routeKey, Stage: "$default",
			Time: now.UTC().Format("02/Jan/2006:15:04:05 -0700"), TimeEpoch: now.UnixMilli(),
		},
	}
	if len(body) > 0 {
		if utf8.Valid(body) && textual(r.Header.Get("Content-Type")) {
			ev.Body = string(body)
		} else {
			ev.Body = base64.StdEncoding.EncodeToString(body)
			ev.IsBase64Encoded = true
		}
	}
	return ev
}

func isErrorPayload(b []byte) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(b, &m) != nil {
		return false
	}
	_, hasType := m["errorType"]
	_, hasMsg := m["errorMessage"]
	_, hasStatus := m["statusCode"]
	return hasType && hasMsg && !hasStatus
}

// writeResponse turns a payload 2.0 answer into the HTTP response.
func writeResponse(w http.ResponseWriter, out []byte) int {
	var probe map[string]json.RawMessage
	if json.Unmarshal(out, &probe) != nil || probe["statusCode"] == nil {
		// No statusCode: API Gateway answers 200 with the JSON as the body.
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(out)
		return http.StatusOK
	}
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(out, &resp); err != nil || resp.StatusCode < 100 || resp.StatusCode > 599 {
		jsonError(w, http.StatusInternalServerError, "Internal Server Error")
		return http.StatusInternalServerError
	}
	h := w.Header()
	for k, v := range resp.Headers {
		h.Set(k, v)
	}
	for k, vs := range resp.MultiValueHeaders {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	for _, c := range resp.Cookies {
		h.Add("Set-Cookie", c)
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(resp.Body)
		if err != nil {
			jsonError(w, http.StatusInternalServerError, "Internal Server Error")
			return http.StatusInternalServerError
		}
		body = b
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(body)
	return resp.StatusCode
}

// authorize runs the route's Lambda authorizer as API Gateway does: 401
// when an identity source is missing, 403 when it denies, 500 when it fails;
// else the context it returned for the backend. With the cache on, an
// answer for the same identity source values is reused without asking.
func (g *gateway) authorize(r *http.Request, rt *route, ev events.APIGatewayV2HTTPRequest) (map[string]interface{}, int) {
	var sources []string
	for _, h := range rt.auth.headers {
		v := ev.Headers[strings.ToLower(h)]
		if v == "" {
			return nil, http.StatusUnauthorized
		}
		sources = append(sources, v)
	}
	if rt.auth.cache == nil {
		return g.ask(r, rt, ev, sources)
	}
	key := cacheKey(sources)
	if d, ok := rt.auth.cache.get(key); ok {
		g.log.Info("authorizer answer reused from its cache (ReauthorizeEvery)", "authorizer", rt.auth.name,
			"allowed", d.allowed, "request_id", ev.RequestContext.RequestID)
		if !d.allowed {
			return nil, http.StatusForbidden
		}
		return d.context, 0
	}
	lambdaCtx, status := g.ask(r, rt, ev, sources)
	if status == 0 || status == http.StatusForbidden {
		rt.auth.cache.put(key, decision{allowed: status == 0, context: lambdaCtx})
	}
	return lambdaCtx, status
}

// ask invokes the authorizer function.
func (g *gateway) ask(r *http.Request, rt *route, ev events.APIGatewayV2HTTPRequest, sources []string) (map[string]interface{}, int) {
	aev := events.APIGatewayV2CustomAuthorizerV2Request{
		Version: "2.0", Type: "REQUEST",
		RouteArn:       "arn:aws:execute-api:us-east-1:000000000000:local/$default/" + rt.method + rt.path,
		IdentitySource: sources, RouteKey: ev.RouteKey, RawPath: ev.RawPath, RawQueryString: ev.RawQueryString,
		Cookies: ev.Cookies, Headers: ev.Headers, QueryStringParameters: ev.QueryStringParameters,
		RequestContext: ev.RequestContext, PathParameters: ev.PathParameters,
	}
	payload, _ := json.Marshal(aev)
	out, err := rt.auth.fn.invoke(r.Context(), payload)
	if err != nil {
		g.log.Error("authorizer failed", "authorizer", rt.auth.name, "error", err.Error())
		return nil, http.StatusInternalServerError
	}
	var resp events.APIGatewayV2CustomAuthorizerSimpleResponse
	if err := json.Unmarshal(out, &resp); err != nil || !rt.auth.simple {
		g.log.Error("authorizer answer not understood (only simple responses are supported)", "authorizer", rt.auth.name)
		return nil, http.StatusInternalServerError
	}
	if !resp.IsAuthorized {
		return nil, http.StatusForbidden
	}
	return resp.Context, 0
}
