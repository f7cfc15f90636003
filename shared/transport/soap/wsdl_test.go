package soap

import (
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The partner WSDLs of testdata/wsdl, read as a strict WSDL-driven client
// (WSC, Data Loader, a .NET proxy) reads them: loginResponse/result must hold
// exactly the elements of LoginResult's xsd:sequence, in that order, each
// present as often as minOccurs/maxOccurs allow, xsi:nil only where nillable,
// values of the declared type; userInfo the same against GetUserInfoResult.

type xsdElement struct {
	Name      string `xml:"name,attr"`
	Type      string `xml:"type,attr"`
	MinOccurs string `xml:"minOccurs,attr"`
	MaxOccurs string `xml:"maxOccurs,attr"`
	Nillable  bool   `xml:"nillable,attr"`
}

type xsdComplexType struct {
	Name     string       `xml:"name,attr"`
	Sequence []xsdElement `xml:"sequence>element"`
}

type xsdSimpleType struct {
	Name        string `xml:"name,attr"`
	Restriction struct {
		Base   string `xml:"base,attr"`
		Length struct {
			Value int `xml:"value,attr"`
		} `xml:"length"`
		Pattern struct {
			Value string `xml:"value,attr"`
		} `xml:"pattern"`
	} `xml:"restriction"`
}

type partnerSchema struct {
	TargetNamespace    string           `xml:"targetNamespace,attr"`
	ElementFormDefault string           `xml:"elementFormDefault,attr"`
	ComplexTypes       []xsdComplexType `xml:"complexType"`
	SimpleTypes        []xsdSimpleType  `xml:"simpleType"`
	Elements           []struct {
		Name        string         `xml:"name,attr"`
		ComplexType xsdComplexType `xml:"complexType"`
	} `xml:"element"`
}

// loadWSDL reads testdata/wsdl/partner-{v}.0.xml and returns its partner schema.
func loadWSDL(t *testing.T, v int) *partnerSchema {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "wsdl", fmt.Sprintf("partner-%d.0.xml", v)))
	if err != nil {
		t.Fatal(err)
	}
	var defs struct {
		Schemas []partnerSchema `xml:"types>schema"`
	}
	if err := xml.Unmarshal(b, &defs); err != nil {
		t.Fatalf("partner-%d.0.xml: %v", v, err)
	}
	if !strings.Contains(string(b), fmt.Sprintf("Partner Web Services API Version %d.0\n", v)) {
		t.Fatalf("partner-%d.0.xml is not the %d.0 WSDL", v, v)
	}
	for i := range defs.Schemas {
		if s := &defs.Schemas[i]; s.TargetNamespace == NSPartner {
			if s.ElementFormDefault != "qualified" {
				t.Fatalf("partner-%d.0.xml: elementFormDefault %q; the checks below assume qualified", v, s.ElementFormDefault)
			}
			return s
		}
	}
	t.Fatalf("partner-%d.0.xml has no schema for %s", v, NSPartner)
	return nil
}

func (s *partnerSchema) complexType(t reporter, name string) xsdComplexType {
	t.Helper()
	for _, ct := range s.ComplexTypes {
		if ct.Name == name {
			return ct
		}
	}
	t.Fatalf("the WSDL has no complexType %s", name)
	return xsdComplexType{}
}

// wsdlVersions are the versions with a WSDL in testdata/wsdl, ascending.
func wsdlVersions(t *testing.T) []int {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "wsdl", "partner-*.0.xml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no WSDLs in testdata/wsdl: %v", err)
	}
	var vs []int
	for _, f := range files {
		v, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "partner-"), ".0.xml"))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		vs = append(vs, v)
	}
	slices.Sort(vs)
	return vs
}

// checkSequence validates n's children against the xsd:sequence of ct,
// descending into complex children. path names n in errors.
func (s *partnerSchema) checkSequence(t reporter, ct xsdComplexType, n *node, path string) {
	t.Helper()
	kids := n.Children
	i := 0
	for _, el := range ct.Sequence {
		min, max := 1, 1
		if el.MinOccurs != "" {
			min, _ = strconv.Atoi(el.MinOccurs)
		}
		switch el.MaxOccurs {
		case "":
		case "unbounded":
			max = int(^uint(0) >> 1)
		default:
			max, _ = strconv.Atoi(el.MaxOccurs)
		}
		count := 0
		for i < len(kids) && kids[i].Name.Local == el.Name {
			s.checkValue(t, el, kids[i], path+"/"+el.Name)
			i++
			count++
		}
		if count < min {
			t.Errorf("%s: %s missing (minOccurs %d), or out of order", path, el.Name, min)
		}
		if count > max {
			t.Errorf("%s: %s %d times; maxOccurs %d", path, el.Name, count, max)
		}
	}
	for ; i < len(kids); i++ {
		t.Errorf("%s: %s is not in %s's sequence at this place (undefined or out of order)", path, kids[i].Name.Local, ct.Name)
	}
}

