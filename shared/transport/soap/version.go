package soap

// version is a supported partner API version's major number.
type version int

const (
	// minVersion is the oldest version Salesforce still serves: 21.0 to
	// 30.0 were retired in Summer '25 and answer UNSUPPORTED_API_VERSION.
	minVersion version = 31
	// currencyLocaleSince is the first version whose GetUserInfoResult has
	// orgDefaultCurrencyLocale (absent from the 28.0, 35.0 and 36.0 WSDLs,
	// present in 38.0 and 39.0).
	currencyLocaleSince version = 38
	// unknownVersion is the one version between them whose WSDL we have
	// not seen, so whose exact element set we cannot vouch for.
	unknownVersion version = 37
)

func (v version) hasOrgDefaultCurrencyLocale() bool { return v >= currencyLocaleSince }

// ParseVersion checks the {version} of /services/Soap/u/{version}: "NN.0"
// (two or three digits, no leading zero) from 31.0 on, except 37.0. The
// error is a *Fault: UNSUPPORTED_API_VERSION, "Invalid Api version specified
// on URL", as Salesforce answers a version it does not serve.
func ParseVersion(pathVersion string) (string, error) {
	if _, err := parseVersion(pathVersion); err != nil {
		return "", err
	}
	return pathVersion, nil
}

func parseVersion(s string) (version, error) {
	n := len(s)
	if n < 4 || n > 5 || s[n-2:] != ".0" || s[0] == '0' {
		return 0, UnsupportedVersion()
	}
	v := version(0)
	for i := 0; i < n-2; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, UnsupportedVersion()
		}
		v = v*10 + version(c-'0')
	}
	if v < minVersion || v == unknownVersion {
		return 0, UnsupportedVersion()
	}
	return v, nil
}
