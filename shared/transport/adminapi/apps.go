package adminapi

import (
	"context"

	"loginguard/shared/admin"
	"loginguard/shared/domain"
	"loginguard/shared/policy"
)

// newApp is the body of POST /apps: lgadmin app create's flags, with the
// same defaults (PKCE required, the default scopes, refresh tokens until
// revoked).
type newApp struct {
	Name        string   `json:"name"`
	Public      bool     `json:"public"`
	ClientID    string   `json:"clientId"`
	Callbacks   []string `json:"callbacks"`
	RequirePKCE *bool    `json:"requirePkce"`
	Scopes      *string  `json:"scopes"`
	Refresh     string   `json:"refreshTokens"`
}

// spec is the app to create, its texts read as lgadmin reads its flags.
func (n newApp) spec() (admin.AppSpec, error) {
	spec := admin.AppSpec{Name: n.Name, ClientID: n.ClientID,
		OAuth: policy.OAuthApp{Public: n.Public, Callbacks: n.Callbacks, RequirePKCE: n.RequirePKCE == nil || *n.RequirePKCE || n.Public}}
	scopes, refresh := policy.ScopeString(policy.DefaultScopes), "until-revoked"
	if n.Scopes != nil {
		scopes = *n.Scopes
	}
	if n.Refresh != "" {
		refresh = n.Refresh
	}
	var err error
	if spec.OAuth.Scopes, err = policy.ParseScopes(scopes); err != nil {
		return spec, apiError(domain.CodeInvalidField, err.Error())
	}
	if spec.OAuth.Refresh, err = policy.ParseRefreshPolicy(refresh); err != nil {
		return spec, apiError(domain.CodeInvalidField, err.Error())
	}
	return spec, nil
}

func (h *Handler) apps(ctx context.Context, r request) (any, error) {
	apps, err := h.Admin.Apps(ctx, r.actor, r.actor.User.OrgID)
	return admin.AppRecords(apps), err
}

// createApp creates a connected app of the caller's org; a confidential
// app's client secret is in this answer only (it is stored as a digest).
func (h *Handler) createApp(ctx context.Context, r request) (any, error) {
	var n newApp
	if err := decode(r, &n); err != nil {
		return nil, err
	}
	spec, err := n.spec()
	if err != nil {
		return nil, err
	}
	app, err := h.Admin.CreateApp(ctx, r.actor, r.actor.User.OrgID, spec)
	if err != nil {
		return nil, err
	}
	return app.Record(), nil
}

// appDeleted is the answer of deleting an app: the sessions its logins
// opened are ended with it.
type appDeleted struct {
	Deleted       string `json:"deleted"`
	SessionsEnded int    `json:"sessionsEnded"`
}

func (h *Handler) deleteApp(ctx context.Context, r request) (any, error) {
	id := pathParam(r, "clientId")
	rep, err := h.Admin.DeleteApp(ctx, r.actor, r.actor.User.OrgID, id)
	return appDeleted{Deleted: id, SessionsEnded: rep.Ended}, err
}
