// Package apigw reads what every handler needs from an API Gateway HTTP API
// (payload 2.0) event: headers, the body, the base URL the client used, and a bearer token;
// and the JSON answer they give back.
package apigw

import (
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"loginguard/shared/ids"
)

// Header returns a request header by name, in any case.
func Header(req events.APIGatewayV2HTTPRequest, name string) string {
	if v, ok := req.Headers[name]; ok {
		return v
	}
	for k, v := range req.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// Body is the request body, base64-decoded where API Gateway encoded it.
func Body(req events.APIGatewayV2HTTPRequest) ([]byte, bool) {
	if !req.IsBase64Encoded {
		return []byte(req.Body), true
	}
	b, err := base64.StdEncoding.DecodeString(req.Body)
	return b, err == nil
}

// BaseURL is where this deployment answers, as the client reached it: API
// Gateway passes the Host header and sets X-Forwarded-Proto (https unless
// it says http, as the local gateway does).
func BaseURL(req events.APIGatewayV2HTTPRequest) string {
	host := Header(req, "host")
	if host == "" {
		host = req.RequestContext.DomainName
	}
	proto := "https"
	if Header(req, "x-forwarded-proto") == "http" {
		proto = "http"
	}
	return proto + "://" + host
}

// Origin is the origin of the domain API Gateway says it was reached on
// (not the Host header, which the client chooses), with the scheme and
// port it forwards: where a mailed link may point.
func Origin(req events.APIGatewayV2HTTPRequest) string {
	host := req.RequestContext.DomainName
	if host == "" {
		return BaseURL(req)
	}
	proto := "https"
	if Header(req, "x-forwarded-proto") == "http" {
		proto = "http"
	}
	if port := Header(req, "x-forwarded-port"); port != "" && port != "443" && port != "80" {
		host += ":" + port
	}
	return proto + "://" + host
}

// IdentityURL is a user's identity URL (OAuth's id, served at
// /id/{orgId}/{userId}) on this deployment: ids in 18 characters.
func IdentityURL(base, orgID, userID string) string {
	return base + "/id/" + ids.Long(orgID) + "/" + ids.Long(userID)
}

// JSONResponse is a JSON answer that no cache keeps (every one of ours
// carries a session's or a user's data).
func JSONResponse(status int, body []byte) events.APIGatewayV2HTTPResponse {
	return events.APIGatewayV2HTTPResponse{StatusCode: status, Body: string(body), Headers: map[string]string{
		"Content-Type": "application/json;charset=UTF-8", "Cache-Control": "no-store", "Pragma": "no-cache",
		"X-Content-Type-Options": "nosniff",
	}}
}

// APIError is one element of Salesforce's REST error answer, an array.
type APIError struct {
	Message   string `json:"message"`
	ErrorCode string `json:"errorCode"`
}

// ErrorResponse is Salesforce's REST error answer: an array of one error.
func ErrorResponse(status int, code, msg string) events.APIGatewayV2HTTPResponse {
	b, _ := json.Marshal([]APIError{{Message: msg, ErrorCode: code}})
	return JSONResponse(status, b)
}

// BearerToken takes the token from "Authorization: Bearer <token>" only.
// A token in the URL (the oauth_token query parameter, which jsforce's
// identity() adds beside the header) is never read: URLs end up in access
// logs and browser histories, and every client we serve sends the header.
func BearerToken(authorization string) (string, bool) {
	scheme, tok, ok := strings.Cut(authorization, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return "", false
	}
	return strings.TrimSpace(tok), true
}
