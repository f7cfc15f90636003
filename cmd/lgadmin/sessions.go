package main

import (
	"context"
	"fmt"
	"strconv"
	"text/tabwriter"

	"loginguard/shared/admin"
	"loginguard/shared/sessions"
)

func (a *App) sessionList(ctx context.Context, args []string) error {
	fs := a.flags("session list", "--user USERNAME | --org ORG_ID")
	user, org := idFlag(fs, "user", false), idFlag(fs, "org", false)
	user.optional, org.optional = true, true
	svc, err := a.parseIDs(ctx, fs, args, user, org)
	if err != nil {
		return err
	}
	if (user.value == "") == (org.value == "") {
		return usageError{"give --user or --org (one of them)"}
	}
	list, err := svc.SessionsOf(ctx, cliActor, org.value, user.value)
	if err != nil {
		return err
	}
	views := admin.SessionRecords(list)
	if a.json {
		a.printJSON(views)
		return nil
	}
	tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REF\tUSERNAME\tTYPE\tAPP/CLIENT\tSOURCE IP\tSTARTED\tLAST ACTIVITY\tLEVEL\tEXPIRES")
	for _, v := range views {
		via := v.App
		if via == "" {
			via = v.Client
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", v.Ref, v.Username, v.Type, clip(via, 40), v.SourceIP, v.Started, v.LastActivity, v.Level, v.Expires)
	}
	return tw.Flush()
}

// clip shortens s to n characters for a table.
func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func (a *App) sessionEnd(ctx context.Context, args []string) error {
	fs := a.flags("session end", "REF --org ORG_ID | --user USERNAME")
	ref, org, user := idFlag(fs, "session", true), idFlag(fs, "org", false), idFlag(fs, "user", false)
	ref.optional, org.optional, user.optional = true, true, true
	svc, err := a.parseIDs(ctx, fs, args, ref, org, user)
	if err != nil {
		return err
	}
	switch {
	case ref.value != "" && org.value != "" && user.value == "":
		s, err := svc.EndSession(ctx, cliActor, org.value, ref.value)
		if err != nil {
			return err
		}
		a.show(map[string]string{"ended": s.Ref(), "username": s.Username}, [][2]string{{"ended", s.Ref()}, {"user", s.Username}, {"type", s.Type()}})
		return nil
	case ref.value == "" && org.value == "" && user.value != "":
		r, err := svc.EndUserSessions(ctx, cliActor, user.value)
		if err != nil {
			return err
		}
		a.showReport(r)
		return nil
	}
	return usageError{"give a session's REF (from session list) with --org, or --user USERNAME to end all of a user's sessions"}
}

// showReport prints how many sessions an end or an update reached.
func (a *App) showReport(r sessions.Report) {
	a.show(r, [][2]string{{"sessions ended", strconv.Itoa(r.Ended)}})
}
