package adminapi_test

import (
	"context"
	"strings"
	"testing"

	"loginguard/shared/domain"
	"loginguard/shared/policy"
	"loginguard/shared/store/dynamo"
)

func TestOneRangeEdits(t *testing.T) {
	w := setup(t)
	prof := func(id string) map[string]string {
		return map[string]string{"profileId": w.target.Profile.ID, "ipRange": id}
	}
	org := func(id string) map[string]string { return map[string]string{"ipRange": id} }
	pr := root + "/profiles/{profileId}/login-ip-ranges"
	tr := root + "/org/trusted-ranges"
	w.run(t, []row{
		{"a login IP range added", call{as: &w.admin, route: "POST " + pr, params: prof(""), body: `{"start":"192.0.2.0","end":"192.0.2.255"}`},
			200, `"loginIpRanges":["192.0.2.0-192.0.2.255"]`},
		{"one address, its end omitted", call{as: &w.admin, route: "POST " + pr, params: prof(""), body: `{"start":"198.51.100.7"}`},
			200, `"loginIpRanges":["192.0.2.0-192.0.2.255","198.51.100.7"]`},
		{"the same range again", call{as: &w.admin, route: "POST " + pr, params: prof(""), body: `{"start":"198.51.100.7","end":"198.51.100.7"}`},
			400, domain.CodeInvalidField},
		{"a range edited in its place", call{as: &w.admin, route: "PUT " + pr + "/{ipRange}", params: prof("192.0.2.0-192.0.2.255"),
			body: `{"start":"192.0.2.0","end":"192.0.2.127"}`}, 200, `"loginIpRanges":["192.0.2.0-192.0.2.127","198.51.100.7"]`},
		{"a range named by another spelling of its ends", call{as: &w.admin, route: "DELETE " + pr + "/{ipRange}", params: prof("198.51.100.7-198.51.100.7")},
			200, `"loginIpRanges":["192.0.2.0-192.0.2.127"]`},
		{"a range the profile has not", call{as: &w.admin, route: "DELETE " + pr + "/{ipRange}", params: prof("10.0.0.1")}, 404, "NOT_FOUND"},
		{"a name that is no range", call{as: &w.admin, route: "DELETE " + pr + "/{ipRange}", params: prof("ten")}, 400, domain.CodeInvalidField},
		{"no start", call{as: &w.admin, route: "POST " + pr, params: prof(""), body: `{"end":"192.0.2.1"}`}, 400, domain.CodeRequiredField},
		{"a viewer edits no range", call{as: &w.viewer, route: "POST " + pr, params: prof(""), body: `{"start":"192.0.2.1"}`}, 403, domain.CodeNotPermitted},
		{"a read-only session edits no range", call{as: &w.admin, route: "DELETE " + pr + "/{ipRange}", params: prof("192.0.2.0-192.0.2.127"), readOnly: true},
			403, "INSUFFICIENT_ACCESS_OR_READONLY"},

		{"a trusted range added", call{as: &w.admin, route: "POST " + tr, body: `{"start":"10.0.0.0","end":"10.0.0.255"}`}, 200, `"trustedIpRanges":["10.0.0.0-10.0.0.255"]`},
		{"an IPv6 range added", call{as: &w.admin, route: "POST " + tr, body: `{"start":"2001:db8::","end":"2001:db8::ffff"}`}, 200, `"2001:db8::-2001:db8::ffff"`},
		{"a trusted range edited", call{as: &w.admin, route: "PUT " + tr + "/{ipRange}", params: org("2001:db8::-2001:db8::ffff"), body: `{"start":"2001:db8::","end":"2001:db8::ff"}`},
			200, `"trustedIpRanges":["10.0.0.0-10.0.0.255","2001:db8::-2001:db8::ff"]`},
		{"a trusted range deleted", call{as: &w.admin, route: "DELETE " + tr + "/{ipRange}", params: org("10.0.0.0-10.0.0.255")}, 200, `"trustedIpRanges":["2001:db8::-2001:db8::ff"]`},
		{"a viewer changes no trusted range", call{as: &w.viewer, route: "POST " + tr, body: `{"start":"10.1.0.0"}`}, 403, domain.CodeNotPermitted},
		{"without the permission a missing range is a refusal, not a 404", call{as: &w.plain, route: "DELETE " + tr + "/{ipRange}", params: org("10.9.9.9")},
			403, domain.CodeNotPermitted},
	})

	// Each refusal carries the seed's rule in its own words.
	for _, c := range []struct{ body, rule string }{
		{`{"start":"10.0.0.9","end":"10.0.0.1"}`, "the start address must not be greater than the end address"},
		{`{"start":"10.0.0.1","end":"2001:db8::1"}`, "both addresses of a range must be IPv4, or both IPv6"},
		{`{"start":"::ffff:10.0.0.1","end":"::1:0:0:0"}`, "inside and outside the IPv4-mapped IPv6 space"},
	} {
		status, body := w.do(t, call{as: &w.admin, route: "POST " + tr, body: c.body})
		if status != 400 || errorCode(body) != domain.CodeInvalidField || !strings.Contains(body, c.rule) {
			t.Errorf("%s: %d %s; want the rule %q", c.body, status, body, c.rule)
		}
		w.doc.Answers(t, "POST "+tr, status, body)
	}
	// The one change a viewer's refusal names is the permission.
	if _, body := w.do(t, call{as: &w.viewer, route: "POST " + tr, body: `{"start":"10.1.0.0"}`}); !strings.Contains(body, "Customize Application") {
		t.Errorf("%s", body)
	}
}

