package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"loginguard/shared/admin"
)

func (a *App) userDevices(ctx context.Context, args []string) error {
	svc, username, err := a.userArg(ctx, "user devices", args)
	if err != nil {
		return err
	}
	u, devices, err := svc.Devices(ctx, cliActor, username)
	if err != nil {
		return err
	}
	list := admin.DeviceRecords(devices)
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
	svc, err := a.admin(ctx)
	if err != nil {
		return err
	}
	if *all {
		if err := svc.RevokeAllDevices(ctx, cliActor, user.value); err != nil {
			return err
		}
		a.show(map[string]string{"revoked": "all"}, [][2]string{{"revoked", "every activated browser of " + user.value}})
		return nil
	}
	id, err := svc.RevokeDevice(ctx, cliActor, user.value, device.value)
	if err != nil {
		return err
	}
	a.show(map[string]string{"revoked": id}, [][2]string{{"revoked", id}})
	return nil
}
