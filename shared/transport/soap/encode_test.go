package soap

import (
	"bytes"
	"encoding/xml"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"loginguard/shared/domain"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n got %s\nwant %s", name, got, want)
	}
}

// node is a parsed element, to check what a namespace-aware client sees.
type node struct {
	Name     xml.Name
	Attr     []xml.Attr
	Children []*node
	Text     string
}

func parse(t *testing.T, b []byte) *node {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	var stack []*node
	var root *node
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("output is not XML: %v\n%s", err, b)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &node{Name: tok.Name, Attr: tok.Attr}
			if len(stack) == 0 {
				root = n
			} else {
				p := stack[len(stack)-1]
				p.Children = append(p.Children, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].Text += string(tok)
			}
		}
	}
	return root
}

func (n *node) child(t *testing.T, space, local string) *node {
	t.Helper()
	for _, c := range n.Children {
		if c.Name.Space == space && c.Name.Local == local {
			return c
		}
	}
	t.Fatalf("<%s> has no {%s}%s", n.Name.Local, space, local)
	return nil
}

func (n *node) attr(space, local string) (string, bool) {
	for _, a := range n.Attr {
		if a.Name.Space == space && a.Name.Local == local {
			return a.Value, true
		}
	}
	return "", false
}

func (n *node) names(t *testing.T, space string) string {
	t.Helper()
	var out []string
	for _, c := range n.Children {
		if c.Name.Space != space {
			t.Errorf("<%s> is in namespace %q; want %q", c.Name.Local, c.Name.Space, space)
		}
		out = append(out, c.Name.Local)
	}
	return strings.Join(out, ",")
}

func sampleResult(version string) LoginResult {
	base := "https://login.example.com"
	return LoginResult{
		MetadataServerURL: base + "/services/Soap/m/" + version + "/00D000000000062",
		ServerURL:         base + "/services/Soap/u/" + version + "/00D000000000062",
		SessionID:         demoSID,
		UserID:            "005R0000000DslaIAC",
		UserInfo: UserInfo{
			CurrencySymbol:             "$",
			OrgAttachmentFileSizeLimit: 5242880,
			OrgDefaultCurrencyIsoCode:  "USD",
			OrgDefaultCurrencyLocale:   "en_US",
			OrganizationID:             "00D000000000062EAA",
			OrganizationName:           `Smith & "Sons" <Ltd> 'n' Co`,
			ProfileID:                  "00e000000000001AAA",
			SessionSecondsValid:        7200,
			UserEmail:                  "demo@loginguard.example",
			UserFullName:               "Dëmo O'Brien",
			UserID:                     "005R0000000DslaIAC",
			UserLanguage:               "en_US",
			UserLocale:                 "en_US",
			UserName:                   demoUser,
			UserTimeZone:               "Europe/Berlin",
			UserType:                   "Standard",
			UserUISkin:                 "Theme3",
		},
	}
}

const (
	loginResultOrder = "metadataServerUrl,passwordExpired,sandbox,serverUrl,sessionId,userId,userInfo"
	// GetUserInfoResult of the 40.0 to 58.0 partner WSDLs, in their order.
	userInfoV40 = "accessibilityMode,chatterExternal,currencySymbol,orgAttachmentFileSizeLimit,orgDefaultCurrencyIsoCode," +
		"orgDefaultCurrencyLocale,orgDisallowHtmlAttachments,orgHasPersonAccounts,organizationId," +
		"organizationMultiCurrency,organizationName,profileId,roleId,sessionSecondsValid," +
		"userDefaultCurrencyIsoCode,userEmail,userFullName,userId,userLanguage,userLocale,userName," +
		"userTimeZone,userType,userUiSkin"
	// The same in the 38.0 and 39.0 WSDLs: no chatterExternal.
	userInfoV38 = "accessibilityMode,currencySymbol,orgAttachmentFileSizeLimit,orgDefaultCurrencyIsoCode," +
		"orgDefaultCurrencyLocale,orgDisallowHtmlAttachments,orgHasPersonAccounts,organizationId," +
		"organizationMultiCurrency,organizationName,profileId,roleId,sessionSecondsValid," +
		"userDefaultCurrencyIsoCode,userEmail,userFullName,userId,userLanguage,userLocale,userName," +
		"userTimeZone,userType,userUiSkin"
	// The same in the 31.0 to 37.0 WSDLs: no orgDefaultCurrencyLocale either.
	userInfoV36 = "accessibilityMode,currencySymbol,orgAttachmentFileSizeLimit,orgDefaultCurrencyIsoCode," +
		"orgDisallowHtmlAttachments,orgHasPersonAccounts,organizationId," +
		"organizationMultiCurrency,organizationName,profileId,roleId,sessionSecondsValid," +
		"userDefaultCurrencyIsoCode,userEmail,userFullName,userId,userLanguage,userLocale,userName," +
		"userTimeZone,userType,userUiSkin"
)

