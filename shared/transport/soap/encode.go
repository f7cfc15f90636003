package soap

import (
	"bytes"
	"encoding/xml"
	"strconv"
)

// Fault is a SOAP fault. Kind names the detail element (LoginFault,
// InvalidSessionIdFault, UnexpectedErrorFault); an empty Kind is a Client
// fault about the request itself, without detail.
type Fault struct {
	Code    string
	Message string
	Kind    string
}

func (f *Fault) Error() string { return f.faultString() }

func (f *Fault) faultString() string {
	if f.Kind == "" {
		return f.Message
	}
	return f.Code + ": " + f.Message
}

// ClientFault is a fault about a malformed or unacceptable request.
func ClientFault(msg string) *Fault { return &Fault{Code: "soapenv:Client", Message: msg} }

// LoginFault is a refused login (INVALID_LOGIN, LOGIN_MUST_USE_SECURITY_TOKEN, ...).
// UNKNOWN_EXCEPTION goes out as an UnexpectedErrorFault.
func LoginFault(code, msg string) *Fault {
	if code == "UNKNOWN_EXCEPTION" {
		return &Fault{Code: code, Message: msg, Kind: "UnexpectedErrorFault"}
	}
	return &Fault{Code: code, Message: msg, Kind: "LoginFault"}
}

// InvalidSessionFault answers a call with a missing, ended or expired session.
func InvalidSessionFault(msg string) *Fault {
	return &Fault{Code: "INVALID_SESSION_ID", Message: msg, Kind: "InvalidSessionIdFault"}
}

// UnsupportedVersion answers a URL whose API version this service does not serve.
func UnsupportedVersion(v string) *Fault {
	return &Fault{Code: "UNSUPPORTED_API_VERSION", Kind: "UnexpectedErrorFault",
		Message: "Invalid Api version specified on URL: " + strconv.Quote(v) + "; versions 38.0 and later are supported."}
}

type writer struct{ bytes.Buffer }

func (w *writer) text(s string) { _ = xml.EscapeText(w, []byte(s)) }

// el writes <name>text</name>.
func (w *writer) el(name, text string) {
	w.WriteByte('<')
	w.WriteString(name)
	w.WriteByte('>')
	w.text(text)
	w.WriteString("</")
	w.WriteString(name)
	w.WriteByte('>')
}

// nilOr writes the element, or <name xsi:nil="true"/> when text is empty.
func (w *writer) nilOr(name, text string) {
	if text == "" {
		w.WriteString("<" + name + ` xsi:nil="true"/>`)
		return
	}
	w.el(name, text)
}

func (w *writer) bool(name string, v bool) { w.el(name, strconv.FormatBool(v)) }
func (w *writer) int(name string, v int)   { w.el(name, strconv.Itoa(v)) }

const envelopeOpen = `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="` + NSEnvelope +
	`" xmlns="` + NSPartner + `" xmlns:xsi="` + nsXSI + `"><soapenv:Body>`
const envelopeClose = `</soapenv:Body></soapenv:Envelope>`

// EncodeFault renders a fault; it goes out with HTTP 500.
func EncodeFault(f *Fault) []byte {
	var w writer
	w.WriteString(`<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="` + NSEnvelope +
		`" xmlns:sf="` + NSFault + `" xmlns:xsi="` + nsXSI + `"><soapenv:Body><soapenv:Fault>`)
	w.el("faultcode", f.Code)
	w.el("faultstring", f.faultString())
	if f.Kind != "" {
		w.WriteString(`<detail><sf:` + f.Kind + ` xsi:type="sf:` + f.Kind + `">`)
		w.el("sf:exceptionCode", f.Code)
		w.el("sf:exceptionMessage", f.Message)
		w.WriteString(`</sf:` + f.Kind + `></detail>`)
	}
	w.WriteString(`</soapenv:Fault>` + envelopeClose)
	return w.Bytes()
}

