package admin

import (
	"context"
	"errors"

	"loginguard/shared/account"
	"loginguard/shared/domain"
	"loginguard/shared/ids"
	"loginguard/shared/policy"
)

// DefaultOrgSettings are a new org's settings before the admin's changes:
// UTC, the default lockout and session timeout, and Salesforce's defaults
// for the login page: user switching on, remember-me off (an org stored
// before those two settings existed reads both as off), and the default
// password policy.
func DefaultOrgSettings() domain.OrgSettings {
	return domain.OrgSettings{TimeZone: "UTC", Lockout: policy.DefaultLockout, SessionTimeout: policy.DefaultSessionTimeout,
		UserSwitching: true, Password: policy.DefaultPasswordPolicy}
}

// NewOrg is a request for an org.
type NewOrg struct {
	Name     string
	Settings domain.OrgSettings // from DefaultOrgSettings, changed
}

// Check is the request's rules; CreateOrg runs it first, and a caller may
// run it before it has a store.
func (n NewOrg) Check() error {
	if err := CheckName(n.Name); err != nil {
		return err
	}
	return invalidSettings(n.Settings.Validate())
}

// invalidSettings is a settings rule's refusal as the domain's error,
// carrying the rule's own error (a *policy.ValidationError) as its cause.
func invalidSettings(err error) error {
	if err == nil {
		return nil
	}
	return invalid(domain.CodeInvalidField, err.Error()).Wrap(err)
}

// CreateOrg creates an org (version 1): only the CLI may.
func (s *Service) CreateOrg(ctx context.Context, actor account.Actor, n NewOrg) (domain.Org, error) {
	if err := s.allow(ctx, actor, policy.AdminCreateOrg, "", n.Name); err != nil {
		return domain.Org{}, err
	}
	if err := n.Check(); err != nil {
		return domain.Org{}, err
	}
	id, err := ids.New("00D", s.Rand)
	if err != nil {
		return domain.Org{}, err
	}
	o := domain.Org{ID: id, Name: n.Name, CreatedAt: s.Now(), OrgSettings: n.Settings}
	if err := s.Store.CreateOrg(ctx, o); err != nil {
		return domain.Org{}, err
	}
	o.Version = 1
	return o, nil
}

// Org reads an org by its 15- or 18-character id.
func (s *Service) Org(ctx context.Context, actor account.Actor, id string) (domain.Org, error) {
	return s.org(ctx, actor, policy.AdminReadSetup, id)
}

// org reads an org for actor doing act in it.
func (s *Service) org(ctx context.Context, actor account.Actor, act policy.AdminAction, id string) (domain.Org, error) {
	if err := s.allow(ctx, actor, act, OrgID(id), OrgID(id)); err != nil {
		return domain.Org{}, err
	}
	return s.Store.Org(ctx, OrgID(id))
}

// UpdateOrg changes an org's settings with edit, checks them, stores them
// as the next version and copies them onto the org's users. An error of
// edit is returned as it is. What changed decides the permission needed
// (orgChanges).
func (s *Service) UpdateOrg(ctx context.Context, actor account.Actor, id string, edit func(*domain.OrgSettings) error) (domain.Org, error) {
	o, err := s.Store.Org(ctx, OrgID(id)) // checked below, once what changes is known
	if err != nil {
		return domain.Org{}, err
	}
	before := o.OrgSettings
	if err := edit(&o.OrgSettings); err != nil {
		return domain.Org{}, err
	}
	for _, act := range orgChanges(before, o.OrgSettings) {
		if err := s.allow(ctx, actor, act, o.ID, o.ID); err != nil {
			return domain.Org{}, err
		}
	}
	if err := invalidSettings(o.Validate()); err != nil {
		return domain.Org{}, err
	}
	o, err = s.Store.UpdateOrg(ctx, o)
	if err != nil && !errors.Is(err, domain.ErrPartialSync) {
		return o, err
	}
	return o, errors.Join(err, s.applyToSessions(ctx, o.ID))
}

// UpdateTrustedRanges changes the org's trusted IP ranges (Network Access)
// with edit, as UpdateOrg does: one conditional write of the org as read.
// The permission is checked before edit runs, so a refusal never depends
// on what the list holds (an edit of a range that is not there is
// domain.ErrNotFound only to those who may see the list change).
func (s *Service) UpdateTrustedRanges(ctx context.Context, actor account.Actor, orgID string, edit func(policy.IPRanges) (policy.IPRanges, error)) (domain.Org, error) {
	if err := s.allow(ctx, actor, policy.AdminNetworkAccess, OrgID(orgID), OrgID(orgID)); err != nil {
		return domain.Org{}, err
	}
	return s.UpdateOrg(ctx, actor, orgID, func(o *domain.OrgSettings) error {
		rs, err := edit(o.TrustedRanges)
		o.TrustedRanges = rs
		return err
	})
}

