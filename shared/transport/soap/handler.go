package soap

// The handler adapts API Gateway (HTTP API, payload 2.0) requests to the
// partner SOAP login and logout: the wire format from the codec beside it,
// the decision from login. No business rules of its own.

import (
	"context"
	"log/slog"
	"mime"
	"net/netip"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"loginguard/shared/domain"
	"loginguard/shared/ids"
	"loginguard/shared/login"
	"loginguard/shared/metrics"
	"loginguard/shared/policy"
	"loginguard/shared/secret"
	"loginguard/shared/transport/apigw"
)

// Handler serves POST /services/Soap/u/{version}[/{orgId}].
type Handler struct {
	Login *login.Service
	// Passwords runs setPassword (account.Service); nil answers it as an
	// operation this service does not offer.
	Passwords Passwords
	// Users reads the session's user for getUserInfo (the store); nil
	// answers getUserInfo as an operation this service does not offer.
	Users interface {
		User(ctx context.Context, username string) (domain.User, error)
	}
	Log     *slog.Logger
	Metrics *metrics.Emitter
}

// Passwords sets the password of a session's own user.
type Passwords interface {
	SetPasswordFromSession(ctx context.Context, sess domain.Session, userID, next, ip string) error
}

func xmlResponse(status int, body []byte) events.APIGatewayV2HTTPResponse {
	return events.APIGatewayV2HTTPResponse{
		StatusCode: status,
		Headers: map[string]string{
			"Content-Type":           "text/xml; charset=utf-8",
			"Cache-Control":          "no-store",
			"X-Content-Type-Options": "nosniff",
		},
		Body: string(body),
	}
}

func faultResponse(f *Fault) events.APIGatewayV2HTTPResponse {
	return xmlResponse(500, EncodeFault(f))
}

// Handle is the Lambda handler.
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	start := time.Now()
	log := h.Log.With("request_id", req.RequestContext.RequestID, "route", req.RouteKey)
	resp, outcome := h.handle(ctx, req, log)
	log.InfoContext(ctx, "soap request", "status", resp.StatusCode, "outcome", outcome,
		"duration_ms", float64(time.Since(start).Microseconds())/1000)
	return resp, nil
}

func (h *Handler) handle(ctx context.Context, req events.APIGatewayV2HTTPRequest, log *slog.Logger) (events.APIGatewayV2HTTPResponse, string) {
	version, err := ParseVersion(req.PathParameters["version"])
	if err != nil {
		return faultResponse(clientFault(err)), "UNSUPPORTED_API_VERSION"
	}
	if ct := apigw.Header(req, "content-type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "text/xml" && mt != "application/soap+xml") {
			return faultResponse(ClientFault("Content-Type must be text/xml for the SOAP API, not " + strconv.Quote(ct))), "CLIENT_FAULT"
		}
	}
	body, ok := apigw.Body(req)
	if !ok {
		return faultResponse(ClientFault("the request body is not valid base64")), "CLIENT_FAULT"
	}
	r, err := Decode(body)
	if err != nil {
		return faultResponse(clientFault(err)), "CLIENT_FAULT"
	}
	switch r.Op {
	case OpLogout:
		return h.logout(ctx, r, log)
	case OpSetPassword, OpGetUserInfo:
		return h.call(ctx, req, r, version, log)
	default:
		return h.login(ctx, req, r, version, log)
	}
}

// clientFault is the fault for a request the codec refused.
func clientFault(err error) *Fault {
	if f, ok := err.(*Fault); ok {
		return f
	}
	return ClientFault(err.Error())
}

func (h *Handler) login(ctx context.Context, req events.APIGatewayV2HTTPRequest, r Request, version string, log *slog.Logger) (events.APIGatewayV2HTTPResponse, string) {
	ip, _ := netip.ParseAddr(req.RequestContext.HTTP.SourceIP)
	start, hashes := time.Now(), secret.Hashes()
	res, err := h.Login.Login(ctx, login.Attempt{
		Username: r.Username, Secret: r.Password, IP: ip, Type: "SOAP",
		Client: req.RequestContext.HTTP.UserAgent, APIVersion: version,
	})
	took := time.Since(start)
	hashes = secret.Hashes() - hashes
	if err != nil {
		le := domain.AsError(err)
		if le.Code == domain.CodeUnknown {
			log.ErrorContext(ctx, "login failed internally", "error", err.Error())
		}
		log.InfoContext(ctx, "login refused", "reason", string(le.Reason), "code", le.Code, "source_ip", ip.String())
		h.metric(start, string(le.Reason), took, hashes, log)
		resp := faultResponse(FaultOf(le))
		if le.RetryAfter > 0 {
			resp.Headers["Retry-After"] = strconv.Itoa(int(le.RetryAfter / time.Second))
		}
		return resp, string(le.Reason)
	}
	log.InfoContext(ctx, "login allowed", "reason", string(res.Decision.Reason), "via", string(res.Decision.Via),
		"user_id", res.User.ID, "org_id", res.User.OrgID, "source_ip", ip.String())
	h.metric(start, string(res.Decision.Reason), took, hashes, log)
	result := loginResult(apigw.BaseURL(req), version, res)
	result.PasswordExpired = res.Decision.PasswordExpired
	out, err := EncodeLoginResponse(version, result)
	if err != nil {
		log.ErrorContext(ctx, "encoding login response", "error", err.Error())
		return faultResponse(FaultOf(err)), string(domain.ReasonInternal)
	}
	return xmlResponse(200, out), string(res.Decision.Reason)
}

