package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"loginguard/shared/admin"
)

func (a *App) history(ctx context.Context, args []string) error {
	fs := a.flags("history", "(--user USERNAME | --tried USERNAME | --org ORG_ID)")
	var q admin.HistoryQuery
	fs.StringVar(&q.User, "user", "", "an existing user's `USERNAME`")
	fs.StringVar(&q.Tried, "tried", "", "a `USERNAME` that matched nobody")
	fs.StringVar(&q.Org, "org", "", "an org's `ORG_ID`: every user of the org")
	fs.IntVar(&q.Limit, "limit", 50, "at most this many lines, newest first")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	if err := q.Check(); err != nil {
		return err
	}
	svc, err := a.admin(ctx)
	if err != nil {
		return err
	}
	evs, err := svc.History(ctx, cliActor, q)
	if err != nil {
		return err
	}
	views := admin.LoginLines(evs)
	if a.json {
		a.printJSON(views)
		return nil
	}
	tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tUSERNAME\tSOURCE IP\tTYPE\tSTATUS\tREASON\tCHALLENGE\tCLIENT\tID")
	for _, v := range views {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", v.At, v.Username, v.IP, v.LoginType, v.Status, v.Reason, v.Challenge, v.Client, v.ID)
	}
	return tw.Flush()
}

// audit lists an org's audit trail: every credential change and refusal.
func (a *App) audit(ctx context.Context, args []string) error {
	fs := a.flags("audit", "--org ORG_ID")
	org := idFlag(fs, "org", false)
	limit := fs.Int("limit", 50, "at most this many lines, newest first")
	if err := parseIDs(fs, args, org); err != nil {
		return err
	}
	if err := admin.CheckLimit(*limit); err != nil {
		return err
	}
	svc, err := a.admin(ctx)
	if err != nil {
		return err
	}
	evs, err := svc.AuditTrail(ctx, cliActor, org.value, *limit)
	if err != nil {
		return err
	}
	views := admin.AuditLines(evs)
	if a.json {
		a.printJSON(views)
		return nil
	}
	tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tWHO\tWHOM\tACTION\tOUTCOME\tFROM\tVIA")
	for _, v := range views {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", v.At, v.Actor, v.Target, v.Action, v.Outcome, v.IP, v.Via)
	}
	return tw.Flush()
}
