package markup

import (
	"fmt"
	"html"
	"strings"
)

// HTML is markup from a trusted source (another filled template, or a
// constant): it is not escaped.
type HTML string

// Vars are a template's values: string (escaped in HTML mode) or HTML.
type Vars map[string]any

// Template is a parsed template.
type Template struct {
	name  string
	parts []part // literal text and placeholders in turn
}

type part struct {
	text string
	key  string // set for a placeholder
}

// Parse splits src at its placeholders. It fails on an unclosed "{{" or
// an empty name.
func Parse(name, src string) (*Template, error) {
	t := &Template{name: name}
	for src != "" {
		i := strings.Index(src, "{{")
		if i < 0 {
			t.parts = append(t.parts, part{text: src})
			break
		}
		if i > 0 {
			t.parts = append(t.parts, part{text: src[:i]})
		}
		j := strings.Index(src[i:], "}}")
		if j < 0 {
			return nil, fmt.Errorf("markup %s: unclosed {{", name)
		}
		key := strings.TrimSpace(src[i+2 : i+j])
		if key == "" || strings.ContainsAny(key, "{} \n") {
			return nil, fmt.Errorf("markup %s: bad placeholder %q", name, src[i:i+j+2])
		}
		t.parts = append(t.parts, part{key: key})
		src = src[i+j+2:]
	}
	return t, nil
}

// Must is Parse for templates fixed at build time.
func Must(name, src string) *Template {
	t, err := Parse(name, src)
	if err != nil {
		panic(err)
	}
	return t
}

// Keys are the template's placeholder names, in order, with repeats.
func (t *Template) Keys() []string {
	var out []string
	for _, p := range t.parts {
		if p.key != "" {
			out = append(out, p.key)
		}
	}
	return out
}

// HTML fills the template for an HTML page or mail: strings are escaped.
func (t *Template) HTML(v Vars) (HTML, error) {
	s, err := t.fill(v, true)
	return HTML(s), err
}

// Text fills the template for plain text: nothing is escaped.
func (t *Template) Text(v Vars) (string, error) { return t.fill(v, false) }

func (t *Template) fill(v Vars, escape bool) (string, error) {
	var b strings.Builder
	for _, p := range t.parts {
		if p.key == "" {
			b.WriteString(p.text)
			continue
		}
		val, ok := v[p.key]
		if !ok {
			return "", fmt.Errorf("markup %s: no value for {{%s}}", t.name, p.key)
		}
		switch x := val.(type) {
		case HTML:
			if !escape {
				return "", fmt.Errorf("markup %s: {{%s}} is HTML in a text template", t.name, p.key)
			}
			b.WriteString(string(x))
		case string:
			if escape {
				x = html.EscapeString(x)
			}
			b.WriteString(x)
		default:
			return "", fmt.Errorf("markup %s: {{%s}} is a %T; want a string or HTML", t.name, p.key, val)
		}
	}
	return b.String(), nil
}

// Join concatenates fragments.
func Join(parts ...HTML) HTML {
	var b strings.Builder
	for _, p := range parts {
		b.WriteString(string(p))
	}
	return HTML(b.String())
}

// If is h when cond holds, else nothing.
func If(cond bool, h HTML) HTML {
	if cond {
		return h
	}
	return ""
}
