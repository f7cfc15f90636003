package oauth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"loginguard/shared/authz"
	"loginguard/shared/policy"
	"loginguard/shared/transport/apigw"
)

// webServerGrant answers the authorization_code and refresh_token grants.
func (h *Handler) webServerGrant(ctx context.Context, req events.APIGatewayV2HTTPRequest, f map[string]string, log *slog.Logger) (events.APIGatewayV2HTTPResponse, string) {
	if h.Authz == nil {
		return errorResponse(ErrUnsupportedGrant), ErrUnsupportedGrant.Code
	}
	clientID, clientSecret, e := clientCredentials(req, f)
	if e != nil {
		return errorResponse(e), e.Code
	}
	ip, _ := netip.ParseAddr(req.RequestContext.HTTP.SourceIP)
	q := authz.TokenQuery{ClientID: clientID, ClientSecret: clientSecret, Code: f["code"], CodeVerifier: f["code_verifier"],
		RedirectURI: f["redirect_uri"], RefreshToken: f["refresh_token"], IP: ip, Client: req.RequestContext.HTTP.UserAgent,
		Base: apigw.BaseURL(req)}
	var t authz.Tokens
	var err error
	if f["grant_type"] == GrantAuthorizationCode {
		t, err = h.Authz.Exchange(ctx, q)
	} else {
		t, err = h.Authz.Refresh(ctx, q)
	}
	if err != nil {
		var oe *authz.Error
		if !errors.As(err, &oe) {
			log.ErrorContext(ctx, "token grant failed internally", "grant", f["grant_type"], "error", err.Error())
			oe = authz.ErrUnexpected
		}
		log.InfoContext(ctx, "token grant refused", "grant", f["grant_type"], "code", oe.Code, "source_ip", ip.String())
		return errorResponse(&Error{Status: oe.Status, Code: oe.Code, Description: oe.Description}), oe.Code
	}
	log.InfoContext(ctx, "token granted", "grant", f["grant_type"], "user_id", t.User.ID, "org_id", t.User.OrgID, "client_id", t.App.ClientID, "source_ip", ip.String())
	base := apigw.BaseURL(req)
	idURL := apigw.IdentityURL(base, t.User.OrgID, t.User.ID)
	issued := strconv.FormatInt(t.Session.CreatedAt.UnixMilli(), 10)
	out := TokenResponse{AccessToken: t.AccessToken, RefreshToken: t.RefreshToken, IDToken: t.IDToken, Scope: policy.ScopeString(t.Scopes),
		InstanceURL: base, ID: idURL, TokenType: "Bearer", IssuedAt: issued}
	if !t.App.OAuth.Public {
		out.Signature = Sign(clientSecret, idURL, issued)
	}
	b, _ := json.Marshal(out)
	return jsonResponse(200, b), f["grant_type"]
}

// clientCredentials are the client's id and secret: in the form
// (client_secret_post) or in HTTP Basic (client_secret_basic, RFC 6749
// §2.3.1), not both; a public app sends its id alone.
func clientCredentials(req events.APIGatewayV2HTTPRequest, f map[string]string) (string, string, *Error) {
	h := apigw.Header(req, "authorization")
	if h == "" {
		return f["client_id"], f["client_secret"], nil
	}
	scheme, cred, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Basic") {
		return "", "", &Error{401, "invalid_client", "client authentication must be HTTP Basic or in the form"}
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred))
	id, sec, ok2 := strings.Cut(string(raw), ":")
	if err != nil || !ok2 {
		return "", "", &Error{401, "invalid_client", "malformed HTTP Basic client credentials"}
	}
	if id, err = url.QueryUnescape(id); err == nil {
		sec, err = url.QueryUnescape(sec)
	}
	if err != nil {
		return "", "", &Error{401, "invalid_client", "malformed HTTP Basic client credentials"}
	}
	if f["client_secret"] != "" || f["client_id"] != "" && f["client_id"] != id {
		return "", "", invalidRequest("client credentials both in the form and in HTTP Basic")
	}
	return id, sec, nil
}
