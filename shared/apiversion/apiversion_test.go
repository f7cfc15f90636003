package apiversion

import "testing"

func TestParseTakesNNDotZeroFromTheOldestServed(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Version
		ok   bool
	}{
		{"31.0", 31, true},
		{"62.0", 62, true},
		{"99.0", 99, true},
		{"100.0", 100, true},
		{"30.0", 0, false},
		{"062.0", 0, false},
		{"62.1", 0, false},
		{"62", 0, false},
		{"v62.0", 0, false},
		{"6a.0", 0, false},
		{"", 0, false},
	} {
		got, ok := Parse(tt.in)
		if ok != tt.ok || ok && got != tt.want {
			t.Errorf("Parse(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestLabelsNameTheRelease(t *testing.T) {
	for v, want := range map[Version]string{31: "Summer '14", 32: "Winter '15", 33: "Spring '15", 45: "Spring '19",
		50: "Winter '21", 58: "Summer '23", 60: "Spring '24", 62: "Winter '25"} {
		if got := v.Label(); got != want {
			t.Errorf("%s.Label() = %q; want %q", v, got, want)
		}
	}
}

func TestAllIsMinToLatest(t *testing.T) {
	all := All()
	if all[0] != Min || all[len(all)-1] != Latest || len(all) != int(Latest-Min+1) {
		t.Fatalf("All() = %v", all)
	}
	if Latest.Served() != true || (Latest + 1).Served() || (Min - 1).Served() {
		t.Fatal("Served must be Min to Latest")
	}
}