func TestLoginResponseHasTheWSDLElementsOfItsVersion(t *testing.T) {
	tests := []struct {
		version, golden, userInfo string
	}{
		{"50.0", "login-response-v50.xml", userInfoV40},
		{"40.0", "", userInfoV40},
		{"66.0", "", userInfoV40},
		{"39.0", "", userInfoV38},
		{"38.0", "", userInfoV38},
		{"37.0", "", userInfoV36},
		{"36.0", "login-response-v36.xml", userInfoV36},
		{"31.0", "", userInfoV36},
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			r := sampleResult(tt.version)
			out, err := EncodeLoginResponse(tt.version, r)
			if err != nil {
				t.Fatal(err)
			}
			if tt.golden != "" {
				golden(t, tt.golden, out)
			}
			root := parse(t, out)
			if root.Name != (xml.Name{Space: NSEnvelope, Local: "Envelope"}) {
				t.Fatalf("root %v", root.Name)
			}
			body := root.child(t, NSEnvelope, "Body")
			result := body.child(t, NSPartner, "loginResponse").child(t, NSPartner, "result")
			if got := result.names(t, NSPartner); got != loginResultOrder {
				t.Errorf("LoginResult\n got %s\nwant %s", got, loginResultOrder)
			}
			info := result.child(t, NSPartner, "userInfo")
			if got := info.names(t, NSPartner); got != tt.userInfo {
				t.Errorf("GetUserInfoResult\n got %s\nwant %s", got, tt.userInfo)
			}
			for local, want := range map[string]string{
				"organizationName": r.UserInfo.OrganizationName, "userFullName": r.UserInfo.UserFullName,
				"organizationId": "00D000000000062EAA", "sessionSecondsValid": "7200", "orgHasPersonAccounts": "false",
				"currencySymbol": "$", "userTimeZone": "Europe/Berlin",
			} {
				if got := info.child(t, NSPartner, local).Text; got != want {
					t.Errorf("%s = %q; want %q", local, got, want)
				}
			}
			if got := result.child(t, NSPartner, "passwordExpired").Text; got != "false" {
				t.Errorf("passwordExpired = %q", got)
			}
			role := info.child(t, NSPartner, "roleId")
			if v, ok := role.attr(nsXSI, "nil"); !ok || v != "true" || role.Text != "" {
				t.Errorf("roleId %+v; want xsi:nil=\"true\"", role)
			}
			// jsforce and simple-salesforce read these with a regular
			// expression or by literal tag name: no prefix allowed.
			for _, s := range []string{"<serverUrl>" + r.ServerURL + "</serverUrl>", "<sessionId>" + r.SessionID + "</sessionId>",
				"<userId>" + r.UserID + "</userId>", "<organizationId>00D000000000062EAA</organizationId>",
				"<passwordExpired>false</passwordExpired>"} {
				if !strings.Contains(string(out), s) {
					t.Errorf("response lacks %s", s)
				}
			}
		})
	}
}

