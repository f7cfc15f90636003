package policy

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestDecisionTraces(t *testing.T) {
	mondayTen := time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC) // 10:00 in New York
	home := netip.MustParseAddr("198.51.100.20")
	office := netip.MustParseAddr("203.0.113.7")
	officeRange := mustRanges(t, "203.0.113.0-203.0.113.255")
	night := mustHours(t, "America/New_York", "mon=20:00-23:00")
	day := mustHours(t, "America/New_York", "mon=08:00-18:00")
	api := func(mod func(*APILogin)) APILogin {
		f := APILogin{At: mondayTen, IP: home, Credentials: PasswordAndToken, APIEnabled: true}
		mod(&f)
		return f
	}
	ui := func(mod func(*UILogin)) UILogin {
		f := UILogin{At: mondayTen, IP: home, PasswordOK: true}
		mod(&f)
		return f
	}
	tests := []struct {
		name  string
		trace Trace
		want  string
	}{
		{"a wrong password stops at the credentials",
			DecideAPILogin(api(func(f *APILogin) { f.Credentials = CredentialsInvalid })).Trace, "c-"},
		{"API disabled stops after the credentials",
			DecideAPILogin(api(func(f *APILogin) { f.APIEnabled = false })).Trace, "c+a-"},
		{"outside login hours stops at the hours",
			DecideAPILogin(api(func(f *APILogin) { f.Hours = night })).Trace, "c+a+h-"},
		{"two-factor for API logins without a code stops there",
			DecideAPILogin(api(func(f *APILogin) { f.TwoFactor = true })).Trace, "c+a+h.2-"},
		{"outside the profile's ranges is refused by them",
			DecideAPILogin(api(func(f *APILogin) { f.LoginIPRanges = officeRange })).Trace, "c+a+h.2.p-"},
		{"inside the profile's ranges and hours is admitted by the ranges",
			DecideAPILogin(api(func(f *APILogin) { f.LoginIPRanges, f.IP, f.Hours = officeRange, office, day })).Trace, "c+a+h+2.p=H.x+"},
		{"a trusted range admits before the token",
			DecideAPILogin(api(func(f *APILogin) { f.TrustedRanges, f.IP = officeRange, office })).Trace, "c+a+h.2.p.t=H.x+"},
		{"the token admits outside the trusted ranges",
			DecideAPILogin(api(func(f *APILogin) {})).Trace, "c+a+h.2.p.t~k=H.x+"},
		{"no token outside the trusted ranges is refused by the token rule",
			DecideAPILogin(api(func(f *APILogin) { f.Credentials = PasswordOnly })).Trace, "c+a+h.2.p.t~k-"},
		{"a TOTP code admits and then meets High Assurance",
			DecideAPILogin(api(func(f *APILogin) { f.Credentials, f.TwoFactor, f.RequireHighAssurance = PasswordAndTOTP, true, true })).Trace, "c+a+h.2+p.o=H+x+"},
		{"a token login is refused where High Assurance is required",
			DecideAPILogin(api(func(f *APILogin) { f.RequireHighAssurance = true })).Trace, "c+a+h.2.p.t~k=H-"},
		{"an expired password narrows a SOAP login",
			DecideAPILogin(api(func(f *APILogin) { f.PasswordExpired, f.CanSetPassword = true, true })).Trace, "c+a+h.2.p.t~k=H.x="},
		{"an expired password refuses an OAuth login",
			DecideAPILogin(api(func(f *APILogin) { f.PasswordExpired = true })).Trace, "c+a+h.2.p.t~k=H.x-"},
		{"a browser outside hours stops there",
			DecideUILogin(ui(func(f *UILogin) { f.Hours = night })).Trace, "c+h-"},
		{"two-factor for UI logins challenges",
			DecideUILogin(ui(func(f *UILogin) { f.TwoFactorUI, f.HasTOTPKey = true, true })).Trace, "c+h.2?"},
		{"an activated browser is admitted",
			DecideUILogin(ui(func(f *UILogin) { f.ActivatedBrowser = true })).Trace, "c+h.2.p.t~b=H.x+"},
		{"an unknown browser is challenged for an emailed code",
			DecideUILogin(ui(func(f *UILogin) {})).Trace, "c+h.2.p.t~b~e?"},
		{"the emailed code passed admits",
			DecideUILogin(ui(func(f *UILogin) { f.EmailCodePassed = true })).Trace, "c+h.2.p.t~b~e=H.x+"},
		{"a first login is admitted",
			DecideUILogin(ui(func(f *UILogin) { f.FirstLogin = true })).Trace, "c+h.2.p.t~b~f=H.x+"},
		{"an expired password asks for a new one last",
			DecideUILogin(ui(func(f *UILogin) { f.ActivatedBrowser, f.PasswordExpired = true, true })).Trace, "c+h.2.p.t~b=H.x?"},
		{"High Assurance asks for TOTP after the place",
			DecideUILogin(ui(func(f *UILogin) { f.ActivatedBrowser, f.RequireHighAssurance, f.HasTOTPKey = true, true, true })).Trace, "c+h.2.p.t~b=H?"},
		{"a browser outside the profile's ranges is refused",
			DecideUILogin(ui(func(f *UILogin) { f.LoginIPRanges = officeRange })).Trace, "c+h.2.p-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.trace.String(); got != tt.want {
				t.Fatalf("trace = %q; want %q", got, tt.want)
			}
			back, err := ParseTrace(tt.want)
			if err != nil || back != tt.trace {
				t.Fatalf("ParseTrace(%q) = %v, %v; want the trace back", tt.want, back, err)
			}
		})
	}
}

