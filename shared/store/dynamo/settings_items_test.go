package dynamo

import (
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"

	"loginguard/shared/domain"
	"loginguard/shared/policy"
)

func sampleSettings(t *testing.T) (domain.OrgSettings, domain.ProfileSettings) {
	t.Helper()
	trusted, err := policy.ParseIPRanges("10.0.0.0-10.0.0.255")
	if err != nil {
		t.Fatal(err)
	}
	hours, err := policy.ParseLoginHours("Europe/Paris", "mon=08:00-18:00")
	if err != nil {
		t.Fatal(err)
	}
	o := domain.OrgSettings{TimeZone: "America/New_York", Lockout: policy.Lockout{MaxAttempts: 3, Period: 30 * time.Minute},
		SessionTimeout: time.Hour, TrustedRanges: trusted, LockSessionsToIP: true,
		HighAssurance: map[string]policy.Action{"reports": policy.ActionRaise},
		Levels:        map[policy.Method]policy.Level{policy.MethodTOTP: policy.LevelStandard}, NoLoginPageCaching: true,
		Password: policy.PasswordPolicy{MinLength: 12, Complexity: policy.ComplexityAlphaNumeric, History: 5, ExpiryDays: 90, BlockCommon: false}}
	p := domain.ProfileSettings{LoginHours: hours, LoginIPRanges: trusted, APIEnabled: true, ManageUsers: true,
		TwoFactorAPI: true, TwoFactorUI: true, RequireHighAssurance: true}
	return o, p
}

func attrNames(t *testing.T, item any) []string {
	t.Helper()
	m, err := attributevalue.MarshalMap(item)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// The settings are stored under the attribute names items had before they
// were one struct each: stored orgs, profiles and users' copies stay readable.
func TestSettingsKeepTheirStoredAttributeNames(t *testing.T) {
	os, ps := sampleSettings(t)
	org := domain.Org{ID: "00D000000000001", Name: "Acme", OrgSettings: os, Version: 2, CreatedAt: time.Unix(1700000000, 0).UTC()}
	prof := domain.Profile{ID: "00e000000000001", OrgID: org.ID, Name: "Sales", ProfileSettings: ps, Version: 3}
	orgAttrs := []string{"createdAt", "familiarLockout", "highAssurance", "levels", "lockMax", "lockPeriodSec", "lockSessionIp", "name",
		"noLoginCaching", "pk", "pwCommonOk", "pwComplexity", "pwExpiryDays", "pwHistory", "pwMinLen", "rememberMe", "sessionTimeoutSec", "sk", "timeZone", "trusted", "userSwitching", "version"}
	profAttrs := []string{"apiEnabled", "hours", "hoursZone", "id", "manageUsers", "name", "pk", "ranges",
		"requireHighAssurance", "sk", "twoFactorApi", "twoFactorUi", "version"}
	polAttrs := []string{"apiEnabled", "familiarLockout", "highAssurance", "hours", "hoursZone", "levels", "lockMax", "lockPeriodSec",
		"lockSessionIp", "manageUsers", "noLoginCaching", "orgName", "orgTimeZone", "orgVersion", "profileName",
		"profileVersion", "pwCommonOk", "pwComplexity", "pwExpiryDays", "pwHistory", "pwMinLen", "ranges", "rememberMe", "requireHighAssurance", "sessionTimeoutSec", "trusted", "twoFactorApi", "twoFactorUi",
		"userSwitching"}
	for _, c := range []struct {
		name string
		item any
		want []string
	}{
		{"org", toOrgItem(org), orgAttrs},
		{"profile", toProfileItem(prof), profAttrs},
		{"user's copy", toPolicyItem(domain.PolicyOf(org, prof)), polAttrs},
	} {
		if got := attrNames(t, c.item); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s attributes:\n got %v\nwant %v", c.name, got, c.want)
		}
	}

	var orgBack orgItem
	stored(t, toOrgItem(org), &orgBack)
	if got, err := orgBack.org(); err != nil || !reflect.DeepEqual(got, org) {
		t.Errorf("org round trip: %+v, %v", got, err)
	}
	var profBack profileItem
	stored(t, toProfileItem(prof), &profBack)
	if got, err := profBack.profile(); err != nil || !reflect.DeepEqual(got, prof) {
		t.Errorf("profile round trip: %+v, %v", got, err)
	}
	var polBack policyItem
	stored(t, toPolicyItem(domain.PolicyOf(org, prof)), &polBack)
	if got, err := polBack.policy(); err != nil || !reflect.DeepEqual(got, domain.PolicyOf(org, prof)) {
		t.Errorf("user's copy round trip: %+v, %v", got, err)
	}
}

// stored is item written and read back.
func stored(t *testing.T, item, into any) {
	t.Helper()
	m, err := attributevalue.MarshalMap(item)
	if err == nil {
		err = attributevalue.UnmarshalMap(m, into)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// The default password policy is stored as nothing: it is copied onto every
// user item, and a login writes that item.
func TestTheDefaultPasswordPolicyCostsNoAttribute(t *testing.T) {
	o := domain.OrgSettings{TimeZone: "UTC", Lockout: policy.DefaultLockout, SessionTimeout: time.Hour, Password: policy.DefaultPasswordPolicy}
	for _, name := range attrNames(t, toOrgSettingsItem(o)) {
		if strings.HasPrefix(name, "pw") {
			t.Errorf("the default policy stores %s", name)
		}
	}
	back, err := toOrgSettingsItem(o).settings("UTC")
	if err != nil || back.Password != policy.DefaultPasswordPolicy {
		t.Errorf("read back: %+v, %v", back.Password, err)
	}
	// An org stored before password policies existed has the default.
	old, err := orgSettingsItem{}.settings("UTC")
	if err != nil || old.Password != policy.DefaultPasswordPolicy {
		t.Errorf("an older item: %+v, %v", old.Password, err)
	}
}

// Customize Application and View Setup came after Manage Users: off, they
// store nothing (profiles and users' copies stored before read the same);
// on, they come back.
func TestThePermissionsAddedLaterCostNoAttributeWhenOff(t *testing.T) {
	os, ps := sampleSettings(t)
	org := domain.Org{ID: "00D000000000001", Name: "Acme", OrgSettings: os}
	prof := domain.Profile{ID: "00e000000000001", OrgID: org.ID, Name: "Sales", ProfileSettings: ps}
	for _, name := range append(attrNames(t, toProfileItem(prof)), attrNames(t, toPolicyItem(domain.PolicyOf(org, prof)))...) {
		if name == "customizeApplication" || name == "viewSetup" {
			t.Errorf("an off permission stores %s", name)
		}
	}
	prof.CustomizeApplication, prof.ViewSetup = true, true
	var back profileItem
	stored(t, toProfileItem(prof), &back)
	if got, err := back.profile(); err != nil || !got.CustomizeApplication || !got.ViewSetup {
		t.Errorf("round trip: %+v, %v", got.ProfileSettings.Permissions(), err)
	}
	var pol policyItem
	stored(t, toPolicyItem(domain.PolicyOf(org, prof)), &pol)
	if got, err := pol.policy(); err != nil || got.Permissions() != prof.Permissions() {
		t.Errorf("user's copy: %+v, %v", got.Permissions(), err)
	}
}
