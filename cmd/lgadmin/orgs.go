package main

import (
	"context"
	"errors"
	"fmt"

	"loginguard/shared/admin"
	"loginguard/shared/domain"
	"loginguard/shared/settings"
)

func (a *App) showOrg(o domain.Org) {
	v := settings.OrgView(o)
	a.show(v, v.Lines())
}

func (a *App) orgCreate(ctx context.Context, args []string) error {
	fs := a.flags("org create", "")
	name := fs.String("name", "", "org name (required)")
	settings.Register(fs, settings.Org)
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	if err := admin.CheckName(*name); err != nil {
		return err
	}
	n := admin.NewOrg{Name: *name, Settings: admin.DefaultOrgSettings()}
	if err := settings.ApplyFlags(fs, settings.Org, &n.Settings, settings.Env{}, true); err != nil {
		return err
	}
	// Told before AWS is asked anything.
	if err := n.Check(); err != nil {
		return err
	}
	svc, err := a.admin(ctx)
	if err != nil {
		return err
	}
	o, err := svc.CreateOrg(ctx, cliActor, n)
	if err != nil {
		return err
	}
	a.showOrg(o)
	return nil
}

func (a *App) orgSet(ctx context.Context, args []string) error {
	fs := a.flags("org set", "[--org] ORG_ID")
	org := idFlag(fs, "org", true)
	settings.Register(fs, settings.Org)
	svc, err := a.parseIDs(ctx, fs, args, org)
	if err != nil {
		return err
	}
	o, err := svc.UpdateOrg(ctx, cliActor, org.value, func(s *domain.OrgSettings) error {
		return settings.ApplyFlags(fs, settings.Org, s, settings.Env{}, false)
	})
	if err != nil {
		return syncHint(err, o.ID)
	}
	a.showOrg(o)
	return nil
}

// syncHint says how to finish a settings change not yet on every user.
func syncHint(err error, org string) error {
	if errors.Is(err, domain.ErrPartialSync) {
		return fmt.Errorf("%w (lgadmin org sync %s)", err, org)
	}
	return err
}

func (a *App) orgShow(ctx context.Context, args []string) error {
	fs := a.flags("org show", "[--org] ORG_ID")
	org := idFlag(fs, "org", true)
	svc, err := a.parseIDs(ctx, fs, args, org)
	if err != nil {
		return err
	}
	o, err := svc.Org(ctx, cliActor, org.value)
	if err != nil {
		return err
	}
	a.showOrg(o)
	return nil
}

func (a *App) orgSync(ctx context.Context, args []string) error {
	fs := a.flags("org sync", "[--org] ORG_ID")
	org := idFlag(fs, "org", true)
	svc, err := a.parseIDs(ctx, fs, args, org)
	if err != nil {
		return err
	}
	id, err := svc.SyncOrg(ctx, cliActor, org.value)
	if err != nil {
		return err
	}
	a.show(map[string]string{"synced": id}, [][2]string{{"synced", id}})
	return nil
}
