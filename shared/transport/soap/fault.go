package soap

import (
	"strconv"
	"strings"

	"loginguard/shared/domain"
)

// Kind names the detail element of a fault: the fault types the partner
// WSDL declares in urn:fault.partner.soap.sforce.com. An empty Kind is a
// SOAP-level fault (soapenv:Client, soapenv:VersionMismatch) without detail.
type Kind string

// The fault kinds this service sends. The partner WSDL declares no
// InvalidSessionIdFault: Salesforce reports INVALID_SESSION_ID as an
// UnexpectedErrorFault, and a WSDL-bound client (WSC, Data Loader) cannot
// load a detail type its WSDL lacks.
const (
	KindLogin           Kind = "LoginFault"
	KindUnexpectedError Kind = "UnexpectedErrorFault"
	// setPassword's own faults, which every partner WSDL declares.
	KindInvalidNewPassword Kind = "InvalidNewPasswordFault"
	KindInvalidID          Kind = "InvalidIdFault"
)

// wireKinds are the kinds sent as they are; any other goes out as
// UnexpectedErrorFault.
var wireKinds = map[Kind]bool{KindLogin: true, KindUnexpectedError: true, KindInvalidNewPassword: true, KindInvalidID: true}

// Fault codes of the codec's own. The SOAP 1.1 ones are qualified with the
// envelope prefix; the others are Salesforce ExceptionCode values. The
// codes of the domain (INVALID_LOGIN, ...) are domain.Code*.
const (
	CodeClient             = "soapenv:Client"
	CodeVersionMismatch    = "soapenv:VersionMismatch"
	CodeTooLarge           = "EXCEEDED_MAX_SIZE_REQUEST"
	CodeUnsupportedVersion = "UNSUPPORTED_API_VERSION"
)

// faultKinds is the one table from a domain code to its fault: the detail
// element it goes out with. Every code not listed is a refused login
// (LoginFault: INVALID_LOGIN, LOGIN_MUST_USE_SECURITY_TOKEN, ...).
var faultKinds = map[string]Kind{
	// As Salesforce sends it.
	domain.CodeUnknown: KindUnexpectedError,
	// The partner WSDL declares no InvalidSessionIdFault (see Kind).
	domain.CodeInvalidSession: KindUnexpectedError,
	// A throttled source, as Salesforce answers a request over a limit.
	domain.CodeRequestLimit: KindUnexpectedError,
	// A session opened on an expired password used for anything else.
	domain.CodeExpiredPasswordOperation: KindUnexpectedError,
	// setPassword's refusals.
	domain.CodeInvalidNewPassword: KindInvalidNewPassword,
	domain.CodeInvalidID:          KindInvalidID,
}

// Fault is a SOAP 1.1 fault. It goes out with HTTP 500.
type Fault struct {
	Code    string // ExceptionCode (INVALID_LOGIN), or CodeClient / CodeVersionMismatch
	Message string // safe to show to the client
	Kind    Kind   // detail element; empty for SOAP-level faults
}

func (f *Fault) Error() string { return f.faultString() }

// faultString is "CODE: message" for Salesforce exceptions, as current
// Salesforce sends it and jsforce shows it; SOAP-level faults carry the
// message alone.
func (f *Fault) faultString() string {
	if f.Kind == "" {
		return f.Message
	}
	return f.Code + ": " + f.Message
}

// faultCode is the faultcode element. Salesforce sends exception codes
// bare, except INVALID_SESSION_ID, which it qualifies (sf:INVALID_SESSION_ID);
// jsforce's SOAP client spots an expired session by that qualified form.
// REQUEST_LIMIT_EXCEEDED goes qualified too, as Salesforce documents it.
func (f *Fault) faultCode() string {
	if f.Kind != "" && (f.Code == domain.CodeInvalidSession || f.Code == domain.CodeRequestLimit) {
		return "sf:" + f.Code
	}
	return f.Code
}

// ClientFault is a SOAP Client fault about the request itself.
func ClientFault(msg string) *Fault { return &Fault{Code: CodeClient, Message: msg} }

