package soap

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Namespaces.
const (
	NSEnvelope = "http://schemas.xmlsoap.org/soap/envelope/"
	NSPartner  = "urn:partner.soap.sforce.com"
	NSFault    = "urn:fault.partner.soap.sforce.com"
	nsXSI      = "http://www.w3.org/2001/XMLSchema-instance"
)

// Limits on a request body.
const (
	MaxBody   = 64 << 10 // bytes
	maxDepth  = 16
	maxTokens = 4096
	maxText   = 16 << 10 // bytes of one field
)

// Op is the requested operation.
type Op int

const (
	OpLogin Op = iota + 1
	OpLogout
)

// Request is a decoded login or logout.
type Request struct {
	Op        Op
	Username  string
	Password  string
	SessionID string // SessionHeader/sessionId (logout)
}

// Decode reads a partner API request. A bad request is a *Fault.
func Decode(body []byte) (Request, error) {
	if len(body) > MaxBody {
		return Request{}, ClientFault(fmt.Sprintf("The request body is larger than %d bytes.", MaxBody))
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return Request{}, ClientFault("The request body is empty: expected a SOAP envelope.")
	}
	if !utf8.Valid(body) {
		return Request{}, ClientFault("The request body is not valid UTF-8.")
	}
	if containsFold(body, []byte("<!DOCTYPE")) {
		return Request{}, ClientFault("DOCTYPE is not allowed in a request.")
	}
	d := &decoder{x: xml.NewDecoder(bytes.NewReader(body))}
	d.x.Strict = true
	req, err := d.envelope()
	if err != nil {
		var f *Fault
		if errors.As(err, &f) {
			return Request{}, f
		}
		return Request{}, ClientFault("The request is not well-formed XML: " + xmlMessage(err))
	}
	return req, nil
}

func containsFold(b, sub []byte) bool {
	return bytes.Contains(bytes.ToUpper(b), sub)
}

func xmlMessage(err error) string {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return se.Msg + " (line " + strconv.Itoa(se.Line) + ")"
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "unexpected end of the body"
	}
	return err.Error()
}

type decoder struct {
	x      *xml.Decoder
	depth  int
	tokens int
}

// next returns the next start element, end element or non-blank text,
// skipping comments, processing instructions and blank text. A non-XML-1.0
// encoding declaration fails (no CharsetReader is set).
func (d *decoder) next() (xml.Token, error) {
	for {
		tok, err := d.x.Token()
		if err != nil {
			return nil, err
		}
		if d.tokens++; d.tokens > maxTokens {
			return nil, ClientFault("The request has too many XML elements.")
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if d.depth++; d.depth > maxDepth {
				return nil, ClientFault("The request nests XML elements too deeply.")
			}
			return t.Copy(), nil
		case xml.EndElement:
			d.depth--
			return t, nil
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return t.Copy(), nil
			}
		case xml.Directive:
			return nil, ClientFault("XML directives are not allowed in a request.")
		}
	}
}

func qname(n xml.Name) string { return "{" + n.Space + "}" + n.Local }

func (d *decoder) envelope() (Request, error) {
	tok, err := d.next()
	if err != nil {
		return Request{}, err
	}
	start, ok := tok.(xml.StartElement)
	if !ok || start.Name.Local != "Envelope" || start.Name.Space != NSEnvelope {
		return Request{}, ClientFault("Expected a SOAP 1.1 Envelope in namespace " + NSEnvelope + ", found " + describe(tok) + ".")
	}
	var req Request
	sawBody := false
	for {
		tok, err := d.next()
		if err != nil {
			return Request{}, err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			if !sawBody {
				return Request{}, ClientFault("The Envelope has no Body.")
			}
			return req, d.end()
		case xml.StartElement:
			switch {
			case t.Name.Space == NSEnvelope && t.Name.Local == "Header" && !sawBody:
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
				return Request{}, ClientFault("Unexpected element " + qname(t.Name) + " in the Envelope.")
			}
		default:
			return Request{}, ClientFault("Unexpected text in the Envelope.")
		}
	}
}

// end checks nothing but comments and blanks follow the Envelope.
func (d *decoder) end() error {
	tok, err := d.next()
	if errors.Is(err, io.EOF) {
		return nil
	}
	if err != nil {
		return err
	}
	return ClientFault("Unexpected " + describe(tok) + " after the Envelope.")
}

