package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go/logging"

	"loginguard/shared/account"
	"loginguard/shared/admin"
	"loginguard/shared/app"
	"loginguard/shared/config"
	"loginguard/shared/domain"
	"loginguard/shared/mail/ses"
	"loginguard/shared/secret"
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
	svc         *admin.Service
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
		{"app create", "create a connected app (OAuth client): confidential (prints the client id and secret once) or public (PKCE, no secret), its callback URLs, scopes and refresh token policy", (*App).appCreate},
		{"app list", "list an org's connected apps", (*App).appList},
		{"app delete", "delete a connected app", (*App).appDelete},
		{"session list", "list the live sessions of a user or an org (type, app or client, source IP, activity, level, expiry; a short reference, never the id)", (*App).sessionList},
		{"session end", "end one session (REF from session list, with --org) or every session of a user (--user); again after a failure finishes the job", (*App).sessionEnd},
		{"history", "list login history of a user, a user name tried, or an org", (*App).history},
		{"explain", "say why a login attempt was refused (a user's last refusal) or came out as it did (one line by --id): a plain-language answer, then each rule the decision evaluated", (*App).explain},
		{"replay", "decide an org's login attempts of a period again under a draft of its and its profiles' settings (JSON, as the admin API takes them) and count what would change, by rule, with examples", (*App).replay},
		{"health", "score an org's settings against the Health Check baseline (docs/health-check.md): each finding with its severity, current and baseline values and the lgadmin command that fixes it", (*App).health},
		{"audit", "list an org's audit trail: token resets, password changes and refusals (who, whom, when, from where)", (*App).audit},
		{"keys rotate", "add a new data key to the TOTP keyring: new TOTP keys are sealed with it, older ones still open", (*App).keysRotate},
		{"keys list", "list the TOTP keyring's data keys (ids and dates, newest last)", (*App).keysList},
		{"demo", "create the demo org, profile and user if missing, and mail the demo user a new security token (make run, on every start)", (*App).demo},
	}
}

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
		err := cliError(c.run(a, ctx, args[len(words):]))
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
				out := map[string]string{"error": errorText(err)}
				var de *domain.Error
				if errors.As(err, &de) {
					out["errorCode"] = de.Code // as the admin API answers it
				}
				a.printJSON(out)
			}
			fmt.Fprintf(a.Stderr, "lgadmin %s: %s\n", c.name, errorText(err))
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

// admin is the admin use case on the application's store and mailer,
// built once per run.
func (a *App) admin(ctx context.Context) (*admin.Service, error) {
	if a.svc != nil {
		return a.svc, nil
	}
	ap, err := a.app(ctx)
	if err != nil {
		return nil, err
	}
	// Every credential change is mailed and audited like one made in the UI.
	a.svc = &admin.Service{Store: ap.Store, Rand: a.Rand, Now: a.Now, Params: secret.DefaultParams, Sessions: ap.Sessions,
		Accounts: &account.Service{Store: ap.Store, Mailer: ap.Mailer, Rand: a.Rand, Now: a.Now, Params: secret.DefaultParams, Sessions: ap.Sessions}}
	if ap.Keyring != nil {
		a.svc.Sealer = ap.Keyring
	}
	return a.svc, nil
}

var cliActor = admin.CLI

// parseIDs parses a command's ids, checks they are given, and opens the
// admin use case.
func (a *App) parseIDs(ctx context.Context, fs *flag.FlagSet, args []string, ids ...*idArg) (*admin.Service, error) {
	if err := parseIDs(fs, args, ids...); err != nil {
		return nil, err
	}
	return a.admin(ctx)
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
	ap, err := app.New(ctx, cfg, app.WithAWS(func(ctx context.Context) (aws.Config, error) {
		cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithLogger(logging.Nop{}))
		if err != nil {
			return aws.Config{}, fmt.Errorf("loading AWS configuration: %w", err)
		}
		return cfg, nil
	}), app.WithAWSCheck(a.checkAWS),
		app.WithClock(a.Now), app.WithMailer(ses.FromConfig), app.WithTOTP)
	if err != nil {
		return nil, err
	}
	a.built = ap
	return ap, nil
}
