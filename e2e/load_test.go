//go:build load

package e2e

// The load test (make load; not part of make test): a password spray
// through the whole local stack, run twice, against the functions of an
// earlier revision (LOAD_BEFORE_REV, before the per-source throttle and the
// adaptive floor) and against this checkout's, each with its production
// defaults (the 250 ms failure floor; 20 failures per source and 10
// minutes). It writes test-artifacts/load-report.md.
//
// The attack: LOAD_ATTEMPTS (20,000) wrong-password logins from
// LOAD_SOURCES (500) addresses in 198.18.0.0/15 (the benchmarking range;
// the gateway's --trust-forwarded-for makes each request come from one)
// against LOAD_USERS (2,000) users, round robin over SOAP, OAuth and the
// login page, LOAD_WORKERS (32) at a time, every source's attempts spread
// over the whole run. Meanwhile a legitimate user logs in through SOAP
// every 200 ms from its own address. Every attacked user has a real
// (DefaultParams) password hash, so a check costs what it costs in
// production. Traffic goes to 127.0.0.1 only.

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"loginguard/internal/testenv"
	"loginguard/shared/domain"
	"loginguard/shared/ids"
	"loginguard/shared/secret"
)

type loadConfig struct {
	attempts, sources, users, workers int
	beforeRev                         string
	deadline                          time.Duration // per run
}

func loadConfigOf(t *testing.T) loadConfig {
	num := func(name string, def int) int {
		v := os.Getenv(name)
		if v == "" {
			return def
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q: want a positive number", name, v)
		}
		return n
	}
	c := loadConfig{attempts: num("LOAD_ATTEMPTS", 20000), sources: num("LOAD_SOURCES", 500), users: num("LOAD_USERS", 2000),
		workers: num("LOAD_WORKERS", 32), beforeRev: os.Getenv("LOAD_BEFORE_REV"), deadline: 20 * time.Minute}
	if c.beforeRev == "" {
		c.beforeRev = "f268d83" // the last revision before the throttle and the adaptive floor
	}
	if c.sources > 1<<17 {
		t.Fatalf("LOAD_SOURCES=%d: 198.18.0.0/15 holds %d", c.sources, 1<<17)
	}
	return c
}

// loadRun is what one run measured.
type loadRun struct {
	name          string
	took          time.Duration
	attempts      int // attack attempts answered
	errors        int // attack attempts without an answer (transport errors)
	answers       map[string]int
	hashes        uint64  // password hashes the attack cost (metric lines)
	hashesCounted bool    // false: the build has no counter (one per refusal by design)
	billed        float64 // seconds of login time the attack held (sum of LoginDuration)
	cpu           float64 // CPU seconds the functions spent (attack and legitimate logins)
	throttledAt   []int   // per throttled source: its attempt number at the first throttled answer
	throttledWhen []time.Duration
	legit         []time.Duration // the legitimate user's login latencies
	legitOK       int
	window        time.Duration   // the throttle's window ("" before it existed)
	boundaries    []time.Duration // when a window ended during the run (counts start again)
	inWindow      []int           // per throttled source: its attempts in the window it was throttled in, before that answer
}

func TestLoad(t *testing.T) {
	cfg := loadConfigOf(t)
	root := testenv.Root(t)
	before := t.TempDir()
	extract(t, root, cfg.beforeRev, before)
	runs := []loadRun{
		runLoad(t, cfg, "before ("+cfg.beforeRev+")", stackOptions{functionsFrom: before, trustForwardedFor: true,
			env: map[string]string{"FAILURE_FLOOR": "250ms"}}),
		runLoad(t, cfg, "after (this checkout)", stackOptions{trustForwardedFor: true,
			env: map[string]string{"FAILURE_FLOOR": "250ms", "SOURCE_FAILURE_LIMIT": "20", "SOURCE_FAILURE_WINDOW": "10m"}}),
	}
	report := loadReport(cfg, runs)
	dir := filepath.Join(root, "test-artifacts")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "load-report.md"), []byte(report), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + report)
}

