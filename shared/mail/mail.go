package mail

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"loginguard/shared/markup"
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

var tokenText = markup.Must("token.txt", `Hello {{Name}},

{{Reason}}. Here is your new security token for {{OrgName}}:

Security token (case-sensitive): {{Token}}

User name: {{Username}}
Requested: {{At}} from {{From}}

Add the token to the end of your password when you log in from a desktop client,
a data loader or the API from outside your company's trusted networks. For
example, if your password is mypassword and your token is XXXXXXXXXX, enter
mypasswordXXXXXXXXXX. Your previous security token no longer works.

If you did not ask for this, tell your administrator.
`)

var tokenHTML = markup.Must("token.html", `<!doctype html>
<html><body style="font-family:system-ui,sans-serif;color:#1b2430">
<p>Hello {{Name}},</p>
<p>{{Reason}}. Here is your new security token for <b>{{OrgName}}</b>:</p>
<p style="font-size:1.2em">Security token (case-sensitive): <code style="background:#f1f4f8;padding:.2em .4em">{{Token}}</code></p>
<p>User name: {{Username}}<br>Requested: {{At}} from {{From}}</p>
<p>Add the token to the end of your password when you log in from a desktop client, a data loader or the API
from outside your company's trusted networks. Your previous security token no longer works.</p>
<p>If you did not ask for this, tell your administrator.</p>
</body></html>
`)

// SecurityToken builds the mail that carries a new security token.
func SecurityToken(d TokenMail) (Message, error) {
	v := markup.Vars{"Name": d.Name, "Reason": d.Reason, "OrgName": d.OrgName, "Token": d.Token,
		"Username": d.Username, "At": stamp(d.At), "From": d.From}
	return build(d.To, "Your new security token", tokenText, tokenHTML, v)
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 MST") }

// build fills a message's text and HTML parts.
func build(to, subject string, text, html *markup.Template, v markup.Vars) (Message, error) {
	t, err := text.Text(v)
	if err != nil {
		return Message{}, fmt.Errorf("mail text: %w", err)
	}
	h, err := html.HTML(v)
	if err != nil {
		return Message{}, fmt.Errorf("mail html: %w", err)
	}
	return Message{To: to, Subject: subject, Text: t, HTML: string(h)}, nil
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

var codeText = markup.Must("code.txt", `Hello {{Name}},

Someone is logging in to {{OrgName}} as {{Username}} from a browser or place
we don't recognise. To confirm it is you, enter this verification code:

Verification code: {{Code}}

It is valid for {{Valid}} minutes and can be used once.

Requested: {{At}} from {{From}}
Browser: {{Client}}

If this wasn't you, don't share the code; change your password and tell your
administrator.
`)

var codeHTML = markup.Must("code.html", `<!doctype html>
<html><body style="font-family:system-ui,sans-serif;color:#1b2430">
<p>Hello {{Name}},</p>
<p>Someone is logging in to <b>{{OrgName}}</b> as {{Username}} from a browser or place we don't recognise.
To confirm it is you, enter this verification code:</p>
<p style="font-size:1.6em;letter-spacing:.2em"><code style="background:#f1f4f8;padding:.2em .4em">{{Code}}</code></p>
<p>It is valid for {{Valid}} minutes and can be used once.</p>
<p>Requested: {{At}} from {{From}}<br>Browser: {{Client}}</p>
<p>If this wasn't you, don't share the code; change your password and tell your administrator.</p>
</body></html>
`)

// VerificationCode builds the mail that carries a login verification code.
func VerificationCode(d CodeMail) (Message, error) {
	v := markup.Vars{"Name": d.Name, "OrgName": d.OrgName, "Username": d.Username, "Code": d.Code,
		"Valid": strconv.Itoa(int(d.Valid.Minutes())), "At": stamp(d.At), "From": d.From, "Client": BrowserName(d.Client)}
	return build(d.To, "Verify your identity: "+d.OrgName, codeText, codeHTML, v)
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
