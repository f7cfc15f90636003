// Package soap is the wire format of the partner SOAP API's login and logout:
// it decodes requests (defensively: size, depth and token limits, no DOCTYPE,
// UTF-8 only) and encodes responses and faults exactly as Salesforce's
// partner WSDL and current Salesforce faults have them. No business rules.
//
// Faults. Login outcomes use Salesforce's ExceptionCode as a bare faultcode,
// "CODE: message" as faultstring, and a detail/sf:LoginFault (or
// sf:InvalidSessionIdFault, sf:UnexpectedErrorFault). Input that is not a
// well-formed partner request is a SOAP 1.1 Client fault (faultcode
// soapenv:Client, no detail), as Salesforce answers malformed envelopes,
// with a message that says what was wrong; an unknown operation says
// "No operation available for request {ns}name", Salesforce's wording.
// Every fault goes out with HTTP 500, as SOAP 1.1 requires.
//
// Versions. Responses carry exactly the LoginResult and GetUserInfoResult
// elements of the v38.0 partner WSDL, in WSDL order, which every version from
// 38.0 on defines. Earlier versions are refused (UNSUPPORTED_API_VERSION):
// Salesforce has retired up to 30.0, and 31.0 to 37.0 define fewer
// elements, which a strict client would reject.
package soap
