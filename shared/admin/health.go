package admin

import (
	"context"
	"sort"

	"loginguard/shared/account"
	"loginguard/shared/domain"
	"loginguard/shared/policy"
)

// HealthCheck scores an org's settings against the baseline
// (policy.HealthCheck): it reads the org, its profiles, its users (for
// two-factor coverage) and its latest MaxLines lines of login history (for
// which profiles use the API). Reading it needs View Setup (Salesforce's
// "View Health Check" is a setup page) and passes the org's "View Health
// Check" identity-verification policy.
func (s *Service) HealthCheck(ctx context.Context, actor account.Actor, orgID string) (policy.HealthReport, error) {
	o, err := s.org(ctx, actor, policy.AdminHealthCheck, orgID)
	if err != nil {
		return policy.HealthReport{}, err
	}
	ps, err := s.Store.Profiles(ctx, o.ID)
	if err != nil {
		return policy.HealthReport{}, err
	}
	us, err := s.Store.UsersOfOrg(ctx, o.ID)
	if err != nil {
		return policy.HealthReport{}, err
	}
	hist, err := s.Store.History(ctx, domain.HistoryFilter{OrgID: o.ID, Limit: MaxLines})
	if err != nil {
		return policy.HealthReport{}, err
	}
	return policy.HealthCheck(HealthInput(o, ps, us, hist)), nil
}

// HealthInput is what Health Check scores of an org, its profiles, its
// users and its login history: only active users count.
func HealthInput(o domain.Org, ps []domain.Profile, us []domain.User, hist []domain.LoginEvent) policy.HealthInput {
	in := policy.HealthInput{OrgID: o.ID, Lockout: o.Lockout, SessionTimeout: o.SessionTimeout,
		LockSessionsToIP: o.LockSessionsToIP, RememberMe: o.RememberMe, FamiliarPlaceLockout: o.FamiliarPlaceLockout,
		Levels: o.Levels, HighAssurance: o.HighAssurance, TrustedRanges: o.TrustedRanges, Password: o.Password,
		IdentityVerification: o.IdentityVerification}
	byID := map[string]*policy.HealthProfile{}
	in.Profiles = make([]policy.HealthProfile, len(ps))
	for i, p := range ps {
		in.Profiles[i] = policy.HealthProfile{ID: p.ID, Name: p.Name, LoginHours: p.LoginHours, LoginIPRanges: p.LoginIPRanges,
			APIEnabled: p.APIEnabled, ManageUsers: p.ManageUsers, TwoFactorUI: p.TwoFactorUI, TwoFactorAPI: p.TwoFactorAPI,
			RequireHighAssurance: p.RequireHighAssurance}
		byID[p.ID] = &in.Profiles[i]
	}
	profileOf := map[string]*policy.HealthProfile{}
	for _, u := range us {
		hp := byID[u.ProfileID]
		if hp == nil || !u.Active {
			continue
		}
		profileOf[u.ID] = hp
		hp.Users++
		if u.TOTPSealed == "" {
			hp.WithoutTOTP = append(hp.WithoutTOTP, u.Username)
		}
	}
	for _, e := range hist {
		hp := profileOf[e.UserID]
		if hp == nil || !e.Allowed {
			continue
		}
		hp.Logins++
		if policy.ChannelOf(e.LoginType) == policy.ChannelAPI {
			hp.APILogins++
		}
	}
	for i := range in.Profiles {
		sort.Strings(in.Profiles[i].WithoutTOTP)
	}
	return in
}
