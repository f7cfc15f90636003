package adminapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"mime"
	"net/url"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"loginguard/shared/account"
	"loginguard/shared/admin"
	"loginguard/shared/domain"
	"loginguard/shared/policy"
	"loginguard/shared/transport/apigw"
	"loginguard/shared/transport/authorizer"
)

// Root is where the admin API answers.
const Root = "/services/admin/v1"

// MaxBody is the largest request body read (a settings document is a few
// hundred bytes).
const MaxBody = 16 << 10

// Users reads the caller the authorizer names.
type Users interface {
	UserByID(ctx context.Context, id string) (domain.User, error)
}

// Handler serves the admin API's routes (routes.go), each behind the
// session authorizer, as the caller: the authorizer's user, read again so
// that their permissions are the current ones.
type Handler struct {
	Users Users
	Admin *admin.Service
	Log   *slog.Logger
}

// The codes of the API's own refusals (the admin use case's are the
// domain's).
const (
	codeNotFound    = "NOT_FOUND"
	codeReadOnly    = "INSUFFICIENT_ACCESS_OR_READONLY"
	codeMediaType   = "UNSUPPORTED_MEDIA_TYPE"
	codeTooLarge    = "REQUEST_ENTITY_TOO_LARGE"
	codeMalformed   = "JSON_PARSER_ERROR"
	msgNotFound     = "The requested resource does not exist"
	msgReadOnly     = "This session is read-only (outside the profile's login hours): it may read, not change."
	msgMediaType    = "A request body must be JSON (Content-Type: application/json)."
	msgTooLarge     = "A request body may be at most 16 KiB."
	msgMalformed    = "The request body is not a JSON object."
	msgInvalidSessn = "Session expired or invalid"
)

// statusOf is the one table from a domain code to the HTTP status that
// answers it; a code not listed is a failure of ours (500).
var statusOf = map[string]int{
	domain.CodeNotPermitted: 403, codeReadOnly: 403,
	// The org asks a High Assurance session for this setup area (Raise):
	// log in with two-factor, then try again.
	domain.CodeHighAssuranceRequired: 403,
	domain.CodeRequiredField:         400, domain.CodeInvalidField: 400, domain.CodeInvalidTimeZone: 400,
	domain.CodeInvalidUsername: 400, domain.CodeInvalidEmail: 400, domain.CodeInvalidNewPassword: 400,
	domain.CodeInvalidQuery: 400, domain.CodeInvalidLimit: 400, codeMalformed: 400,
	codeNotFound: 404, codeTooLarge: 413, codeMediaType: 415,
	domain.CodeDuplicateUsername: 409, domain.CodeConcurrentChange: 409,
	// The user has no email address: a link or token has nowhere to go.
	domain.CodeNoEmail: 409,
	// Asked too often for one user (the account use case's limits).
	domain.CodeTokenResetLimit: 429, domain.CodeResetRequestLimit: 429,
	// Nothing changed: the mail could not go (or no sender is configured,
	// or no TOTP keyring); the same request later may pass.
	domain.CodeMailNotSent: 503, domain.CodeMailNotConfigured: 503, domain.CodeNoKeyring: 503, domain.CodeNotSaved: 503,
	// Saved, but not yet on every user or session: the same request again
	// (an empty PATCH does) finishes the job.
	domain.CodePartialSync: 503, domain.CodeSessionsNotEnded: 503,
}

// refusal is an answer with an error of code.
func refusal(code, msg string) events.APIGatewayV2HTTPResponse {
	return apigw.ErrorResponse(statusOf[code], code, msg)
}

func ok(v any) events.APIGatewayV2HTTPResponse {
	b, _ := json.Marshal(v)
	return apigw.JSONResponse(200, b)
}

// request is one call, read: who asks, and what.
type request struct {
	events.APIGatewayV2HTTPRequest
	actor account.Actor
	// readOnly: the authorizer let a read-only session through (outside
	// its profile's login hours), which may only read.
	readOnly bool
}

// Handle is the Lambda handler. Without the authorizer's context, or for
// a user that is no longer there, nothing is trusted (401).
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	log := h.Log.With("request_id", req.RequestContext.RequestID, "route", req.RouteKey)
	r, err := h.read(ctx, req)
	if err != nil {
		if !errors.Is(err, errNoCaller) {
			return h.fail(ctx, err, log), nil
		}
		log.WarnContext(ctx, "admin request", "outcome", "NO_CALLER")
		return apigw.ErrorResponse(401, domain.CodeInvalidSession, msgInvalidSessn), nil
	}
	resp := h.serve(ctx, r, log)
	log.InfoContext(ctx, "admin request", "status", resp.StatusCode, "user_id", r.actor.User.ID, "org_id", r.actor.User.OrgID)
	return resp, nil
}

