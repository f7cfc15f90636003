package oauth

// The handler adapts API Gateway (HTTP API, payload 2.0) requests to the
// OAuth 2.0 username-password flow and its session endpoints: token, id URL,
// userinfo and revoke; and OpenID Connect's discovery document and key set
// (oidc.go). The login itself is the shared login use case, the
// same one the SOAP API runs; the wire format is the codec beside it.

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"loginguard/shared/authz"
	"loginguard/shared/domain"
	"loginguard/shared/ids"
	"loginguard/shared/login"
	"loginguard/shared/metrics"
	"loginguard/shared/oidc"
	"loginguard/shared/policy"
	"loginguard/shared/secret"
	"loginguard/shared/transport/apigw"
)

// Store is what the OAuth endpoints read besides the login itself.
type Store interface {
	App(ctx context.Context, clientID string) (domain.ConnectedApp, error)
	User(ctx context.Context, username string) (domain.User, error)
}

// Handler serves the OAuth routes.
type Handler struct {
	Login *login.Service
	// Authz runs the web-server flow's grants (authorization_code,
	// refresh_token) and refresh token revocation; nil: password only.
	Authz   *authz.Service
	Store   Store
	Log     *slog.Logger
	Metrics *metrics.Emitter
	// IDTokens signs OpenID Connect id_tokens; nil offers none (the
	// discovery document and the key set are then 404).
	IDTokens oidc.Signer
}

// Routes, as template.yaml declares them.
const (
	RouteToken    = "POST /services/oauth2/token"
	RouteRevoke   = "POST /services/oauth2/revoke"
	RouteUserinfo = "GET /services/oauth2/userinfo"
	RouteID       = "GET /id/{orgId}/{userId}"
)

func jsonResponse(status int, body []byte) events.APIGatewayV2HTTPResponse {
	return apigw.JSONResponse(status, body)
}

func errorResponse(e *Error) events.APIGatewayV2HTTPResponse {
	return jsonResponse(e.Status, e.JSON())
}

// RateLimited answers a throttled source (domain.CodeRequestLimit): 429
// with Retry-After, and OAuth's "temporarily_unavailable" (RFC 6749 §4.1.2.1),
// not invalid_grant, so that a client does not take it for wrong
// credentials and tell its user the password is wrong.
func RateLimited(le *domain.Error) events.APIGatewayV2HTTPResponse {
	resp := errorResponse(&Error{Status: http.StatusTooManyRequests, Code: "temporarily_unavailable", Description: le.Message})
	resp.Headers["Retry-After"] = strconv.Itoa(int(le.RetryAfter / time.Second))
	return resp
}

// oauthErrors is the one table from a domain code to its OAuth answer
// (status and JSON) on every route: the id URL and userinfo answer in text,
// 500 for a 500 here and Bad_OAuth_Token otherwise. Every code not listed,
// INVALID_LOGIN and the other refused logins, is Salesforce's
// "authentication failure": the client learns no more than that.
var oauthErrors = map[string]*Error{
	domain.CodeUnknown:          ErrUnexpected,
	domain.CodeRestrictedTime:   ErrRestricted,
	domain.CodeRestrictedDomain: ErrRestricted,
	domain.CodePasswordExpired:  ErrPasswordExpired,
	domain.CodeInvalidSession:   ErrInvalidToken,
	domain.CodeUnknownClient:    ErrUnknownClient,
	domain.CodeBadClient:        ErrBadClientSecret,
	domain.CodePublicClient:     ErrPublicPassword,
}

// errorOf is the OAuth answer to err (a *domain.Error, or a failure of ours).
func errorOf(err error) *Error {
	if e, ok := oauthErrors[domain.ErrorCode(err)]; ok {
		return e
	}
	return ErrAuthenticationFailure
}

func textResponse(status int, text string) events.APIGatewayV2HTTPResponse {
	return events.APIGatewayV2HTTPResponse{StatusCode: status, Body: text, Headers: map[string]string{
		"Content-Type": "text/plain;charset=UTF-8", "Cache-Control": "no-store"}}
}