// applyToSessions carries an org's settings and its profiles' onto its
// live sessions (sessions.Service.Apply).
func (s *Service) applyToSessions(ctx context.Context, orgID string) error {
	o, err := s.Store.Org(ctx, orgID)
	if err != nil {
		return err
	}
	ps, err := s.Store.Profiles(ctx, orgID)
	if err != nil {
		return err
	}
	_, err = s.Sessions.Apply(ctx, o, ps)
	return err
}

// SyncOrg copies an org's settings onto all its users and live sessions
// again (after domain.ErrPartialSync, or CodeSessionsNotEnded); it returns
// the org's 15-character id.
func (s *Service) SyncOrg(ctx context.Context, actor account.Actor, id string) (string, error) {
	id = OrgID(id)
	if err := s.allow(ctx, actor, policy.AdminOrgSettings, id, id); err != nil {
		return id, err
	}
	err := s.Store.SyncPolicy(ctx, id)
	if err != nil && !errors.Is(err, domain.ErrPartialSync) {
		return id, err
	}
	return id, errors.Join(err, s.applyToSessions(ctx, id))
}

// ProfileEdit changes a profile's settings; it sees the profile's org (a
// profile's login hours are first set in the org's time zone).
type ProfileEdit func(o domain.Org, s *domain.ProfileSettings) error

// CreateProfile creates a profile in an org, with settings from edit; an
// actor grants only the permissions they hold.
func (s *Service) CreateProfile(ctx context.Context, actor account.Actor, orgID, name string, edit ProfileEdit) (domain.Profile, error) {
	if err := CheckName(name); err != nil {
		return domain.Profile{}, err
	}
	o, err := s.org(ctx, actor, policy.AdminProfiles, orgID)
	if err != nil {
		return domain.Profile{}, err
	}
	id, err := ids.New("00e", s.Rand)
	if err != nil {
		return domain.Profile{}, err
	}
	p := domain.Profile{ID: id, OrgID: o.ID, Name: name}
	if err := s.editProfile(ctx, actor, o, &p, edit); err != nil {
		return domain.Profile{}, err
	}
	if err := s.Store.CreateProfile(ctx, p); err != nil {
		return domain.Profile{}, err
	}
	p.Version = 1
	return p, nil
}

func (s *Service) editProfile(ctx context.Context, actor account.Actor, o domain.Org, p *domain.Profile, edit ProfileEdit) error {
	before := p.Permissions()
	if err := edit(o, &p.ProfileSettings); err != nil {
		return err
	}
	if err := s.allowGrant(ctx, actor, policy.AdminProfiles, p.ID, before, p.Permissions()); err != nil {
		return err
	}
	return invalidSettings(p.Validate())
}

// UpdateProfile changes a profile's settings with edit, checks them, stores
// them as the next version and copies them onto the org's users; an actor
// grants or removes only the permissions they hold.
func (s *Service) UpdateProfile(ctx context.Context, actor account.Actor, orgID, id string, edit ProfileEdit) (domain.Profile, error) {
	o, err := s.org(ctx, actor, policy.AdminProfiles, orgID)
	if err != nil {
		return domain.Profile{}, err
	}
	p, err := s.Store.Profile(ctx, o.ID, id)
	if err != nil {
		return domain.Profile{}, err
	}
	if err := s.editProfile(ctx, actor, o, &p, edit); err != nil {
		return domain.Profile{}, err
	}
	p, err = s.Store.UpdateProfile(ctx, p)
	if err != nil && !errors.Is(err, domain.ErrPartialSync) {
		return p, err
	}
	return p, errors.Join(err, s.applyToSessions(ctx, o.ID))
}

// Profile reads a profile of an org.
func (s *Service) Profile(ctx context.Context, actor account.Actor, orgID, id string) (domain.Profile, error) {
	if err := s.allow(ctx, actor, policy.AdminReadSetup, OrgID(orgID), id); err != nil {
		return domain.Profile{}, err
	}
	return s.Store.Profile(ctx, OrgID(orgID), id)
}

// Profiles lists an org's profiles.
func (s *Service) Profiles(ctx context.Context, actor account.Actor, orgID string) ([]domain.Profile, error) {
	if err := s.allow(ctx, actor, policy.AdminReadSetup, OrgID(orgID), OrgID(orgID)); err != nil {
		return nil, err
	}
	return s.Store.Profiles(ctx, OrgID(orgID))
}
