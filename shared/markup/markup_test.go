package markup

import (
	"strings"
	"testing"
)

func TestFillEscapesStringsAndTrustsHTML(t *testing.T) {
	tpl := Must("t", `<p title="{{title}}">{{ body }}</p>{{frag}}`)
	got, err := tpl.HTML(Vars{"title": `a"b'<c>&`, "body": "<script>alert(1)</script>", "frag": HTML("<b>ok</b>")})
	if err != nil {
		t.Fatal(err)
	}
	want := `<p title="a&#34;b&#39;&lt;c&gt;&amp;">&lt;script&gt;alert(1)&lt;/script&gt;</p><b>ok</b>`
	if string(got) != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	txt, err := Must("t", "Hello {{name}} <3").Text(Vars{"name": "<Ann>"})
	if err != nil || txt != "Hello <Ann> <3" {
		t.Fatalf("text %q %v", txt, err)
	}
}

func TestMistakesAreErrors(t *testing.T) {
	for _, src := range []string{"{{", "a {{ }} b", "{{a b}}"} {
		if _, err := Parse("t", src); err == nil {
			t.Errorf("Parse(%q) accepted", src)
		}
	}
	tpl := Must("t", "{{a}}{{b}}")
	if _, err := tpl.HTML(Vars{"a": "x"}); err == nil || !strings.Contains(err.Error(), "no value for {{b}}") {
		t.Errorf("a missing value: %v", err)
	}
	if _, err := tpl.HTML(Vars{"a": "x", "b": 3}); err == nil {
		t.Error("a number was accepted")
	}
	if _, err := tpl.Text(Vars{"a": "x", "b": HTML("<b>")}); err == nil {
		t.Error("HTML in a text template was accepted")
	}
	if k := strings.Join(tpl.Keys(), ","); k != "a,b" {
		t.Errorf("keys %s", k)
	}
	if Join("a", If(false, "b"), If(true, "c")) != "ac" {
		t.Error("Join/If")
	}
}
