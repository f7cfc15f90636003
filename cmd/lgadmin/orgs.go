package main

import (
	"context"
	"errors"
	"fmt"

	"loginguard/shared/admin"
	"loginguard/shared/domain"
	"loginguard/shared/ids"
)

func viewOrg(o domain.Org) view {
	id18, _ := ids.To18(o.ID)
	v := view{{key: "id", label: "id", value: o.ID}, {key: "id18", label: "id18", value: id18}, {key: "name", label: "name", value: o.Name}}
	v = append(v, settingsView(orgSettingFlags, o.OrgSettings)...)
	return append(v, shown{key: "version", label: "version", value: o.Version})
}

func (a *App) showOrg(o domain.Org) {
	v := viewOrg(o)
	a.show(v, v.lines())
}

func (a *App) orgCreate(ctx context.Context, args []string) error {
	fs := a.flags("org create", "")
	name := fs.String("name", "", "org name (required)")
	registerSettings(fs, orgSettingFlags)
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	if err := admin.CheckName(*name); err != nil {
		return err
	}
	n := admin.NewOrg{Name: *name, Settings: admin.DefaultOrgSettings()}
	if err := applySettings(fs, orgSettingFlags, &n.Settings, settingEnv{}, true); err != nil {
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
	registerSettings(fs, orgSettingFlags)
	svc, err := a.parseIDs(ctx, fs, args, org)
	if err != nil {
		return err
	}
	o, err := svc.UpdateOrg(ctx, cliActor, org.value, func(s *domain.OrgSettings) error {
		return applySettings(fs, orgSettingFlags, s, settingEnv{}, false)
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
