package secret

import (
	"strings"
	"testing"
)

// RFC 7636 Appendix B's example.
func TestPKCEChallengeIsRFC7636s(t *testing.T) {
	const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	if got := PKCEChallenge(verifier); got != "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM" {
		t.Fatalf("challenge %q", got)
	}
	if !MatchPKCE(verifier, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM") {
		t.Fatal("the verifier does not match its challenge")
	}
	for _, v := range []string{"", "short", strings.Repeat("a", MaxVerifier+1), strings.Repeat("a", 42) + "!", verifier + "x"} {
		if MatchPKCE(v, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM") {
			t.Errorf("%q matched", v)
		}
	}
	// jsforce's verifier: the base64url of 128 random bytes, 171 characters.
	if !ValidPKCE(strings.Repeat("a", 43)) || !ValidPKCE(strings.Repeat("~._-", 32)) || ValidPKCE(strings.Repeat("a", 42)) || !ValidPKCE(strings.Repeat("A", 171)) {
		t.Error("ValidPKCE's bounds")
	}
}
