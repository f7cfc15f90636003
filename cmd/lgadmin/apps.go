package main

import (
	"context"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"
)

type appView struct {
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret,omitempty"`
	OrgID        string `json:"orgId"`
	Name         string `json:"name"`
	CreatedAt    string `json:"createdAt"`
}

func (a *App) appCreate(ctx context.Context, args []string) error {
	fs := a.flags("app create", "--org ORG_ID --name NAME")
	org := idFlag(fs, "org", false)
	name := fs.String("name", "", "connected app name (required)")
	svc, err := a.parseIDs(ctx, fs, args, org)
	if err != nil {
		return err
	}
	app, err := svc.CreateApp(ctx, org.value, *name)
	if err != nil {
		return err
	}
	v := appView{ClientID: app.ClientID, ClientSecret: app.ClientSecret, OrgID: app.OrgID, Name: app.Name, CreatedAt: app.CreatedAt.UTC().Format(time.RFC3339)}
	a.show(v, [][2]string{{"client id", v.ClientID}, {"client secret", v.ClientSecret}, {"org", v.OrgID}, {"name", v.Name}})
	if !a.json {
		fmt.Fprintln(a.Stdout, "note: the client secret is shown only now; it is stored only as a digest.")
	}
	return nil
}

func (a *App) appList(ctx context.Context, args []string) error {
	fs := a.flags("app list", "--org ORG_ID")
	org := idFlag(fs, "org", false)
	svc, err := a.parseIDs(ctx, fs, args, org)
	if err != nil {
		return err
	}
	apps, err := svc.Apps(ctx, org.value)
	if err != nil {
		return err
	}
	views := make([]appView, 0, len(apps))
	for _, p := range apps {
		views = append(views, appView{ClientID: p.ClientID, OrgID: p.OrgID, Name: p.Name, CreatedAt: p.CreatedAt.UTC().Format(time.RFC3339)})
	}
	if a.json {
		a.printJSON(views)
		return nil
	}
	tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tCLIENT ID\tCREATED")
	for _, v := range views {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", v.Name, v.ClientID, v.CreatedAt)
	}
	return tw.Flush()
}

func (a *App) appDelete(ctx context.Context, args []string) error {
	fs := a.flags("app delete", "--org ORG_ID [--app] CLIENT_ID")
	org, app := idFlag(fs, "org", false), idFlag(fs, "app", true)
	svc, err := a.parseIDs(ctx, fs, args, org, app)
	if err != nil {
		return err
	}
	r, err := svc.DeleteApp(ctx, org.value, app.value)
	if err != nil {
		return err
	}
	a.show(map[string]any{"deleted": app.value, "sessionsEnded": r.Ended}, [][2]string{{"deleted", app.value}, {"sessions ended", strconv.Itoa(r.Ended)}})
	return nil
}
