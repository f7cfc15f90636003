package soap

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits on a request. A login body is about 500 bytes and 40 tokens.
const (
	MaxBody   = 64 << 10 // bytes
	maxDepth  = 32       // nested elements
	maxTokens = 2048     // XML tokens of any kind
	maxAttrs  = 64       // attributes, namespace declarations included, on one element
)

// Op is the requested operation.
type Op int

// Operations.
const (
	OpLogin Op = iota + 1
	OpLogout
	OpSetPassword // on the serverUrl, with a session: a user's new password
	OpGetUserInfo // on the serverUrl, with a session
)

// String is the operation's element name.
func (o Op) String() string {
	switch o {
	case OpLogin:
		return "login"
	case OpLogout:
		return "logout"
	case OpSetPassword:
		return "setPassword"
	case OpGetUserInfo:
		return "getUserInfo"
	}
	return "unknown"
}

// Request is a decoded partner API request.
type Request struct {
	Op        Op
	Username  string // login; surrounding white space removed
	Password  string // login, setPassword; exactly as sent (login: password + token or TOTP code)
	UserID    string // setPassword; surrounding white space removed
	SessionID string // SessionHeader/sessionId; what logout ends, what setPassword and getUserInfo run as
}

var utf8BOM = []byte("\xef\xbb\xbf")

// Decode reads a partner API request body (already base64-decoded). An
// unacceptable body is a *Fault, never a panic; doc.go lists which.
func Decode(body []byte) (Request, error) {
	if len(body) > MaxBody {
		return Request{}, tooLarge()
	}
	body = bytes.TrimPrefix(body, utf8BOM)
	if len(bytes.Trim(body, " \t\r\n")) == 0 {
		return Request{}, unknown("Premature end of file.")
	}
	if !utf8.Valid(body) {
		return Request{}, unknown("Invalid byte sequence: the request must be UTF-8.")
	}
	// A DTD is refused before any parsing, so no entity is ever defined.
	if hasDoctype(body) {
		return Request{}, unknown("DOCTYPE is not allowed in a request.")
	}
	d := decoder{x: xml.NewDecoder(bytes.NewReader(body))}
	d.x.CharsetReader = refuseCharset
	req, err := d.envelope()
	if err != nil {
		return Request{}, asFault(err)
	}
	return req, nil
}

// hasDoctype reports whether body holds "<!DOCTYPE" in any case. Outside
// markup '<' is always escaped, so besides a DTD only a comment or a CDATA
// section can hold the text; those are refused too, as no client sends them.
func hasDoctype(body []byte) bool {
	for i := 0; ; {
		j := bytes.Index(body[i:], []byte("<!"))
		if j < 0 {
			return false
		}
		i += j + 2
		if len(body)-i >= 7 && bytes.EqualFold(body[i:i+7], []byte("DOCTYPE")) {
			return true
		}
	}
}

// refuseCharset is called for an encoding declaration other than UTF-8.
func refuseCharset(string, io.Reader) (io.Reader, error) {
	return nil, unknown("Unsupported encoding in the XML declaration: the request must be UTF-8.")
}

// asFault turns a parse error into the fault Salesforce answers malformed XML
// with: UNKNOWN_EXCEPTION carrying the parser's message.
func asFault(err error) *Fault {
	var f *Fault
	if errors.As(err, &f) {
		return f
	}
	var se *xml.SyntaxError
	switch {
	case errors.As(err, &se):
		return unknown(se.Error())
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return unknown("Premature end of file.")
	}
	return unknown(err.Error())
}

func invalidAt(n xml.Name) *Fault {
	return ClientFault("Element {" + n.Space + "}" + n.Local + " invalid at this location")
}

type decoder struct {
	x      *xml.Decoder
	depth  int
	tokens int
}

// token returns the next token, enforcing the limits. Tokens are only valid
// until the next call.
func (d *decoder) token() (xml.Token, error) {
	tok, err := d.x.Token()
	if err != nil {
		return nil, err
	}
	if d.tokens++; d.tokens > maxTokens {
		return nil, unknown("The request has more than " + strconv.Itoa(maxTokens) + " XML tokens.")
	}
	switch t := tok.(type) {
	case xml.StartElement:
		if d.depth++; d.depth > maxDepth {
			return nil, unknown("The request nests elements more than " + strconv.Itoa(maxDepth) + " deep.")
		}
		if len(t.Attr) > maxAttrs {
			return nil, unknown("An element of the request has more than " + strconv.Itoa(maxAttrs) + " attributes.")
		}
	case xml.EndElement:
		d.depth--
	case xml.Directive:
		return nil, unknown("XML directives (<!...>) are not allowed in a request.")
	}
	return tok, nil
}

