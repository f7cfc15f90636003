package soap

import "loginguard/shared/apiversion"

// version is a supported partner API version's major number.
type version int

// The element sets of the partner WSDLs in testdata/wsdl (every release from
// 31.0 to 58.0 but 48.0, 52.0, 53.0 and 57.0, whose neighbours agree).
// LoginResult is the same in all of them; GetUserInfoResult changes twice.
const (
	// minVersion is the oldest version Salesforce still serves: 21.0 to
	// 30.0 were retired in Summer '25 and answer UNSUPPORTED_API_VERSION.
	minVersion = version(apiversion.Min)
	// currencyLocaleSince is the first version whose GetUserInfoResult has
	// orgDefaultCurrencyLocale (nillable, after orgDefaultCurrencyIsoCode).
	currencyLocaleSince version = 38
	// chatterExternalSince is the first version whose GetUserInfoResult has
	// chatterExternal (required, after accessibilityMode).
	chatterExternalSince version = 40
	// latestWSDL is the newest partner WSDL at hand. Later versions get its
	// elements: no release from 40.0 to 58.0 changed either type, and
	// refusing 59.0 and on would turn away current clients.
	latestWSDL version = 58
)

func (v version) hasOrgDefaultCurrencyLocale() bool { return v >= currencyLocaleSince }
func (v version) hasChatterExternal() bool          { return v >= chatterExternalSince }

// ParseVersion checks the {version} of /services/Soap/u/{version}: "NN.0"
// (two or three digits, no leading zero) from 31.0 on, later than
// apiversion.Latest too (see there). The
// error is a *Fault: UNSUPPORTED_API_VERSION, "Invalid Api version specified
// on URL", as Salesforce answers a version it does not serve.
func ParseVersion(pathVersion string) (string, error) {
	if _, err := parseVersion(pathVersion); err != nil {
		return "", err
	}
	return pathVersion, nil
}

func parseVersion(s string) (version, error) {
	v, ok := apiversion.Parse(s)
	if !ok {
		return 0, UnsupportedVersion()
	}
	return version(v), nil
}
