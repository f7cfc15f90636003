package policy

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// The grounds of a login decision, as its login-history line keeps them:
// the facts of the user and the attempt, what the org's and profile's
// settings said of them (the login hours' rule and the attempt's time
// there, which range the address was in, the levels), the lockout count
// before and after, and the rules' trace. No secret is among them. They
// are stored in one short attribute (Encode: about 100 to 200 bytes), and
// they are enough to decide the attempt again under other settings
// (Facts.ForAPI, Facts.ForUI): the replay of a draft.

// Facts are what a login knows of its user and this attempt besides the
// org's and profile's settings.
type Facts struct {
	UI bool // a browser login (DecideUILogin); else an API login
	// Credentials is what the password check found; a browser login's is
	// CredentialsInvalid or PasswordOnly.
	Credentials    Credentials
	HasTOTPKey     bool
	CanSetPassword bool      // an API login on a channel that can set a new password (SOAP)
	PasswordSetAt  time.Time // for the org's password expiry
	// What this browser login has passed, and where it comes from
	// (UILogin's fields of the same names).
	TOTPPassed, TOTPEnrolled, ActivatedBrowser, FirstLogin, EmailCodePassed, PasswordChanged bool
}

// LoginSettings are the org's and profile's settings a login decision
// reads.
type LoginSettings struct {
	Hours                                                       LoginHours
	LoginIPRanges, TrustedRanges                                IPRanges
	APIEnabled, TwoFactorAPI, TwoFactorUI, RequireHighAssurance bool
	Levels                                                      map[Method]Level
	Password                                                    PasswordPolicy
}

// ForAPI are the facts x of an API login at at from ip, under settings s.
func (x Facts) ForAPI(at time.Time, ip netip.Addr, s LoginSettings) APILogin {
	return APILogin{
		At: at, IP: ip, Credentials: x.Credentials, APIEnabled: s.APIEnabled,
		TwoFactor:            s.TwoFactorAPI && x.HasTOTPKey,
		RequireHighAssurance: s.RequireHighAssurance, Levels: s.Levels,
		Hours: s.Hours, LoginIPRanges: s.LoginIPRanges, TrustedRanges: s.TrustedRanges,
		PasswordExpired: s.Password.Expired(x.PasswordSetAt, at), CanSetPassword: x.CanSetPassword,
	}
}

// ForUI are the facts x of a browser login step at at from ip, under
// settings s.
func (x Facts) ForUI(at time.Time, ip netip.Addr, s LoginSettings) UILogin {
	return UILogin{
		At: at, IP: ip, PasswordOK: x.Credentials != CredentialsInvalid, Hours: s.Hours,
		LoginIPRanges: s.LoginIPRanges, TrustedRanges: s.TrustedRanges,
		TwoFactorUI: s.TwoFactorUI, HasTOTPKey: x.HasTOTPKey, TOTPPassed: x.TOTPPassed, TOTPEnrolled: x.TOTPEnrolled,
		ActivatedBrowser: x.ActivatedBrowser, FirstLogin: x.FirstLogin, EmailCodePassed: x.EmailCodePassed,
		RequireHighAssurance: s.RequireHighAssurance, Levels: s.Levels,
		PasswordExpired: s.Password.Expired(x.PasswordSetAt, at), PasswordChanged: x.PasswordChanged,
	}
}

// Decide decides the facts x of a login at at from ip under settings s:
// DecideAPILogin or DecideUILogin, as a trace and the reason.
func (x Facts) Decide(at time.Time, ip netip.Addr, s LoginSettings) (Trace, Reason) {
	if x.UI {
		d := DecideUILogin(x.ForUI(at, ip, s))
		return d.Trace, d.Reason
	}
	d := DecideAPILogin(x.ForAPI(at, ip, s))
	return d.Trace, d.Reason
}

// HoursRead is what the login hours said of an attempt: their zone, the
// weekday and minute of day there, and that day's window (Restricted false:
// no window that day).
type HoursRead struct {
	Zone       string
	Day        time.Weekday
	Local      int // minutes after midnight in Zone; -1 when the zone could not be read
	Restricted bool
	Window     Window
}

// RangeRead is what a list of ranges said of the address: how many there
// were, and the one it was in (Matched false: none).
type RangeRead struct {
	Count   int
	Matched bool
	Match   IPRange
}

// LockRead is the user's lockout count before and after the attempt, and
// the org's maximum (0: no limit). Unfamiliar: the count of failures from
// unfamiliar places (familiar-place lockout).
type LockRead struct {
	Known              bool
	Before, After, Max int
	Unfamiliar         bool
}

// Grounds are what a login decision read and did (see above).
type Grounds struct {
	Facts
	ProfileID string
	Hours     HoursRead // zero Zone: no login hours
	Profile   RangeRead // the profile's login IP ranges
	Trusted   RangeRead // the org's trusted IP ranges
	// The settings read: API Enabled; two-factor for this kind of login;
	// High Assurance required at login; the password had expired (after
	// ExpiryDays days); the session's level the login would get.
	APIEnabled, TwoFactor, RequireHighAssurance, PasswordExpired bool
	ExpiryDays                                                   int
	Level                                                        Level
	Lock                                                         LockRead
	Trace                                                        Trace
}

