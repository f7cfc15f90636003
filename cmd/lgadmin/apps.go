package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"

	"loginguard/shared/admin"
	"loginguard/shared/policy"
)

// listFlag is a flag given once per value (--callback URL --callback URL).
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func (a *App) appCreate(ctx context.Context, args []string) error {
	fs := a.flags("app create", "--org ORG_ID --name NAME [--public] [--client-id ID] [--callback URL]...")
	org := idFlag(fs, "org", false)
	name := fs.String("name", "", "connected app name (required)")
	public := fs.Bool("public", false, "a public app (a CLI, a desktop app): no client secret, PKCE required")
	clientID := fs.String("client-id", "", "the client id a well-known public app is known by (PlatformCLI); generated when not given")
	var callbacks listFlag
	fs.Var(&callbacks, "callback", "a callback URL codes may be sent to, matched exactly (repeat for more)")
	pkce := fs.Bool("pkce", true, "require PKCE (code_challenge) on every authorization request; always on for a public app")
	scopes := fs.String("scopes", policy.ScopeString(policy.DefaultScopes), "allowed scopes, space- or comma-separated: "+policy.ScopeString(policy.Scopes))
	refresh := fs.String("refresh", "until-revoked", "refresh token policy: until-revoked, expire:DURATION (720h), rotate[:IDLE]")
	svc, err := a.parseIDs(ctx, fs, args, org)
	if err != nil {
		return err
	}
	spec := admin.AppSpec{Name: *name, ClientID: *clientID, OAuth: policy.OAuthApp{Public: *public, Callbacks: callbacks, RequirePKCE: *pkce || *public}}
	if spec.OAuth.Scopes, err = policy.ParseScopes(*scopes); err != nil {
		return usageError{err.Error()}
	}
	if spec.OAuth.Refresh, err = policy.ParseRefreshPolicy(*refresh); err != nil {
		return usageError{err.Error()}
	}
	app, err := svc.CreateApp(ctx, cliActor, org.value, spec)
	if err != nil {
		return err
	}
	v := app.Record()
	rows := [][2]string{{"client id", v.ClientID}}
	if v.ClientSecret != "" {
		rows = append(rows, [2]string{"client secret", v.ClientSecret})
	}
	rows = append(rows, [][2]string{{"org", v.OrgID}, {"name", v.Name}, {"public", strconv.FormatBool(v.Public)},
		{"callbacks", strings.Join(v.Callbacks, " ")}, {"pkce required", strconv.FormatBool(v.RequirePKCE)}, {"scopes", v.Scopes}, {"refresh tokens", v.Refresh}}...)
	a.show(v, rows)
	if !a.json && v.ClientSecret != "" {
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
	apps, err := svc.Apps(ctx, cliActor, org.value)
	if err != nil {
		return err
	}
	views := admin.AppRecords(apps)
	if a.json {
		a.printJSON(views)
		return nil
	}
	tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tCLIENT ID\tTYPE\tCALLBACKS\tCREATED")
	for _, v := range views {
		kind := "confidential"
		if v.Public {
			kind = "public"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", v.Name, v.ClientID, kind, strings.Join(v.Callbacks, " "), v.CreatedAt)
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
	r, err := svc.DeleteApp(ctx, cliActor, org.value, app.value)
	if err != nil {
		return err
	}
	a.show(map[string]any{"deleted": app.value, "sessionsEnded": r.Ended}, [][2]string{{"deleted", app.value}, {"sessions ended", strconv.Itoa(r.Ended)}})
	return nil
}
