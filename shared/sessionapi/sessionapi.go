// Package sessionapi lets other APIs rely on our sessions: a Lambda
// authorizer for API Gateway HTTP APIs (payload 2.0, simple responses) that
// applies the session checks, and a small protected sample backend that
// shows what the authorizer passes on.
package sessionapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/netip"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"loginguard/shared/login"
	"loginguard/shared/policy"
	"loginguard/shared/transport/oauth"
)

// Authorizer checks the session of "Authorization: Bearer <sessionId>".
type Authorizer struct {
	Login *login.Service
	Log   *slog.Logger
}

// Resource is the protected resource a route asks for: the path segment
// after /api/ ("/api/reports/q1" asks for "reports"). The org's High
// Assurance settings name resources this way.
func Resource(path string) string {
	rest, ok := strings.CutPrefix(path, "/api/")
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(rest, "/")
	return name
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
	CtxUserID    = "userId"
	CtxOrgID     = "orgId"
	CtxLevel     = "level"
	CtxReadOnly  = "readOnly"
	CtxStepUp    = "stepUpRequired"
	CtxStepUpURL = "stepUpUrl"
)

// Authorize is the Lambda handler. A Raise resource reached with a Standard
// session is let through marked stepUpRequired with where to step up, so the
// backend can answer with the step-up challenge (RFC 9470); everything else
// that fails a check is denied (API Gateway answers 403).
func (a *Authorizer) Authorize(ctx context.Context, req events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error) {
	deny := events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: false}
	log := a.Log.With("request_id", req.RequestContext.RequestID, "route", req.RouteKey)
	tok, ok := oauth.BearerToken(req.Headers["authorization"])
	if !ok {
		log.InfoContext(ctx, "session check", "outcome", "MISSING_TOKEN")
		return deny, nil
	}
	ip, _ := netip.ParseAddr(req.RequestContext.HTTP.SourceIP)
	resource := Resource(req.RequestContext.HTTP.Path)
	sess, d, err := a.Login.CheckSession(ctx, tok, login.Use{Channel: policy.ChannelAPI, IP: ip, SafeMethod: safe(req.RequestContext.HTTP.Method), Resource: resource})
	var denied *login.SessionDenied
	switch {
	case errors.As(err, &denied) && denied.Decision.Reason == policy.ReasonRaiseSessionLevel:
		log.InfoContext(ctx, "session check", "outcome", string(denied.Decision.Reason), "resource", resource)
		return events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: true, Context: map[string]interface{}{
			CtxUserID: sess.UserID, CtxOrgID: sess.OrgID, CtxLevel: sess.Level, CtxReadOnly: denied.Decision.ReadOnly,
			CtxStepUp: true, CtxStepUpURL: "/login/step-up?resource=" + resource,
		}}, nil
	case err != nil:
		reason := "INVALID_SESSION"
		if errors.As(err, &denied) {
			reason = string(denied.Decision.Reason)
		} else if le := login.AsError(err); le.Code == login.CodeUnknown {
			log.ErrorContext(ctx, "session check failed", "error", err.Error())
			reason = "INTERNAL_ERROR"
		}
		log.InfoContext(ctx, "session check", "outcome", reason, "resource", resource)
		return deny, nil
	}
	log.InfoContext(ctx, "session check", "outcome", string(d.Reason), "user_id", sess.UserID, "touched", d.Touch)
	return events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: true, Context: map[string]interface{}{
		CtxUserID: sess.UserID, CtxOrgID: sess.OrgID, CtxLevel: sess.Level, CtxReadOnly: d.ReadOnly,
	}}, nil
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
		url, _ := c[CtxStepUpURL].(string)
		headers["WWW-Authenticate"] = `Bearer error="insufficient_user_authentication", error_description="a High Assurance session is required", acr_values="HIGH_ASSURANCE"`
		b, _ := json.Marshal(map[string]string{"error": "insufficient_user_authentication", "step_up_url": url})
		return events.APIGatewayV2HTTPResponse{StatusCode: 401, Headers: headers, Body: string(b)}, nil
	}
	b, _ := json.Marshal(map[string]interface{}{
		"userId": c[CtxUserID], "orgId": c[CtxOrgID], "level": c[CtxLevel], "readOnly": c[CtxReadOnly],
		"method": req.RequestContext.HTTP.Method, "path": req.RequestContext.HTTP.Path,
	})
	return events.APIGatewayV2HTTPResponse{StatusCode: 200, Headers: headers, Body: string(b)}, nil
}
