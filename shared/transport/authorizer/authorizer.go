// Package authorizer lets other APIs rely on our sessions: a Lambda
// authorizer for API Gateway HTTP APIs (payload 2.0, simple responses) that
// applies the session checks, and a small protected sample backend that
// shows what the authorizer passes on.
package authorizer

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"unicode"

	"github.com/aws/aws-lambda-go/events"

	"loginguard/shared/domain"
	"loginguard/shared/login"
	"loginguard/shared/policy"
	"loginguard/shared/transport/apigw"
)

// Authorizer checks the session of "Authorization: Bearer <sessionId>".
// Only API sessions (SOAP, REST) pass: a browser session lives in an
// HttpOnly cookie and is never a bearer token.
type Authorizer struct {
	Login *login.Service
	Log   *slog.Logger
	// StepUpRoutes are the route keys ("ANY /api/{proxy+}") whose backend
	// declares it answers the step-up signal (stepUpRequired). Elsewhere a
	// Raise resource refuses a Standard session as Block does: a backend
	// that ignores the signal would otherwise serve it.
	StepUpRoutes []string
	// SessionErrorRoutes are the route keys whose backend answers a
	// missing, ended or expired session itself, with 401 and
	// INVALID_SESSION_ID as Salesforce's REST API does (a 403 from the
	// gateway would not make an OAuth client refresh its token): there an
	// invalid session reaches the backend with no user at all
	// (CtxInvalidSession). Every other refusal is still the gateway's 403.
	SessionErrorRoutes []string
}

// Resource is the protected resource a request path asks for: the first
// segment after /api/ ("/api/reports/q1" asks for "reports"), read once in
// one normal form: percent-decoded and case-folded, as the org's High
// Assurance settings name resources. ok is false for a path not plainly
// written (an empty, "." or ".." segment, a backslash, an encoded "%" or
// "/", a control character): such a path is refused, never guessed at, so
// "/api//reports", "/api/./reports" and "/api/Reports" cannot walk around
// a rule for "reports". The one exception is a run of leading slashes
// before /services/data, read as the route API Gateway matched.
func Resource(path string) (string, bool) {
	dec, err := url.PathUnescape(path)
	if err != nil || strings.ContainsAny(dec, "%\\") || strings.IndexFunc(dec, unicode.IsControl) >= 0 {
		return "", false
	}
	if dec != path && strings.Count(dec, "/") != strings.Count(path, "/") {
		return "", false // an encoded slash
	}
	dec = strings.ToLower(dec)
	if strings.HasPrefix(dec, "//") {
		// API Gateway routes a path with a run of leading slashes as the
		// path without them, and passes it on as sent: jsforce-based
		// clients whose instance URL ends in "/" ask "//services/data/...".
		// Only there is the run read as one slash; "//api/reports" and
		// every other such path stay refused.
		dec = "/" + strings.TrimLeft(dec, "/")
		if dec != dataRoot && !strings.HasPrefix(dec, dataRoot+"/") {
			return "", false
		}
	}
	rest, ok := strings.CutPrefix(dec, "/api/")
	if !ok {
		rel, abs := strings.CutPrefix(dec, "/")
		return "", abs && clean(rel)
	}
	if !clean(rest) {
		return "", false
	}
	name, _, _ := strings.Cut(rest, "/")
	return name, true
}

// dataRoot is the REST API's root, the one tree a leading "//" may reach.
const dataRoot = "/services/data"

// clean reports whether a relative path has no empty, "." or ".." segment
// (a single trailing slash aside).
func clean(p string) bool {
	p = strings.TrimSuffix(p, "/")
	if p == "" {
		return true
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
	}
	return true
}

func safe(method string) bool {
	switch method {
	case "GET", "HEAD", "OPTIONS":
		return true
	}
	return false
}

// Context keys the backend gets in requestContext.authorizer.lambda.
const (
	CtxUserID   = "userId"
	CtxOrgID    = "orgId"
	CtxLevel    = "level"
	CtxReadOnly = "readOnly"
	CtxStepUp   = "stepUpRequired"
	// CtxInvalidSession: no valid session (SessionErrorRoutes only); the
	// context then names no user, and the backend answers 401.
	CtxInvalidSession = "invalidSession"
)