// next returns the next start element, end element or non-blank text,
// skipping comments, processing instructions and white space.
func (d *decoder) next() (xml.Token, error) {
	for {
		tok, err := d.token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement, xml.EndElement:
			return t, nil
		case xml.CharData:
			if !blank(t) {
				return t, nil
			}
		}
	}
}

func blank(b []byte) bool { return len(bytes.Trim(b, " \t\r\n")) == 0 }

func (d *decoder) envelope() (Request, error) {
	tok, err := d.next()
	if err != nil {
		return Request{}, err
	}
	root, ok := tok.(xml.StartElement)
	switch {
	case !ok:
		return Request{}, unknown("Content is not allowed in prolog.")
	case root.Name.Local == "Envelope" && root.Name.Space != NSEnvelope:
		return Request{}, &Fault{Code: CodeVersionMismatch,
			Message: "Wrong envelope namespace \"" + root.Name.Space + "\": this service speaks SOAP 1.1 (" + NSEnvelope + ")."}
	case root.Name.Local != "Envelope":
		return Request{}, ClientFault("Expected a SOAP Envelope, found {" + root.Name.Space + "}" + root.Name.Local + ".")
	}
	var req Request
	var sawHeader, sawBody bool
	for {
		tok, err := d.next()
		if err != nil {
			return Request{}, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch {
			case t.Name.Space == NSEnvelope && t.Name.Local == "Header" && !sawHeader && !sawBody:
				sawHeader = true
				if req.SessionID, err = d.header(); err != nil {
					return Request{}, err
				}
			case t.Name.Space == NSEnvelope && t.Name.Local == "Body" && !sawBody:
				sawBody = true
				sid := req.SessionID
				if req, err = d.body(); err != nil {
					return Request{}, err
				}
				req.SessionID = sid
			default:
				return Request{}, invalidAt(t.Name)
			}
		case xml.EndElement:
			if !sawBody {
				return Request{}, ClientFault("The SOAP Envelope has no Body.")
			}
			return req, d.trailer()
		default:
			return Request{}, ClientFault("Text is not allowed in the SOAP Envelope.")
		}
	}
}

// trailer checks that only comments, processing instructions and white
// space follow the Envelope, as XML requires.
func (d *decoder) trailer() error {
	for {
		tok, err := d.token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.Comment, xml.ProcInst:
		case xml.CharData:
			if !blank(t) {
				return unknown("Content is not allowed in trailing section.")
			}
		default:
			return unknown("Content is not allowed in trailing section.")
		}
	}
}

// header reads the SOAP Header. Only SessionHeader/sessionId is kept;
// CallOptions, LoginScopeHeader and any other header are skipped.
func (d *decoder) header() (string, error) {
	isSession := func(n xml.Name) bool { return n.Space == NSPartner && n.Local == "SessionHeader" }
	isID := func(n xml.Name) bool { return partnerField(n, "sessionId") }
	return d.pick("the SOAP Header", isSession, func() (string, error) {
		sid, err := d.pick("SessionHeader", isID, d.text)
		return strings.Trim(sid, " \t\r\n"), err
	})
}

// pick reads the children of the element just started (named where in
// messages): the one match accepts is read by read, others are skipped, a
// second match is refused.
func (d *decoder) pick(where string, match func(xml.Name) bool, read func() (string, error)) (string, error) {
	var v string
	var saw bool
	for {
		tok, err := d.next()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return v, nil
		case xml.StartElement:
			if !match(t.Name) {
				if err := d.skip(); err != nil {
					return "", err
				}
				continue
			}
			if saw {
				return "", invalidAt(t.Name)
			}
			saw = true
			if v, err = read(); err != nil {
				return "", err
			}
		default:
			return "", ClientFault("Text is not allowed in " + where + ".")
		}
	}
}

// partnerField reports whether n is the named child of a partner element:
// in the partner namespace, or unqualified as some clients send it.
func partnerField(n xml.Name, local string) bool {
	return n.Local == local && (n.Space == NSPartner || n.Space == "")
}

