package soap

import (
	"encoding/xml"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"loginguard/shared/domain"
)

const (
	demoUser = "demo@loginguard.example"
	demoPass = "Demo-Passw0rd!"
	demoSID  = "00D000000000062!AQ8AQJw2Cg1p7kVhYzQ3bF0nM5rT9xLc4sE6uW8yA2dG"
)

func readRequest(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "requests", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The files in testdata/requests are what the clients send: the jsforce
// ones captured from jsforce 3.10.26 itself, the simple-salesforce ones
// from the templates in its login.py.
func TestDecodeWhatRealClientsSend(t *testing.T) {
	tests := []struct {
		file string
		want Request
	}{
		{"jsforce-login.xml", Request{Op: OpLogin, Username: demoUser, Password: demoPass}},
		{"jsforce-logout.xml", Request{Op: OpLogout, SessionID: demoSID}},
		{"jsforce-soap-layer-logout.xml", Request{Op: OpLogout, SessionID: demoSID}},
		{"simple-salesforce-token.xml", Request{Op: OpLogin, Username: demoUser, Password: demoPass + "SecurityTokenXYZ123abc"}},
		{"simple-salesforce-organization-id.xml", Request{Op: OpLogin, Username: demoUser, Password: demoPass}},
		{"simple-salesforce-password.xml", Request{Op: OpLogin, Username: demoUser, Password: demoPass}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := Decode(readRequest(t, tt.file))
			if err != nil || got != tt.want {
				t.Fatalf("Decode = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func env(inner string) string {
	return `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>` + inner + `</s:Body></s:Envelope>`
}

func loginBody(fields string) string {
	return env(`<login xmlns="urn:partner.soap.sforce.com">` + fields + `</login>`)
}

const fields = `<username>u@x.example</username><password>pw</password>`

func TestDecodeAcceptsEveryWayOfSpellingTheRequest(t *testing.T) {
	u := Request{Op: OpLogin, Username: "u@x.example", Password: "pw"}
	tests := []struct {
		name string
		body string
		want Request
	}{
		{"default namespace on the operation", loginBody(fields), u},
		{"any prefix on the operation and fields",
			env(`<p:login xmlns:p="urn:partner.soap.sforce.com"><p:username>u@x.example</p:username><p:password>pw</p:password></p:login>`), u},
		{"unqualified fields under a prefixed operation",
			env(`<p:login xmlns:p="urn:partner.soap.sforce.com"><username>u@x.example</username><password>pw</password></p:login>`), u},
		{"fields unqualified with xmlns=\"\"",
			loginBody(`<username xmlns="">u@x.example</username><password xmlns="">pw</password>`), u},
		{"default namespace on the Body",
			`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body xmlns="urn:partner.soap.sforce.com"><login>` + fields + `</login></s:Body></s:Envelope>`, u},
		{"password before username", loginBody(`<password>pw</password><username>u@x.example</username>`), u},
		{"white space around the user name is dropped, not around the password",
			loginBody("<username>\n  u@x.example \t</username><password> pw </password>"), Request{Op: OpLogin, Username: "u@x.example", Password: " pw "}},
		{"escaped and CDATA text", loginBody(`<username>u@x.example</username><password>&lt;p&amp;w&quot;&apos;&#62;&#x41;<![CDATA[<&]]></password>`),
			Request{Op: OpLogin, Username: "u@x.example", Password: `<p&w"'>A<&`}},
		{"non-ASCII password", loginBody(`<username>u@x.example</username><password>pässwörd✓</password>`),
			Request{Op: OpLogin, Username: "u@x.example", Password: "pässwörd✓"}},
		{"headers we do not use are ignored",
			`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header>` +
				`<CallOptions xmlns="urn:partner.soap.sforce.com"><client>x</client></CallOptions>` +
				`<LoginScopeHeader xmlns="urn:partner.soap.sforce.com"><organizationId>00D000000000062</organizationId></LoginScopeHeader>` +
				`<wsse:Security xmlns:wsse="urn:other" s:mustUnderstand="0"><a><b>c</b></a></wsse:Security>` +
				`</s:Header><s:Body><login xmlns="urn:partner.soap.sforce.com">` + fields + `</login></s:Body></s:Envelope>`, u},
		{"an empty Header", `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header/><s:Body><login xmlns="urn:partner.soap.sforce.com">` + fields + `</login></s:Body></s:Envelope>`, u},
		{"a session header on a login is read too",
			`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header><SessionHeader xmlns="urn:partner.soap.sforce.com"><sessionId> abc </sessionId></SessionHeader></s:Header><s:Body><login xmlns="urn:partner.soap.sforce.com">` + fields + `</login></s:Body></s:Envelope>`,
			Request{Op: OpLogin, Username: "u@x.example", Password: "pw", SessionID: "abc"}},
		{"logout without a session header has no session", env(`<logout xmlns="urn:partner.soap.sforce.com"/>`), Request{Op: OpLogout}},
		{"a UTF-8 byte order mark", "\xef\xbb\xbf" + loginBody(fields), u},
		{"an XML declaration in lower case utf-8", `<?xml version="1.0" encoding="utf-8" ?>` + loginBody(fields), u},
		{"comments, processing instructions and white space around and inside",
			"<!-- a -->\n<?pi x?>" + strings.Replace(loginBody(fields), "<username>", "<!-- b --><?pi y?> <username>", 1) + "\n<!-- c --><?pi z?>\n", u},
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
	deep := `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header>` +
		strings.Repeat("<a>", maxDepth) + strings.Repeat("</a>", maxDepth) + `</s:Header><s:Body/></s:Envelope>`
	manyTokens := `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header>` +
		strings.Repeat("<h/>", maxTokens) + `</s:Header><s:Body/></s:Envelope>`
	var attrs strings.Builder
	for i := range maxAttrs + 1 {
		attrs.WriteString(` a` + string(rune('a'+i%26)) + string(rune('a'+i/26)) + `=""`)
	}
	manyAttrs := env(`<login xmlns="urn:partner.soap.sforce.com"` + attrs.String() + `>` + fields + `</login>`)

	const client, unknownCode, vm = CodeClient, domain.CodeUnknown, CodeVersionMismatch
	tests := []struct {
		name    string
		body    string
		code    string
		kind    Kind
		message string // exact, or a prefix when it ends in "..."
	}{
		{"an empty body", "", unknownCode, KindUnexpectedError, "Premature end of file."},
		{"a blank body", " \r\n\t", unknownCode, KindUnexpectedError, "Premature end of file."},
		{"a body over MaxBody", loginBody(`<username>u</username><password>` + strings.Repeat("x", MaxBody) + `</password>`),
			CodeTooLarge, KindUnexpectedError, "The size of the message sent to the API exceeded 65536 bytes."},
		{"truncated XML", loginBody(fields)[:90], unknownCode, KindUnexpectedError, "XML syntax error on line 1: unexpected EOF"},
		{"mismatched tags", strings.Replace(loginBody(fields), "</username>", "</user>", 1), unknownCode, KindUnexpectedError,
			"XML syntax error on line 1: element <username> closed by </user>"},
		{"an undefined entity", strings.Replace(loginBody(fields), "pw", "&Cl", 1), unknownCode, KindUnexpectedError, "XML syntax error on line 1: invalid character entity &Cl (no semicolon)"},
		{"not XML at all", "username: a, password: b", unknownCode, KindUnexpectedError, "Content is not allowed in prolog."},
		{"JSON", `{"username":"a"}`, unknownCode, KindUnexpectedError, "Content is not allowed in prolog."},
		{"a DOCTYPE with an external entity", `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>` + loginBody(fields),
			unknownCode, KindUnexpectedError, "DOCTYPE is not allowed in a request."},
		{"a billion laughs", `<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>` + loginBody(strings.Replace(fields, "pw", "&lol2;", 1)),
			unknownCode, KindUnexpectedError, "DOCTYPE is not allowed in a request."},
		{"a lower-case doctype", `<!doctype x>` + loginBody(fields), unknownCode, KindUnexpectedError, "DOCTYPE is not allowed in a request."},
		{"a DOCTYPE after the root", loginBody(fields) + `<!DOCTYPE x>`, unknownCode, KindUnexpectedError, "DOCTYPE is not allowed in a request."},
		{"another directive", `<!ENTITY x "y">` + loginBody(fields), unknownCode, KindUnexpectedError, "XML directives (<!...>) are not allowed in a request."},
		{"invalid UTF-8", strings.Replace(loginBody(fields), "u@x", "u\xff@x", 1), unknownCode, KindUnexpectedError, "Invalid byte sequence: the request must be UTF-8."},
		{"UTF-16", "\xff\xfe<\x00s\x00", unknownCode, KindUnexpectedError, "Invalid byte sequence: the request must be UTF-8."},
		{"a Latin-1 declaration", `<?xml version="1.0" encoding="ISO-8859-1"?>` + loginBody(fields), unknownCode, KindUnexpectedError,
			"Unsupported encoding in the XML declaration: the request must be UTF-8."},
		{"a UTF-16 declaration", `<?xml version="1.0" encoding="UTF-16"?>` + loginBody(fields), unknownCode, KindUnexpectedError,
			"Unsupported encoding in the XML declaration: the request must be UTF-8."},
		{"XML 1.1", `<?xml version="1.1"?>` + loginBody(fields), unknownCode, KindUnexpectedError, `xml: unsupported version "1.1"; only version 1.0 is supported`},
		{"a SOAP 1.2 envelope", strings.Replace(loginBody(fields), NSEnvelope, "http://www.w3.org/2003/05/soap-envelope", 1), vm, "",
			`Wrong envelope namespace "http://www.w3.org/2003/05/soap-envelope": this service speaks SOAP 1.1 (http://schemas.xmlsoap.org/soap/envelope/).`},
		{"an unqualified envelope", `<Envelope><Body/></Envelope>`, vm, "", `Wrong envelope namespace "": this service speaks SOAP 1.1 (http://schemas.xmlsoap.org/soap/envelope/).`},
		{"a root that is no envelope", `<login xmlns="urn:partner.soap.sforce.com"/>`, client, "", "Expected a SOAP Envelope, found {urn:partner.soap.sforce.com}login."},
		{"a Body in the wrong namespace", `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><Body/></s:Envelope>`, client, "", "Element {}Body invalid at this location"},
		{"no Body", `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header/></s:Envelope>`, client, "", "The SOAP Envelope has no Body."},
		{"two Bodies", `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><logout xmlns="urn:partner.soap.sforce.com"/></s:Body><s:Body/></s:Envelope>`,
			client, "", "Element {http://schemas.xmlsoap.org/soap/envelope/}Body invalid at this location"},
		{"a Header after the Body", `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><logout xmlns="urn:partner.soap.sforce.com"/></s:Body><s:Header/></s:Envelope>`,
			client, "", "Element {http://schemas.xmlsoap.org/soap/envelope/}Header invalid at this location"},
		{"text in the Envelope", `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">hi<s:Body/></s:Envelope>`, client, "", "Text is not allowed in the SOAP Envelope."},
		{"an empty Body", env(""), client, "", "The SOAP Body holds no operation."},
		{"text in the Body", env("login"), client, "", "Text is not allowed in the SOAP Body."},
		{"the enterprise namespace", strings.Replace(loginBody(fields), NSPartner, "urn:enterprise.soap.sforce.com", 1), client, "",
			"No operation available for request {urn:enterprise.soap.sforce.com}login, please check the WSDL for the service."},
		{"an unqualified operation", env(`<login>` + fields + `</login>`), client, "",
			"No operation available for request {}login, please check the WSDL for the service."},
		{"an unknown operation", env(`<query xmlns="urn:partner.soap.sforce.com"><queryString>x</queryString></query>`), client, "",
			"No operation available for request {urn:partner.soap.sforce.com}query, please check the WSDL for the service."},
		{"two operations", env(`<logout xmlns="urn:partner.soap.sforce.com"/><logout xmlns="urn:partner.soap.sforce.com"/>`), client, "",
			"Element {urn:partner.soap.sforce.com}logout invalid at this location"},
		{"text after the operation", env(`<logout xmlns="urn:partner.soap.sforce.com"/>x`), client, "", "Text is not allowed in the SOAP Body."},
		{"a missing password", loginBody(`<username>u@x.example</username>`), domain.CodeInvalidLogin, KindLogin, domain.InvalidLoginMessage},
		{"a missing username", loginBody(`<password>pw</password>`), domain.CodeInvalidLogin, KindLogin, domain.InvalidLoginMessage},
		{"an empty username", loginBody(`<username></username><password>pw</password>`), domain.CodeInvalidLogin, KindLogin, domain.InvalidLoginMessage},
		{"a blank username", loginBody(`<username> </username><password>pw</password>`), domain.CodeInvalidLogin, KindLogin, domain.InvalidLoginMessage},
		{"an empty password", loginBody(`<username>u@x.example</username><password/>`), domain.CodeInvalidLogin, KindLogin, domain.InvalidLoginMessage},
		{"a nil password", loginBody(`<username>u@x.example</username><password xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:nil="true"/>`),
			domain.CodeInvalidLogin, KindLogin, domain.InvalidLoginMessage},
		{"an empty login", loginBody(``), domain.CodeInvalidLogin, KindLogin, domain.InvalidLoginMessage},
		{"a username given twice", loginBody(`<username>a</username><username>b</username><password>pw</password>`), client, "",
			"Element {urn:partner.soap.sforce.com}username invalid at this location"},
		{"an unknown field", loginBody(fields + `<organizationId>x</organizationId>`), client, "",
			"Element {urn:partner.soap.sforce.com}organizationId invalid at this location"},
		{"a field in another namespace", loginBody(`<x:username xmlns:x="urn:other">u</x:username><password>pw</password>`), client, "",
			"Element {urn:other}username invalid at this location"},
		{"markup inside a field", loginBody(`<username><b>u</b></username><password>pw</password>`), client, "",
			"Element {urn:partner.soap.sforce.com}b invalid at this location"},
		{"text inside login", loginBody(`x` + fields), client, "", "Text is not allowed in login."},
		{"a child of logout", env(`<logout xmlns="urn:partner.soap.sforce.com"><x/></logout>`), client, "",
			"Element {urn:partner.soap.sforce.com}x invalid at this location"},
		{"text inside logout", env(`<logout xmlns="urn:partner.soap.sforce.com">x</logout>`), client, "", "Text is not allowed in logout."},
		{"two session headers", `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header><SessionHeader xmlns="urn:partner.soap.sforce.com"><sessionId>a</sessionId></SessionHeader><SessionHeader xmlns="urn:partner.soap.sforce.com"><sessionId>b</sessionId></SessionHeader></s:Header><s:Body><logout xmlns="urn:partner.soap.sforce.com"/></s:Body></s:Envelope>`,
			client, "", "Element {urn:partner.soap.sforce.com}SessionHeader invalid at this location"},
		{"text in the Header", `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header>x</s:Header><s:Body/></s:Envelope>`, client, "", "Text is not allowed in the SOAP Header."},
		{"an element after the envelope", loginBody(fields) + "<x/>", unknownCode, KindUnexpectedError, "Content is not allowed in trailing section."},
		{"text after the envelope", loginBody(fields) + "garbage", unknownCode, KindUnexpectedError, "Content is not allowed in trailing section."},
		{"a second envelope", loginBody(fields) + loginBody(fields), unknownCode, KindUnexpectedError, "Content is not allowed in trailing section."},
		{"a NUL byte", strings.Replace(loginBody(fields), "pw", "p\x00w", 1), unknownCode, KindUnexpectedError, "XML syntax error on line 1: illegal character code U+0000"},
		{"nesting deeper than the limit", deep, unknownCode, KindUnexpectedError, "The request nests elements more than 32 deep."},
		{"more tokens than the limit", manyTokens, unknownCode, KindUnexpectedError, "The request has more than 2048 XML tokens."},
		{"more attributes than the limit", manyAttrs, unknownCode, KindUnexpectedError, "An element of the request has more than 64 attributes."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := Decode([]byte(tt.body))
			var f *Fault
			if !errors.As(err, &f) {
				t.Fatalf("Decode = %+v, %v; want a *Fault", req, err)
			}
			if req != (Request{}) {
				t.Errorf("a refused request came back with %+v", req)
			}
			if f.Code != tt.code || f.Kind != tt.kind {
				t.Errorf("fault %q (%q); want %q (%q)", f.Code, f.Kind, tt.code, tt.kind)
			}
			if want, prefix := strings.CutSuffix(tt.message, "..."); prefix && !strings.HasPrefix(f.Message, want) || !prefix && f.Message != want {
				t.Errorf("message %q; want %q", f.Message, tt.message)
			}
		})
	}
}

func TestDecodeStaysWithinItsLimits(t *testing.T) {
	// Right at the limits a request still decodes.
	padding := MaxBody - len(loginBody(`<username>u</username><password></password>`))
	atLimit := loginBody(`<username>u</username><password>` + strings.Repeat("x", padding) + `</password>`)
	if len(atLimit) != MaxBody {
		t.Fatalf("test body is %d bytes", len(atLimit))
	}
	if r, err := Decode([]byte(atLimit)); err != nil || len(r.Password) != padding {
		t.Fatalf("a body of exactly MaxBody: %v", err)
	}
	nested := `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header>` +
		strings.Repeat("<a>", maxDepth-2) + strings.Repeat("</a>", maxDepth-2) +
		`</s:Header><s:Body><logout xmlns="urn:partner.soap.sforce.com"/></s:Body></s:Envelope>`
	if _, err := Decode([]byte(nested)); err != nil {
		t.Fatalf("nesting of exactly maxDepth: %v", err)
	}
}

// Every refusal renders as a fault that parses, whatever it quotes.
func TestDecodeFaultsRender(t *testing.T) {
	for _, body := range []string{"<", "&<>\"'", env(`<a:b xmlns:a="urn:&lt;&quot;"/>`), "\xef\xbb\xbf", string([]byte{0xc3, 0x28})} {
		_, err := Decode([]byte(body))
		var f *Fault
		if !errors.As(err, &f) {
			t.Fatalf("Decode(%q) = %v", body, err)
		}
		if err := xml.Unmarshal(EncodeFault(f), new(any)); err != nil {
			t.Fatalf("fault for %q does not parse: %v\n%s", body, err, EncodeFault(f))
		}
	}
}

func FuzzDecode(f *testing.F) {
	entries, err := os.ReadDir(filepath.Join("testdata", "requests"))
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		f.Add(readRequest(f, e.Name()))
	}
	for _, s := range []string{"", "<", "<a/>", "<!DOCTYPE a>", loginBody(fields), loginBody(fields)[:60],
		env(`<logout xmlns="urn:partner.soap.sforce.com"/>`), `<?xml version="1.0" encoding="x"?><a/>`,
		loginBody(`<username>&#0;</username>`), "\xef\xbb\xbf" + loginBody(fields)} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := Decode(body)
		if err != nil {
			var fault *Fault
			if !errors.As(err, &fault) {
				t.Fatalf("error %v is not a *Fault", err)
			}
			if fault.Code == "" || fault.Message == "" || req != (Request{}) {
				t.Fatalf("fault %+v with request %+v", fault, req)
			}
			if err := xml.Unmarshal(EncodeFault(fault), new(any)); err != nil {
				t.Fatalf("the fault does not render as XML: %v", err)
			}
			return
		}
		switch req.Op {
		case OpLogin:
			if req.Username == "" || req.Password == "" || strings.TrimSpace(req.Username) != req.Username {
				t.Fatalf("accepted an incomplete login %+v", req)
			}
		case OpLogout:
			if req.Username != "" || req.Password != "" {
				t.Fatalf("a logout with credentials %+v", req)
			}
		default:
			t.Fatalf("accepted %+v", req)
		}
	})
}

func BenchmarkDecodeLogin(b *testing.B) {
	for _, file := range []string{"jsforce-login.xml", "simple-salesforce-token.xml"} {
		body := readRequest(b, file)
		b.Run(strings.TrimSuffix(file, ".xml"), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if _, err := Decode(body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestDecodeSetPasswordAndGetUserInfo(t *testing.T) {
	hdr := `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header><SessionHeader xmlns="urn:partner.soap.sforce.com"><sessionId>` +
		demoSID + `</sessionId></SessionHeader></s:Header><s:Body>`
	tests := []struct {
		name string
		body string
		want Request
		code string // the fault's, when refused
	}{
		{"setPassword as zeep sends it", hdr + `<ns0:setPassword xmlns:ns0="urn:partner.soap.sforce.com"><ns0:userId> 005000000000001AAA </ns0:userId><ns0:password>New-Pass 1</ns0:password></ns0:setPassword></s:Body></s:Envelope>`,
			Request{Op: OpSetPassword, UserID: "005000000000001AAA", Password: "New-Pass 1", SessionID: demoSID}, ""},
		{"setPassword fields in either order", hdr + `<setPassword xmlns="urn:partner.soap.sforce.com"><password>p</password><userId>005000000000001</userId></setPassword></s:Body></s:Envelope>`,
			Request{Op: OpSetPassword, UserID: "005000000000001", Password: "p", SessionID: demoSID}, ""},
		{"setPassword without a password", hdr + `<setPassword xmlns="urn:partner.soap.sforce.com"><userId>005000000000001</userId></setPassword></s:Body></s:Envelope>`,
			Request{}, CodeClient},
		{"setPassword with a field twice", hdr + `<setPassword xmlns="urn:partner.soap.sforce.com"><userId>a</userId><userId>b</userId><password>p</password></setPassword></s:Body></s:Envelope>`,
			Request{}, CodeClient},
		{"setPassword with an unknown field", hdr + `<setPassword xmlns="urn:partner.soap.sforce.com"><userId>a</userId><password>p</password><x/></setPassword></s:Body></s:Envelope>`,
			Request{}, CodeClient},
		{"getUserInfo", hdr + `<getUserInfo xmlns="urn:partner.soap.sforce.com"/></s:Body></s:Envelope>`,
			Request{Op: OpGetUserInfo, SessionID: demoSID}, ""},
		{"getUserInfo with content", hdr + `<getUserInfo xmlns="urn:partner.soap.sforce.com">x</getUserInfo></s:Body></s:Envelope>`,
			Request{}, CodeClient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decode([]byte(tt.body))
			if tt.code != "" {
				var f *Fault
				if !errors.As(err, &f) || f.Code != tt.code {
					t.Fatalf("Decode = %+v, %v; want a %s fault", got, err, tt.code)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Decode = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestSetPasswordFaultsAreTheKindsItsWSDLDeclares(t *testing.T) {
	tests := []struct {
		err  error
		kind Kind
	}{
		{&domain.Error{Code: domain.CodeInvalidNewPassword, Message: "too short"}, KindInvalidNewPassword},
		{&domain.Error{Code: domain.CodeInvalidID, Message: "bad id"}, KindInvalidID},
		{&domain.Error{Code: domain.CodeExpiredPasswordOperation, Message: "expired"}, KindUnexpectedError},
		{&domain.Error{Code: domain.CodeMailNotSent, Message: "mail down"}, KindUnexpectedError},
		{&domain.Error{Code: domain.CodeInvalidSession, Message: "gone"}, KindUnexpectedError},
	}
	for _, tt := range tests {
		f := CallFault(tt.err)
		if f.Kind != tt.kind {
			t.Errorf("%v: kind %s, want %s", tt.err, f.Kind, tt.kind)
		}
		if b := string(EncodeFault(f)); !strings.Contains(b, `<sf:`+string(tt.kind)+` xsi:type="sf:`+string(tt.kind)+`">`) {
			t.Errorf("%v: encoded %s", tt.err, b)
		}
	}
}
