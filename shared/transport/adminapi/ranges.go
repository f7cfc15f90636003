package adminapi

import (
	"context"
	"strings"

	"loginguard/shared/domain"
	"loginguard/shared/policy"
	"loginguard/shared/settings"
)

// ipRange is the body that adds or edits one range: the seed's IP Start
// Address and IP End Address (end omitted: the start alone).
type ipRange struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// rangeChange is one range's change of a list: an add (no id), an edit
// (an id and a body) or a delete (an id, no body).
type rangeChange = func(rs policy.IPRanges) (policy.IPRanges, error)

// rangeChangeOf reads the change a request asks: the range its body
// gives, the range its path names.
func rangeChangeOf(r request, method string) (rangeChange, error) {
	id := pathParam(r, "ipRange")
	if method == "DELETE" {
		return func(rs policy.IPRanges) (policy.IPRanges, error) { return settings.DeleteRange(rs, id) }, nil
	}
	var body ipRange
	if err := decode(r, &body); err != nil {
		return nil, err
	}
	if err := required("start", body.Start); err != nil {
		return nil, err
	}
	next, err := settings.ParseRange(body.Start, body.End)
	if err != nil {
		return nil, err
	}
	if method == "POST" {
		return func(rs policy.IPRanges) (policy.IPRanges, error) { return settings.AddRange(rs, next) }, nil
	}
	return func(rs policy.IPRanges) (policy.IPRanges, error) { return settings.ReplaceRange(rs, id, next) }, nil
}

// method is the request's HTTP method, from its route key.
func method(r request) string {
	m, _, _ := strings.Cut(r.RouteKey, " ")
	return m
}

// trustedRange adds, edits or deletes one of the org's trusted ranges
// (Network Access): one conditional write of the org as read, so a
// concurrent change is refused (CONCURRENT_CHANGE), never lost.
func (h *Handler) trustedRange(ctx context.Context, r request) (any, error) {
	change, err := rangeChangeOf(r, method(r))
	if err != nil {
		return nil, err
	}
	o, err := h.Admin.UpdateTrustedRanges(ctx, r.actor, r.actor.User.OrgID, change)
	return settings.OrgView(o), err
}

// loginIPRange adds, edits or deletes one of a profile's login IP ranges,
// as the seed's Login IP Ranges page does: one conditional write.
func (h *Handler) loginIPRange(ctx context.Context, r request) (any, error) {
	change, err := rangeChangeOf(r, method(r))
	if err != nil {
		return nil, err
	}
	p, err := h.Admin.UpdateProfile(ctx, r.actor, r.actor.User.OrgID, pathParam(r, "profileId"), func(_ domain.Org, s *domain.ProfileSettings) error {
		rs, err := change(s.LoginIPRanges)
		s.LoginIPRanges = rs
		return err
	})
	return settings.ProfileView(p), err
}
