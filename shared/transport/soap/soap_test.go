package soap

import (
	"encoding/xml"
	"errors"
	"strings"
	"testing"
)

const jsforceLogin = `<se:Envelope xmlns:se="http://schemas.xmlsoap.org/soap/envelope/"><se:Header/><se:Body><login xmlns="urn:partner.soap.sforce.com"><username>jane@acme.example</username><password>p&amp;ss&lt;word</password></login></se:Body></se:Envelope>`

// As simple-salesforce sends it: prefixed operation, headers we ignore.
const simpleSalesforceLogin = `<?xml version="1.0" encoding="utf-8" ?>
<env:Envelope
        xmlns:xsd="http://www.w3.org/2001/XMLSchema"
        xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
        xmlns:env="http://schemas.xmlsoap.org/soap/envelope/"
        xmlns:urn="urn:partner.soap.sforce.com">
    <env:Header>
        <urn:CallOptions>
            <urn:client>RestForce</urn:client>
            <urn:defaultNamespace>sf</urn:defaultNamespace>
        </urn:CallOptions>
        <urn:LoginScopeHeader><urn:organizationId>00D000000000062</urn:organizationId></urn:LoginScopeHeader>
    </env:Header>
    <env:Body>
        <n1:login xmlns:n1="urn:partner.soap.sforce.com">
            <n1:username>jane@acme.example</n1:username>
            <n1:password>p&amp;ss&lt;word</n1:password>
        </n1:login>
    </env:Body>
</env:Envelope>`

const jsforceLogout = `<se:Envelope xmlns:se="http://schemas.xmlsoap.org/soap/envelope/"><se:Header><SessionHeader xmlns="urn:partner.soap.sforce.com"><sessionId>00D000000000062!abc</sessionId></SessionHeader></se:Header><se:Body><logout xmlns="urn:partner.soap.sforce.com"/></se:Body></se:Envelope>`

