// Package soap is the wire format of the partner SOAP API's login and
// logout: Decode reads a request defensively, the Encode functions write
// responses and faults exactly as the partner WSDL and Salesforce have them.
// No business rules.
//
// # Requests
//
// A SOAP 1.1 Envelope whose Body holds one {urn:partner.soap.sforce.com}
// login or logout, under any prefix or a default namespace (on the
// operation or on the Body); username, password and SessionHeader/sessionId
// in that namespace or unqualified. Every header but SessionHeader is
// skipped. testdata/requests holds what jsforce 3.10 and simple-salesforce
// send.
//
// # Faults for bad requests
//
// Codes are those Salesforce uses; messages say what was wrong.
//
//	body over MaxBody             EXCEEDED_MAX_SIZE_REQUEST  UnexpectedErrorFault
//	empty body                    UNKNOWN_EXCEPTION          "Premature end of file."
//	malformed XML                 UNKNOWN_EXCEPTION          the parser's message
//	DOCTYPE, other <!...>         UNKNOWN_EXCEPTION          refused before parsing
//	not UTF-8, or declared other  UNKNOWN_EXCEPTION
//	content after the Envelope    UNKNOWN_EXCEPTION          "Content is not allowed in trailing section."
//	depth, token, attribute caps  UNKNOWN_EXCEPTION
//	Envelope not SOAP 1.1         soapenv:VersionMismatch    SOAP 1.1 §4.4.1
//	root not an Envelope, no Body soapenv:Client
//	unknown operation/namespace   soapenv:Client             "No operation available for request {ns}name, please check the WSDL for the service."
//	extra, repeated or nested     soapenv:Client             "Element {ns}name invalid at this location"
//	elements; two operations
//	missing or empty username     INVALID_LOGIN              LoginFault, the usual wrong-credentials text
//	or password
//
// Why: Salesforce answers a request its XML parser refuses with
// UNKNOWN_EXCEPTION carrying the parser's message (seen for an undefined
// entity), an unknown operation with the Client fault above, elements out of
// schema with "invalid at this location", and a login without credentials
// as a failed login. EXCEEDED_MAX_SIZE_REQUEST is its code for an oversized
// message. SOAP 1.1 prescribes VersionMismatch for a foreign envelope
// namespace.
//
// # Faults on the wire
//
// HTTP 500; xmlns:sf="urn:fault.partner.soap.sforce.com" on the Envelope;
// faultcode the bare exception code (sf:INVALID_SESSION_ID is the one
// Salesforce qualifies, and jsforce's SOAP layer relies on it); faultstring
// "CODE: message" (the message alone for soapenv: faults, which carry no
// detail); detail/sf:LoginFault or sf:UnexpectedErrorFault with
// xsi:type, sf:exceptionCode and sf:exceptionMessage. The partner WSDL
// declares no InvalidSessionIdFault, so INVALID_SESSION_ID goes out as an
// UnexpectedErrorFault, as Salesforce sends it.
//
// # Versions
//
// ParseVersion accepts "NN.0" from 31.0 (Salesforce retired 21.0 to 30.0).
// A login response carries exactly the LoginResult and GetUserInfoResult
// elements of its version's partner WSDL, in WSDL order; testdata/wsdl holds
// those WSDLs (31.0 to 58.0, from a public client's history) and a strict
// test checks every served version against its own. LoginResult is the same
// in all of them. GetUserInfoResult: 31.0 to 37.0 as the 38.0 set without
// orgDefaultCurrencyLocale; 38.0 adds it; 40.0 adds chatterExternal (always
// false here: no user is a Chatter External user). Versions after 58.0, the
// newest WSDL at hand, get the 58.0 set: nothing changed from 40.0 to 58.0.
//
// # Text
//
// Element content escapes & and < (and > after "]]"), never quotes: jsforce
// shows faultstring undecoded, so any entity would reach its users. Fault
// messages go further and write < > & as look-alikes, so they carry none.
package soap
