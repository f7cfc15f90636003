package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"loginguard/shared/admin"
)

type eventView struct {
	At         string `json:"at"`
	Username   string `json:"username"`
	UserID     string `json:"userId,omitempty"`
	IP         string `json:"sourceIp"`
	LoginType  string `json:"loginType"`
	Client     string `json:"client"`
	APIVersion string `json:"apiVersion,omitempty"`
	Status     string `json:"status"`
	Reason     string `json:"reason"`
	Via        string `json:"via,omitempty"`
	Challenge  string `json:"challenge,omitempty"`
}

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
	views := make([]eventView, 0, len(evs))
	for _, e := range evs {
		status := "Failed"
		if e.Allowed {
			status = "Success"
		}
		views = append(views, eventView{At: e.At.UTC().Format(time.RFC3339), Username: e.Username, UserID: e.UserID,
			IP: e.IP, LoginType: e.LoginType, Client: e.Client, APIVersion: e.APIVersion, Status: status, Reason: e.Reason, Via: e.Via, Challenge: e.Challenge})
	}
	if a.json {
		a.printJSON(views)
		return nil
	}
	tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tUSERNAME\tSOURCE IP\tTYPE\tSTATUS\tREASON\tCHALLENGE\tCLIENT")
	for _, v := range views {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", v.At, v.Username, v.IP, v.LoginType, v.Status, v.Reason, v.Challenge, v.Client)
	}
	return tw.Flush()
}

type auditView struct {
	At      string `json:"at"`
	Actor   string `json:"actor"`
	Target  string `json:"target"`
	Action  string `json:"action"`
	Outcome string `json:"outcome"`
	IP      string `json:"sourceIp,omitempty"`
	Via     string `json:"via"`
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
	views := make([]auditView, 0, len(evs))
	for _, e := range evs {
		views = append(views, auditView{At: e.At.UTC().Format(time.RFC3339), Actor: e.Actor, Target: e.Target,
			Action: e.Action, Outcome: e.Outcome, IP: e.IP, Via: e.Via})
	}
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
