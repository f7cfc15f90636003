package main

import (
	"context"
	"fmt"
	"sort"
	"text/tabwriter"
	"time"
)

type deviceView struct {
	ID          string `json:"id"` // the first 16 hex digits of the cookie's digest: enough to revoke by
	ActivatedAt string `json:"activatedAt"`
	IP          string `json:"ip"`
	Via         string `json:"via"`
	Client      string `json:"client"`
}

// devicePrefix is how much of a device digest the CLI shows and accepts.
const devicePrefix = 16

func (a *App) userDevices(ctx context.Context, args []string) error {
	_, u, err := a.userArg(ctx, "user devices", args)
	if err != nil {
		return err
	}
	list := make([]deviceView, 0, len(u.Devices))
	for k, d := range u.Devices {
		list = append(list, deviceView{ID: k[:devicePrefix], ActivatedAt: d.ActivatedAt.UTC().Format(time.RFC3339),
			IP: d.IP, Via: d.Via, Client: d.Client})
	}
	sort.Slice(list, func(i, j int) bool { return list[i].ActivatedAt < list[j].ActivatedAt })
	if a.json {
		a.printJSON(list)
		return nil
	}
	if len(list) == 0 {
		fmt.Fprintf(a.Stdout, "%s has no activated browsers.\n", u.Username)
		return nil
	}
	tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tACTIVATED\tIP\tVIA\tBROWSER")
	for _, d := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", d.ID, d.ActivatedAt, d.IP, d.Via, d.Client)
	}
	return tw.Flush()
}

func (a *App) userDeviceRevoke(ctx context.Context, args []string) error {
	fs := a.flags("user device-revoke", "[--user] USERNAME ([--device] DEVICE_ID | --all)")
	user, device := idFlag(fs, "user", true), idFlag(fs, "device", true)
	device.optional = true // with --all
	all := fs.Bool("all", false, "revoke every activated browser of the user")
	if err := parseIDs(fs, args, user, device); err != nil {
		return err
	}
	if (device.value == "") != *all {
		return usageError{"give a device id from 'lgadmin user devices', or --all"}
	}
	s, err := a.deps(ctx)
	if err != nil {
		return err
	}
	if *all {
		if err := s.RevokeAllDevices(ctx, user.value); err != nil {
			return err
		}
		a.show(map[string]string{"revoked": "all"}, [][2]string{{"revoked", "every activated browser of " + user.value}})
		return nil
	}
	digest, err := s.RevokeDevice(ctx, user.value, device.value)
	if err != nil {
		return err
	}
	a.show(map[string]string{"revoked": digest[:devicePrefix]}, [][2]string{{"revoked", digest[:devicePrefix]}})
	return nil
}
