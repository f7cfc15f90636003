package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"loginguard/shared/admin"
)

func (a *App) health(ctx context.Context, args []string) error {
	fs := a.flags("health", "[--org] ORG_ID")
	org := idFlag(fs, "org", true)
	svc, err := a.parseIDs(ctx, fs, args, org)
	if err != nil {
		return err
	}
	rep, err := svc.HealthCheck(ctx, admin.CLI, org.value)
	if err != nil {
		return err
	}
	if a.json {
		a.printJSON(rep)
		return nil
	}
	fmt.Fprintf(a.Stdout, "score: %d (%s), %d finding(s), %d check(s) met; baseline: docs/health-check.md\n", rep.Score, rep.Grade, len(rep.Findings), len(rep.Met))
	if len(rep.Findings) == 0 {
		return nil
	}
	fmt.Fprintln(a.Stdout)
	tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEVERITY\tCODE\tSETTING\tCURRENT\tBASELINE\tFIX")
	for _, f := range rep.Findings {
		setting := f.Setting
		if f.Profile != "" {
			setting = f.Profile + ": " + setting
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", f.Severity, f.Code, setting, f.Current, f.Baseline, f.Fix)
	}
	return tw.Flush()
}