func describe(tok xml.Token) string {
	switch t := tok.(type) {
	case xml.StartElement:
		return "element " + qname(t.Name)
	case xml.EndElement:
		return "end of element " + qname(t.Name)
	case xml.CharData:
		return "text"
	}
	return "content"
}

// header reads SOAP headers; only SessionHeader/sessionId is used.
func (d *decoder) header() (string, error) {
	var sid string
	for {
		tok, err := d.next()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return sid, nil
		case xml.StartElement:
			if t.Name.Space == NSPartner && t.Name.Local == "SessionHeader" {
				fields, err := d.fields(t, "sessionId")
				if err != nil {
					return "", err
				}
				sid = fields["sessionId"]
				continue
			}
			if err := d.skip(); err != nil {
				return "", err
			}
		default:
			return "", ClientFault("Unexpected text in the SOAP Header.")
		}
	}
}

func (d *decoder) skip() error {
	for depth := 1; depth > 0; {
		tok, err := d.next()
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

// body reads the one operation element of the Body.
func (d *decoder) body() (Request, error) {
	tok, err := d.next()
	if err != nil {
		return Request{}, err
	}
	op, ok := tok.(xml.StartElement)
	if !ok {
		return Request{}, ClientFault("The SOAP Body holds no operation.")
	}
	var req Request
	switch {
	case op.Name.Space == NSPartner && op.Name.Local == "login":
		f, err := d.fields(op, "username", "password")
		if err != nil {
			return Request{}, err
		}
		for _, name := range []string{"username", "password"} {
			if f[name] == "" {
				return Request{}, ClientFault("The login request has no " + name + ".")
			}
		}
		req = Request{Op: OpLogin, Username: strings.TrimSpace(f["username"]), Password: f["password"]}
	case op.Name.Space == NSPartner && op.Name.Local == "logout":
		if _, err := d.fields(op); err != nil {
			return Request{}, err
		}
		req = Request{Op: OpLogout}
	default:
		return Request{}, ClientFault("No operation available for request " + qname(op.Name) + ", please check the WSDL for the service.")
	}
	tok, err = d.next()
	if err != nil {
		return Request{}, err
	}
	if _, ok := tok.(xml.EndElement); !ok {
		return Request{}, ClientFault("The SOAP Body must hold exactly one operation.")
	}
	return req, nil
}

// fields reads the simple child elements of parent (in the partner
// namespace, or unqualified as some clients send them) whose names are
// wanted; other children are skipped, a wanted one given twice is refused.
func (d *decoder) fields(parent xml.StartElement, wanted ...string) (map[string]string, error) {
	out := map[string]string{}
	for {
		tok, err := d.next()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return out, nil
		case xml.CharData:
			return nil, ClientFault("Unexpected text in " + parent.Name.Local + ".")
		case xml.StartElement:
			name := t.Name.Local
			want := t.Name.Space == NSPartner || t.Name.Space == ""
			found := false
			for _, w := range wanted {
				found = found || (want && w == name)
			}
			if !found {
				if err := d.skip(); err != nil {
					return nil, err
				}
				continue
			}
			if _, dup := out[name]; dup {
				return nil, ClientFault("The element " + name + " is given twice.")
			}
			text, err := d.text(name)
			if err != nil {
				return nil, err
			}
			out[name] = text
		}
	}
}

// text reads the text of a simple element up to its end.
func (d *decoder) text(name string) (string, error) {
	var b strings.Builder
	for {
		tok, err := d.x.Token()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.CharData:
			if b.Len()+len(t) > maxText {
				return "", ClientFault("The element " + name + " is too long.")
			}
			b.Write(t)
		case xml.EndElement:
			d.depth--
			return b.String(), nil
		case xml.StartElement:
			return "", ClientFault("The element " + name + " must hold text only.")
		}
	}
}

// ParseVersion checks the {version} of the URL: "NN.0" from 38.0 on.
func ParseVersion(v string) (string, error) {
	major, minor, ok := strings.Cut(v, ".")
	n, err := strconv.Atoi(major)
	if !ok || minor != "0" || err != nil || len(major) > 3 || major[0] == '0' {
		return "", UnsupportedVersion(v)
	}
	if n < 38 || n > 199 {
		return "", UnsupportedVersion(v)
	}
	return v, nil
}
