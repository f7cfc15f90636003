package settings

import (
	"loginguard/shared/domain"
	"loginguard/shared/ids"
)

// OrgView is an org as lgadmin org show --json prints it and the admin API
// answers it: its ids and name, its settings by their JSON members, its
// version.
func OrgView(o domain.Org) View {
	id18, _ := ids.To18(o.ID)
	v := View{{Key: "id", Label: "id", Value: o.ID}, {Key: "id18", Label: "id18", Value: id18}, {Key: "name", Label: "name", Value: o.Name}}
	v = append(v, ViewOf(Org, o.OrgSettings)...)
	return append(v, Shown{Key: "version", Label: "version", Value: o.Version})
}

// ProfileView is a profile as lgadmin profile show --json prints it and
// the admin API answers it.
func ProfileView(p domain.Profile) View {
	v := View{{Key: "id", Label: "id", Value: p.ID}, {Key: "orgId", Label: "org", Value: p.OrgID}, {Key: "name", Label: "name", Value: p.Name}}
	v = append(v, ViewOf(Profile, p.ProfileSettings)...)
	return append(v, Shown{Key: "version", Label: "version", Value: p.Version})
}
