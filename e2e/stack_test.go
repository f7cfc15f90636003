package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"loginguard/internal/samtemplate"
	"loginguard/internal/testenv"
	"loginguard/shared/domain"
	"loginguard/shared/keyring"
	"loginguard/shared/secret"
	"loginguard/shared/store/dynamo"
)

// stack is the whole service on loopback: dynalite, the gateway and the
// function binaries, built from this checkout.
type stack struct {
	root    string
	baseURL string
	sesURL  string // the SES stand-in: every mail the functions sent
	stopSES func() // stops the SES stand-in (mail is down from then on)
	logPath string // the gateway's output, with every function's log lines
	gwPID   int    // the gateway's process (and process group: the emulators and functions are in it)
	st      *dynamo.Store
	db      dynamo.API    // the stack's DynamoDB, for what no store method does (an item aged in place)
	tables  dynamo.Tables // its tables
	sealer  *keyring.Ring // seals TOTP keys with the keyring the functions use (its own instance)
	kmsURL  string        // the stack's local-kms
	idToken string        // the ARN of its id_token key (the template's IdTokenKey)
	lgadmin string        // the admin CLI, built from this checkout
	cliEnv  []string      // its environment: this stack's DynamoDB, SES and tables
	digest  string        // the ARN of its history digest key (the template's HistoryDigestKey)
	// local invoke of this stack's functions, as make invoke runs it: the
	// gateway binary, its arguments (template, build folder, keys) and
	// environment.
	localBin  string
	localArgs []string
	localEnv  []string
}

func build(root, out, pkg string, lambda bool) error {
	args := []string{"build", "-o", out}
	if lambda {
		args = append(args, "-tags", "lambda.norpc", "-trimpath")
	}
	cmd := exec.Command("go", append(args, pkg)...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
	}
	return nil
}

// builtSet is the binaries of one source tree, built once per test run:
// go build links a binary again each time even when every package is
// cached, a few seconds each, so building them per stack cost most of a
// minute a test.
type builtSet struct {
	once sync.Once
	dir  string
	err  error
}

var built sync.Map // the functions' source tree → *builtSet