// IsZero reports whether g holds nothing (a line stored before grounds were kept).
func (g Grounds) IsZero() bool { return g.Trace.Len() == 0 }

// GroundsOf are the grounds of a decision with trace t on the facts x of
// a login at at from ip, under settings s, by a user of profile profileID.
func GroundsOf(profileID string, x Facts, at time.Time, ip netip.Addr, s LoginSettings, t Trace) Grounds {
	g := Grounds{Facts: x, ProfileID: profileID, Trace: t, APIEnabled: s.APIEnabled, RequireHighAssurance: s.RequireHighAssurance,
		TwoFactor: s.TwoFactorAPI, ExpiryDays: s.Password.ExpiryDays, PasswordExpired: s.Password.Expired(x.PasswordSetAt, at)}
	if x.UI {
		g.TwoFactor = s.TwoFactorUI
	}
	m := MethodPassword
	if x.TOTPPassed || x.Credentials == PasswordAndTOTP {
		m = MethodTOTP
	}
	g.Level = LevelOf(m, s.Levels)
	g.Hours = readHours(s.Hours, at)
	g.Profile, g.Trusted = readRanges(s.LoginIPRanges, ip), readRanges(s.TrustedRanges, ip)
	return g
}

func readHours(h LoginHours, at time.Time) HoursRead {
	if !h.IsSet() {
		return HoursRead{}
	}
	r := HoursRead{Zone: h.Zone, Local: -1}
	loc, err := location(h.Zone)
	if err != nil {
		return r
	}
	local := at.In(loc)
	r.Day, r.Local = local.Weekday(), local.Hour()*60+local.Minute()
	if w := h.Days[r.Day]; w != nil {
		r.Restricted, r.Window = true, *w
	}
	return r
}

func readRanges(rs IPRanges, ip netip.Addr) RangeRead {
	r := RangeRead{Count: len(rs)}
	for _, x := range rs {
		if x.Contains(ip) {
			r.Matched, r.Match = true, x
			break
		}
	}
	return r
}

// groundsVersion begins every encoding; a reader refuses others.
const groundsVersion = "1"

// Encode is the stored form of g: "1;" then key=value fields separated by
// ";", those with nothing to say left out (docs/login-history.md lists
// them). IP ranges and zones hold neither ";" nor "=" nor ",".
func (g Grounds) Encode() string {
	b := make([]byte, 0, 192)
	b = append(b, groundsVersion...)
	if g.ProfileID != "" {
		b = append(append(b, ";p="...), g.ProfileID...)
	}
	b = append(append(b, ";c="...), byte('0'+g.Credentials))
	b = append(b, ";f="...)
	b = appendFlags(b, g)
	if !g.PasswordSetAt.IsZero() {
		b = strconv.AppendInt(append(b, ";s="...), g.PasswordSetAt.Unix(), 10)
		b = strconv.AppendInt(append(b, ','), int64(g.ExpiryDays), 10)
	}
	if h := g.Hours; h.Zone != "" {
		b = append(append(b, ";h="...), h.Zone...)
		b = strconv.AppendInt(append(b, ','), int64(h.Day), 10)
		b = strconv.AppendInt(append(b, ','), int64(h.Local), 10)
		if h.Restricted {
			b = strconv.AppendInt(append(b, ','), int64(h.Window.Start), 10)
			b = strconv.AppendInt(append(b, '-'), int64(h.Window.End), 10)
		}
	}
	b = appendRangeRead(b, ";lr=", g.Profile)
	b = appendRangeRead(b, ";tr=", g.Trusted)
	if g.Level == LevelHighAssurance {
		b = append(b, ";lv=H"...)
	}
	if l := g.Lock; l.Known {
		b = strconv.AppendInt(append(b, ";l="...), int64(l.Before), 10)
		b = strconv.AppendInt(append(b, ','), int64(l.After), 10)
		b = strconv.AppendInt(append(b, ','), int64(l.Max), 10)
		if l.Unfamiliar {
			b = append(b, ",u"...)
		}
	}
	b = append(b, ";t="...)
	for _, s := range g.Trace.steps[:g.Trace.n] {
		b = append(b, byte(s.Rule), byte(s.Outcome))
	}
	return string(b)
}

// The flags of Encode's "f" field: one letter each, present when true.
var groundsFlags = []struct {
	letter byte
	get    func(*Grounds) *bool
}{
	{'U', func(g *Grounds) *bool { return &g.UI }},
	{'K', func(g *Grounds) *bool { return &g.HasTOTPKey }},
	{'S', func(g *Grounds) *bool { return &g.CanSetPassword }},
	{'T', func(g *Grounds) *bool { return &g.TOTPPassed }},
	{'E', func(g *Grounds) *bool { return &g.TOTPEnrolled }},
	{'B', func(g *Grounds) *bool { return &g.ActivatedBrowser }},
	{'F', func(g *Grounds) *bool { return &g.FirstLogin }},
	{'M', func(g *Grounds) *bool { return &g.EmailCodePassed }},
	{'N', func(g *Grounds) *bool { return &g.PasswordChanged }},
	{'a', func(g *Grounds) *bool { return &g.APIEnabled }},
	{'2', func(g *Grounds) *bool { return &g.TwoFactor }},
	{'R', func(g *Grounds) *bool { return &g.RequireHighAssurance }},
	{'X', func(g *Grounds) *bool { return &g.PasswordExpired }},
}