func TestLoginResponseEscapesText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"markup characters", `<b>&amp;"x"'y'</b>`, `<b>&amp;"x"'y'</b>`},
		{"a carriage return survives", "a\r\nb", "a\r\nb"},
		{"tab and newline", "a\tb\nc", "a\tb\nc"},
		{"non-ASCII", "Zürich ✓ 𝄞", "Zürich ✓ 𝄞"},
		{"control characters XML cannot carry", "a\x00b\x1fc\x0bd", "a\uFFFDb\uFFFDc\uFFFDd"},
		{"invalid UTF-8", "a\xffb\xc3", "a\uFFFDb\uFFFD"},
		{"non-characters", "a\uFFFEb\uFFFF", "a\uFFFDb\uFFFD"},
		{"a CDATA end", "]]>", "]]>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := sampleResult("50.0")
			r.UserInfo.OrganizationName = tt.in
			r.UserInfo.UserFullName = tt.in
			r.SessionID = tt.in
			out, err := EncodeLoginResponse("50.0", r)
			if err != nil {
				t.Fatal(err)
			}
			result := parse(t, out).child(t, NSEnvelope, "Body").child(t, NSPartner, "loginResponse").child(t, NSPartner, "result")
			info := result.child(t, NSPartner, "userInfo")
			for _, got := range []string{info.child(t, NSPartner, "organizationName").Text,
				info.child(t, NSPartner, "userFullName").Text, result.child(t, NSPartner, "sessionId").Text} {
				if got != tt.want {
					t.Errorf("read back %q; want %q", got, tt.want)
				}
			}
		})
	}
}

func TestLoginResponseNilsEmptyNillableElements(t *testing.T) {
	r := sampleResult("50.0")
	r.MetadataServerURL, r.UserInfo.CurrencySymbol, r.UserInfo.OrgDefaultCurrencyIsoCode = "", "", ""
	r.UserInfo.OrgDefaultCurrencyLocale, r.UserInfo.UserDefaultCurrencyIsoCode = "", ""
	r.UserInfo.RoleID = "00E000000000001EAA"
	r.PasswordExpired, r.Sandbox = true, true
	out, err := EncodeLoginResponse("50.0", r)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`<metadataServerUrl xsi:nil="true"/>`, `<currencySymbol xsi:nil="true"/>`,
		`<orgDefaultCurrencyIsoCode xsi:nil="true"/>`, `<orgDefaultCurrencyLocale xsi:nil="true"/>`,
		`<userDefaultCurrencyIsoCode xsi:nil="true"/>`, `<roleId>00E000000000001EAA</roleId>`,
		`<passwordExpired>true</passwordExpired><sandbox>true</sandbox>`} {
		if !strings.Contains(string(out), s) {
			t.Errorf("response lacks %s", s)
		}
	}
}

func TestLoginResponseRefusesWhatTheWSDLCannotCarry(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*LoginResult)
	}{
		{"a 15-character user id", func(r *LoginResult) { r.UserID = "005R0000000Dsla" }},
		{"an empty organization id", func(r *LoginResult) { r.UserInfo.OrganizationID = "" }},
		{"a profile id with a wrong suffix", func(r *LoginResult) { r.UserInfo.ProfileID = "00e000000000001AAB" }},
		{"a lower-cased user id", func(r *LoginResult) { r.UserInfo.UserID = "005r0000000dslaiac" }},
		{"a role id that is no id", func(r *LoginResult) { r.UserInfo.RoleID = "CEO" }},
		{"seconds beyond xsd:int", func(r *LoginResult) { r.UserInfo.SessionSecondsValid = 1 << 31 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := sampleResult("50.0")
			tt.mutate(&r)
			if out, err := EncodeLoginResponse("50.0", r); !errors.Is(err, ErrEncode) {
				t.Fatalf("EncodeLoginResponse = %s, %v; want ErrEncode", out, err)
			}
		})
	}
	t.Run("an unsupported version", func(t *testing.T) {
		_, err := EncodeLoginResponse("20.0", sampleResult("20.0"))
		var f *Fault
		if !errors.As(err, &f) || f.Code != CodeUnsupportedVersion {
			t.Fatalf("err %v; want UNSUPPORTED_API_VERSION", err)
		}
	})
}

func TestLogoutResponse(t *testing.T) {
	out := EncodeLogoutResponse()
	golden(t, "logout-response.xml", out)
	resp := parse(t, out).child(t, NSEnvelope, "Body").child(t, NSPartner, "logoutResponse")
	if len(resp.Children) != 0 || resp.Text != "" {
		t.Fatalf("logoutResponse is not empty: %+v", resp)
	}
}