// binaries puts into bin (a stack's own folder) the gateway, the emulator,
// lgadmin (this checkout's) and every function of fns (the tree whose
// functions run), each a link to the run's one build of it.
func binaries(t *testing.T, root, fns, bin string) {
	t.Helper()
	v, _ := built.LoadOrStore(fns, &builtSet{})
	b := v.(*builtSet)
	b.once.Do(func() { b.dir, b.err = buildAll(root, fns) })
	if b.err != nil {
		t.Fatal(b.err)
	}
	entries, err := os.ReadDir(b.dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if err := os.Symlink(filepath.Join(b.dir, e.Name()), filepath.Join(bin, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
}

// buildAll builds the stack's binaries into a folder of the run's
// (removed with the call log, TestMain).
func buildAll(root, fns string) (string, error) {
	dir, err := os.MkdirTemp(filepath.Dir(callLog), "bin-")
	if err != nil {
		return "", err
	}
	type target struct {
		tree, out, pkg string
		lambda         bool
	}
	targets := []target{
		{root, "aws-lambda-rie", "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie", false},
		{root, "local", "./cmd/local", false},
		{root, "lgadmin", "./cmd/lgadmin", false},
	}
	for _, fn := range []struct{ logical, dir string }{{"SoapFunction", "soap"}, {"OAuthFunction", "oauth"},
		{"AuthorizerFunction", "authorizer"}, {"WhoamiFunction", "whoami"}, {"WebFunction", "web"},
		{"DataFunction", "data"}, {"AdminFunction", "admin"}, {"DigestFunction", "digest"}} {
		// An earlier revision (the load test's) may predate a function,
		// and its template too.
		if _, err := os.Stat(filepath.Join(fns, "functions", fn.dir)); err == nil {
			targets = append(targets, target{fns, filepath.Join(fn.logical, "bootstrap"), "./functions/" + fn.dir, true})
		}
	}
	for _, tg := range targets {
		if err := build(tg.tree, filepath.Join(dir, tg.out), tg.pkg, tg.lambda); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// stackOptions changes how startStackWith starts the stack.
type stackOptions struct {
	// env is added to (and overrides) every login function's environment
	// (SOAP, OAuth and web).
	env map[string]string
	// trustForwardedFor makes the gateway take the client's address from
	// X-Forwarded-For, so one test can present many sources.
	trustForwardedFor bool
	// pool is the most emulators per function (the gateway's default: 4).
	pool int
	// functionsFrom is the source tree whose functions and template.yaml
	// run ("": this checkout); the gateway, the CLI and the tables are
	// always this checkout's. The load test runs an earlier revision so.
	functionsFrom string
	// schedules is the gateway's --schedules: "" runs the template's
	// Schedule events at their rates (hourly: never within a test), a
	// duration at that rate instead.
	schedules string
}

// loginFunctions are the functions that check secrets.
var loginFunctions = []string{"SoapFunction", "OAuthFunction", "WebFunction"}

func startStack(t *testing.T) *stack {
	t.Helper()
	return startStackWith(t, stackOptions{})
}

func startStackWith(t *testing.T, opts stackOptions) *stack {
	t.Helper()
	root := testenv.Root(t)
	fns := root
	if opts.functionsFrom != "" {
		fns = opts.functionsFrom
	}
	bin := t.TempDir()
	binaries(t, root, fns, bin)

	endpoint := testenv.Dynalite(t)
	db := testenv.DynamoDB(endpoint)
	tables := testenv.CreateTables(t, db)
	st := dynamo.New(db, tables)
	sesURL, stopSES := testenv.StartSES(t)

	envVars := filepath.Join(bin, "env.json")
	// A short failure floor keeps the lockout scenarios quick; every test
	// but one comes from 127.0.0.1, so the per-source throttle is set high
	// enough never to refuse them (TestThrottledSourceOnEveryChannel sets
	// its own).
	fnEnv := map[string]string{"FAILURE_FLOOR": "20ms", "SOURCE_FAILURE_LIMIT": "100000"}
	for k, v := range opts.env {
		fnEnv[k] = v
	}
	perFn := map[string]map[string]string{}
	for _, fn := range loginFunctions {
		perFn[fn] = fnEnv
	}
	envJSON, err := json.Marshal(perFn)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(envVars, envJSON, 0o600); err != nil {
		t.Fatal(err)
	}
	// KMS: local-kms with the template's three keys, KeyringKey (AES),
	// IdTokenKey (RSA) and HistoryDigestKey (ECC); a revision from before
	// a key is not told of it.
	keys := testenv.KMSWithDigestKey(t)
	kmsURL, kmsKey, idTokenKey := keys.Endpoint, keys.Keyring, keys.IDToken
	sealer, err := keyring.New(testenv.KMSClient(t, kmsURL), st, keyring.Config{KMSKey: kmsKey, Name: keyring.TOTP})
	if err != nil {
		t.Fatal(err)
	}
	template := filepath.Join(fns, "template.yaml")
	kmsKeys := map[string]string{keyringKeyID: kmsKey, idTokenKeyID: idTokenKey, digestKeyID: keys.Digest}
	tpl, err := samtemplate.Load(template, stackParameters)
	if err != nil {
		t.Fatal(err)
	}
	for logical := range kmsKeys {
		if _, ok := tpl.Raw.Resources[logical]; !ok {
			delete(kmsKeys, logical)
		}
	}
	port := testenv.FreePort(t)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	common := []string{"--template", template, "--build-dir", bin, "--env-vars", envVars,
		"--parameter-overrides", "SenderAddress=" + stackParameters["SenderAddress"],
		"--parameter-overrides", "SenderIdentity=" + stackParameters["SenderIdentity"]}
	for logical, arn := range kmsKeys {
		id := arn[strings.LastIndex(arn, "/")+1:]
		localKMSKeys.Store(id, logical)
		common = append(common, "--kms-key", logical+"="+id)
	}
	args := append([]string{"serve", "--addr", addr}, common...)
	if opts.schedules != "" {
		args = append(args, "--schedules", opts.schedules)
	}
	if opts.trustForwardedFor {
		args = append(args, "--trust-forwarded-for")
	}
	if opts.pool > 0 {
		args = append(args, "--pool", strconv.Itoa(opts.pool))
	}
	gwEnv := []string{
		"AWS_ENDPOINT_URL_DYNAMODB=" + endpoint, "AWS_ENDPOINT_URL_SESV2=" + sesURL, "AWS_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local", "LOGINGUARD_AWS_CALL_LOG=" + callLog,
		"AWS_ENDPOINT_URL_KMS=" + kmsURL,
	}
	gw := testenv.StartEnv(t, addr, gwEnv, filepath.Join(bin, "local"), args...)
	logPath := gw.Stdout.(*os.File).Name()
	cliEnv := []string{"AWS_ENDPOINT_URL_DYNAMODB=" + endpoint, "AWS_ENDPOINT_URL_SESV2=" + sesURL, "AWS_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local", "SENDER_ADDRESS=" + stackParameters["SenderAddress"], "HOME=" + t.TempDir(),
		"AWS_ENDPOINT_URL_KMS=" + kmsURL, "HISTORY_DIGEST_KMS_KEY=" + keys.Digest}
	return &stack{db: db, tables: tables, root: root, baseURL: "http://" + addr, sesURL: sesURL, stopSES: stopSES, logPath: logPath, gwPID: gw.Process.Pid, st: st, sealer: sealer,
		kmsURL: kmsURL, idToken: idTokenKey, digest: keys.Digest,
		lgadmin: filepath.Join(bin, "lgadmin"), cliEnv: cliEnv,
		localBin: filepath.Join(bin, "local"), localArgs: common, localEnv: gwEnv}
}

// account is one org, profile and user made for one scenario.
type account struct {
	org      domain.Org
	profile  domain.Profile
	username string
	password string
	token    string
}

var fastParams = secret.Params{MemoryKiB: 64, Time: 1, Threads: 1}

func (s *stack) account(t *testing.T, org func(*domain.Org), prof func(*domain.Profile)) account {
	t.Helper()
	o, p := s.orgAndProfile(t, org, prof)
	return s.userIn(t, o, p)
}

// orgAndProfile makes an org and a profile in it.
func (s *stack) orgAndProfile(t *testing.T, org func(*domain.Org), prof func(*domain.Profile)) (domain.Org, domain.Profile) {
	t.Helper()
	o := testenv.SeedOrg(t, s.st, func(o *domain.Org) { o.Name = "Acme E2E" }, org)
	return o, testenv.SeedProfile(t, s.st, o, func(p *domain.Profile) { p.Name = "Integration" }, prof)
}

// userIn makes a user of profile p in org o.
func (s *stack) userIn(t *testing.T, o domain.Org, p domain.Profile) account {
	t.Helper()
	return s.userInWith(t, o, p, fastParams)
}

// userInWith makes a user whose password is hashed with params.
func (s *stack) userInWith(t *testing.T, o domain.Org, p domain.Profile, params secret.Params) account {
	t.Helper()
	a := testenv.SeedUser(t, s.st, o, p, testenv.Params(params), testenv.User(func(u *domain.User) {
		u.Username = "user-" + u.ID + "@e2e.example"
		u.Email, u.FirstName, u.LastName = u.Username, "Eve", "Tester"
	}))
	return account{org: o, profile: p, username: a.User.Username, password: a.Password, token: a.Token}
}

// jsResult is what e2e/js/soap.mjs prints.
type jsResult struct {
	OK             bool              `json:"ok"`
	Code           string            `json:"code"`
	Message        string            `json:"message"`
	UserID         string            `json:"userId"`
	OrganizationID string            `json:"organizationId"`
	InstanceURL    string            `json:"instanceUrl"`
	SessionIDShape bool              `json:"sessionIdShape"`
	SessionOrg     string            `json:"sessionOrgPrefix"`
	UserInfo       map[string]string `json:"userInfo"`
	Logout         *jsResult         `json:"logout"`
	LogoutAgain    *jsResult         `json:"logoutAgain"`
}

// jsforce runs one command of e2e/js/soap.mjs with the unmodified jsforce.
func (s *stack) jsforce(t *testing.T, op, username, password string) jsResult {
	t.Helper()
	in, _ := json.Marshal(map[string]string{"op": op, "loginUrl": s.baseURL, "username": username, "password": password})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", filepath.Join(s.root, "e2e", "js", "soap.mjs"), string(in))
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	runErr := cmd.Run()
	var r jsResult
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("jsforce harness: %v (run: %v)\nstdout: %s\nstderr: %s", err, runErr, out.String(), errOut.String())
	}
	if r.Code == "HARNESS_ERROR" {
		t.Fatalf("jsforce harness failed: %s", r.Message)
	}
	return r
}