func appendFlags(b []byte, g Grounds) []byte {
	for _, f := range groundsFlags {
		if *f.get(&g) {
			b = append(b, f.letter)
		}
	}
	return b
}

func appendRangeRead(b []byte, key string, r RangeRead) []byte {
	if r.Count == 0 {
		return b
	}
	b = strconv.AppendInt(append(b, key...), int64(r.Count), 10)
	if r.Matched {
		b = r.Match.Start.Unmap().AppendTo(append(b, ','))
		if r.Match.End != r.Match.Start {
			b = r.Match.End.Unmap().AppendTo(append(b, '-'))
		}
	}
	return b
}

// ParseGrounds reads the stored form Encode writes.
func ParseGrounds(s string) (Grounds, error) {
	version, rest, _ := strings.Cut(s, ";")
	if version != groundsVersion {
		return Grounds{}, fmt.Errorf("login grounds: version %q is not %s", version, groundsVersion)
	}
	var g Grounds
	for _, field := range strings.Split(rest, ";") {
		k, v, ok := strings.Cut(field, "=")
		if !ok {
			return Grounds{}, fmt.Errorf("login grounds: %q is not key=value", field)
		}
		if err := g.parseField(k, v); err != nil {
			return Grounds{}, fmt.Errorf("login grounds: %s: %w", k, err)
		}
	}
	return g, nil
}

func (g *Grounds) parseField(k, v string) error {
	var err error
	switch k {
	case "p":
		g.ProfileID = v
	case "c":
		n, e := strconv.Atoi(v)
		if e != nil || n < int(CredentialsInvalid) || n > int(PasswordAndTOTP) {
			return fmt.Errorf("%q is not a credentials check", v)
		}
		g.Credentials = Credentials(n)
	case "f":
		for _, f := range groundsFlags {
			*f.get(g) = strings.IndexByte(v, f.letter) >= 0
		}
	case "s":
		var n []int
		if n, err = ints(v, 2); err == nil {
			g.PasswordSetAt, g.ExpiryDays = time.Unix(int64(n[0]), 0).UTC(), n[1]
		}
	case "h":
		err = g.parseHours(v)
	case "lr":
		g.Profile, err = parseRangeRead(v)
	case "tr":
		g.Trusted, err = parseRangeRead(v)
	case "lv":
		g.Level = LevelHighAssurance
	case "l":
		err = g.parseLock(v)
	case "t":
		g.Trace, err = ParseTrace(v)
	default:
		return fmt.Errorf("unknown field")
	}
	return err
}

func (g *Grounds) parseHours(v string) error {
	parts := strings.Split(v, ",")
	if len(parts) != 3 && len(parts) != 4 {
		return fmt.Errorf("%q: want zone,day,minute[,start-end]", v)
	}
	n, err := ints(parts[1]+","+parts[2], 2)
	if err != nil || n[0] < 0 || n[0] > 6 {
		return fmt.Errorf("%q: want zone,day,minute[,start-end]", v)
	}
	g.Hours = HoursRead{Zone: parts[0], Day: time.Weekday(n[0]), Local: n[1]}
	if len(parts) == 4 {
		start, end, _ := strings.Cut(parts[3], "-")
		w, err := ints(start+","+end, 2)
		if err != nil {
			return fmt.Errorf("%q: the window is start-end in minutes", v)
		}
		g.Hours.Restricted, g.Hours.Window = true, Window{Start: w[0], End: w[1]}
	}
	return nil
}

func (g *Grounds) parseLock(v string) error {
	unfamiliar := strings.HasSuffix(v, ",u")
	n, err := ints(strings.TrimSuffix(v, ",u"), 3)
	if err != nil {
		return err
	}
	g.Lock = LockRead{Known: true, Before: n[0], After: n[1], Max: n[2], Unfamiliar: unfamiliar}
	return nil
}

func parseRangeRead(v string) (RangeRead, error) {
	count, match, matched := strings.Cut(v, ",")
	n, err := strconv.Atoi(count)
	if err != nil {
		return RangeRead{}, fmt.Errorf("%q: want count[,range]", v)
	}
	r := RangeRead{Count: n}
	if matched {
		start, end, found := strings.Cut(match, "-")
		if !found {
			end = start
		}
		if r.Match, err = ParseIPRange(start, end); err != nil {
			return RangeRead{}, err
		}
		r.Matched = true
	}
	return r, nil
}

// ints reads want comma-separated integers.
func ints(v string, want int) ([]int, error) {
	parts := strings.Split(v, ",")
	if len(parts) != want {
		return nil, fmt.Errorf("%q: want %d numbers", v, want)
	}
	out := make([]int, want)
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil {
			return nil, fmt.Errorf("%q: want %d numbers", v, want)
		}
		out[i] = n
	}
	return out, nil
}
