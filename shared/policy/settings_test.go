package policy

import (
	"testing"
	"time"
)

func TestLockoutSettings(t *testing.T) {
	tests := []struct {
		name, max, period string
		want              Lockout
		ok                bool
	}{
		{"3 attempts for 15 minutes", "3", "15m", Lockout{3, 15 * time.Minute}, true},
		{"5 attempts for 30 minutes", "5", "30m", Lockout{5, 30 * time.Minute}, true},
		{"10 attempts for an hour", "10", "1h", Lockout{10, time.Hour}, true},
		{"60m is an hour", "10", "60m", Lockout{10, time.Hour}, true},
		{"no limit", "none", "15m", Lockout{0, 15 * time.Minute}, true},
		{"until unlocked", "3", "until-unlocked", Lockout{3, 0}, true},
		{"lockout maximum of 4 is refused", "4", "15m", Lockout{}, false},
		{"a lockout period of 20 minutes is refused", "3", "20m", Lockout{}, false},
		{"a word is refused", "many", "15m", Lockout{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseLockout(tt.max, tt.period)
			if (err == nil) != tt.ok || got != tt.want {
				t.Fatalf("ParseLockout = %+v, %v; want %+v ok=%v", got, err, tt.want, tt.ok)
			}
		})
	}
}

func TestSessionTimeouts(t *testing.T) {
	for _, d := range []time.Duration{15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 4 * time.Hour, 8 * time.Hour, 12 * time.Hour, 24 * time.Hour} {
		if err := SessionTimeout(d); err != nil {
			t.Errorf("%s refused: %v", d, err)
		}
	}
	for _, d := range []time.Duration{0, time.Minute, 3 * time.Hour, 48 * time.Hour} {
		if err := SessionTimeout(d); err == nil {
			t.Errorf("%s accepted", d)
		}
	}
	if SessionTimeout(DefaultSessionTimeout) != nil {
		t.Error("the default must be an allowed value")
	}
}

func TestLockoutTextsReadBackAsTheSamePolicy(t *testing.T) {
	for _, l := range []Lockout{{MaxAttempts: 5, Period: 15 * time.Minute}, {MaxAttempts: 0, Period: 0}, {MaxAttempts: 10, Period: time.Hour}} {
		texts := l.Texts()
		back, err := ParseLockout(texts[0], texts[1])
		if err != nil || back != l {
			t.Errorf("%+v as %q reads back as %+v (%v)", l, texts, back, err)
		}
	}
}