// DomainFault is the fault for a domain code and its public message, of the
// kind faultKinds says.
func DomainFault(code, msg string) *Fault {
	kind, ok := faultKinds[code]
	if !ok {
		kind = KindLogin
	}
	return &Fault{Code: code, Message: msg, Kind: kind}
}

// FaultOf is the fault answering err: a *domain.Error's code and public
// message; any other error as UNKNOWN_EXCEPTION (its text is for the log).
func FaultOf(err error) *Fault {
	e := domain.AsError(err)
	return DomainFault(e.Code, e.Message)
}

// CallFault is FaultOf for a call made with a session (setPassword,
// getUserInfo): a code faultKinds does not list is an UnexpectedErrorFault
// there, not a refused login.
func CallFault(err error) *Fault {
	e := domain.AsError(err)
	if _, ok := faultKinds[e.Code]; ok {
		return DomainFault(e.Code, e.Message)
	}
	return UnexpectedFault(e.Code, e.Message)
}

// UnexpectedFault is an UnexpectedErrorFault with the given exception code.
func UnexpectedFault(code, msg string) *Fault {
	return &Fault{Code: code, Message: msg, Kind: KindUnexpectedError}
}

// UnsupportedVersion answers a URL whose API version this service does not
// serve, in Salesforce's words.
func UnsupportedVersion() *Fault {
	return UnexpectedFault(CodeUnsupportedVersion, "Invalid Api version specified on URL")
}

func invalidLogin() *Fault { return DomainFault(domain.CodeInvalidLogin, domain.InvalidLoginMessage) }

func unknown(msg string) *Fault { return UnexpectedFault(domain.CodeUnknown, msg) }

const faultOpen = xmlDecl + `<soapenv:Envelope xmlns:soapenv="` + NSEnvelope + `" xmlns:sf="` + NSFault +
	`" xmlns:xsi="` + nsXSI + `"><soapenv:Body><soapenv:Fault><faultcode>`

// EncodeFault renders f as a SOAP 1.1 fault envelope; send it with HTTP
// 500. A nil f renders as UNKNOWN_EXCEPTION.
func EncodeFault(f *Fault) []byte {
	if f == nil {
		f = unknown("An unexpected error occurred.")
	}
	b := make([]byte, 0, 640+2*len(f.Message))
	b = append(b, faultOpen...)
	b = appendText(b, f.faultCode())
	b = append(b, "</faultcode><faultstring>"...)
	b = appendText(b, showable(f.faultString()))
	b = append(b, "</faultstring>"...)
	if f.Kind != "" {
		kind := f.Kind
		if !wireKinds[kind] {
			kind = KindUnexpectedError // only kinds the WSDL declares go on the wire
		}
		b = append(b, `<detail><sf:`...)
		b = append(b, kind...)
		b = append(b, ` xsi:type="sf:`...)
		b = append(b, kind...)
		b = append(b, `"><sf:exceptionCode>`...)
		b = appendText(b, f.Code)
		b = append(b, `</sf:exceptionCode><sf:exceptionMessage>`...)
		b = appendText(b, showable(f.Message))
		b = append(b, `</sf:exceptionMessage></sf:`...)
		b = append(b, kind...)
		b = append(b, `></detail>`...)
	}
	b = append(b, `</soapenv:Fault></soapenv:Body></soapenv:Envelope>`...)
	return b
}

// showable turns the three characters XML text must escape into look-alikes,
// so a fault message needs no entity at all: jsforce shows faultstring as it
// stands between the tags, without decoding references, and a parser's
// message ("element <a> closed by </b>") would otherwise reach its users as
// "&lt;a>". Quotes need nothing (appendText leaves them).
func showable(s string) string {
	if strings.IndexAny(s, "<>&") < 0 {
		return s
	}
	return markupLookalikes.Replace(s)
}

var markupLookalikes = strings.NewReplacer("<", "\u2039", ">", "\u203A", "&", "\uFF06")

// tooLarge is the fault for a body over MaxBody.
func tooLarge() *Fault {
	return UnexpectedFault(CodeTooLarge, "The size of the message sent to the API exceeded "+strconv.Itoa(MaxBody)+" bytes.")
}
