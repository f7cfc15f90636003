// Command local is the Docker-free stand-in for `sam local start-api` and
// `sam local invoke`: it reads template.yaml, runs each function's real
// bootstrap under AWS's Lambda Runtime Interface Emulator (a small pool per
// function), and serves the HTTP API routes as payload 2.0 events. It also
// creates the template's DynamoDB tables on a local DynamoDB.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"loginguard/internal/samtemplate"
)

const usage = `Usage: local <command> [flags]

Commands:
  serve          serve the template's HTTP API routes on 127.0.0.1 (sam local start-api)
  invoke         run one event through a function and print its answer (sam local invoke)
  create-tables  create the template's DynamoDB tables on a local DynamoDB

Run 'local <command> --help' for its flags.
`

func main() {
	if len(os.Args) < 2 || os.Args[1] == "-h" || os.Args[1] == "--help" {
		fmt.Print(usage)
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch os.Args[1] {
	case "serve":
		err = serve(ctx, os.Args[2:])
	case "invoke":
		err = invoke(ctx, os.Args[2:])
	case "create-tables":
		err = createTables(ctx, os.Args[2:])
	default:
		fmt.Fprintf(os.Stderr, "local: unknown command %q\n\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "local:", err)
		os.Exit(1)
	}
}

// paramFlag collects --parameter-overrides K=V (repeatable, or space-separated in one).
type paramFlag map[string]string

func (p paramFlag) String() string { return "" }
func (p paramFlag) Set(s string) error {
	for _, kv := range strings.Fields(s) {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return fmt.Errorf("%q: want Key=Value", kv)
		}
		p[k] = v
	}
	return nil
}

type common struct {
	template string
	buildDir string
	envVars  string
	params   paramFlag
	poolSize int
	kmsKeys  paramFlag // --kms-key LogicalId=local key id
}

// load reads the template, the KMS keys' references resolved to the local
// KMS's keys.
func (c *common) load() (*samtemplate.Template, error) {
	return samtemplate.LoadWithKMSKeys(c.template, c.params, c.kmsKeys)
}

func (c *common) register(fs *flag.FlagSet, functions bool) {
	fs.StringVar(&c.template, "template", "template.yaml", "the SAM template")
	c.params = paramFlag{}
	fs.Var(c.params, "parameter-overrides", "template parameters, Key=Value (repeatable)")
	c.kmsKeys = paramFlag{}
	fs.Var(c.kmsKeys, "kms-key", "a KMS key of the template as a key of the local KMS, LogicalId=KeyId (repeatable): !Ref gives the id, !GetAtt .Arn its local ARN")
	if functions {
		fs.StringVar(&c.buildDir, "build-dir", ".build", "folder with <LogicalId>/bootstrap and aws-lambda-rie (make build-local)")
		fs.StringVar(&c.envVars, "env-vars", "", `JSON file of environment overrides, as sam local: {"LogicalId": {"VAR": "value"}}`)
		fs.IntVar(&c.poolSize, "pool", 4, "emulators per function at most (parallel requests per function)")
	}
}

// passThrough are the variables of local's own environment a function gets:
// where the local AWS stand-ins are, credentials for them, and the tests'
// AWS call log (the IAM check of the end-to-end tests).
var passThrough = []string{"AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SESV2", "AWS_ENDPOINT_URL_KMS", "AWS_REGION", "AWS_DEFAULT_REGION",
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "TZ", "PATH", "HOME", "LOGINGUARD_AWS_CALL_LOG"}

// pools builds one pool per function, each with only the environment the
// template gives it (plus overrides and the local endpoints).
func (c *common) pools() (*samtemplate.Template, map[string]*pool, error) {
	tpl, err := c.load()
	if err != nil {
		return nil, nil, err
	}
	overrides := map[string]map[string]string{}
	if c.envVars != "" {
		b, err := os.ReadFile(c.envVars)
		if err != nil {
			return nil, nil, err
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(b, &raw); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", c.envVars, err)
		}
		for k, v := range raw {
			if k == "Parameters" {
				continue
			}
			m := map[string]string{}
			if err := json.Unmarshal(v, &m); err != nil {
				return nil, nil, fmt.Errorf("%s: %s: want an object of strings: %w", c.envVars, k, err)
			}
			overrides[k] = m
		}
	}
	rie := filepath.Join(c.buildDir, "aws-lambda-rie")
	if _, err := os.Stat(rie); err != nil {
		return nil, nil, fmt.Errorf("%s is missing: run make build-local", rie)
	}
	pools := map[string]*pool{}
	for name, fn := range tpl.Functions {
		bootstrap, err := filepath.Abs(filepath.Join(c.buildDir, name, "bootstrap"))
		if err != nil {
			return nil, nil, err
		}
		if _, err := os.Stat(bootstrap); err != nil {
			return nil, nil, fmt.Errorf("%s is missing: run make build-local", bootstrap)
		}
		vars := map[string]string{}
		for k, v := range fn.Env {
			vars[k] = v
		}
		for k, v := range overrides[name] {
			vars[k] = v
		}
		for _, k := range passThrough {
			if v, ok := os.LookupEnv(k); ok {
				vars[k] = v
			}
		}
		// No EventBridge runs here: the security events go to the log
		// (shared/events), one structured line each.
		if _, set := vars["LOGINGUARD_EVENTS"]; !set {
			vars["LOGINGUARD_EVENTS"] = "log"
		}
		vars["AWS_LAMBDA_FUNCTION_NAME"] = name
		vars["AWS_LAMBDA_FUNCTION_VERSION"] = "$LATEST"
		vars["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = strconv.Itoa(fn.MemorySize)
		vars["AWS_LAMBDA_FUNCTION_TIMEOUT"] = strconv.Itoa(fn.Timeout)
		env := make([]string, 0, len(vars))
		for k, v := range vars {
			env = append(env, k+"="+v)
		}
		sort.Strings(env)
		pools[name] = newPool(fn, rie, bootstrap, env, max(1, c.poolSize))
	}
	return tpl, pools, nil
}

// routesOf builds the gateway's routes, each with its function's pool and
// its authorizer, in API Gateway's order of preference.
func routesOf(tpl *samtemplate.Template, pools map[string]*pool) []*route {
	auths := map[string]*authorizer{}
	for name, a := range tpl.Authorizers {
		auths[name] = &authorizer{name: a.Name, fn: pools[a.Function], headers: a.IdentityHeaders, simple: a.SimpleResponses}
		if a.CacheTTL > 0 {
			auths[name].cache = newDecisionCache(a.CacheTTL, time.Now)
		}
	}
	var routes []*route
	for name, fn := range tpl.Functions {
		for _, r := range fn.Routes {
			rt := &route{method: r.Method, path: r.Path, segments: splitPath(r.Path), fn: pools[name], auth: auths[r.Authorizer]}
			routes = append(routes, rt)
		}
	}
	sortRoutes(routes)
	return routes
}

func serve(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var c common
	c.register(fs, true)
	addr := fs.String("addr", "127.0.0.1:3000", "address to listen on")
	trust := fs.Bool("trust-forwarded-for", false, "take the client IP from X-Forwarded-For instead of the TCP peer (tests only)")
	schedules := fs.String("schedules", "template", `run the template's Schedule events: "template" (each at its rate), "off", or a duration that replaces every rate (1m)`)
	if err := fs.Parse(args); err != nil {
		return err
	}
	every, err := scheduleEvery(*schedules)
	if err != nil {
		return err
	}
	tpl, pools, err := c.pools()
	if err != nil {
		return err
	}
	defer func() {
		for _, p := range pools {
			p.close()
		}
	}()
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	g := &gateway{trustForwardedFor: *trust, log: log}
	g.routes = routesOf(tpl, pools)
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("address %s is already in use; stop the other process or pass --addr", *addr)
		}
		return err
	}
	for name, a := range tpl.Authorizers {
		if a.CacheTTL > 0 {
			fmt.Printf("authorizer %s reuses each answer for %s for the same %s, on every route (ReauthorizeEvery), as API Gateway does\n",
				name, a.CacheTTL, strings.Join(a.IdentityHeaders, ", "))
		}
	}
	for name, api := range tpl.HttpAPIs {
		if api.Default != (samtemplate.Throttle{}) || len(api.Routes) > 0 {
			// No 429 here: a local run serves tests and one developer, and
			// a shared bucket would make the tests' timing depend on each other.
			fmt.Printf("HttpApi %s: throttling (DefaultRouteSettings, RouteSettings on %d routes) is API Gateway's and not applied here\n", name, len(api.Routes))
		}
	}
	for _, r := range g.routes {
		if r.auth != nil {
			fmt.Printf("%s %s -> %s (authorizer %s)\n", r.method, r.path, r.fn.fn.LogicalID, r.auth.name)
			continue
		}
		fmt.Printf("%s %s -> %s\n", r.method, r.path, r.fn.fn.LogicalID)
	}
	if every >= 0 {
		for _, sc := range schedulesOf(tpl, pools, every) {
			fmt.Println(sc)
			go sc.run(ctx, log)
		}
	}
	fmt.Printf("listening on http://%s\n", l.Addr())
	srv := &http.Server{Handler: g, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case <-ctx.Done():
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(shutdown)
	case err := <-errc:
		return err
	}
}