func (h *Handler) metric(at time.Time, outcome string, took time.Duration, hashes uint64, log *slog.Logger) {
	if h.Metrics == nil {
		return
	}
	if err := h.Metrics.LoginOutcome(at, "SOAP", outcome, took, hashes); err != nil {
		log.Warn("writing metric", "error", err.Error())
	}
}

func (h *Handler) logout(ctx context.Context, r Request, log *slog.Logger) (events.APIGatewayV2HTTPResponse, string) {
	if err := h.Login.Logout(ctx, r.SessionID, policy.ChannelAPI); err != nil {
		le := domain.AsError(err)
		if le.Code == domain.CodeUnknown {
			log.ErrorContext(ctx, "logout failed internally", "error", err.Error())
			return faultResponse(FaultOf(le)), string(le.Reason)
		}
		return faultResponse(FaultOf(le)), le.Code
	}
	return xmlResponse(200, EncodeLogoutResponse()), "LOGOUT"
}

func loginResult(base, version string, res login.Result) LoginResult {
	u := res.User
	return LoginResult{
		MetadataServerURL: base + "/services/Soap/m/" + version + "/" + u.OrgID,
		ServerURL:         base + "/services/Soap/u/" + version + "/" + u.OrgID,
		SessionID:         res.SessionID,
		UserID:            ids.Long(u.ID),
		UserInfo:          userInfo(u, res.Session),
	}
}

func userInfo(u domain.User, s domain.Session) UserInfo {
	zone := u.TimeZone
	if zone == "" {
		zone = u.Policy.TimeZone
	}
	return UserInfo{
		CurrencySymbol:             "$",
		OrgAttachmentFileSizeLimit: 5242880,
		OrgDefaultCurrencyIsoCode:  "USD",
		OrgDefaultCurrencyLocale:   "en_US",
		OrganizationID:             ids.Long(u.OrgID),
		OrganizationName:           u.Policy.OrgName,
		ProfileID:                  ids.Long(u.ProfileID),
		SessionSecondsValid:        int(s.Timeout / time.Second),
		UserEmail:                  u.Email,
		UserFullName:               u.FullName(),
		UserID:                     ids.Long(u.ID),
		UserLanguage:               orDefault(u.Language, "en_US"),
		UserLocale:                 orDefault(u.Locale, "en_US"),
		UserName:                   u.Username,
		UserTimeZone:               orDefault(zone, "UTC"),
		UserType:                   "Standard",
		UserUISkin:                 "Theme3",
	}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// call runs an operation made with a session on the serverUrl: the session
// is checked for that use (a session opened on an expired password may only
// setPassword), and must be of the org the URL names.
func (h *Handler) call(ctx context.Context, req events.APIGatewayV2HTTPRequest, r Request, version string, log *slog.Logger) (events.APIGatewayV2HTTPResponse, string) {
	ip, _ := netip.ParseAddr(req.RequestContext.HTTP.SourceIP)
	setting := r.Op == OpSetPassword
	if setting && h.Passwords == nil || !setting && h.Users == nil {
		return faultResponse(ClientFault("No operation available for request {" + NSPartner + "}" + r.Op.String())), "CLIENT_FAULT"
	}
	sess, _, err := h.Login.CheckSession(ctx, r.SessionID, login.Use{Channel: policy.ChannelAPI, IP: ip, SettingPassword: setting})
	if err == nil && !sameOrg(req.PathParameters["orgId"], sess.OrgID) {
		err = login.ErrInvalidSession
	}
	if err == nil && setting {
		err = h.Passwords.SetPasswordFromSession(ctx, sess, r.UserID, r.Password, ip.String())
	}
	if err != nil {
		le := domain.AsError(err)
		if le.Code == domain.CodeUnknown {
			log.ErrorContext(ctx, "soap call failed internally", "error", err.Error())
		}
		return faultResponse(CallFault(le)), le.Code
	}
	if setting {
		log.InfoContext(ctx, "password set", "user_id", sess.UserID, "org_id", sess.OrgID, "source_ip", ip.String())
		return xmlResponse(200, EncodeSetPasswordResponse()), "PASSWORD_SET"
	}
	u, err := h.Users.User(ctx, sess.Username)
	if err != nil {
		log.ErrorContext(ctx, "reading the session's user", "error", err.Error())
		return faultResponse(FaultOf(err)), string(domain.ReasonInternal)
	}
	out, err := EncodeGetUserInfoResponse(version, userInfo(u, sess))
	if err != nil {
		log.ErrorContext(ctx, "encoding getUserInfo response", "error", err.Error())
		return faultResponse(FaultOf(err)), string(domain.ReasonInternal)
	}
	return xmlResponse(200, out), "USER_INFO"
}

// sameOrg: the serverUrl's org id (15 or 18 characters; "" on the login
// URL) names the session's org.
func sameOrg(fromURL, org string) bool {
	if fromURL == "" {
		return true
	}
	id, err := ids.To15(fromURL)
	return err == nil && id == org
}