var errNoCaller = errors.New("no caller")

// read is the caller: the authorizer's user, of the authorizer's org.
func (h *Handler) read(ctx context.Context, req events.APIGatewayV2HTTPRequest) (request, error) {
	userID, orgID, known := authorizer.Caller(req)
	if !known {
		return request{}, errNoCaller
	}
	u, err := h.Users.UserByID(ctx, userID)
	if errors.Is(err, domain.ErrNotFound) || err == nil && (u.OrgID != orgID || !u.Active) {
		return request{}, errNoCaller
	}
	if err != nil {
		return request{}, err
	}
	// The session's level decides the org's identity-verification policies
	// (Raise, Block) in the admin use case; none is read as Standard.
	readOnly, _ := req.RequestContext.Authorizer.Lambda[authorizer.CtxReadOnly].(bool)
	level, _ := req.RequestContext.Authorizer.Lambda[authorizer.CtxLevel].(string)
	return request{APIGatewayV2HTTPRequest: req, readOnly: readOnly,
		actor: account.Actor{User: u, IP: req.RequestContext.HTTP.SourceIP, Via: "API", Level: policy.Level(level)}}, nil
}

// serve runs the route's endpoint; a write needs a session that is not
// read-only.
func (h *Handler) serve(ctx context.Context, r request, log *slog.Logger) events.APIGatewayV2HTTPResponse {
	e, found := endpoints[r.RouteKey]
	if !found {
		return refusal(codeNotFound, msgNotFound)
	}
	if e.write && r.readOnly {
		return refusal(codeReadOnly, msgReadOnly)
	}
	v, err := e.serve(h, ctx, r)
	if err != nil {
		return h.fail(ctx, err, log)
	}
	return ok(v)
}

// fail answers err: a refusal by its code, a missing record as 404,
// anything else as a failure of ours (the log has the cause).
func (h *Handler) fail(ctx context.Context, err error, log *slog.Logger) events.APIGatewayV2HTTPResponse {
	if errors.Is(err, domain.ErrNotFound) {
		return refusal(codeNotFound, msgNotFound)
	}
	if errors.Is(err, domain.ErrConflict) {
		return refusal(domain.CodeConcurrentChange, "The record changed while it was being saved: read it and try again.")
	}
	e := domain.AsError(err)
	if _, known := statusOf[e.Code]; known {
		log.InfoContext(ctx, "admin request refused", "code", e.Code)
		return refusal(e.Code, e.Message)
	}
	log.ErrorContext(ctx, "admin request failed", "error", err.Error())
	return apigw.ErrorResponse(500, domain.CodeUnknown, domain.UnknownMessage)
}

// apiError is a refusal of the API's own, as the domain's error.
func apiError(code, msg string) *domain.Error { return &domain.Error{Code: code, Message: msg} }

// document reads the request body: JSON only, at most MaxBody, one object
// (its members are checked by the settings table, which refuses unknown
// ones).
func document(r request) (map[string]json.RawMessage, error) {
	if mt, _, err := mime.ParseMediaType(apigw.Header(r.APIGatewayV2HTTPRequest, "content-type")); err != nil || mt != "application/json" {
		return nil, apiError(codeMediaType, msgMediaType)
	}
	body, decoded := apigw.Body(r.APIGatewayV2HTTPRequest)
	if len(body) > MaxBody {
		return nil, apiError(codeTooLarge, msgTooLarge)
	}
	var doc map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if !decoded || dec.Decode(&doc) != nil || doc == nil || dec.More() {
		return nil, apiError(codeMalformed, msgMalformed)
	}
	return doc, nil
}

// pathParam is a path parameter as the client meant it (percent-decoded).
func pathParam(r request, name string) string {
	v := r.PathParameters[name]
	if d, err := url.PathUnescape(v); err == nil {
		return d
	}
	return v
}

// query is the query string's parameters, read from the raw query string
// where there is one.
func query(r request) url.Values {
	if r.RawQueryString != "" {
		if v, err := url.ParseQuery(r.RawQueryString); err == nil {
			return v
		}
		return url.Values{}
	}
	v := url.Values{}
	for k, s := range r.QueryStringParameters {
		v.Set(k, s)
	}
	return v
}

// trimmed is s without surrounding space, lower-cased for comparison.
func trimmed(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
