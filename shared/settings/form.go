package settings

import (
	"net/url"
	"reflect"
	"strings"
)

// FormField is one setting as a console form shows it: its flag's name is
// the form field's, its usage the help under it.
type FormField struct {
	Name, Label, Help string
	IsBool            bool
	Checked           bool     // IsBool: on
	Value             string   // the current value, as its flag's text
	Choices           []string // a menu's texts (nil: a text box)
}

// Form is the settings names names of s, in that order, for a form (a
// name no field has is left out).
func Form[S any](fields []Field[S], s S, names ...string) []FormField {
	out := make([]FormField, 0, len(names))
	for _, n := range names {
		f, ok := byName(fields, n)
		if !ok {
			continue
		}
		shown := f.Show(s)[0]
		ff := FormField{Name: f.Name, Label: shown.Label, Help: f.Usage, IsBool: f.IsBool, Choices: f.Choices}
		switch v := shown.Value.(type) {
		case bool:
			ff.Checked = v
		case []string:
			ff.Value = strings.Join(v, ",")
		default:
			ff.Value = shown.lineText()
		}
		if len(f.Choices) > 0 {
			ff.Value = choiceOf(f, s)
		}
		out = append(out, ff)
	}
	return out
}

// choiceOf is the choice of f that s holds: the one that, set on s, shows
// as s does ("" when none does).
func choiceOf[S any](f Field[S], s S) string {
	now := f.Show(s)
	for _, c := range f.Choices {
		t := s
		if f.Set(&t, c, Env{}) == nil && reflect.DeepEqual(f.Show(t), now) {
			return c
		}
	}
	return ""
}

// ApplyForm sets on s each setting names names from a form's values, as
// its flag would: a boolean is on when the form has it (a checkbox), a
// text or menu is set when the form has it. The admin use case validates
// the whole once applied. Every setting is tried; the first refusal is
// returned.
func ApplyForm[S any](fields []Field[S], s *S, at Env, form url.Values, names ...string) error {
	var first error
	for _, n := range names {
		f, ok := byName(fields, n)
		if !ok {
			continue
		}
		var text string
		switch {
		case f.IsBool:
			text = "false"
			if form.Has(n) {
				text = "true"
			}
		case !form.Has(n):
			continue
		default:
			text = strings.TrimSpace(form.Get(n))
		}
		if err := f.Set(s, text, at); err != nil && first == nil {
			first = asInvalid(err)
		}
	}
	return first
}

func byName[S any](fields []Field[S], name string) (Field[S], bool) {
	for _, f := range fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field[S]{}, false
}