// Authorize is the Lambda handler. A Raise resource reached with a Standard
// session is let through marked stepUpRequired on the routes whose backend
// answers that with the step-up challenge (RFC 9470); everything else that
// fails a check is denied (API Gateway answers 403), and so is a path that
// cannot be read plainly.
func (a *Authorizer) Authorize(ctx context.Context, req events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error) {
	deny := events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: false}
	log := a.Log.With("request_id", req.RequestContext.RequestID, "route", req.RouteKey)
	tok, ok := apigw.BearerToken(req.Headers["authorization"])
	if !ok {
		log.InfoContext(ctx, "session check", "outcome", "MISSING_TOKEN")
		return deny, nil
	}
	path := req.RawPath
	if path == "" {
		path = req.RequestContext.HTTP.Path
	}
	resource, plain := Resource(path)
	if !plain {
		log.InfoContext(ctx, "session check", "outcome", "PATH_NOT_PLAIN")
		return deny, nil
	}
	ip, _ := netip.ParseAddr(req.RequestContext.HTTP.SourceIP)
	sess, d, err := a.Login.CheckSession(ctx, tok, login.Use{Channel: policy.ChannelAPI, IP: ip, SafeMethod: safe(req.RequestContext.HTTP.Method), Resource: resource})
	if err != nil {
		e := domain.AsError(err)
		if e.Code == domain.CodeSessionDenied && e.Session.Reason == policy.ReasonRaiseSessionLevel && slices.Contains(a.StepUpRoutes, req.RouteKey) {
			log.InfoContext(ctx, "session check", "outcome", string(e.Session.Reason), "resource", resource)
			return events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: true, Context: map[string]interface{}{
				CtxUserID: sess.UserID, CtxOrgID: sess.OrgID, CtxLevel: sess.Level, CtxReadOnly: e.Session.ReadOnly,
				CtxStepUp: true,
			}}, nil
		}
		if e.Code == domain.CodeUnknown {
			log.ErrorContext(ctx, "session check failed", "error", err.Error())
		}
		log.InfoContext(ctx, "session check", "outcome", outcomeOf(e), "resource", resource)
		if e.Code == domain.CodeInvalidSession && slices.Contains(a.SessionErrorRoutes, req.RouteKey) {
			return events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: true,
				Context: map[string]interface{}{CtxInvalidSession: true}}, nil
		}
		return deny, nil
	}
	log.InfoContext(ctx, "session check", "outcome", string(d.Reason), "user_id", sess.UserID, "touched", d.Touch)
	return events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: true, Context: map[string]interface{}{
		CtxUserID: sess.UserID, CtxOrgID: sess.OrgID, CtxLevel: sess.Level, CtxReadOnly: d.ReadOnly,
	}}, nil
}

// outcomes is the one table from a domain code to the authorizer's outcome
// of a denied request, as the log records it (API Gateway answers 403 to
// each); a code not listed is an invalid session.
var outcomes = map[string]string{
	domain.CodeInvalidSession: "INVALID_SESSION",
	domain.CodeUnknown:        string(domain.ReasonInternal),
	// A session opened on an expired password: it may only setPassword
	// (SOAP), never reach an API behind the authorizer.
	domain.CodeExpiredPasswordOperation: domain.CodeExpiredPasswordOperation,
}

// outcomeOf is the outcome of a denied request: a denied session's is its
// policy reason, except a Raise on a route that cannot answer with the
// step-up challenge.
func outcomeOf(e *domain.Error) string {
	if e.Code == domain.CodeSessionDenied {
		if e.Session.Reason == policy.ReasonRaiseSessionLevel {
			return "RAISE_NOT_ENFORCED_BY_ROUTE"
		}
		return string(e.Session.Reason)
	}
	if o, ok := outcomes[e.Code]; ok {
		return o
	}
	return outcomes[domain.CodeInvalidSession]
}

// Whoami is the sample protected backend: it echoes who the authorizer says
// the caller is, and answers the step-up challenge the authorizer asked for.
func Whoami(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	var c map[string]interface{}
	if req.RequestContext.Authorizer != nil {
		c = req.RequestContext.Authorizer.Lambda
	}
	headers := map[string]string{"Content-Type": "application/json", "Cache-Control": "no-store"}
	if c == nil || c[CtxUserID] == nil {
		// Not behind the authorizer: refuse rather than trust anything.
		return events.APIGatewayV2HTTPResponse{StatusCode: 401, Headers: headers, Body: `{"error":"unauthorized"}`}, nil
	}
	if step, _ := c[CtxStepUp].(bool); step {
		// An API session steps up by logging in again with two-factor:
		// the password followed by a current TOTP code.
		headers["WWW-Authenticate"] = `Bearer error="insufficient_user_authentication", error_description="a High Assurance session is required", acr_values="HIGH_ASSURANCE"`
		b, _ := json.Marshal(map[string]string{"error": "insufficient_user_authentication",
			"error_description": "This resource needs a High Assurance session: log in again with two-factor authentication (your password followed by a current code from your authenticator app)."})
		return events.APIGatewayV2HTTPResponse{StatusCode: 401, Headers: headers, Body: string(b)}, nil
	}
	b, _ := json.Marshal(map[string]interface{}{
		"userId": c[CtxUserID], "orgId": c[CtxOrgID], "level": c[CtxLevel], "readOnly": c[CtxReadOnly],
		"method": req.RequestContext.HTTP.Method, "path": req.RequestContext.HTTP.Path,
	})
	return events.APIGatewayV2HTTPResponse{StatusCode: 200, Headers: headers, Body: string(b)}, nil
}