// racing is the store with another admin's change of the same record
// landing between each update's read and its write.
type racing struct{ *dynamo.Store }

func (r racing) UpdateOrg(ctx context.Context, o domain.Org) (domain.Org, error) {
	other, err := r.Store.Org(ctx, o.ID)
	if err != nil {
		return o, err
	}
	other.RememberMe = !other.RememberMe
	if _, err := r.Store.UpdateOrg(ctx, other); err != nil {
		return o, err
	}
	return r.Store.UpdateOrg(ctx, o)
}

func (r racing) UpdateProfile(ctx context.Context, p domain.Profile) (domain.Profile, error) {
	other, err := r.Store.Profile(ctx, p.OrgID, p.ID)
	if err != nil {
		return p, err
	}
	other.APIEnabled = !other.APIEnabled
	if _, err := r.Store.UpdateProfile(ctx, other); err != nil {
		return p, err
	}
	return r.Store.UpdateProfile(ctx, p)
}

// A range edit racing another admin's change is refused, and the other
// change stays: nothing is lost.
func TestARangeEditRacingAnotherChangeIsRefused(t *testing.T) {
	w := setup(t)
	w.h.Admin.Store = racing{w.st}
	ctx := context.Background()
	before, _ := w.st.Org(ctx, w.admin.User.OrgID)
	status, body := w.do(t, call{as: &w.admin, route: "POST " + root + "/org/trusted-ranges", body: `{"start":"10.0.0.1"}`})
	if status != 409 || errorCode(body) != domain.CodeConcurrentChange {
		t.Fatalf("%d %s; want 409 %s", status, body, domain.CodeConcurrentChange)
	}
	w.doc.Answers(t, "POST "+root+"/org/trusted-ranges", status, body)
	after, _ := w.st.Org(ctx, w.admin.User.OrgID)
	if after.RememberMe == before.RememberMe || len(after.TrustedRanges) != 0 {
		t.Fatalf("the other change %v -> %v, ranges %v: want the other change kept and no range", before.RememberMe, after.RememberMe, after.TrustedRanges)
	}

	route := "DELETE " + root + "/profiles/{profileId}/login-ip-ranges/{ipRange}"
	p := w.target.Profile
	p.LoginIPRanges = mustRanges(t, "192.0.2.0-192.0.2.255")
	if _, err := w.st.UpdateProfile(ctx, p); err != nil {
		t.Fatal(err)
	}
	status, body = w.do(t, call{as: &w.admin, route: route, params: map[string]string{"profileId": p.ID, "ipRange": "192.0.2.0-192.0.2.255"}})
	if status != 409 || errorCode(body) != domain.CodeConcurrentChange {
		t.Fatalf("%d %s; want 409 %s", status, body, domain.CodeConcurrentChange)
	}
	if got, _ := w.st.Profile(ctx, p.OrgID, p.ID); len(got.LoginIPRanges) != 1 || got.APIEnabled == p.APIEnabled {
		t.Fatalf("profile after: %+v", got.ProfileSettings)
	}
}

func mustRanges(t *testing.T, spec string) policy.IPRanges {
	t.Helper()
	rs, err := policy.ParseIPRanges(spec)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}
