package adminapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"loginguard/shared/domain"
)

// decode reads the request's document (document's rules) into v, a
// struct whose json tags are the members a request may have: an unknown
// member, or one of the wrong type, is refused by name.
func decode(r request, v any) error {
	doc, err := document(r)
	if err != nil {
		return err
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return apiError(codeMalformed, msgMalformed)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return apiError(domain.CodeInvalidField, memberRefusal(err))
	}
	return nil
}

// memberRefusal says which member of a document was refused, and why.
func memberRefusal(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("%s: %s is expected", te.Field, kindOf(te.Type.Kind().String()))
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return name + " is not a member of this request"
	}
	return msgMalformed
}

// kindOf is a Go kind in JSON's words.
func kindOf(kind string) string {
	switch kind {
	case "bool":
		return "true or false"
	case "slice":
		return "a list"
	case "string":
		return "a string"
	}
	return "a " + kind
}

// required refuses a request whose member name is empty.
func required(name, value string) error {
	if strings.TrimSpace(value) == "" {
		return apiError(domain.CodeRequiredField, name+" is required")
	}
	return nil
}