// extract writes the tree of rev into dir (git archive: the repository is
// not changed).
func extract(t *testing.T, root, rev, dir string) {
	t.Helper()
	archive := exec.Command("git", "-C", root, "archive", "--format=tar", rev)
	untar := exec.Command("tar", "-x", "-C", dir)
	pipe, err := archive.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	untar.Stdin = pipe
	if err := untar.Start(); err != nil {
		t.Fatal(err)
	}
	var errOut strings.Builder
	archive.Stderr = &errOut
	if err := archive.Run(); err != nil {
		t.Fatalf("git archive %s: %v %s", rev, err, errOut.String())
	}
	if err := untar.Wait(); err != nil {
		t.Fatalf("untar %s: %v", rev, err)
	}
}

func runLoad(t *testing.T, cfg loadConfig, name string, opts stackOptions) loadRun {
	t.Helper()
	var run loadRun
	t.Run(name, func(t *testing.T) {
		s := startStackWith(t, opts)
		window, _ := time.ParseDuration(opts.env["SOURCE_FAILURE_WINDOW"])
		run = s.spray(t, cfg, name, window)
	})
	return run
}

// attack is one spray attempt.
type attack struct {
	n       int // its number in the run
	source  int
	user    int
	channel int // 0 SOAP, 1 OAuth, 2 the login page
}

func (s *stack) spray(t *testing.T, cfg loadConfig, name string, window time.Duration) loadRun {
	ctx := t.Context()
	users, legit, cid, csec := s.loadAccounts(t, cfg.users)
	cpuBefore := s.functionCPU(t)
	run := loadRun{name: name, answers: map[string]int{}, window: window}
	client := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: cfg.workers + 4},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	jobs := make(chan attack)
	var mu sync.Mutex
	seen := map[int]int{}               // source: attempts sent
	sentAt := map[int][]time.Duration{} // source: when each attempt was sent
	throttledFirst := map[int]time.Duration{}
	throttledN := map[int]int{}
	start := time.Now()
	deadline := start.Add(cfg.deadline)
	var wg sync.WaitGroup
	for w := 0; w < cfg.workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for a := range jobs {
				mu.Lock()
				seen[a.source]++
				nth := seen[a.source]
				sentAt[a.source] = append(sentAt[a.source], time.Since(start))
				mu.Unlock()
				answer, err := s.attempt(ctx, client, a, users[a.user], cid, csec)
				mu.Lock()
				if err != nil {
					run.errors++
				} else {
					run.attempts++
					run.answers[answer]++
					if _, ok := throttledFirst[a.source]; !ok && answer == "REQUEST_LIMIT_EXCEEDED" {
						throttledFirst[a.source], throttledN[a.source] = time.Since(start), nth
					}
				}
				mu.Unlock()
			}
		}()
	}

	// The legitimate user, every 200 ms from its own address, until the
	// attack ends.
	var stop atomic.Bool
	legitDone := make(chan struct{})
	go func() {
		defer close(legitDone)
		for !stop.Load() {
			began := time.Now()
			r, err := s.post(ctx, client, "203.0.113.77", "/services/Soap/u/50.0", soapHeaders, soapEnvelope(legit.username, legit.password+legit.token))
			took := time.Since(began)
			mu.Lock()
			run.legit = append(run.legit, took)
			if err == nil && strings.Contains(r, "<sessionId>") {
				run.legitOK++
			}
			mu.Unlock()
			if d := 200*time.Millisecond - took; d > 0 {
				time.Sleep(d)
			}
		}
	}()

	for n := 0; n < cfg.attempts && time.Now().Before(deadline); n++ {
		jobs <- attack{n: n, source: n % cfg.sources, user: (n * 7919) % cfg.users, channel: n % 3}
	}
	close(jobs)
	wg.Wait()
	run.took = time.Since(start)
	stop.Store(true)
	<-legitDone
	run.cpu = s.functionCPU(t) - cpuBefore
	if run.attempts+run.errors < cfg.attempts {
		t.Errorf("%s: the run's %v deadline passed after %d of %d attempts", name, cfg.deadline, run.attempts+run.errors, cfg.attempts)
	}

	// The throttle's windows are fixed (Unix time in whole windows): where
	// one ends during the run, every source's count starts again.
	if window > 0 {
		for b := start.Truncate(window).Add(window); b.Before(start.Add(run.took)); b = b.Add(window) {
			run.boundaries = append(run.boundaries, b.Sub(start))
		}
	}
	for src, when := range throttledFirst {
		run.throttledWhen = append(run.throttledWhen, when)
		run.throttledAt = append(run.throttledAt, throttledN[src])
		edge := time.Duration(0)
		for _, b := range run.boundaries {
			if b < when {
				edge = b
			}
		}
		n := 0
		for _, at := range sentAt[src] {
			if at < edge {
				n++
			}
		}
		run.inWindow = append(run.inWindow, throttledN[src]-1-n)
	}
	sort.Ints(run.throttledAt)
	sort.Ints(run.inWindow)
	sort.Slice(run.throttledWhen, func(i, j int) bool { return run.throttledWhen[i] < run.throttledWhen[j] })
	sort.Slice(run.legit, func(i, j int) bool { return run.legit[i] < run.legit[j] })

	// The functions' own account of the attack: every refused login's
	// metric line (the legitimate user's are its successes).
	run.hashesCounted = true
	for _, m := range s.metricLines(t) {
		if m.Outcome == "SUCCESS" || m.Outcome == "success" {
			continue
		}
		run.billed += m.LoginDuration / 1000
		run.hashes += m.PasswordHashes
	}
	if run.hashes == 0 && run.answers["REQUEST_LIMIT_EXCEEDED"] == 0 {
		// The earlier build has no hash counter; by design it spends one
		// hash on every refusal (a wrong user name costs what a wrong
		// password does).
		run.hashesCounted = false
		run.hashes = uint64(run.attempts)
	}
	return run
}