// scheduleEvery reads --schedules: 0 for the template's rates, -1 for off.
func scheduleEvery(v string) (time.Duration, error) {
	switch v {
	case "template":
		return 0, nil
	case "off":
		return -1, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < time.Second {
		return 0, fmt.Errorf("--schedules %q: want template, off or a duration of at least 1s", v)
	}
	return d, nil
}

func invoke(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("invoke", flag.ContinueOnError)
	var c common
	c.register(fs, true)
	fnName := fs.String("function", "", "logical id of the function (required)")
	eventPath := fs.String("event", "", "JSON event file (required; - for standard input)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *fnName == "" || *eventPath == "" {
		return errors.New("--function and --event are required")
	}
	var event []byte
	var err error
	if *eventPath == "-" {
		event, err = io.ReadAll(os.Stdin)
	} else {
		event, err = os.ReadFile(*eventPath)
	}
	if err != nil {
		return err
	}
	if !json.Valid(event) {
		return fmt.Errorf("%s is not JSON", *eventPath)
	}
	c.poolSize = 1
	tpl, pools, err := c.pools()
	if err != nil {
		return err
	}
	defer func() {
		for _, p := range pools {
			p.close()
		}
	}()
	p, ok := pools[*fnName]
	if !ok {
		names := make([]string, 0, len(tpl.Functions))
		for n := range tpl.Functions {
			names = append(names, n)
		}
		sort.Strings(names)
		return fmt.Errorf("no function %s in %s (functions: %s)", *fnName, c.template, strings.Join(names, ", "))
	}
	out, err := p.invoke(ctx, event)
	os.Stdout.Write(append(out, '\n'))
	return err
}

func createTables(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("create-tables", flag.ContinueOnError)
	var c common
	c.register(fs, false)
	endpoint := fs.String("endpoint", os.Getenv("AWS_ENDPOINT_URL_DYNAMODB"), "local DynamoDB endpoint (default $AWS_ENDPOINT_URL_DYNAMODB)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *endpoint == "" {
		return errors.New("no endpoint: pass --endpoint or set AWS_ENDPOINT_URL_DYNAMODB (this command is for a local DynamoDB)")
	}
	tpl, err := samtemplate.Load(c.template, c.params)
	if err != nil {
		return err
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion("us-east-1"),
		awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("local", "local", "")))
	if err != nil {
		return err
	}
	db := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(*endpoint) })
	names, err := tpl.CreateTables(ctx, db)
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Println(n)
	}
	return nil
}