// skip consumes the rest of the element just started.
func (d *decoder) skip() error {
	for depth := 1; depth > 0; {
		tok, err := d.token()
		if err != nil {
			return err
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		}
	}
	return nil
}

// body reads the SOAP Body: exactly one operation.
func (d *decoder) body() (Request, error) {
	tok, err := d.next()
	if err != nil {
		return Request{}, err
	}
	var op xml.StartElement
	switch t := tok.(type) {
	case xml.StartElement:
		op = t
	case xml.EndElement:
		return Request{}, ClientFault("The SOAP Body holds no operation.")
	default:
		return Request{}, ClientFault("Text is not allowed in the SOAP Body.")
	}
	var req Request
	switch {
	case op.Name.Space == NSPartner && op.Name.Local == "login":
		if req, err = d.login(); err != nil {
			return Request{}, err
		}
	case op.Name.Space == NSPartner && op.Name.Local == "logout":
		if err := d.empty("logout"); err != nil {
			return Request{}, err
		}
		req = Request{Op: OpLogout}
	case op.Name.Space == NSPartner && op.Name.Local == "getUserInfo":
		if err := d.empty("getUserInfo"); err != nil {
			return Request{}, err
		}
		req = Request{Op: OpGetUserInfo}
	case op.Name.Space == NSPartner && op.Name.Local == "setPassword":
		if req, err = d.setPassword(); err != nil {
			return Request{}, err
		}
	default:
		return Request{}, ClientFault("No operation available for request {" + op.Name.Space + "}" + op.Name.Local +
			", please check the WSDL for the service.")
	}
	tok, err = d.next()
	if err != nil {
		return Request{}, err
	}
	switch t := tok.(type) {
	case xml.EndElement:
		return req, nil
	case xml.StartElement:
		return Request{}, invalidAt(t.Name)
	default:
		return Request{}, ClientFault("Text is not allowed in the SOAP Body.")
	}
}

// login reads username and password, in either order. A missing or empty
// one is INVALID_LOGIN, as Salesforce answers a login without it.
func (d *decoder) login() (Request, error) {
	req := Request{Op: OpLogin}
	err := d.fields("login", map[string]*string{"username": &req.Username, "password": &req.Password})
	if err != nil {
		return Request{}, err
	}
	req.Username = strings.Trim(req.Username, " \t\r\n")
	if req.Username == "" || req.Password == "" {
		return Request{}, invalidLogin()
	}
	return req, nil
}

// setPassword reads userId and password, in either order; both must be
// there (an empty password is the use case's to refuse).
func (d *decoder) setPassword() (Request, error) {
	req := Request{Op: OpSetPassword}
	userID, password := "\x00", "\x00" // unset: told apart from sent empty
	if err := d.fields("setPassword", map[string]*string{"userId": &userID, "password": &password}); err != nil {
		return Request{}, err
	}
	if userID == "\x00" || password == "\x00" {
		return Request{}, ClientFault("setPassword needs both userId and password.")
	}
	req.UserID, req.Password = strings.Trim(userID, " \t\r\n"), password
	return req, nil
}

// fields reads an operation's simple children, each at most once and in
// any order, into dst by local name; any other child is refused.
func (d *decoder) fields(op string, dst map[string]*string) error {
	seen := make(map[string]bool, len(dst))
	for {
		tok, err := d.next()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return nil
		case xml.StartElement:
			var name string
			for n := range dst {
				if partnerField(t.Name, n) {
					name = n
				}
			}
			if name == "" || seen[name] {
				return invalidAt(t.Name)
			}
			seen[name] = true
			if *dst[name], err = d.text(); err != nil {
				return err
			}
		default:
			return ClientFault("Text is not allowed in " + op + ".")
		}
	}
}

// empty checks that the element just started (operation op) holds nothing
// but white space.
func (d *decoder) empty(op string) error {
	for {
		tok, err := d.next()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return nil
		case xml.StartElement:
			return invalidAt(t.Name)
		default:
			return ClientFault("Text is not allowed in " + op + ".")
		}
	}
}

// text reads the character data of a simple element up to its end.
func (d *decoder) text() (string, error) {
	var s string
	for {
		tok, err := d.token()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.CharData:
			if s == "" {
				s = string(t)
			} else {
				s += string(t)
			}
		case xml.EndElement:
			return s, nil
		case xml.StartElement:
			return "", invalidAt(t.Name)
		}
	}
}
