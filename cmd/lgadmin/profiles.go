package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"loginguard/shared/admin"
	"loginguard/shared/domain"
	"loginguard/shared/settings"
)

func (a *App) showProfile(p domain.Profile) {
	v := settings.ProfileView(p)
	a.show(v, v.Lines())
}

// profileEdit applies a command line's profile flags; creating, every
// boolean one with its default.
func profileEdit(fs *flag.FlagSet, creating bool) admin.ProfileEdit {
	return func(o domain.Org, s *domain.ProfileSettings) error {
		return settings.ApplyFlags(fs, settings.Profile, s, settings.Env{OrgZone: o.TimeZone}, creating)
	}
}

func (a *App) profileCreate(ctx context.Context, args []string) error {
	fs := a.flags("profile create", "--org ORG_ID --name NAME")
	org := idFlag(fs, "org", false)
	name := fs.String("name", "", "profile name (required)")
	settings.Register(fs, settings.Profile)
	if err := parseIDs(fs, args, org); err != nil {
		return err
	}
	if err := admin.CheckName(*name); err != nil {
		return err
	}
	svc, err := a.admin(ctx)
	if err != nil {
		return err
	}
	p, err := svc.CreateProfile(ctx, cliActor, org.value, *name, profileEdit(fs, true))
	if err != nil {
		return err
	}
	a.showProfile(p)
	return nil
}

func (a *App) profileSet(ctx context.Context, args []string) error {
	fs := a.flags("profile set", "--org ORG_ID [--profile] PROFILE_ID")
	org, prof := idFlag(fs, "org", false), idFlag(fs, "profile", true)
	settings.Register(fs, settings.Profile)
	svc, err := a.parseIDs(ctx, fs, args, org, prof)
	if err != nil {
		return err
	}
	p, err := svc.UpdateProfile(ctx, cliActor, org.value, prof.value, profileEdit(fs, false))
	if err != nil {
		return syncHint(err, p.OrgID)
	}
	a.showProfile(p)
	return nil
}

func (a *App) profileShow(ctx context.Context, args []string) error {
	fs := a.flags("profile show", "--org ORG_ID [--profile] PROFILE_ID")
	org, prof := idFlag(fs, "org", false), idFlag(fs, "profile", true)
	svc, err := a.parseIDs(ctx, fs, args, org, prof)
	if err != nil {
		return err
	}
	p, err := svc.Profile(ctx, cliActor, org.value, prof.value)
	if err != nil {
		return err
	}
	a.showProfile(p)
	return nil
}

func (a *App) profileList(ctx context.Context, args []string) error {
	fs := a.flags("profile list", "--org ORG_ID")
	org := idFlag(fs, "org", false)
	svc, err := a.parseIDs(ctx, fs, args, org)
	if err != nil {
		return err
	}
	ps, err := svc.Profiles(ctx, cliActor, org.value)
	if err != nil {
		return err
	}
	views := make([]view, 0, len(ps))
	for _, p := range ps {
		views = append(views, settings.ProfileView(p))
	}
	if a.json {
		a.printJSON(views)
		return nil
	}
	tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tAPI\tMANAGE USERS\tCUSTOMIZE APP\tVIEW SETUP\tLOGIN HOURS\tIP RANGES")
	for _, v := range views {
		fmt.Fprintf(tw, "%s\t%s\t%v\t%v\t%v\t%v\t%s\t%s\n", v.Get("id"), v.Get("name"), v.Get("apiEnabled"), v.Get("manageUsers"),
			v.Get("customizeApplication"), v.Get("viewSetup"), v.Get("loginHours"), strings.Join(v.Get("loginIpRanges").([]string), ","))
	}
	return tw.Flush()
}