// functionCPU is the CPU time, in seconds, the stack's function processes
// (every bootstrap the gateway's emulators run) have spent so far. They
// live as long as the stack, one per emulator.
func (s *stack) functionCPU(t *testing.T) float64 {
	t.Helper()
	type proc struct {
		ppid     int
		function bool
		ticks    int64
	}
	procs := map[int]proc{}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil {
			continue // gone meanwhile
		}
		// pid (comm) state ppid ... utime stime: fields 4, 14 and 15.
		line := string(b)
		i := strings.LastIndexByte(line, ')')
		f := strings.Fields(line[i+1:])
		if i < 0 || len(f) < 13 {
			continue
		}
		pid, _ := strconv.Atoi(strings.Fields(line)[0])
		ppid, _ := strconv.Atoi(f[1])
		u, _ := strconv.ParseInt(f[11], 10, 64)
		k, _ := strconv.ParseInt(f[12], 10, 64)
		procs[pid] = proc{ppid: ppid, function: strings.HasSuffix(line[:i], "(bootstrap"), ticks: u + k}
	}
	var ticks int64
	for _, p := range procs {
		if !p.function {
			continue
		}
		for up := p.ppid; up > 1; up = procs[up].ppid {
			if up == s.gwPID {
				ticks += p.ticks
				break
			}
		}
	}
	return float64(ticks) / 100 // USER_HZ
}

var soapFaultCode = regexp.MustCompile(`<faultcode>(?:sf:)?([A-Z_]+)</faultcode>`)

