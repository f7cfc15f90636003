package authorizer

import (
	"github.com/aws/aws-lambda-go/events"

	"loginguard/shared/ids"
)

// Caller is who the authorizer let through, as a backend behind it reads
// requestContext.authorizer.lambda: the user's and org's 15-character ids.
// ok is false without the authorizer's context, or with ids that are none.
func Caller(req events.APIGatewayV2HTTPRequest) (userID, orgID string, ok bool) {
	if req.RequestContext.Authorizer == nil {
		return "", "", false
	}
	c := req.RequestContext.Authorizer.Lambda
	user, _ := c[CtxUserID].(string)
	org, _ := c[CtxOrgID].(string)
	user, err1 := ids.To15(user)
	org, err2 := ids.To15(org)
	return user, org, err1 == nil && err2 == nil
}
