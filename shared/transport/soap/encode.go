package soap

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"

	"loginguard/shared/ids"
)

// Namespaces.
const (
	NSEnvelope = "http://schemas.xmlsoap.org/soap/envelope/"
	NSPartner  = "urn:partner.soap.sforce.com"
	NSFault    = "urn:fault.partner.soap.sforce.com"
	nsXSI      = "http://www.w3.org/2001/XMLSchema-instance"
)

const xmlDecl = `<?xml version="1.0" encoding="UTF-8"?>`

// UserInfo is GetUserInfoResult. Its fields are those of the newest partner
// WSDL at hand (58.0), in WSDL order; the encoder leaves out what an older
// version's WSDL lacks (ChatterExternal before 40.0,
// OrgDefaultCurrencyLocale before 38.0). Ids are the 18-character form.
type UserInfo struct {
	AccessibilityMode          bool
	ChatterExternal            bool   // 40.0 on; true only for a Chatter External user, which this service has none of
	CurrencySymbol             string // xsi:nil when empty
	OrgAttachmentFileSizeLimit int
	OrgDefaultCurrencyIsoCode  string // xsi:nil when empty
	OrgDefaultCurrencyLocale   string // xsi:nil when empty; 38.0 on
	OrgDisallowHTMLAttachments bool
	OrgHasPersonAccounts       bool
	OrganizationID             string
	OrganizationMultiCurrency  bool
	OrganizationName           string
	ProfileID                  string
	RoleID                     string // xsi:nil when empty
	SessionSecondsValid        int
	UserDefaultCurrencyIsoCode string // xsi:nil when empty
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

// LoginResult is the partner API's LoginResult, fields in WSDL order.
type LoginResult struct {
	MetadataServerURL string
	PasswordExpired   bool
	Sandbox           bool
	ServerURL         string
	SessionID         string
	UserID            string // 18 characters
	UserInfo          UserInfo
}

// ErrEncode is wrapped by EncodeLoginResponse's errors: the result breaks
// the WSDL's types (a malformed id, an int out of xsd:int range).
var ErrEncode = errors.New("soap: login result does not fit the partner WSDL")

const loginOpen = xmlDecl + `<soapenv:Envelope xmlns:soapenv="` + NSEnvelope + `" xmlns="` + NSPartner +
	`" xmlns:xsi="` + nsXSI + `"><soapenv:Body><loginResponse><result>`
const loginClose = `</userInfo></result></loginResponse></soapenv:Body></soapenv:Envelope>`

// EncodeLoginResponse renders loginResponse for the API version (as
// ParseVersion returned it) with exactly the LoginResult and
// GetUserInfoResult elements that version's partner WSDL defines, in WSDL
// order. The error is a *Fault for an unsupported version, or wraps
// ErrEncode when r breaks the WSDL's types.
func EncodeLoginResponse(version string, r LoginResult) ([]byte, error) {
	v, err := parseVersion(version)
	if err != nil {
		return nil, err
	}
	if !ids.Valid18(r.UserID) {
		return nil, fmt.Errorf("%w: userId %q is not an 18-character id", ErrEncode, r.UserID)
	}
	u := &r.UserInfo
	if err := u.check(); err != nil {
		return nil, err
	}
	b := make([]byte, 0, 1536+len(r.SessionID)+2*len(r.MetadataServerURL)+
		len(u.OrganizationName)+len(u.UserEmail)+len(u.UserFullName)+len(u.UserName))
	b = append(b, loginOpen...)
	b = nillable(b, "metadataServerUrl", r.MetadataServerURL)
	b = boolean(b, "passwordExpired", r.PasswordExpired)
	b = boolean(b, "sandbox", r.Sandbox)
	b = nillable(b, "serverUrl", r.ServerURL)
	b = nillable(b, "sessionId", r.SessionID)
	b = element(b, "userId", r.UserID)
	b = append(b, "<userInfo>"...)
	b = u.append(b, v)
	b = append(b, loginClose...)
	return b, nil
}

// check says whether u fits GetUserInfoResult's types.
func (u *UserInfo) check() error {
	for _, id := range []struct{ name, value string }{
		{"userInfo/organizationId", u.OrganizationID},
		{"userInfo/profileId", u.ProfileID}, {"userInfo/userId", u.UserID},
	} {
		if !ids.Valid18(id.value) {
			return fmt.Errorf("%w: %s %q is not an 18-character id", ErrEncode, id.name, id.value)
		}
	}
	if u.RoleID != "" && !ids.Valid18(u.RoleID) {
		return fmt.Errorf("%w: roleId %q is not an 18-character id", ErrEncode, u.RoleID)
	}
	if !isInt32(u.SessionSecondsValid) || !isInt32(u.OrgAttachmentFileSizeLimit) {
		return fmt.Errorf("%w: sessionSecondsValid %d or orgAttachmentFileSizeLimit %d is out of xsd:int range",
			ErrEncode, u.SessionSecondsValid, u.OrgAttachmentFileSizeLimit)
	}
	return nil
}

// append renders u's GetUserInfoResult fields, those of version v's WSDL.
func (u *UserInfo) append(b []byte, v version) []byte {
	b = boolean(b, "accessibilityMode", u.AccessibilityMode)
	if v.hasChatterExternal() {
		b = boolean(b, "chatterExternal", u.ChatterExternal)
	}
	b = nillable(b, "currencySymbol", u.CurrencySymbol)
	b = integer(b, "orgAttachmentFileSizeLimit", u.OrgAttachmentFileSizeLimit)
	b = nillable(b, "orgDefaultCurrencyIsoCode", u.OrgDefaultCurrencyIsoCode)
	if v.hasOrgDefaultCurrencyLocale() {
		b = nillable(b, "orgDefaultCurrencyLocale", u.OrgDefaultCurrencyLocale)
	}
	b = boolean(b, "orgDisallowHtmlAttachments", u.OrgDisallowHTMLAttachments)
	b = boolean(b, "orgHasPersonAccounts", u.OrgHasPersonAccounts)
	b = element(b, "organizationId", u.OrganizationID)
	b = boolean(b, "organizationMultiCurrency", u.OrganizationMultiCurrency)
	b = element(b, "organizationName", u.OrganizationName)
	b = element(b, "profileId", u.ProfileID)
	b = nillable(b, "roleId", u.RoleID)
	b = integer(b, "sessionSecondsValid", u.SessionSecondsValid)
	b = nillable(b, "userDefaultCurrencyIsoCode", u.UserDefaultCurrencyIsoCode)
	b = element(b, "userEmail", u.UserEmail)
	b = element(b, "userFullName", u.UserFullName)
	b = element(b, "userId", u.UserID)
	b = element(b, "userLanguage", u.UserLanguage)
	b = element(b, "userLocale", u.UserLocale)
	b = element(b, "userName", u.UserName)
	b = element(b, "userTimeZone", u.UserTimeZone)
	b = element(b, "userType", u.UserType)
	return element(b, "userUiSkin", u.UserUISkin)
}

// EncodeGetUserInfoResponse renders getUserInfoResponse for the API
// version: its result is GetUserInfoResult as that version's WSDL has it.
// Errors as EncodeLoginResponse's.
func EncodeGetUserInfoResponse(version string, u UserInfo) ([]byte, error) {
	v, err := parseVersion(version)
	if err != nil {
		return nil, err
	}
	if err := u.check(); err != nil {
		return nil, err
	}
	b := make([]byte, 0, 1280+len(u.OrganizationName)+len(u.UserEmail)+len(u.UserFullName)+len(u.UserName))
	b = append(b, xmlDecl+`<soapenv:Envelope xmlns:soapenv="`+NSEnvelope+`" xmlns="`+NSPartner+
		`" xmlns:xsi="`+nsXSI+`"><soapenv:Body><getUserInfoResponse><result>`...)
	b = u.append(b, v)
	return append(b, `</result></getUserInfoResponse></soapenv:Body></soapenv:Envelope>`...), nil
}

// EncodeSetPasswordResponse renders setPasswordResponse: its result,
// SetPasswordResult, has no fields.
func EncodeSetPasswordResponse() []byte {
	return []byte(xmlDecl + `<soapenv:Envelope xmlns:soapenv="` + NSEnvelope + `" xmlns="` + NSPartner +
		`"><soapenv:Body><setPasswordResponse><result/></setPasswordResponse></soapenv:Body></soapenv:Envelope>`)
}

// EncodeLogoutResponse renders the empty logoutResponse.
func EncodeLogoutResponse() []byte {
	return []byte(xmlDecl + `<soapenv:Envelope xmlns:soapenv="` + NSEnvelope + `" xmlns="` + NSPartner +
		`"><soapenv:Body><logoutResponse/></soapenv:Body></soapenv:Envelope>`)
}

func isInt32(n int) bool { return n >= math.MinInt32 && n <= math.MaxInt32 }

func open(b []byte, name string) []byte {
	b = append(b, '<')
	b = append(b, name...)
	return append(b, '>')
}

func closeTag(b []byte, name string) []byte {
	b = append(b, "</"...)
	b = append(b, name...)
	return append(b, '>')
}

// element writes <name>text</name>.
func element(b []byte, name, text string) []byte {
	return closeTag(appendText(open(b, name), text), name)
}

// nillable writes the element, or <name xsi:nil="true"/> when text is empty.
func nillable(b []byte, name, text string) []byte {
	if text == "" {
		b = append(b, '<')
		b = append(b, name...)
		return append(b, ` xsi:nil="true"/>`...)
	}
	return element(b, name, text)
}

func boolean(b []byte, name string, v bool) []byte {
	return closeTag(strconv.AppendBool(open(b, name), v), name)
}

func integer(b []byte, name string, v int) []byte {
	return closeTag(strconv.AppendInt(open(b, name), int64(v), 10), name)
}

// appendText appends s escaped as XML character data: & and < always, > only
// where it would close "]]>", and nothing else. Quotes need no escaping in
// element content, and some clients show the text raw (jsforce reads
// faultstring with a regular expression and decodes no entity), so every
// reference written is one a reader may see. Carriage returns are kept as
// references (a parser would turn a raw one into a newline); invalid UTF-8
// and characters XML 1.0 cannot carry become U+FFFD, so the output is always
// well-formed. Not for attribute values, which would need their quotes
// escaped: the encoder writes none from data.
func appendText(b []byte, s string) []byte {
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		var esc string
		width := 1
		switch {
		case c == '&':
			esc = "&amp;"
		case c == '<':
			esc = "&lt;"
		case c == '>':
			if i >= 2 && s[i-2:i] == "]]" {
				esc = "&gt;"
			}
		case c == '\r':
			esc = "&#xD;"
		case c == '\t' || c == '\n':
		case c < 0x20:
			esc = "\uFFFD" // not an XML 1.0 character, not even as a reference
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRuneInString(s[i:])
			width = n
			if r == utf8.RuneError && n == 1 || !xmlChar(r) {
				esc = "\uFFFD"
			}
		}
		if esc != "" {
			b = append(b, s[last:i]...)
			b = append(b, esc...)
			last = i + width
		}
		i += width
	}
	return append(b, s[last:]...)
}

// xmlChar reports whether a non-ASCII rune is an XML 1.0 Char.
func xmlChar(r rune) bool {
	return r >= 0x80 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}
