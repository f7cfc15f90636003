package data

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/url"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"loginguard/shared/apiversion"
	"loginguard/shared/domain"
	"loginguard/shared/ids"
	"loginguard/shared/transport/apigw"
	"loginguard/shared/transport/authorizer"
)

// Store is what the resources read: users by id and the caller's org.
type Store interface {
	UserByID(ctx context.Context, id string) (domain.User, error)
	Org(ctx context.Context, id string) (domain.Org, error)
}

// Handler serves GET /services/data, /services/data/{version} and
// /services/data/{version}/{proxy+}, behind the session authorizer.
type Handler struct {
	Store Store
	Log   *slog.Logger
}

// Salesforce's error codes and texts, as its REST API answers them.
const (
	codeNotFound     = "NOT_FOUND"
	msgNotFound      = "The requested resource does not exist"
	codeNoAccess     = "INSUFFICIENT_ACCESS_OR_READONLY"
	msgNoAccess      = "You can read only your own User record: reading another user's needs the Manage Users permission."
	codeMalformed    = "MALFORMED_QUERY"
	msgNoQuery       = "A query string has to be specified"
	msgOtherQuery    = "This is not a query engine: only \"" + queryScratchOrgInfo + "\" and \"" + queryOrganization + "\" are served."
	codeInvalidType  = "INVALID_TYPE"
	msgScratchOrg    = "sObject type 'ScratchOrgInfo' is not supported."
	msgInvalidSessID = "Session expired or invalid"
)

// The two queries answered (matched as normalise writes them): the CLI asks
// the first to learn whether an org is a Dev Hub (INVALID_TYPE: it is not),
// the second to describe the org.
const (
	queryScratchOrgInfo = "SELECT Id FROM ScratchOrgInfo limit 1"
	queryOrganization   = "SELECT Name, InstanceName, IsSandbox, TrialExpirationDate, NamespacePrefix, OrganizationType FROM Organization"
)

// What the Organization query answers of every org: there is one instance,
// no sandbox, no trial and no namespace.
const (
	instanceName     = "LOCAL"
	organizationType = "Developer Edition"
)

var fail = apigw.ErrorResponse

func ok(v any) events.APIGatewayV2HTTPResponse {
	b, _ := json.Marshal(v)
	return apigw.JSONResponse(200, b)
}

// caller is who the authorizer says is asking.
type caller struct{ userID, orgID string }

func callerOf(req events.APIGatewayV2HTTPRequest) (caller, bool) {
	user, org, ok := authorizer.Caller(req)
	return caller{userID: user, orgID: org}, ok
}

// Handle is the Lambda handler. Every route is behind the session
// authorizer; without its context nothing is trusted (401, as Salesforce
// answers a missing session).
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	log := h.Log.With("request_id", req.RequestContext.RequestID, "route", req.RouteKey)
	c, known := callerOf(req)
	if !known {
		log.WarnContext(ctx, "data request", "outcome", "NOT_BEHIND_AUTHORIZER")
		return fail(401, domain.CodeInvalidSession, msgInvalidSessID), nil
	}
	resp, outcome := h.serve(ctx, req, c, log)
	log.InfoContext(ctx, "data request", "outcome", outcome, "status", resp.StatusCode, "user_id", c.userID, "org_id", c.orgID)
	return resp, nil
}

func (h *Handler) serve(ctx context.Context, req events.APIGatewayV2HTTPRequest, c caller, log *slog.Logger) (events.APIGatewayV2HTTPResponse, string) {
	pv, versioned := req.PathParameters["version"]
	if !versioned {
		return versions(), "VERSIONS"
	}
	num, _ := strings.CutPrefix(pv, "v")
	v, parsed := apiversion.Parse(num)
	if !strings.HasPrefix(pv, "v") || !parsed || !v.Served() {
		return fail(404, codeNotFound, msgNotFound), "UNSUPPORTED_VERSION"
	}
	base := "/services/data/v" + v.String()
	rest := strings.TrimSuffix(req.PathParameters["proxy"], "/")
	switch {
	case rest == "":
		return ok(map[string]string{
			"sobjects": base + "/sobjects", "query": base + "/query",
			"identity": apigw.IdentityURL(apigw.BaseURL(req), c.orgID, c.userID),
		}), "RESOURCES"
	case rest == "query":
		return h.query(ctx, req, c, base, log)
	case strings.HasPrefix(rest, "sobjects/User/"):
		return h.user(ctx, c, base, strings.TrimPrefix(rest, "sobjects/User/"), log)
	}
	return fail(404, codeNotFound, msgNotFound), "NO_SUCH_RESOURCE"
}

type versionEntry struct {
	Label   string `json:"label"`
	URL     string `json:"url"`
	Version string `json:"version"`
}

func versions() events.APIGatewayV2HTTPResponse {
	var out []versionEntry
	for _, v := range apiversion.All() {
		out = append(out, versionEntry{Label: v.Label(), URL: "/services/data/v" + v.String(), Version: v.String()})
	}
	return ok(out)
}

type attributes struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

