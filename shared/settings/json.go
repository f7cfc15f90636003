package settings

import (
	"encoding/json"
	"fmt"
	"strings"

	"loginguard/shared/domain"
)

// Key is the field's JSON member: the key of the first line it shows.
func (f Field[S]) Key() string {
	var zero S
	return f.Show(zero)[0].Key
}

// ApplyJSON sets on s every setting doc names by its JSON member, with the
// text its flag would take: a boolean setting takes a JSON boolean, a list
// of IP ranges an array of range texts ([] clears), every other a string or
// a number. An unknown member or a value of the wrong type is refused as
// FIELD_INTEGRITY_EXCEPTION, as a value the field's rules refuse; the admin
// use case validates the whole once applied.
func ApplyJSON[S any](fields []Field[S], s *S, at Env, doc map[string]json.RawMessage) error {
	byKey := make(map[string]Field[S], len(fields))
	for _, f := range fields {
		byKey[f.Key()] = f
	}
	for k := range doc {
		if _, ok := byKey[k]; !ok {
			return invalid(fmt.Sprintf("%q is not a setting that can be changed", k))
		}
	}
	for _, f := range fields {
		raw, given := doc[f.Key()]
		if !given {
			continue
		}
		text, err := valueText(f, raw)
		if err != nil {
			return err
		}
		if err := f.Set(s, text, at); err != nil {
			return asInvalid(err)
		}
	}
	return nil
}

// valueText is raw as the text of f's flag.
func valueText[S any](f Field[S], raw json.RawMessage) (string, error) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", invalid(fmt.Sprintf("%s: not a JSON value", f.Key()))
	}
	switch v := v.(type) {
	case bool:
		if f.IsBool {
			return fmt.Sprint(v), nil
		}
	case string, float64:
		if !f.IsBool {
			return fmt.Sprint(v), nil
		}
	case []any:
		if f.IsBool {
			break
		}
		texts := make([]string, len(v))
		for i, e := range v {
			t, ok := e.(string)
			if !ok {
				return "", invalid(fmt.Sprintf("%s: a list of strings is expected", f.Key()))
			}
			texts[i] = t
		}
		if len(texts) == 0 {
			return "none", nil
		}
		return strings.Join(texts, ","), nil
	}
	want := "a string"
	if f.IsBool {
		want = "true or false"
	}
	return "", invalid(fmt.Sprintf("%s: %s is expected", f.Key(), want))
}

func invalid(msg string) *domain.Error {
	return &domain.Error{Code: domain.CodeInvalidField, Message: msg}
}

// asInvalid is a field's refusal as the domain's error (a domain error
// stays as it is).
func asInvalid(err error) error {
	if _, ok := err.(*domain.Error); ok {
		return err
	}
	return invalid(err.Error()).Wrap(err)
}
