package settings_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"loginguard/shared/admin"
	"loginguard/shared/domain"
	"loginguard/shared/settings"
)

func TestApplyJSON(t *testing.T) {
	for _, tt := range []struct {
		name, doc string
		code      string // "": applied
		check     func(s domain.OrgSettings) bool
	}{
		{"a string sets a text setting", `{"lockoutMaxAttempts":"3"}`, "", func(s domain.OrgSettings) bool { return s.Lockout.MaxAttempts == 3 }},
		{"a number is its text", `{"passwordMinLength":14}`, "", func(s domain.OrgSettings) bool { return s.Password.MinLength == 14 }},
		{"a boolean sets a boolean setting", `{"rememberMe":true}`, "", func(s domain.OrgSettings) bool { return s.RememberMe }},
		{"a negated setting reads as shown", `{"loginPageCaching":false}`, "", func(s domain.OrgSettings) bool { return s.NoLoginPageCaching }},
		{"a list of ranges", `{"trustedIpRanges":["10.0.0.0-10.0.0.255","192.0.2.7"]}`, "", func(s domain.OrgSettings) bool { return len(s.TrustedRanges) == 2 }},
		{"an empty list clears", `{"trustedIpRanges":[]}`, "", func(s domain.OrgSettings) bool { return len(s.TrustedRanges) == 0 }},
		{"nothing given changes nothing", `{}`, "", func(s domain.OrgSettings) bool { return reflect.DeepEqual(s, admin.DefaultOrgSettings()) }},
		{"an unknown member is refused", `{"lockoutMax":"3"}`, domain.CodeInvalidField, nil},
		{"a read-only member is refused", `{"id":"00D000000000001"}`, domain.CodeInvalidField, nil},
		{"a string for a boolean is refused", `{"rememberMe":"true"}`, domain.CodeInvalidField, nil},
		{"a boolean for a text is refused", `{"timeZone":true}`, domain.CodeInvalidField, nil},
		{"a list of numbers is refused", `{"trustedIpRanges":[1]}`, domain.CodeInvalidField, nil},
		{"null is refused", `{"timeZone":null}`, domain.CodeInvalidField, nil},
		{"a value the field refuses", `{"lockoutMaxAttempts":"4"}`, domain.CodeInvalidField, nil},
		{"a range the field refuses", `{"trustedIpRanges":["10.0.0.9-10.0.0.1"]}`, domain.CodeInvalidField, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var doc map[string]json.RawMessage
			if err := json.Unmarshal([]byte(tt.doc), &doc); err != nil {
				t.Fatal(err)
			}
			s := admin.DefaultOrgSettings()
			err := settings.ApplyJSON(settings.Org, &s, settings.Env{}, doc)
			var e *domain.Error
			switch {
			case tt.code == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.code == "" && !tt.check(s):
				t.Fatalf("not applied: %+v", s)
			case tt.code != "" && (!errors.As(err, &e) || e.Code != tt.code):
				t.Fatalf("err = %v, want %s", err, tt.code)
			}
		})
	}
}

// Every field's JSON member is the one its view shows first, and no two
// fields share one.
func TestEveryFieldHasItsOwnMember(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range settings.Org {
		if k := f.Key(); k == "" || seen[k] {
			t.Errorf("--%s: member %q", f.Name, k)
		} else {
			seen[k] = true
		}
	}
}