// Handle is the Lambda handler.
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	start := time.Now()
	log := h.Log.With("request_id", req.RequestContext.RequestID, "route", req.RouteKey)
	var resp events.APIGatewayV2HTTPResponse
	var outcome string
	switch req.RouteKey {
	case RouteToken:
		resp, outcome = h.token(ctx, req, log)
	case RouteRevoke:
		resp, outcome = h.revoke(ctx, req)
	case RouteUserinfo, RouteID:
		resp, outcome = h.identity(ctx, req, log)
	case RouteDiscovery, RouteKeys:
		resp, outcome = h.openID(req)
	default:
		resp, outcome = textResponse(404, "Not Found"), "NOT_FOUND"
	}
	log.InfoContext(ctx, "oauth request", "status", resp.StatusCode, "outcome", outcome,
		"duration_ms", float64(time.Since(start).Microseconds())/1000)
	return resp, nil
}

func (h *Handler) token(ctx context.Context, req events.APIGatewayV2HTTPRequest, log *slog.Logger) (events.APIGatewayV2HTTPResponse, string) {
	b, ok := apigw.Body(req)
	if !ok {
		return errorResponse(ErrBodyNotBase64), ErrBodyNotBase64.Code
	}
	f, e := ParseTokenForm(apigw.Header(req, "content-type"), b)
	if e != nil {
		return errorResponse(e), e.Code
	}
	if f["grant_type"] != GrantPassword {
		return h.webServerGrant(ctx, req, f, log)
	}
	tr, e := passwordRequest(f)
	if e != nil {
		return errorResponse(e), e.Code
	}
	// The client is checked before the user: a wrong client never counts
	// toward a user's lockout.
	app, err := login.AuthenticateClient(ctx, h.Store, tr.ClientID, tr.ClientSecret)
	if err != nil {
		e := errorOf(err)
		if e == ErrUnexpected {
			log.ErrorContext(ctx, "reading connected app", "error", err.Error())
			return errorResponse(e), "INTERNAL_ERROR"
		}
		return errorResponse(e), e.Code
	}
	ip, _ := netip.ParseAddr(req.RequestContext.HTTP.SourceIP)
	start, hashes := time.Now(), secret.Hashes()
	res, err := h.Login.Login(ctx, login.Attempt{Username: tr.Username, Secret: tr.Password, IP: ip, Type: "REST",
		Client: req.RequestContext.HTTP.UserAgent, App: app})
	took := time.Since(start)
	hashes = secret.Hashes() - hashes
	if err != nil {
		le := domain.AsError(err)
		h.metric(start, string(le.Reason), took, hashes, log)
		log.InfoContext(ctx, "login refused", "reason", string(le.Reason), "source_ip", ip.String())
		if le.Code == domain.CodeUnknown {
			log.ErrorContext(ctx, "login failed internally", "error", err.Error())
		}
		if le.Code == domain.CodeRequestLimit {
			return RateLimited(le), string(le.Reason)
		}
		return errorResponse(errorOf(le)), string(le.Reason)
	}
	h.metric(start, string(res.Decision.Reason), took, hashes, log)
	log.InfoContext(ctx, "login allowed", "reason", string(res.Decision.Reason), "via", string(res.Decision.Via),
		"user_id", res.User.ID, "org_id", res.User.OrgID, "source_ip", ip.String())
	base := apigw.BaseURL(req)
	idURL := apigw.IdentityURL(base, res.User.OrgID, res.User.ID)
	issued := strconv.FormatInt(res.Session.CreatedAt.UnixMilli(), 10)
	out, _ := json.Marshal(TokenResponse{AccessToken: res.SessionID, InstanceURL: base, ID: idURL,
		TokenType: "Bearer", IssuedAt: issued, Signature: Sign(tr.ClientSecret, idURL, issued)})
	return jsonResponse(200, out), string(res.Decision.Reason)
}

func (h *Handler) metric(at time.Time, outcome string, took time.Duration, hashes uint64, log *slog.Logger) {
	if h.Metrics == nil {
		return
	}
	if err := h.Metrics.LoginOutcome(at, "REST", outcome, took, hashes); err != nil {
		log.Warn("writing metric", "error", err.Error())
	}
}