func TestTraceDecisiveStep(t *testing.T) {
	tests := []struct {
		trace string
		want  Step
	}{
		{"c+a+h-", Step{RuleLoginHours, Refused}},
		{"c+a+h.2.p.t=H.x+", Step{RuleTrustedRange, Admitted}},
		{"c+a+h.2.p.t~k=H.x=", Step{RulePasswordExpiry, Admitted}},
		{"c+h.2.p.t~b~e?", Step{RuleEmailCode, Challenged}},
	}
	for _, tt := range tests {
		tr, err := ParseTrace(tt.trace)
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := tr.Decisive(); !ok || got != tt.want {
			t.Errorf("Decisive(%q) = %+v; want %+v", tt.trace, got, tt.want)
		}
	}
}

func TestParseTraceRefusesWhatItDoesNotKnow(t *testing.T) {
	for _, s := range []string{"c", "c+a", "z+", "c!", strings.Repeat("c+", maxSteps+1)} {
		if _, err := ParseTrace(s); err == nil {
			t.Errorf("ParseTrace(%q) accepted", s)
		}
	}
}

func TestGroundsRoundTripAndStaySmall(t *testing.T) {
	at := time.Date(2026, 11, 23, 23, 5, 0, 0, time.UTC) // 18:05 in New York
	ip := netip.MustParseAddr("203.0.113.7")
	s := LoginSettings{
		Hours:         mustHours(t, "America/New_York", "mon=08:00-18:00,tue=08:00-18:00"),
		LoginIPRanges: mustRanges(t, "10.0.0.0-10.255.255.255,203.0.113.0-203.0.113.255"),
		TrustedRanges: mustRanges(t, "2001:db8::-2001:db8::ffff,192.0.2.1"),
		APIEnabled:    true, TwoFactorAPI: true, RequireHighAssurance: true,
		Password: PasswordPolicy{ExpiryDays: 90},
	}
	x := Facts{Credentials: PasswordAndTOTP, HasTOTPKey: true, CanSetPassword: true,
		PasswordSetAt: time.Date(2026, 8, 1, 9, 0, 0, 0, time.UTC)}
	trace, _ := x.Decide(at, ip, s)
	g := GroundsOf("00e000000000001", x, at, ip, s, trace)
	g.Lock = LockRead{Known: true, Before: 2, After: 2, Max: 5, Unfamiliar: true}
	enc := g.Encode()
	const want = "1;p=00e000000000001;c=3;f=KSa2RX;s=1785574800,90;h=America/New_York,1,1085,480-1080;lr=2,203.0.113.0-203.0.113.255;tr=2;lv=H;l=2,2,5,u;t=c+a+h-"
	if enc != want {
		t.Fatalf("Encode =\n%s\nwant\n%s", enc, want)
	}
	if len(enc) > 200 {
		t.Errorf("encoded grounds are %d bytes; keep them under 200", len(enc))
	}
	back, err := ParseGrounds(enc)
	if err != nil {
		t.Fatal(err)
	}
	if back != g {
		t.Fatalf("ParseGrounds = %+v\nwant %+v", back, g)
	}
	ui := Facts{UI: true, Credentials: PasswordOnly, ActivatedBrowser: true, TOTPPassed: true, EmailCodePassed: true, FirstLogin: true,
		TOTPEnrolled: true, PasswordChanged: true}
	tr, _ := ui.Decide(at, netip.MustParseAddr("2001:db8::7"), s)
	gu := GroundsOf("", ui, at, netip.MustParseAddr("2001:db8::7"), LoginSettings{TrustedRanges: s.TrustedRanges}, tr)
	if back, err := ParseGrounds(gu.Encode()); err != nil || back != gu {
		t.Fatalf("ParseGrounds(%q) = %+v, %v; want %+v", gu.Encode(), back, err, gu)
	}
}

func TestParseGroundsRefusesOtherVersionsAndFields(t *testing.T) {
	for _, s := range []string{"", "2;t=c-", "1;t=c-;zz=1", "1;c=9;t=c-", "1;h=UTC,9,1;t=c-", "1;lr=x;t=c-", "1;t=c"} {
		if _, err := ParseGrounds(s); err == nil {
			t.Errorf("ParseGrounds(%q) accepted", s)
		}
	}
}

// BenchmarkDecideAPILogin is the decision a login makes, with its trace:
// it allocates nothing.
func BenchmarkDecideAPILogin(b *testing.B) {
	ranges, _ := ParseIPRanges("203.0.113.0-203.0.113.255")
	hours, _ := ParseLoginHours("America/New_York", "mon=08:00-18:00")
	f := APILogin{At: time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC), IP: netip.MustParseAddr("198.51.100.1"),
		Credentials: PasswordAndToken, APIEnabled: true, Hours: hours, TrustedRanges: ranges}
	b.ReportAllocs()
	for b.Loop() {
		if d := DecideAPILogin(f); !d.Allowed {
			b.Fatal(d)
		}
	}
}

// BenchmarkGroundsOfAndEncode is what a login adds to record its
// grounds: reading the settings, and the stored form.
func BenchmarkGroundsOfAndEncode(b *testing.B) {
	ranges, _ := ParseIPRanges("203.0.113.0-203.0.113.255")
	hours, _ := ParseLoginHours("America/New_York", "mon=08:00-18:00")
	at, ip := time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC), netip.MustParseAddr("203.0.113.1")
	s := LoginSettings{Hours: hours, TrustedRanges: ranges, APIEnabled: true}
	x := Facts{Credentials: PasswordAndToken, CanSetPassword: true, PasswordSetAt: at.Add(-time.Hour)}
	b.ReportAllocs()
	for b.Loop() {
		tr, _ := x.Decide(at, ip, s)
		if g := GroundsOf("00e000000000001", x, at, ip, s, tr); len(g.Encode()) == 0 {
			b.Fatal("empty")
		}
	}
}