// userRecord is the User sObject's fields we keep, in Salesforce's names.
type userRecord struct {
	Attributes        attributes `json:"attributes"`
	ID                string     `json:"Id"`
	Username          string     `json:"Username"`
	Email             *string    `json:"Email"`
	Name              string     `json:"Name"`
	FirstName         *string    `json:"FirstName"`
	LastName          *string    `json:"LastName"`
	IsActive          bool       `json:"IsActive"`
	ProfileID         string     `json:"ProfileId"`
	TimeZoneSidKey    string     `json:"TimeZoneSidKey"`
	LanguageLocaleKey string     `json:"LanguageLocaleKey"`
	LocaleSidKey      string     `json:"LocaleSidKey"`
}

// null is a field Salesforce answers as null when empty.
func null(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// user answers the User record id: the caller's own, or with Manage Users
// any of the caller's org. Another org's user reads as no user at all.
func (h *Handler) user(ctx context.Context, c caller, base, id string, log *slog.Logger) (events.APIGatewayV2HTTPResponse, string) {
	id15, err := ids.To15(id)
	if err != nil || !strings.HasPrefix(id15, ids.PrefixUser) {
		return fail(404, codeNotFound, msgNotFound), "NO_SUCH_USER"
	}
	u, err := h.Store.UserByID(ctx, id15)
	if errors.Is(err, domain.ErrNotFound) || err == nil && u.OrgID != c.orgID {
		return fail(404, codeNotFound, msgNotFound), "NO_SUCH_USER"
	}
	if err != nil {
		return h.internal(ctx, err, log)
	}
	if u.ID != c.userID {
		me, err := h.Store.UserByID(ctx, c.userID)
		if err != nil && !errors.Is(err, domain.ErrNotFound) {
			return h.internal(ctx, err, log)
		}
		if err != nil || !me.Policy.ManageUsers || me.OrgID != c.orgID {
			return fail(403, codeNoAccess, msgNoAccess), "NO_MANAGE_USERS"
		}
	}
	zone := orDefault(u.TimeZone, orDefault(u.Policy.TimeZone, "UTC"))
	id18 := ids.Long(u.ID)
	return ok(userRecord{
		Attributes: attributes{Type: "User", URL: base + "/sobjects/User/" + id18},
		ID:         id18, Username: u.Username, Email: null(u.Email), Name: u.FullName(),
		FirstName: null(u.FirstName), LastName: null(u.LastName), IsActive: u.Active, ProfileID: ids.Long(u.ProfileID),
		TimeZoneSidKey: zone, LanguageLocaleKey: orDefault(u.Language, "en_US"), LocaleSidKey: orDefault(u.Locale, "en_US"),
	}), "USER"
}

// normalise writes a query in one form: one space between words, a comma
// its own word, case folded (SOQL keywords and names ignore case).
func normalise(q string) string {
	return strings.ToLower(strings.Join(strings.Fields(strings.ReplaceAll(q, ",", " , ")), " "))
}

type queryResult struct {
	TotalSize int   `json:"totalSize"`
	Done      bool  `json:"done"`
	Records   []any `json:"records"`
}

type organizationRecord struct {
	Attributes          attributes `json:"attributes"`
	Name                string     `json:"Name"`
	InstanceName        string     `json:"InstanceName"`
	IsSandbox           bool       `json:"IsSandbox"`
	TrialExpirationDate *string    `json:"TrialExpirationDate"`
	NamespacePrefix     *string    `json:"NamespacePrefix"`
	OrganizationType    string     `json:"OrganizationType"`
}

// query answers the two queries the CLI asks after a login, and refuses
// every other: this is no query engine.
func (h *Handler) query(ctx context.Context, req events.APIGatewayV2HTTPRequest, c caller, base string, log *slog.Logger) (events.APIGatewayV2HTTPResponse, string) {
	switch normalise(queryParam(req)) {
	case "":
		return fail(400, codeMalformed, msgNoQuery), "NO_QUERY"
	case normalise(queryScratchOrgInfo):
		return fail(400, codeInvalidType, msgScratchOrg), "SCRATCH_ORG_INFO"
	case normalise(queryOrganization):
	default:
		return fail(400, codeMalformed, msgOtherQuery), "OTHER_QUERY"
	}
	o, err := h.Store.Org(ctx, c.orgID)
	if err != nil {
		return h.internal(ctx, err, log)
	}
	return ok(queryResult{TotalSize: 1, Done: true, Records: []any{organizationRecord{
		Attributes: attributes{Type: "Organization", URL: base + "/sobjects/Organization/" + ids.Long(o.ID)},
		Name:       o.Name, InstanceName: instanceName, OrganizationType: organizationType,
	}}}), "ORGANIZATION"
}

// queryParam is q as the client wrote it. The raw query string is read
// where there is one: whether API Gateway has decoded
// queryStringParameters then does not matter.
func queryParam(req events.APIGatewayV2HTTPRequest) string {
	if req.RawQueryString != "" {
		if v, err := url.ParseQuery(req.RawQueryString); err == nil {
			return v.Get("q")
		}
		return ""
	}
	return req.QueryStringParameters["q"]
}

// internal is a failure of ours: the client sees Salesforce's
// UNKNOWN_EXCEPTION, the log the cause.
func (h *Handler) internal(ctx context.Context, err error, log *slog.Logger) (events.APIGatewayV2HTTPResponse, string) {
	log.ErrorContext(ctx, "data request failed", "error", err.Error())
	return fail(500, domain.CodeUnknown, domain.UnknownMessage), string(domain.ReasonInternal)
}
