package policy

import (
	"net/netip"
	"testing"
	"time"
)

func TestCheckSession(t *testing.T) {
	start := time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC) // Monday 10:00 in New York
	ip := netip.MustParseAddr("198.51.100.7")
	other := netip.MustParseAddr("198.51.100.8")
	hours, _ := ParseLoginHours("America/New_York", "mon=08:00-11:00")
	base := func(mod func(*SessionCheck)) SessionCheck {
		c := SessionCheck{LoginType: LoginSOAP, Channel: ChannelAPI, Now: start.Add(10 * time.Minute), LastSeenAt: start, Timeout: 2 * time.Hour,
			StartIP: ip, IP: ip, SafeMethod: true, Level: LevelStandard}
		if mod != nil {
			mod(&c)
		}
		return c
	}
	tests := []struct {
		name string
		c    SessionCheck
		want SessionDecision
	}{
		{"a fresh session is valid and needs no write", base(nil), SessionDecision{Allowed: true, Reason: ReasonSessionValid}},
		{"a REST session is an API session too", base(func(c *SessionCheck) { c.LoginType = LoginREST }),
			SessionDecision{Allowed: true, Reason: ReasonSessionValid}},
		{"a browser session works on the pages", base(func(c *SessionCheck) { c.LoginType, c.Channel = LoginUI, ChannelPages }),
			SessionDecision{Allowed: true, Reason: ReasonSessionValid}},
		{"an API session is refused on the pages", base(func(c *SessionCheck) { c.Channel = ChannelPages }),
			SessionDecision{Reason: ReasonSessionWrongPlace}},
		{"an OAuth session is refused on the pages", base(func(c *SessionCheck) { c.LoginType, c.Channel = LoginREST, ChannelPages }),
			SessionDecision{Reason: ReasonSessionWrongPlace}},
		{"a browser session is not a bearer token", base(func(c *SessionCheck) { c.LoginType = LoginUI }),
			SessionDecision{Reason: ReasonSessionWrongPlace}},
		{"a session of no known login type is refused everywhere", base(func(c *SessionCheck) { c.LoginType = "" }),
			SessionDecision{Reason: ReasonSessionWrongPlace}},
		{"a check that names no channel admits nothing", base(func(c *SessionCheck) { c.Channel = "" }),
			SessionDecision{Reason: ReasonSessionWrongPlace}},
		{"the channel is checked before anything else", base(func(c *SessionCheck) { c.Channel = ChannelPages; c.Now = start.Add(3 * time.Hour) }),
			SessionDecision{Reason: ReasonSessionWrongPlace}},
		{"activity is written once half the timeout has passed", base(func(c *SessionCheck) { c.Now = start.Add(time.Hour) }),
			SessionDecision{Allowed: true, Reason: ReasonSessionValid, Touch: true}},
		{"idle past the timeout expires", base(func(c *SessionCheck) { c.Now = start.Add(2 * time.Hour) }),
			SessionDecision{Reason: ReasonSessionExpired}},
		{"a 15-minute org timeout expires after 15 idle minutes", base(func(c *SessionCheck) { c.Timeout = 15 * time.Minute; c.Now = start.Add(15 * time.Minute) }),
			SessionDecision{Reason: ReasonSessionExpired}},
		{"another IP is refused when sessions are locked to their IP", base(func(c *SessionCheck) { c.LockIP = true; c.IP = other }),
			SessionDecision{Reason: ReasonSessionIPChanged}},
		{"another IP is fine without the lock", base(func(c *SessionCheck) { c.IP = other }),
			SessionDecision{Allowed: true, Reason: ReasonSessionValid}},
		{"the IPv4-mapped form of the start IP is the same IP", base(func(c *SessionCheck) { c.LockIP = true; c.IP = netip.MustParseAddr("::ffff:198.51.100.7") }),
			SessionDecision{Allowed: true, Reason: ReasonSessionValid}},
		{"after login hours a session may still read", base(func(c *SessionCheck) { c.Hours = hours; c.Now = start.Add(70 * time.Minute) }),
			SessionDecision{Allowed: true, Reason: ReasonReadOnlyAfterHours, ReadOnly: true, Touch: true}},
		{"after login hours a session may not act", base(func(c *SessionCheck) { c.Hours = hours; c.Now = start.Add(70 * time.Minute); c.SafeMethod = false }),
			SessionDecision{Reason: ReasonReadOnlyAfterHours, ReadOnly: true}},
		{"within login hours a session may act", base(func(c *SessionCheck) { c.Hours = hours; c.SafeMethod = false }),
			SessionDecision{Allowed: true, Reason: ReasonSessionValid}},
		{"a High Assurance resource blocks a Standard session", base(func(c *SessionCheck) { c.Required = ActionBlock }),
			SessionDecision{Reason: ReasonHighAssuranceBlock}},
		{"a High Assurance resource asks a Standard session to step up", base(func(c *SessionCheck) { c.Required = ActionRaise }),
			SessionDecision{Reason: ReasonRaiseSessionLevel}},
		{"a High Assurance session reaches a High Assurance resource", base(func(c *SessionCheck) { c.Required = ActionBlock; c.Level = LevelHighAssurance }),
			SessionDecision{Allowed: true, Reason: ReasonSessionValid}},
		{"expiry is checked before anything else", base(func(c *SessionCheck) { c.Now = start.Add(3 * time.Hour); c.Required = ActionRaise }),
			SessionDecision{Reason: ReasonSessionExpired}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CheckSession(tt.c); got != tt.want {
				t.Fatalf("CheckSession = %+v; want %+v", got, tt.want)
			}
		})
	}
}

func TestSecurityLevelsOfLoginMethods(t *testing.T) {
	if LevelOf(MethodPassword, nil) != LevelStandard || LevelOf(MethodTOTP, nil) != LevelHighAssurance {
		t.Fatal("defaults: password Standard, two-factor High Assurance")
	}
	standardTOTP := map[Method]Level{MethodTOTP: LevelStandard}
	if !CanLogIn(MethodTOTP, nil, true) {
		t.Fatal("two-factor satisfies a profile that requires High Assurance")
	}
	if CanLogIn(MethodTOTP, standardTOTP, true) {
		t.Fatal("with two-factor set to Standard, a profile requiring High Assurance cannot log in")
	}
	if CanLogIn(MethodPassword, nil, true) || !CanLogIn(MethodPassword, nil, false) {
		t.Fatal("a password login meets no High Assurance requirement, and needs none otherwise")
	}
}

func TestParseHighAssurance(t *testing.T) {
	m, err := ParseHighAssurance("reports=raise, setup=BLOCK")
	if err != nil || m["reports"] != ActionRaise || m["setup"] != ActionBlock || len(m) != 2 {
		t.Fatalf("ParseHighAssurance = %v, %v", m, err)
	}
	for _, bad := range []string{"reports", "reports=allow", "Reports=raise", "a b=block"} {
		if _, err := ParseHighAssurance(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if m, err := ParseHighAssurance("none"); err != nil || len(m) != 0 {
		t.Fatal("none clears")
	}
}
