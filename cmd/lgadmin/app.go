package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go/logging"

	"loginguard/shared/app"
	"loginguard/shared/config"
	"loginguard/shared/mail"
	"loginguard/shared/mail/ses"
	"loginguard/shared/store/dynamo"
)

// App is the CLI with its surroundings passed in, so tests run it whole.
type App struct {
	Getenv func(string) string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Rand   io.Reader
	Now    func() time.Time

	// Built on first use from the environment.
	store       *dynamo.Store
	mailer      mail.Mailer
	built       *app.App // the application, once built
	json        bool
	commandLine string // as given, for hints that repeat it
}

type command struct {
	name    string
	summary string
	run     func(a *App, ctx context.Context, args []string) error
}

// commands is filled in init: its entries refer to methods that read it.
var commands []command

func init() {
	commands = []command{
		{"org create", "create an org (prints its id)", (*App).orgCreate},
		{"org set", "change an org's security settings", (*App).orgSet},
		{"org show", "show an org", (*App).orgShow},
		{"org sync", "copy an org's settings onto all its users again (after a partial failure)", (*App).orgSync},
		{"profile create", "create a profile in an org", (*App).profileCreate},
		{"profile set", "change a profile's login hours, IP ranges and permissions", (*App).profileSet},
		{"profile show", "show a profile", (*App).profileShow},
		{"profile list", "list an org's profiles", (*App).profileList},
		{"user create", "create a user; the security token goes out by email", (*App).userCreate},
		{"user show", "show a user", (*App).userShow},
		{"user list", "list an org's users", (*App).userList},
		{"user unlock", "unlock a locked-out user", (*App).userUnlock},
		{"user activate", "activate a user", (*App).userActivate},
		{"user deactivate", "deactivate a user", (*App).userDeactivate},
		{"user reset-token", "issue a new security token and mail it (the old one works until the mail is accepted)", (*App).userResetToken},
		{"user reset-password", "set a new password; a new security token is mailed with it (nothing changes if the mail fails)", (*App).userResetPassword},
		{"user totp-register", "make a TOTP key for a user and print its otpauth:// URI (shown once)", (*App).userTOTPRegister},
		{"user totp-remove", "remove a user's TOTP key", (*App).userTOTPRemove},
		{"user devices", "list the browsers activated for a user (activation cookies)", (*App).userDevices},
		{"user device-revoke", "revoke one activated browser of a user (or --all): it needs a verification code again", (*App).userDeviceRevoke},
		{"app create", "create a connected app (OAuth client); prints the client id and secret once", (*App).appCreate},
		{"app list", "list an org's connected apps", (*App).appList},
		{"app delete", "delete a connected app", (*App).appDelete},
		{"history", "list login history of a user, a user name tried, or an org", (*App).history},
		{"audit", "list an org's audit trail: token resets, password changes and refusals (who, whom, when, from where)", (*App).audit},
		{"keys rotate", "add a new data key to the TOTP keyring: new TOTP keys are sealed with it, older ones still open", (*App).keysRotate},
		{"keys list", "list the TOTP keyring's data keys (ids and dates, newest last)", (*App).keysList},
		{"demo", "create the demo org, profile and user if missing, and mail the demo user a new security token (make run, on every start)", (*App).demo},
	}
}

// usageError is a mistake in the command line: exit code 2 and a hint.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// Run runs one command line and returns the exit code.
func (a *App) Run(ctx context.Context, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		a.usage(a.Stdout)
		return 0
	}
	for _, c := range commands {
		words := strings.Fields(c.name)
		if len(args) < len(words) || strings.Join(args[:len(words)], " ") != c.name {
			continue
		}
		a.commandLine = strings.Join(args, " ")
		err := c.run(a, ctx, args[len(words):])
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		if err != nil {
			var ue usageError
			if errors.As(err, &ue) {
				fmt.Fprintf(a.Stderr, "lgadmin %s: %s\nRun 'lgadmin %s --help' for usage.\n", c.name, ue.msg, c.name)
				return 2
			}
			if a.json {
				a.printJSON(map[string]string{"error": err.Error()})
			}
			fmt.Fprintf(a.Stderr, "lgadmin %s: %s\n", c.name, err)
			return 1
		}
		return 0
	}
	fmt.Fprintf(a.Stderr, "lgadmin: unknown command %q\n\n", strings.Join(args, " "))
	a.usage(a.Stderr)
	return 2
}

func (a *App) usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: lgadmin <command> [flags]   (every command takes --help and --json)")
	fmt.Fprintln(w, "\nEvery id is a flag named for what it names: --org ORG_ID, --profile PROFILE_ID, --user USERNAME,")
	fmt.Fprintln(w, "--app CLIENT_ID, --device DEVICE_ID. The one thing a command acts on may also be given as its bare")
	fmt.Fprintln(w, "argument (shown as [--user] USERNAME): 'lgadmin user show demo@loginguard.example' is")
	fmt.Fprintln(w, "'lgadmin user show --user demo@loginguard.example'. Flags may come before or after arguments.")
	fmt.Fprintln(w, "\nCommands:")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, c := range commands {
		fmt.Fprintf(tw, "  %s\t%s\n", c.name, c.summary)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nConfiguration (environment): USERS_TABLE, ORGS_TABLE, SESSIONS_TABLE, HISTORY_TABLE, APPS_TABLE,")
	fmt.Fprintln(w, "SENDER_ADDRESS, KEYRING_KMS_KEY, TOTP_ENCRYPTION_KEY (legacy), and the standard AWS variables (AWS_REGION, AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_SESV2, ...).")
}