func (s *partnerSchema) checkValue(t reporter, el xsdElement, n *node, path string) {
	t.Helper()
	if n.Name.Space != NSPartner {
		t.Errorf("%s is in namespace %q; the schema is qualified, want %q", path, n.Name.Space, NSPartner)
	}
	if nilAttr, ok := n.attr(nsXSI, "nil"); ok && nilAttr == "true" {
		if !el.Nillable {
			t.Errorf("%s is xsi:nil; the WSDL does not make it nillable", path)
		}
		if n.Text != "" || len(n.Children) > 0 {
			t.Errorf("%s is xsi:nil but has content", path)
		}
		return
	}
	local, ok := strings.CutPrefix(el.Type, "tns:")
	if !ok {
		s.checkBuiltin(t, el.Type, n, path)
		return
	}
	for _, st := range s.SimpleTypes {
		if st.Name == local {
			s.checkBuiltin(t, st.Restriction.Base, n, path)
			r := st.Restriction
			if r.Length.Value > 0 && len(n.Text) != r.Length.Value {
				t.Errorf("%s = %q: length %d; %s wants %d", path, n.Text, len(n.Text), local, r.Length.Value)
			}
			if r.Pattern.Value != "" && !regexp.MustCompile(`^(?:`+r.Pattern.Value+`)$`).MatchString(n.Text) {
				t.Errorf("%s = %q does not match %s's pattern %s", path, n.Text, local, r.Pattern.Value)
			}
			return
		}
	}
	if strings.TrimSpace(n.Text) != "" {
		t.Errorf("%s (%s) has text %q beside its elements", path, el.Type, n.Text)
	}
	s.checkSequence(t, s.complexType(t, local), n, path)
}

func (s *partnerSchema) checkBuiltin(t reporter, typ string, n *node, path string) {
	t.Helper()
	if len(n.Children) > 0 {
		t.Errorf("%s (%s) has child elements", path, typ)
	}
	switch typ {
	case "xsd:string":
	case "xsd:boolean":
		// The lexical space also has 1 and 0; clients expect the words.
		if n.Text != "true" && n.Text != "false" {
			t.Errorf("%s = %q is not an xsd:boolean", path, n.Text)
		}
	case "xsd:int":
		if _, err := strconv.ParseInt(n.Text, 10, 32); err != nil {
			t.Errorf("%s = %q is not an xsd:int", path, n.Text)
		}
	default:
		t.Fatalf("%s: type %s is not one this check knows; teach it before trusting the result", path, typ)
	}
}

// checkLoginResponse validates a whole loginResponse envelope against the schema.
func (s *partnerSchema) checkLoginResponse(t reporter, root *node) {
	t.Helper()
	var body *node
	for _, c := range root.Children {
		if c.Name == (xml.Name{Space: NSEnvelope, Local: "Body"}) {
			body = c
		}
	}
	if body == nil || len(body.Children) != 1 {
		t.Fatalf("the Envelope has no Body holding one element")
	}
	if body.Children[0].Name != (xml.Name{Space: NSPartner, Local: "loginResponse"}) {
		t.Errorf("Body holds %v; want {%s}loginResponse", body.Children[0].Name, NSPartner)
	}
	for _, el := range s.Elements {
		if el.Name == "loginResponse" {
			s.checkSequence(t, el.ComplexType, body.Children[0], "loginResponse")
			return
		}
	}
	t.Fatalf("the WSDL has no loginResponse element")
}

// reporter is what the checks need of a *testing.T, so that a recorder can
// stand in where a check is meant to fail.
type reporter interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// recorder collects failures instead of failing the test; its Fatalf ends
// the check (see failures).
type recorder struct{ msgs []string }

func (r *recorder) Helper()                      {}
func (r *recorder) Errorf(f string, args ...any) { r.msgs = append(r.msgs, fmt.Sprintf(f, args...)) }
func (r *recorder) Fatalf(f string, args ...any) { r.Errorf(f, args...); panic(r) }

// failures runs check with a recorder and returns what it reported.
func failures(check func(reporter)) (msgs []string) {
	r := &recorder{}
	defer func() {
		if p := recover(); p != nil && p != r {
			panic(p)
		}
		msgs = r.msgs
	}()
	check(r)
	return r.msgs
}

// wsdlFor is the WSDL a served version is checked against: its own, or
// for a version without one here the nearest earlier one (whose element
// sets TestWSDLGapsAgree shows the next one shares).
func wsdlFor(vs []int, v int) int {
	i, found := slices.BinarySearch(vs, v)
	if found {
		return v
	}
	return vs[i-1]
}

