package admin

import (
	"context"
	"reflect"
	"slices"

	"loginguard/shared/account"
	"loginguard/shared/domain"
	"loginguard/shared/policy"
)

// CLI is the operator's lgadmin: it holds the service's credentials and
// may do everything.
var CLI = account.CLIActor

// ErrOtherOrg: a signed-in admin acts on another org than their own.
var ErrOtherOrg = &domain.Error{Code: domain.CodeNotPermitted, Message: "You may administer only your own org."}

// allow checks that actor may do act in org orgID ("": the actor's own,
// before the target is read), naming target. A refusal names the missing
// permission and is written to the audit trail of the actor's org (only a
// CLI is never refused, and no one writes into another org's trail). With
// the permission, the org's identity-verification policy for act's area
// must pass at the actor's session level (account.Actor.Verified): a
// refusal or a step-up asked is audited as well.
func (s *Service) allow(ctx context.Context, actor account.Actor, act policy.AdminAction, orgID, target string) error {
	if orgID == "" {
		orgID = actor.User.OrgID
	}
	switch {
	case actor.May(act, orgID):
		if e := actor.Verified(act); e != nil {
			return s.refuse(ctx, actor, act, target, e)
		}
		return nil
	case actor.User.Policy.Permissions().Allows(act): // so orgID is another org
		return s.refuse(ctx, actor, act, target, ErrOtherOrg)
	}
	return s.refuse(ctx, actor, act, target, invalid(domain.CodeNotPermitted, policy.Refusal(act)))
}

// refuse writes a refusal to the audit trail of the actor's org and
// returns it (carrying why the audit line was not written, if it was not).
func (s *Service) refuse(ctx context.Context, actor account.Actor, act policy.AdminAction, target string, e *domain.Error) error {
	ev := actor.AuditEvent(s.Now(), actor.User.OrgID, "", target, string(act), e.Code)
	if err := s.Store.Audit(ctx, ev); err != nil {
		return e.Wrap(err)
	}
	return e
}

// userFor reads the user named username for actor doing act: the actor
// must hold the permission before the user is read, and the user must be
// of the actor's org.
func (s *Service) userFor(ctx context.Context, actor account.Actor, act policy.AdminAction, username string) (domain.User, error) {
	if err := s.allow(ctx, actor, act, "", username); err != nil {
		return domain.User{}, err
	}
	u, err := s.Store.User(ctx, username)
	if err != nil {
		return domain.User{}, err
	}
	if err := s.allow(ctx, actor, act, u.OrgID, u.Username); err != nil {
		return domain.User{}, err
	}
	return u, nil
}

// allowGrant checks that actor holds every permission that changes from
// before to after: an admin hands out (or takes away) only what they hold.
func (s *Service) allowGrant(ctx context.Context, actor account.Actor, act policy.AdminAction, target string, before, after policy.Permissions) error {
	if actor.IsCLI() {
		return nil
	}
	changed := policy.Permissions{ViewSetup: before.ViewSetup != after.ViewSetup, ManageUsers: before.ManageUsers != after.ManageUsers,
		CustomizeApplication: before.CustomizeApplication != after.CustomizeApplication}
	if p := actor.User.Policy.Permissions().NotGranted(changed); p != "" {
		return s.refuse(ctx, actor, act, target, invalid(domain.CodeNotPermitted, policy.GrantRefusal(p)))
	}
	return nil
}

// orgChanges are the admin actions a change of an org's settings from
// before to after is: network access and password policies apart from the
// rest (each has its own identity-verification policy), at least one. A
// change of an area's identity-verification policy is also each action the
// area guards: only someone who may act in the area now (a Standard session
// not where it says Block or Raise) changes its policy, so a Standard
// session cannot lift a policy to get past it.
func orgChanges(before, after domain.OrgSettings) []policy.AdminAction {
	var acts []policy.AdminAction
	add := func(act policy.AdminAction) {
		if !slices.Contains(acts, act) {
			acts = append(acts, act)
		}
	}
	for _, area := range policy.Areas {
		if before.IdentityVerification[area] != after.IdentityVerification[area] {
			for _, act := range policy.GuardedBy(area) {
				add(act)
			}
		}
	}
	if !reflect.DeepEqual(before.TrustedRanges, after.TrustedRanges) {
		add(policy.AdminNetworkAccess)
	}
	if before.Password != after.Password {
		add(policy.AdminPasswordPolicy)
	}
	before.TrustedRanges, before.Password = after.TrustedRanges, after.Password
	if !reflect.DeepEqual(before, after) || len(acts) == 0 {
		acts = append(acts, policy.AdminOrgSettings)
	}
	return acts
}