func TestDecodeRealClients(t *testing.T) {
	tests := []struct {
		name string
		body string
		want Request
	}{
		{"jsforce login with a default namespace", jsforceLogin, Request{Op: OpLogin, Username: "jane@acme.example", Password: "p&ss<word"}},
		{"simple-salesforce login with prefixes and ignored headers", simpleSalesforceLogin, Request{Op: OpLogin, Username: "jane@acme.example", Password: "p&ss<word"}},
		{"unqualified fields are accepted", strings.NewReplacer(`<username>`, `<username xmlns="">`, `<password>`, `<password xmlns="">`).Replace(jsforceLogin), Request{Op: OpLogin, Username: "jane@acme.example", Password: "p&ss<word"}},
		{"jsforce logout with a session header", jsforceLogout, Request{Op: OpLogout, SessionID: "00D000000000062!abc"}},
		{"a comment after the envelope is fine", jsforceLogin + "<!-- bye -->\n", Request{Op: OpLogin, Username: "jane@acme.example", Password: "p&ss<word"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decode([]byte(tt.body))
			if err != nil || got != tt.want {
				t.Fatalf("Decode = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestDecodeRefusesBadInput(t *testing.T) {
	op := func(inner string) string {
		return `<se:Envelope xmlns:se="http://schemas.xmlsoap.org/soap/envelope/"><se:Body>` + inner + `</se:Body></se:Envelope>`
	}
	tests := []struct{ name, body, want string }{
		{"empty body", "", "empty"},
		{"malformed XML", jsforceLogin[:120], "not well-formed"},
		{"a DOCTYPE", `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>` + jsforceLogin, "DOCTYPE"},
		{"a lower-case doctype", `<!doctype x>` + jsforceLogin, "DOCTYPE"},
		{"over 64 KiB", op(`<login xmlns="urn:partner.soap.sforce.com"><username>a</username><password>` + strings.Repeat("x", MaxBody) + `</password></login>`), "larger than"},
		{"wrong envelope namespace", strings.Replace(jsforceLogin, NSEnvelope, "http://www.w3.org/2003/05/soap-envelope", 1), "Expected a SOAP 1.1 Envelope"},
		{"wrong operation namespace", strings.Replace(jsforceLogin, NSPartner, "urn:enterprise.soap.sforce.com", 1), "No operation available for request {urn:enterprise.soap.sforce.com}login"},
		{"unknown operation", op(`<query xmlns="urn:partner.soap.sforce.com"/>`), "No operation available for request {urn:partner.soap.sforce.com}query"},
		{"missing password", op(`<login xmlns="urn:partner.soap.sforce.com"><username>a</username></login>`), "no password"},
		{"empty username", op(`<login xmlns="urn:partner.soap.sforce.com"><username></username><password>x</password></login>`), "no username"},
		{"duplicate username", op(`<login xmlns="urn:partner.soap.sforce.com"><username>a</username><username>b</username><password>x</password></login>`), "given twice"},
		{"non-UTF-8", strings.Replace(jsforceLogin, "jane", "j\xe9ne", 1), "UTF-8"},
		{"a Latin-1 encoding declaration", `<?xml version="1.0" encoding="ISO-8859-1"?>` + jsforceLogin, "not well-formed"},
		{"two operations", op(`<logout xmlns="urn:partner.soap.sforce.com"/><logout xmlns="urn:partner.soap.sforce.com"/>`), "exactly one operation"},
		{"no Body", `<se:Envelope xmlns:se="http://schemas.xmlsoap.org/soap/envelope/"><se:Header/></se:Envelope>`, "no Body"},
		{"trailing element", jsforceLogin + "<x/>", "after the Envelope"},
		{"markup inside a field", op(`<login xmlns="urn:partner.soap.sforce.com"><username><b>a</b></username><password>x</password></login>`), "text only"},
		{"deep nesting", op(`<login xmlns="urn:partner.soap.sforce.com">` + strings.Repeat("<a>", 40) + strings.Repeat("</a>", 40) + `</login>`), "too deeply"},
		{"not XML at all", "username=a&password=b", "not well-formed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode([]byte(tt.body))
			var f *Fault
			if !errors.As(err, &f) {
				t.Fatalf("Decode error %v; want a *Fault", err)
			}
			if f.Code != "soapenv:Client" || !strings.Contains(f.Message, tt.want) {
				t.Fatalf("fault %q %q; want a Client fault mentioning %q", f.Code, f.Message, tt.want)
			}
		})
	}
}

func TestParseVersion(t *testing.T) {
	for v, ok := range map[string]bool{"50.0": true, "54.0": true, "38.0": true, "64.0": true, "37.0": false, "20.0": false,
		"50": false, "50.1": false, "abc": false, "": false, "050.0": false, "-1.0": false} {
		if _, err := ParseVersion(v); (err == nil) != ok {
			t.Errorf("ParseVersion(%q) err %v; want ok=%v", v, err, ok)
		}
	}
}

func TestLoginResponseOrderAndEscaping(t *testing.T) {
	out, err := EncodeLoginResponse("50.0", LoginResult{
		MetadataServerURL: "https://h/services/Soap/m/50.0/00D000000000062", ServerURL: "https://h/services/Soap/u/50.0/00D000000000062",
		SessionID: "00D000000000062!x", UserID: "005000000000001AAA",
		UserInfo: UserInfo{OrganizationID: "00D000000000062EAA", OrganizationName: `Smith & "Sons" <Ltd>`, UserName: "a@b", UserFullName: "A B"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var env struct {
		XMLName xml.Name
		Body    struct {
			Resp struct {
				XMLName xml.Name
				Result  struct {
					Fields []struct {
						XMLName xml.Name
						Inner   []struct{ XMLName xml.Name } `xml:",any"`
						Text    string                       `xml:",chardata"`
					} `xml:",any"`
				} `xml:"result"`
			} `xml:",any"`
		} `xml:"Body"`
	}
	if err := xml.Unmarshal(out, &env); err != nil {
		t.Fatalf("response is not XML: %v\n%s", err, out)
	}
	if env.XMLName.Space != NSEnvelope || env.Body.Resp.XMLName.Space != NSPartner || env.Body.Resp.XMLName.Local != "loginResponse" {
		t.Fatalf("namespaces: %+v %+v", env.XMLName, env.Body.Resp.XMLName)
	}
	var top, info []string
	for _, f := range env.Body.Resp.Result.Fields {
		top = append(top, f.XMLName.Local)
		if f.XMLName.Local == "userInfo" {
			for _, i := range f.Inner {
				info = append(info, i.XMLName.Local)
			}
		}
	}
	if got := strings.Join(top, ","); got != "metadataServerUrl,passwordExpired,sandbox,serverUrl,sessionId,userId,userInfo" {
		t.Errorf("LoginResult order %s", got)
	}
	wantInfo := "accessibilityMode,currencySymbol,orgAttachmentFileSizeLimit,orgDefaultCurrencyIsoCode,orgDefaultCurrencyLocale," +
		"orgDisallowHtmlAttachments,orgHasPersonAccounts,organizationId,organizationMultiCurrency,organizationName,profileId," +
		"roleId,sessionSecondsValid,userDefaultCurrencyIsoCode,userEmail,userFullName,userId,userLanguage,userLocale,userName," +
		"userTimeZone,userType,userUiSkin"
	if got := strings.Join(info, ","); got != wantInfo {
		t.Errorf("GetUserInfoResult order\n got %s\nwant %s", got, wantInfo)
	}
	for _, s := range []string{`<roleId xsi:nil="true"/>`, `Smith &amp; &#34;Sons&#34; &lt;Ltd&gt;`, `<passwordExpired>false</passwordExpired>`} {
		if !strings.Contains(string(out), s) {
			t.Errorf("response lacks %s", s)
		}
	}
}

func TestFaults(t *testing.T) {
	tests := []struct {
		name string
		f    *Fault
		want []string
	}{
		{"a login fault", LoginFault("INVALID_LOGIN", "Invalid username, password, security token; or user locked out."), []string{
			`xmlns:sf="urn:fault.partner.soap.sforce.com"`, `<faultcode>INVALID_LOGIN</faultcode>`,
			`<faultstring>INVALID_LOGIN: Invalid username, password, security token; or user locked out.</faultstring>`,
			`<detail><sf:LoginFault xsi:type="sf:LoginFault"><sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode>`,
			`<sf:exceptionMessage>Invalid username, password, security token; or user locked out.</sf:exceptionMessage>`}},
		{"an invalid session", InvalidSessionFault("Invalid Session ID found in SessionHeader: Illegal Session"), []string{
			`<faultcode>INVALID_SESSION_ID</faultcode>`, `<sf:InvalidSessionIdFault xsi:type="sf:InvalidSessionIdFault">`}},
		{"an internal error", LoginFault("UNKNOWN_EXCEPTION", "oops"), []string{`<sf:UnexpectedErrorFault xsi:type="sf:UnexpectedErrorFault">`}},
		{"a client fault has no detail", ClientFault("bad <xml>"), []string{`<faultcode>soapenv:Client</faultcode><faultstring>bad &lt;xml&gt;</faultstring></soapenv:Fault>`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := string(EncodeFault(tt.f))
			var v any
			if err := xml.Unmarshal([]byte(out), &v); err != nil {
				t.Fatalf("fault is not XML: %v", err)
			}
			for _, s := range tt.want {
				if !strings.Contains(out, s) {
					t.Errorf("fault lacks %s\n%s", s, out)
				}
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{jsforceLogin, simpleSalesforceLogin, jsforceLogout, "", "<a/>", "<!DOCTYPE a>"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Decode(b)
		if err != nil {
			var fault *Fault
			if !errors.As(err, &fault) {
				t.Fatalf("error %v is not a *Fault", err)
			}
			return
		}
		if r.Op != OpLogin && r.Op != OpLogout || r.Op == OpLogin && (r.Username == "" || r.Password == "") {
			t.Fatalf("accepted an incomplete request %+v", r)
		}
	})
}

func BenchmarkDecodeLogin(b *testing.B) {
	body := []byte(jsforceLogin)
	for b.Loop() {
		if _, err := Decode(body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeLoginResponse(b *testing.B) {
	r := LoginResult{ServerURL: "https://h/services/Soap/u/50.0/00D000000000062", SessionID: "00D000000000062!x",
		UserInfo: UserInfo{OrganizationName: "Acme", UserName: "a@b"}}
	for b.Loop() {
		EncodeLoginResponse("50.0", r)
	}
}