func TestFaults(t *testing.T) {
	tests := []struct {
		golden    string
		fault     *Fault
		faultcode string
		detail    string // local name in NSFault; "" for none
	}{
		{"fault-invalid-login.xml", DomainFault(domain.CodeInvalidLogin, domain.InvalidLoginMessage), "INVALID_LOGIN", "LoginFault"},
		{"fault-login-restricted-time.xml", DomainFault("LOGIN_DURING_RESTRICTED_TIME", "Your login hours do not allow a login at this time."),
			"LOGIN_DURING_RESTRICTED_TIME", "LoginFault"},
		{"fault-invalid-session.xml", DomainFault(domain.CodeInvalidSession, "Invalid Session ID found in SessionHeader: Illegal Session"),
			"sf:INVALID_SESSION_ID", "UnexpectedErrorFault"},
		{"fault-unknown-exception.xml", DomainFault(domain.CodeUnknown, `The reference to entity "Cl" must end with the ';' delimiter.`),
			"UNKNOWN_EXCEPTION", "UnexpectedErrorFault"},
		{"fault-unsupported-version.xml", UnsupportedVersion(), "UNSUPPORTED_API_VERSION", "UnexpectedErrorFault"},
		{"fault-too-large.xml", tooLarge(), "EXCEEDED_MAX_SIZE_REQUEST", "UnexpectedErrorFault"},
		{"fault-client.xml", ClientFault("No operation available for request {urn:partner.soap.sforce.com}query, please check the WSDL for the service."),
			"soapenv:Client", ""},
		{"fault-version-mismatch.xml", func() *Fault {
			_, err := Decode([]byte(strings.Replace(loginBody(fields), NSEnvelope, "http://www.w3.org/2003/05/soap-envelope", 1)))
			return err.(*Fault)
		}(), "soapenv:VersionMismatch", ""},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			out := EncodeFault(tt.fault)
			golden(t, tt.golden, out)
			root := parse(t, out)
			if v, _ := root.attr("xmlns", "sf"); v != NSFault {
				t.Errorf("xmlns:sf on the envelope is %q; want %q", v, NSFault)
			}
			fault := root.child(t, NSEnvelope, "Body").child(t, NSEnvelope, "Fault")
			want := "faultcode,faultstring"
			if tt.detail != "" {
				want += ",detail"
			}
			if got := fault.names(t, ""); got != want {
				t.Fatalf("Fault children %s; want %s", got, want)
			}
			if got := fault.child(t, "", "faultcode").Text; got != tt.faultcode {
				t.Errorf("faultcode %q; want %q", got, tt.faultcode)
			}
			fs := fault.child(t, "", "faultstring").Text
			if tt.detail == "" {
				if fs != tt.fault.Message {
					t.Errorf("faultstring %q; want the message alone", fs)
				}
				return
			}
			if want := tt.fault.Code + ": " + tt.fault.Message; fs != want {
				t.Errorf("faultstring %q; want %q", fs, want)
			}
			d := fault.child(t, "", "detail").child(t, NSFault, tt.detail)
			if v, _ := d.attr(nsXSI, "type"); v != "sf:"+tt.detail {
				t.Errorf("xsi:type %q; want sf:%s", v, tt.detail)
			}
			if got := d.names(t, NSFault); got != "exceptionCode,exceptionMessage" {
				t.Errorf("detail children %s", got)
			}
			if got := d.child(t, NSFault, "exceptionCode").Text; got != tt.fault.Code {
				t.Errorf("exceptionCode %q", got)
			}
			if got := d.child(t, NSFault, "exceptionMessage").Text; got != tt.fault.Message {
				t.Errorf("exceptionMessage %q", got)
			}
			// simple-salesforce looks the detail up by its literal tag name.
			for _, s := range []string{"<sf:exceptionCode>", "<sf:exceptionMessage>"} {
				if !strings.Contains(string(out), s) {
					t.Errorf("fault lacks %s", s)
				}
			}
		})
	}
}

