// Package markup fills logic-less templates: "{{name}}" is replaced by a
// value, HTML-escaped in HTML mode; a value of type HTML is trusted markup
// and goes in as it is. There are no conditions or loops: callers build
// such fragments in Go (as HTML, from filled templates), so nothing here
// needs reflection. That matters for size: text/template's reflective
// method calls make the linker keep every exported method of every type
// in the binary (5 MB more for the web function, past its 12 MB budget).
//
// Placeholders may stand in element text or inside double-quoted
// attribute values, never inside <script> or <style>; html.EscapeString's
// escaping of < > & ' " is right for both places.
package markup