// flags makes a FlagSet for a command with --json and a usage text.
func (a *App) flags(name, argsUsage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(a.Stderr)
	fs.BoolVar(&a.json, "json", false, "print the result as JSON")
	fs.Usage = func() {
		fmt.Fprintf(a.Stdout, "Usage: %s [flags]\n\n", strings.Join(strings.Fields("lgadmin "+name+" "+argsUsage), " "))
		for _, c := range commands {
			if c.name == name {
				fmt.Fprintf(a.Stdout, "%s.\n\nFlags:\n", strings.ToUpper(c.summary[:1])+c.summary[1:])
			}
		}
		fs.SetOutput(a.Stdout)
		fs.PrintDefaults()
		fs.SetOutput(a.Stderr)
	}
	return fs
}

// parse parses flags anywhere on the line and returns the positional
// arguments, checking their count (any count when positional is -1).
func parse(fs *flag.FlagSet, args []string, positional int) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError{err.Error()}
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if positional >= 0 && len(pos) != positional {
		return nil, usageError{fmt.Sprintf("want %d argument(s), got %d", positional, len(pos))}
	}
	return pos, nil
}

// idArg is a flag that names a thing by its id. The convention every
// command follows (said in usage): each id is a flag named for what it
// names, and the one thing a command acts on may also be given as its bare
// argument, so "user show --user X" and "user show X" are the same.
type idArg struct {
	name     string // the flag's name: org, profile, user, app, device
	value    string
	bare     bool // may come as a bare argument instead of the flag
	optional bool
}

var idUsages = map[string]string{
	"org":     "the org's `ORG_ID` (15 or 18 characters)",
	"profile": "the profile's `PROFILE_ID`",
	"user":    "the user's `USERNAME`",
	"app":     "the connected app's `CLIENT_ID`",
	"device":  "a `DEVICE_ID` from lgadmin user devices",
}

// idFlag registers --name on fs; bare says the id may be the bare argument.
func idFlag(fs *flag.FlagSet, name string, bare bool) *idArg {
	id := &idArg{name: name, bare: bare}
	fs.StringVar(&id.value, name, "", idUsages[name])
	return id
}

// parseIDs parses the command line. Bare arguments fill, in order, the bare
// ids not given as flags; anything left over, and a required id given in
// neither form, is a usage error.
func parseIDs(fs *flag.FlagSet, args []string, ids ...*idArg) error {
	pos, err := parse(fs, args, -1)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if id.bare && id.value == "" && len(pos) > 0 {
			id.value, pos = pos[0], pos[1:]
		}
	}
	if len(pos) > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q (every id is a flag, e.g. --org ORG_ID; see --help)", pos[0])}
	}
	for _, id := range ids {
		if id.value == "" && !id.optional {
			return usageError{"--" + id.name + " is required"}
		}
	}
	return nil
}

func (a *App) deps(ctx context.Context) (*dynamo.Store, error) {
	if a.store != nil {
		return a.store, nil
	}
	ap, err := a.app(ctx)
	if err != nil {
		return nil, err
	}
	a.store = ap.Store
	if ap.Mailer != nil {
		a.mailer = ap.Mailer
	}
	return a.store, nil
}

// app builds the application as the functions do, once per run.
func (a *App) app(ctx context.Context) (*app.App, error) {
	if a.built != nil {
		return a.built, nil
	}
	cfg, err := config.Load(a.Getenv)
	if err != nil {
		return nil, err
	}
	// The SDK's own log lines (such as its EC2 metadata fallbacks) are not
	// for a CLI's user: what matters comes back as an error, said once.
	ap, err := app.New(ctx, cfg, app.WithAWS(awsconfig.WithLogger(logging.Nop{})), app.WithAWSCheck(a.checkAWS),
		app.WithClock(a.Now), app.WithMailer(ses.FromConfig), app.WithTOTP)
	if err != nil {
		return nil, err
	}
	a.built = ap
	return ap, nil
}

func (a *App) printJSON(v any) {
	enc := json.NewEncoder(a.Stdout)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// show prints v as JSON with --json, else as "key: value" lines in order.
func (a *App) show(v any, fields [][2]string) {
	if a.json {
		a.printJSON(v)
		return
	}
	tw := tabwriter.NewWriter(a.Stdout, 0, 4, 1, ' ', 0)
	for _, f := range fields {
		fmt.Fprintf(tw, "%s:\t%s\n", f[0], f[1])
	}
	tw.Flush()
}

func (a *App) readSecretLine() (string, error) {
	line, err := bufio.NewReader(a.Stdin).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", errors.New("no password on standard input")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