// UserInfo is GetUserInfoResult as the v38.0 partner WSDL defines it.
// Ids are the 18-character form.
type UserInfo struct {
	AccessibilityMode          bool
	CurrencySymbol             string // nil when empty
	OrgAttachmentFileSizeLimit int
	OrgDefaultCurrencyIsoCode  string // nil when empty
	OrgDefaultCurrencyLocale   string // nil when empty
	OrgDisallowHTMLAttachments bool
	OrgHasPersonAccounts       bool
	OrganizationID             string
	OrganizationMultiCurrency  bool
	OrganizationName           string
	ProfileID                  string
	RoleID                     string // nil when empty
	SessionSecondsValid        int
	UserDefaultCurrencyIsoCode string // nil when empty
	UserEmail                  string
	UserFullName               string
	UserID                     string
	UserLanguage               string
	UserLocale                 string
	UserName                   string
	UserTimeZone               string
	UserType                   string
	UserUISkin                 string
}

// LoginResult is the partner API's LoginResult.
type LoginResult struct {
	MetadataServerURL string
	PasswordExpired   bool
	Sandbox           bool
	ServerURL         string
	SessionID         string
	UserID            string
	UserInfo          UserInfo
}

// EncodeLoginResponse renders loginResponse with the elements of LoginResult
// and GetUserInfoResult in WSDL order. version must have passed ParseVersion.
func EncodeLoginResponse(version string, r LoginResult) ([]byte, error) {
	if _, err := ParseVersion(version); err != nil {
		return nil, err
	}
	var w writer
	w.Grow(2048)
	w.WriteString(envelopeOpen + `<loginResponse><result>`)
	w.el("metadataServerUrl", r.MetadataServerURL)
	w.bool("passwordExpired", r.PasswordExpired)
	w.bool("sandbox", r.Sandbox)
	w.el("serverUrl", r.ServerURL)
	w.el("sessionId", r.SessionID)
	w.el("userId", r.UserID)
	u := r.UserInfo
	w.WriteString(`<userInfo>`)
	w.bool("accessibilityMode", u.AccessibilityMode)
	w.nilOr("currencySymbol", u.CurrencySymbol)
	w.int("orgAttachmentFileSizeLimit", u.OrgAttachmentFileSizeLimit)
	w.nilOr("orgDefaultCurrencyIsoCode", u.OrgDefaultCurrencyIsoCode)
	w.nilOr("orgDefaultCurrencyLocale", u.OrgDefaultCurrencyLocale)
	w.bool("orgDisallowHtmlAttachments", u.OrgDisallowHTMLAttachments)
	w.bool("orgHasPersonAccounts", u.OrgHasPersonAccounts)
	w.el("organizationId", u.OrganizationID)
	w.bool("organizationMultiCurrency", u.OrganizationMultiCurrency)
	w.el("organizationName", u.OrganizationName)
	w.el("profileId", u.ProfileID)
	w.nilOr("roleId", u.RoleID)
	w.int("sessionSecondsValid", u.SessionSecondsValid)
	w.nilOr("userDefaultCurrencyIsoCode", u.UserDefaultCurrencyIsoCode)
	w.el("userEmail", u.UserEmail)
	w.el("userFullName", u.UserFullName)
	w.el("userId", u.UserID)
	w.el("userLanguage", u.UserLanguage)
	w.el("userLocale", u.UserLocale)
	w.el("userName", u.UserName)
	w.el("userTimeZone", u.UserTimeZone)
	w.el("userType", u.UserType)
	w.el("userUiSkin", u.UserUISkin)
	w.WriteString(`</userInfo></result></loginResponse>` + envelopeClose)
	return w.Bytes(), nil
}

// EncodeLogoutResponse renders the empty logoutResponse.
func EncodeLogoutResponse() []byte {
	return []byte(envelopeOpen + `<logoutResponse/>` + envelopeClose)
}