// attempt sends one spray attempt and names its answer.
func (s *stack) attempt(ctx context.Context, c *http.Client, a attack, username, cid, csec string) (string, error) {
	ip := fmt.Sprintf("198.18.%d.%d", a.source/256, a.source%256)
	const guess = "Spring2026!"
	switch a.channel {
	case 0:
		body, err := s.post(ctx, c, ip, "/services/Soap/u/50.0", soapHeaders, soapEnvelope(username, guess))
		if err != nil {
			return "", err
		}
		if m := soapFaultCode.FindStringSubmatch(body); m != nil {
			return m[1], nil
		}
		return "SOAP answer without a fault", nil
	case 1:
		body, err := s.post(ctx, c, ip, "/services/oauth2/token", map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
			url.Values{"grant_type": {"password"}, "client_id": {cid}, "client_secret": {csec}, "username": {username}, "password": {guess}}.Encode())
		if err != nil {
			return "", err
		}
		var e map[string]string
		json.Unmarshal([]byte(body), &e)
		if e["error"] == "temporarily_unavailable" {
			return "REQUEST_LIMIT_EXCEEDED", nil
		}
		return "oauth " + e["error"], nil
	default:
		req, _ := http.NewRequestWithContext(ctx, "GET", s.baseURL+"/login", nil)
		req.Header.Set("X-Forwarded-For", ip)
		resp, err := c.Do(req)
		if err != nil {
			return "", err
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		m := csrfInForm.FindSubmatch(page)
		if m == nil {
			return "login page without a form", nil
		}
		form := url.Values{"csrf": {html.UnescapeString(string(m[1]))}, "username": {username}, "password": {guess}}
		req, _ = http.NewRequestWithContext(ctx, "POST", s.baseURL+"/login", strings.NewReader(form.Encode()))
		req.Header.Set("X-Forwarded-For", ip)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for _, ck := range resp.Cookies() {
			req.AddCookie(ck)
		}
		resp, err = c.Do(req)
		if err != nil {
			return "", err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusTooManyRequests {
			return "REQUEST_LIMIT_EXCEEDED", nil
		}
		return "page " + strconv.Itoa(resp.StatusCode), nil
	}
}

func (s *stack) post(ctx context.Context, c *http.Client, ip, path string, header map[string]string, body string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", s.baseURL+path, strings.NewReader(body))
	if err != nil {
		return "", err
	}
	for k, v := range from(ip, header) {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// loadAccounts makes n attacked users in 20 orgs, all with one real
// (DefaultParams) password hash computed once, the legitimate user, and a
// connected app for OAuth.
func (s *stack) loadAccounts(t *testing.T, n int) (usernames []string, legit account, cid, csec string) {
	t.Helper()
	o, p := s.orgAndProfile(t, nil, nil)
	legit = s.userInWith(t, o, p, secret.DefaultParams)
	cid, csec = s.app(t, o.ID)
	hash, err := secret.HashPassword("a password nobody guesses "+strconv.Itoa(n), secret.DefaultParams, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	const orgs = 20
	type place struct {
		o domain.Org
		p domain.Profile
	}
	places := []place{{o, p}}
	for len(places) < orgs {
		o, p := s.orgAndProfile(t, nil, nil)
		places = append(places, place{o, p})
	}
	usernames = make([]string, n)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := range usernames {
		pl := places[i%orgs]
		id, err := ids.New("005", rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		u := domain.User{ID: id, OrgID: pl.o.ID, ProfileID: pl.p.ID, Username: "sprayed-" + id + "@load.example", Active: true,
			PasswordHash: hash, Policy: domain.PolicyOf(pl.o, pl.p)}
		u.Email = u.Username
		usernames[i] = u.Username
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := s.st.CreateUser(context.Background(), u); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("seeding the attacked users: %v", err)
	}
	return usernames, legit, cid, csec
}

func loadReport(cfg loadConfig, runs []loadRun) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Load test: a password spray\n\n")
	fmt.Fprintf(&b, "%d wrong-password attempts from %d sources (198.18.0.0/15) against %d users, round robin over SOAP, OAuth and the login page, "+
		"%d at a time; a legitimate user logs in through SOAP every 200 ms throughout. One machine, the local gateway (4 emulators per function), dynalite.\n\n"+
		"Function CPU is what the function processes spent (the legitimate user's logins included, about 30 ms each); held login time is the sum of "+
		"the functions' LoginDuration over the refused attempts, what Lambda bills, and on this machine it includes waiting for a core.\n\n",
		cfg.attempts, cfg.sources, cfg.users, cfg.workers)
	fmt.Fprintf(&b, "| | %s |\n|---|%s\n", joinRuns(runs, func(r loadRun) string { return r.name }), strings.Repeat("---|", len(runs)))
	row := func(label string, f func(r loadRun) string) {
		fmt.Fprintf(&b, "| %s | %s |\n", label, joinRuns(runs, f))
	}
	row("attack attempts answered (transport errors)", func(r loadRun) string { return fmt.Sprintf("%d (%d)", r.attempts, r.errors) })
	row("wall time of the attack", func(r loadRun) string { return r.took.Round(time.Second).String() })
	row("attempts that reached a password hash", func(r loadRun) string {
		if !r.hashesCounted {
			return fmt.Sprintf("%d (every one: no counter in that build, one hash per refusal by design)", r.hashes)
		}
		return fmt.Sprintf("%d (%.1f%%)", r.hashes, 100*float64(r.hashes)/float64(max(1, r.attempts)))
	})
	row("refused as REQUEST_LIMIT_EXCEEDED", func(r loadRun) string { return strconv.Itoa(r.answers["REQUEST_LIMIT_EXCEEDED"]) })
	row("sources throttled", func(r loadRun) string { return fmt.Sprintf("%d of %d", len(r.throttledAt), cfg.sources) })
	row("a source's attempt at its first throttled answer (min / median / max)", func(r loadRun) string {
		if len(r.throttledAt) == 0 {
			return "-"
		}
		return fmt.Sprintf("%d / %d / %d", r.throttledAt[0], r.throttledAt[len(r.throttledAt)/2], r.throttledAt[len(r.throttledAt)-1])
	})
	row("throttle windows ending during the run (counts start again)", func(r loadRun) string {
		if r.window == 0 {
			return "-"
		}
		if len(r.boundaries) == 0 {
			return "none"
		}
		var at []string
		for _, b := range r.boundaries {
			at = append(at, "at "+b.Round(time.Second).String())
		}
		return strings.Join(at, ", ")
	})
	row("a throttled source's attempts in the window it was throttled in, before the throttled one (min / median / max)", func(r loadRun) string {
		d := r.inWindow
		if len(d) == 0 {
			return "-"
		}
		return fmt.Sprintf("%d / %d / %d (the limit: 20)", d[0], d[len(d)/2], d[len(d)-1])
	})
	row("time of the first throttled answer (first / median / last source)", func(r loadRun) string {
		if len(r.throttledWhen) == 0 {
			return "-"
		}
		return fmt.Sprintf("%v / %v / %v", r.throttledWhen[0].Round(100*time.Millisecond), r.throttledWhen[len(r.throttledWhen)/2].Round(100*time.Millisecond),
			r.throttledWhen[len(r.throttledWhen)-1].Round(100*time.Millisecond))
	})
	row("**function CPU seconds per 1,000 attack attempts**", func(r loadRun) string {
		return fmt.Sprintf("**%.1f s** (%.0f s in all)", 1000*r.cpu/float64(max(1, r.attempts)), r.cpu)
	})
	row("**held (billed) login seconds per 1,000 attack attempts**", func(r loadRun) string {
		return fmt.Sprintf("**%.0f s** (%.0f s in all)", 1000*r.billed/float64(max(1, r.attempts)), r.billed)
	})
	row("legitimate user: logins, success rate", func(r loadRun) string {
		return fmt.Sprintf("%d, %.1f%%", len(r.legit), 100*float64(r.legitOK)/float64(max(1, len(r.legit))))
	})
	row("legitimate user: median / p95 latency", func(r loadRun) string {
		if len(r.legit) == 0 {
			return "-"
		}
		return fmt.Sprintf("%v / %v", r.legit[len(r.legit)/2].Round(time.Millisecond), r.legit[len(r.legit)*95/100].Round(time.Millisecond))
	})
	fmt.Fprintf(&b, "\nAnswers to the attack:\n\n")
	for _, r := range runs {
		keys := make([]string, 0, len(r.answers))
		for k := range r.answers {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var parts []string
		for _, k := range keys {
			parts = append(parts, fmt.Sprintf("%s %d", k, r.answers[k]))
		}
		fmt.Fprintf(&b, "- %s: %s\n", r.name, strings.Join(parts, ", "))
	}
	return b.String()
}

func joinRuns(runs []loadRun, f func(loadRun) string) string {
	parts := make([]string, len(runs))
	for i, r := range runs {
		parts[i] = f(r)
	}
	return strings.Join(parts, " | ")
}
