package mail

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"
)

// Message is one mail, in plain text and HTML.
type Message struct {
	To      string
	Subject string
	Text    string
	HTML    string
}

// Mailer sends a message; an error means the provider did not accept it.
type Mailer interface {
	Send(ctx context.Context, m Message) error
}

// TokenMail is the data of a security-token mail.
type TokenMail struct {
	To       string
	Name     string // the user's full name
	Username string
	OrgName  string
	Token    string // the clear token: only ever in the body of this mail
	Reason   string // e.g. "Your user was created", "You asked to reset your security token"
	At       time.Time
	From     string // where the request came from (IP or "the admin CLI")
}

// tokenText is the plain-text part; go vet checks its verbs against the
// arguments.
const tokenText = `Hello %s,

%s. Here is your new security token for %s:

Security token (case-sensitive): %s

User name: %s
Requested: %s from %s

Add the token to the end of your password when you log in from a desktop client,
a data loader or the API from outside your company's trusted networks. For
example, if your password is mypassword and your token is XXXXXXXXXX, enter
mypasswordXXXXXXXXXX. Your previous security token no longer works.

If you did not ask for this, tell your administrator.
`

// SecurityToken builds the mail that carries a new security token.
func SecurityToken(d TokenMail) (Message, error) {
	text := fmt.Sprintf(tokenText, d.Name, d.Reason, d.OrgName, d.Token, d.Username, stamp(d.At), d.From)
	return build(d.To, "Your new security token", text, tokenHTML(d))
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 MST") }

func validMinutes(d time.Duration) string { return strconv.Itoa(int(d.Minutes())) }

// build renders a message's HTML part beside its text.
func build(to, subject, text string, html templ.Component) (Message, error) {
	var h strings.Builder
	if err := html.Render(context.Background(), &h); err != nil {
		return Message{}, fmt.Errorf("mail html: %w", err)
	}
	return Message{To: to, Subject: subject, Text: text, HTML: h.String()}, nil
}

// CodeMail is the data of a verification-code mail.
type CodeMail struct {
	To       string
	Name     string
	Username string
	OrgName  string
	Code     string // the clear code: only ever in the body of this mail
	Valid    time.Duration
	At       time.Time
	From     string // the IP the login came from
	Client   string // its user agent, as sent: the mail names only the browser it recognises in it
}

const codeText = `Hello %s,

Someone is logging in to %s as %s from a browser or place
we don't recognise. To confirm it is you, enter this verification code:

Verification code: %s

It is valid for %s minutes and can be used once.

Requested: %s from %s
Browser: %s

If this wasn't you, don't share the code; change your password and tell your
administrator.
`

// VerificationCode builds the mail that carries a login verification code.
func VerificationCode(d CodeMail) (Message, error) {
	text := fmt.Sprintf(codeText, d.Name, d.OrgName, d.Username, d.Code, validMinutes(d.Valid), stamp(d.At), d.From, BrowserName(d.Client))
	return build(d.To, "Verify your identity: "+d.OrgName, text, codeHTML(d))
}

// BrowserName says which browser a user agent is, in a few words of ours
// ("Firefox on Windows"). The user agent is the requester's to choose, so it
// is never quoted into a mail: a link or a lure in it ("call support at ...")
// would reach the user's inbox under our name. What is not recognised is
// "an unrecognised browser".
func BrowserName(ua string) string {
	if len(ua) > 512 {
		ua = ua[:512]
	}
	has := func(s string) bool { return strings.Contains(ua, s) }
	var b string
	switch {
	case has("Edg/") || has("Edge/"):
		b = "Edge"
	case has("OPR/") || has("Opera"):
		b = "Opera"
	case has("Firefox/"):
		b = "Firefox"
	case has("HeadlessChrome/"):
		b = "Chrome (headless)"
	case has("Chrome/") || has("CriOS/"):
		b = "Chrome"
	case has("Safari/"):
		b = "Safari"
	case strings.HasPrefix(ua, "curl/"):
		b = "curl"
	default:
		return "an unrecognised browser"
	}
	switch {
	case has("Windows"):
		return b + " on Windows"
	case has("iPhone") || has("iPad"):
		return b + " on iOS"
	case has("Android"):
		return b + " on Android"
	case has("Mac OS X") || has("Macintosh"):
		return b + " on macOS"
	case has("CrOS"):
		return b + " on ChromeOS"
	case has("Linux"):
		return b + " on Linux"
	}
	return b
}

// ResetMail is the data of a "Forgot your password?" mail.
type ResetMail struct {
	To       string
	Name     string
	Username string
	OrgName  string
	Link     string // the reset link, with its secret: only ever in the body of this mail
	Valid    time.Duration
	At       time.Time
	From     string // the IP the request came from
	Client   string // its user agent (only the browser recognised in it is named)
}

const resetText = `Hello %s,

Someone asked to reset the password of %s in %s. To choose a new
password, open this link:

%s

It is valid for %s minutes and can be used once; it stops working when your
password changes. Only the newest link you asked for works.

Requested: %s from %s
Browser: %s

If this wasn't you, ignore this email: your password stays as it is. Tell your
administrator if it happens again.
`

// PasswordReset builds the mail that carries a password-reset link.
func PasswordReset(d ResetMail) (Message, error) {
	text := fmt.Sprintf(resetText, d.Name, d.Username, d.OrgName, d.Link, validMinutes(d.Valid), stamp(d.At), d.From, BrowserName(d.Client))
	return build(d.To, "Reset your password: "+d.OrgName, text, resetHTML(d))
}

const resetCodeText = `Hello %s,

Someone opened your password-reset link for %s in %s from a browser
we don't recognise. To confirm it is you, enter this verification code on the
reset page:

Verification code: %s

It works with that link only.

Requested: %s from %s
Browser: %s

If this wasn't you, don't share the code and tell your administrator: someone
may be reading your email.
`

// ResetCode builds the mail with the verification code a password reset
// from an unrecognised browser asks for (d.Link is not used).
func ResetCode(d ResetMail, code string) (Message, error) {
	text := fmt.Sprintf(resetCodeText, d.Name, d.Username, d.OrgName, code, stamp(d.At), d.From, BrowserName(d.Client))
	return build(d.To, "Verify your identity: "+d.OrgName, text, resetCodeHTML(d, code))
}