func (h *Handler) revoke(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, string) {
	b, ok := apigw.Body(req)
	if !ok {
		return errorResponse(ErrBodyNotBase64), ErrBodyNotBase64.Code
	}
	f, e := ParseForm(apigw.Header(req, "content-type"), b)
	if e != nil {
		return errorResponse(e), e.Code
	}
	if f["token"] == "" {
		return errorResponse(&Error{Status: 400, Code: "invalid_request", Description: "missing required parameter: token"}), "invalid_request"
	}
	if h.Authz != nil {
		// A refresh token (and every session of its grant), or else an
		// access token: one endpoint revokes either, as Salesforce's does.
		found, err := h.Authz.RevokeRefresh(ctx, f["token"])
		if err != nil {
			return errorResponse(ErrUnexpected), string(domain.ReasonInternal)
		}
		if found {
			return events.APIGatewayV2HTTPResponse{StatusCode: 200, Headers: map[string]string{"Cache-Control": "no-store"}}, "REVOKED_REFRESH"
		}
	}
	if err := h.Login.Logout(ctx, f["token"], policy.ChannelAPI); err != nil {
		e := errorOf(err)
		if e == ErrUnexpected {
			return errorResponse(e), string(domain.ReasonInternal)
		}
		return errorResponse(e), e.Code
	}
	return events.APIGatewayV2HTTPResponse{StatusCode: 200, Headers: map[string]string{"Cache-Control": "no-store"}}, "REVOKED"
}

// identity answers the id URL and userinfo for the session's user: 401
// without a token, 403 Bad_OAuth_Token for a bad, ended or expired one.
func (h *Handler) identity(ctx context.Context, req events.APIGatewayV2HTTPRequest, log *slog.Logger) (events.APIGatewayV2HTTPResponse, string) {
	tok, ok := apigw.BearerToken(apigw.Header(req, "authorization"))
	if !ok {
		if req.QueryStringParameters["oauth_token"] != "" {
			// Refused, not read: a token in a URL is a token in access logs.
			return textResponse(401, "Missing_OAuth_Token: send the access token in the Authorization header (Bearer), not in the URL"), "QUERY_TOKEN_REFUSED"
		}
		return textResponse(401, "Missing_OAuth_Token"), "MISSING_TOKEN"
	}
	ip, _ := netip.ParseAddr(req.RequestContext.HTTP.SourceIP)
	sess, _, err := h.Login.CheckSession(ctx, tok, login.Use{Channel: policy.ChannelAPI, IP: ip, SafeMethod: true})
	if err != nil {
		if errorOf(err).Status == 500 {
			log.ErrorContext(ctx, "reading session", "error", err.Error())
			return textResponse(500, "Internal Server Error"), "INTERNAL_ERROR"
		}
		if domain.ErrorCode(err) == domain.CodeExpiredPasswordOperation {
			return textResponse(403, domain.CodeExpiredPasswordOperation+": "+domain.AsError(err).Message), domain.CodeExpiredPasswordOperation
		}
		return textResponse(403, "Bad_OAuth_Token"), "BAD_TOKEN"
	}
	if req.RouteKey == RouteID {
		org, err1 := ids.To15(req.PathParameters["orgId"])
		user, err2 := ids.To15(req.PathParameters["userId"])
		if err1 != nil || err2 != nil || org != sess.OrgID || user != sess.UserID {
			return textResponse(403, "Bad_Id"), "BAD_ID"
		}
	}
	u, err := h.Store.User(ctx, sess.Username)
	if err != nil {
		return textResponse(403, "Bad_OAuth_Token"), "BAD_TOKEN"
	}
	base := apigw.BaseURL(req)
	idURL := apigw.IdentityURL(base, u.OrgID, u.ID)
	out, _ := json.Marshal(Identity{
		ID: idURL, Sub: idURL, UserID: ids.Long(u.ID), OrganizationID: ids.Long(u.OrgID), Username: u.Username,
		PreferredName: u.Username, DisplayName: u.FullName(), Name: u.FullName(), GivenName: u.FirstName,
		FamilyName: u.LastName, Email: u.Email, EmailVerified: u.Email != "", Zoneinfo: u.TimeZone, Timezone: u.TimeZone,
		Locale: u.Locale, Language: u.Language, Active: u.Active, UserType: "STANDARD",
		URLs: map[string]string{"partner": base + "/services/Soap/u/{version}/" + u.OrgID, "userinfo": base + "/services/oauth2/userinfo"},
	})
	return jsonResponse(200, out), "IDENTITY"
}
