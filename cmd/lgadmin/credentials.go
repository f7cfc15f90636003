package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"
)

// userResetPassword is the admin password reset: a new password, and with
// it a new security token by mail (the seed: a password reset resets the
// token). Nothing changes when the mail cannot be sent.
func (a *App) userResetPassword(ctx context.Context, args []string) error {
	fs := a.flags("user reset-password", "[--user] USERNAME")
	user := idFlag(fs, "user", true)
	pwStdin := fs.Bool("password-stdin", false, "read the new password from the first line of standard input")
	pw := fs.String("password", "", "the new password (prefer --password-stdin: command lines are visible to others)")
	if err := parseIDs(fs, args, user); err != nil {
		return err
	}
	if (*pw == "") == !*pwStdin {
		return usageError{"give the new password with --password-stdin (or --password)"}
	}
	password, err := a.password(*pw, *pwStdin)
	if err != nil {
		return err
	}
	s, err := a.deps(ctx)
	if err != nil {
		return err
	}
	u, err := s.User(ctx, user.value)
	if err != nil {
		return err
	}
	if err := a.accounts(s).ResetPassword(ctx, cliActor, u, password); err != nil {
		return err
	}
	sent := "no security token (the user has no email address)"
	if u.Email != "" {
		sent = "new security token sent to " + u.Email
	}
	a.show(map[string]string{"username": u.Username, "token": sent}, [][2]string{{"password reset for", u.Username}, {"token", sent}})
	return nil
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
	if *limit < 1 || *limit > 1000 {
		return usageError{"--limit must be from 1 to 1000"}
	}
	s, err := a.deps(ctx)
	if err != nil {
		return err
	}
	evs, err := s.AuditTrail(ctx, orgID(org.value), int32(*limit))
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