// jsforce throws Error(faultstring) with the text as it stands between the
// tags (it matches <faultstring>([^<]+)</faultstring> and decodes nothing),
// so a message must reach the wire with no entity in it.
func TestFaultTextNeedsNoEntity(t *testing.T) {
	jsforceReads := regexp.MustCompile(`<faultstring>([^<]+)</faultstring>`)
	tests := []struct{ name, msg, shown string }{
		{"quotes and apostrophes go as they are",
			"When accessing the service from outside of your company's trusted networks, add the \"token\".",
			"When accessing the service from outside of your company's trusted networks, add the \"token\"."},
		{"a parser's markup becomes look-alikes", "element <a> closed by </b> & more",
			"element \u2039a\u203A closed by \u2039/b\u203A \uFF06 more"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, f := range []*Fault{DomainFault("LOGIN_MUST_USE_SECURITY_TOKEN", tt.msg), ClientFault(tt.msg)} {
				out := EncodeFault(f)
				m := jsforceReads.FindSubmatch(out)
				want := tt.shown
				if f.Kind != "" {
					want = f.Code + ": " + tt.shown
				}
				if m == nil || string(m[1]) != want {
					t.Errorf("jsforce would show %q; want %q", m, want)
				}
				if f.Kind != "" {
					got := parse(t, out).child(t, NSEnvelope, "Body").child(t, NSEnvelope, "Fault").child(t, "", "detail").
						child(t, NSFault, "LoginFault").child(t, NSFault, "exceptionMessage").Text
					if got != tt.shown {
						t.Errorf("exceptionMessage reads %q; want %q", got, tt.shown)
					}
				}
			}
		})
	}
}

func TestFaultsAreAlwaysWellFormed(t *testing.T) {
	for _, f := range []*Fault{
		nil,
		{Code: "X", Message: "a", Kind: "Bogus\"><script>"}, // an unknown kind is sent as UnexpectedErrorFault
		{Code: `<&>"'`, Message: "\x00\xff]]>", Kind: KindLogin},
		ClientFault(`<&>"'`),
	} {
		out := EncodeFault(f)
		root := parse(t, out)
		fault := root.child(t, NSEnvelope, "Body").child(t, NSEnvelope, "Fault")
		if f != nil && f.Kind != "" {
			fault.child(t, "", "detail").child(t, NSFault, string(sentAs(f.Kind)))
		}
	}
}

// sentAs is the detail element a Kind goes out as.
func sentAs(k Kind) Kind {
	if k == KindLogin {
		return k
	}
	return KindUnexpectedError
}

func FuzzEncodeLoginResponse(f *testing.F) {
	f.Add("Acme", "demo@loginguard.example")
	f.Add(`<&>"'`, "\r\n\x00\xff")
	f.Fuzz(func(t *testing.T, name, user string) {
		r := sampleResult("50.0")
		r.UserInfo.OrganizationName, r.UserInfo.UserName = name, user
		out, err := EncodeLoginResponse("50.0", r)
		if err != nil {
			t.Fatal(err)
		}
		info := parse(t, out).child(t, NSEnvelope, "Body").child(t, NSPartner, "loginResponse").
			child(t, NSPartner, "result").child(t, NSPartner, "userInfo")
		if got := info.names(t, NSPartner); got != userInfoV40 {
			t.Fatalf("elements %s", got)
		}
		for local, in := range map[string]string{"organizationName": name, "userName": user} {
			if got := info.child(t, NSPartner, local).Text; clean(in) && got != in {
				t.Fatalf("%s read back %q; want %q", local, got, in)
			}
		}
	})
}

// clean reports whether s needs no replacement to travel in XML.
func clean(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0xFFFE || r == 0xFFFF {
			return false
		}
	}
	return true
}

func BenchmarkEncodeLoginResponse(b *testing.B) {
	r := sampleResult("50.0")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := EncodeLoginResponse("50.0", r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeFault(b *testing.B) {
	f := DomainFault(domain.CodeInvalidLogin, domain.InvalidLoginMessage)
	b.ReportAllocs()
	for b.Loop() {
		EncodeFault(f)
	}
}
