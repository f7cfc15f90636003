package export

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestGuardGuardsOnlyFormulaStarts(t *testing.T) {
	for in, want := range map[string]string{"": "", "jane": "jane", "a=b": "a=b", "=1": "'=1", "+1": "'+1", "-1": "'-1", "@a": "'@a",
		"\tx": "'\tx", "\rx": "'\rx", "'=1": "'=1"} {
		if got := Guard(in); got != want {
			t.Errorf("Guard(%q) = %q, want %q", in, got, want)
		}
	}
}

// An exported CSV is safe to open in a spreadsheet and still reads back
// exactly, whatever a user name tried or a user agent holds.
func TestTheCSVExportIsGuardedAndReadsBack(t *testing.T) {
	names := []string{`=HYPERLINK("http://evil.example","x")`, "+1", "-1", "@SUM(A1)", "\tx", "'=1", "'", "''a", "jane"}
	var b bytes.Buffer
	w, err := NewWriter(&b, CSV)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	allowed := false
	for _, n := range names {
		if err := w.Write(Row{Kind: KindLogin, At: at, OrgID: "00D", Username: n, Client: n, Allowed: &allowed}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(b.String(), "\n")[1:] {
		for _, cell := range strings.Split(line, ",") {
			if c := strings.TrimPrefix(cell, `"`); c != "" && strings.ContainsRune("=+-@\t", rune(c[0])) {
				t.Fatalf("a cell a spreadsheet would run: %q in %q", cell, line)
			}
		}
	}
	rows, err := Read(strings.NewReader(b.String()), CSV)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(names) {
		t.Fatalf("%d rows back, want %d", len(rows), len(names))
	}
	for i, r := range rows {
		if r.Username != names[i] || r.Client != names[i] {
			t.Errorf("row %d back as %q / %q, want %q", i, r.Username, r.Client, names[i])
		}
	}
}