func TestLoginResponseOfEveryServedVersionFollowsItsWSDL(t *testing.T) {
	vs := wsdlVersions(t)
	if vs[0] != int(minVersion) || vs[len(vs)-1] != int(latestWSDL) {
		t.Fatalf("testdata/wsdl spans %d.0 to %d.0; the code claims %d.0 to %d.0", vs[0], vs[len(vs)-1], minVersion, latestWSDL)
	}
	full := func(version string) LoginResult {
		r := sampleResult(version)
		r.UserInfo.RoleID = "00E000000000001EAA"
		r.UserInfo.UserDefaultCurrencyIsoCode = "EUR"
		r.Sandbox = true
		return r
	}
	nils := func(version string) LoginResult {
		r := sampleResult(version)
		r.MetadataServerURL, r.UserInfo.CurrencySymbol, r.UserInfo.OrgDefaultCurrencyIsoCode = "", "", ""
		r.UserInfo.OrgDefaultCurrencyLocale, r.UserInfo.UserDefaultCurrencyIsoCode, r.UserInfo.RoleID = "", "", ""
		return r
	}
	// Every version served, up to a few past the newest WSDL, and a far one.
	served := []int{}
	for v := int(minVersion); v <= int(latestWSDL)+8; v++ {
		served = append(served, v)
	}
	served = append(served, 100, 999)
	for _, v := range served {
		version := strconv.Itoa(v) + ".0"
		w := wsdlFor(vs, v)
		t.Run(fmt.Sprintf("%s against the %d.0 WSDL", version, w), func(t *testing.T) {
			schema := loadWSDL(t, w)
			for name, r := range map[string]LoginResult{"every field set": full(version), "nillable fields empty": nils(version)} {
				out, err := EncodeLoginResponse(version, r)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				schema.checkLoginResponse(t, parse(t, out))
			}
		})
	}
}

// TestWSDLGapsAgree: a version between two WSDLs at hand is answered with the
// earlier one's elements, which is safe only if both agree.
func TestWSDLGapsAgree(t *testing.T) {
	vs := wsdlVersions(t)
	for i := 1; i < len(vs); i++ {
		if vs[i] == vs[i-1]+1 {
			continue
		}
		before, after := loadWSDL(t, vs[i-1]), loadWSDL(t, vs[i])
		for _, name := range []string{"LoginResult", "GetUserInfoResult"} {
			if a, b := before.complexType(t, name), after.complexType(t, name); !slices.Equal(a.Sequence, b.Sequence) {
				t.Errorf("%s differs between %d.0 and %d.0: add the WSDLs in between to testdata/wsdl", name, vs[i-1], vs[i])
			}
		}
	}
}

// TestTheStrictCheckCatchesWhatAClientRejects keeps the checker honest: each
// of these breaks a WSDL-bound client, and each must fail the check.
func TestTheStrictCheckCatchesWhatAClientRejects(t *testing.T) {
	good, err := EncodeLoginResponse("50.0", sampleResult("50.0"))
	if err != nil {
		t.Fatal(err)
	}
	schema := loadWSDL(t, 50)
	for _, tt := range []struct{ name, old, new string }{
		{"a missing required element", "<chatterExternal>false</chatterExternal>", ""},
		{"an element the WSDL does not define", "<userUiSkin>", "<userPhone>1</userPhone><userUiSkin>"},
		{"two elements swapped", "<passwordExpired>false</passwordExpired><sandbox>false</sandbox>",
			"<sandbox>false</sandbox><passwordExpired>false</passwordExpired>"},
		{"xsi:nil on a required element", "<userName>" + demoUser + "</userName>", `<userName xsi:nil="true"/>`},
		{"a boolean that is not one", "<passwordExpired>false</passwordExpired>", "<passwordExpired>no</passwordExpired>"},
		{"a 15-character id", "<profileId>00e000000000001AAA</profileId>", "<profileId>00e000000000001</profileId>"},
		{"an element in no namespace", "<userType>Standard</userType>", `<userType xmlns="">Standard</userType>`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			bad := strings.Replace(string(good), tt.old, tt.new, 1)
			if bad == string(good) {
				t.Fatalf("%q is not in the response", tt.old)
			}
			root := parse(t, []byte(bad))
			if msgs := failures(func(r reporter) { schema.checkLoginResponse(r, root) }); len(msgs) == 0 {
				t.Fatalf("the check passed a response with %s", tt.name)
			} else {
				t.Logf("caught: %s", strings.Join(msgs, "; "))
			}
		})
	}
}
