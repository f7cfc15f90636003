package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"

	"loginguard/internal/samtemplate"
)

// pool keeps up to max Lambda Runtime Interface Emulators for one function,
// each running the function's real bootstrap and serving one invocation at a
// time, as one Lambda instance does.
type pool struct {
	fn        *samtemplate.Function
	rie       string
	bootstrap string
	env       []string
	max       int

	mu      sync.Mutex
	running []*emulator
	idle    chan *emulator
	slots   chan struct{} // one per emulator that may exist
	closed  bool
}

type emulator struct {
	cmd  *exec.Cmd
	url  string
	done chan struct{}
}

func newPool(fn *samtemplate.Function, rie, bootstrap string, env []string, max int) *pool {
	p := &pool{fn: fn, rie: rie, bootstrap: bootstrap, env: env, max: max,
		idle: make(chan *emulator, max), slots: make(chan struct{}, max)}
	for i := 0; i < max; i++ {
		p.slots <- struct{}{}
	}
	return p
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (p *pool) start() (*emulator, error) {
	apiPort, err := freePort()
	if err != nil {
		return nil, err
	}
	rtPort, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(apiPort)
	cmd := exec.Command(p.rie, "--runtime-interface-emulator-address", addr,
		"--runtime-api-address", "127.0.0.1:"+strconv.Itoa(rtPort), p.bootstrap)
	cmd.Env = p.env
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr // the function's logs, as sam local shows them
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the emulator for %s: %w", p.fn.LogicalID, err)
	}
	e := &emulator{cmd: cmd, url: "http://" + addr + "/2015-03-31/functions/function/invocations", done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(e.done) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err == nil {
			c.Close()
			break
		}
		select {
		case <-e.done:
			return nil, fmt.Errorf("the emulator for %s exited at start", p.fn.LogicalID)
		default:
		}
		if time.Now().After(deadline) {
			e.kill()
			return nil, fmt.Errorf("the emulator for %s did not listen on %s", p.fn.LogicalID, addr)
		}
		time.Sleep(10 * time.Millisecond)
	}
	p.mu.Lock()
	p.running = append(p.running, e)
	p.mu.Unlock()
	return e, nil
}

func (e *emulator) kill() {
	_ = syscall.Kill(-e.cmd.Process.Pid, syscall.SIGKILL)
	<-e.done
}

// get returns an idle emulator, starts one while fewer than max exist, or
// waits for one to come free.
func (p *pool) get(ctx context.Context) (*emulator, error) {
	for {
		select {
		case e := <-p.idle:
			select {
			case <-e.done: // it died while idle
				p.forget(e)
				continue
			default:
				return e, nil
			}
		default:
		}
		select {
		case e := <-p.idle:
			select {
			case <-e.done:
				p.forget(e)
				continue
			default:
				return e, nil
			}
		case <-p.slots:
			e, err := p.start()
			if err != nil {
				p.slots <- struct{}{}
				return nil, err
			}
			return e, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (p *pool) forget(e *emulator) {
	p.mu.Lock()
	for i, r := range p.running {
		if r == e {
			p.running = append(p.running[:i], p.running[i+1:]...)
			break
		}
	}
	p.mu.Unlock()
	p.slots <- struct{}{}
}

// errFunction is a function error: the function answered with an error, crashed or timed out.
var errFunction = errors.New("function error")

// invoke runs one event and returns the function's answer.
func (p *pool) invoke(ctx context.Context, event []byte) ([]byte, error) {
	e, err := p.get(ctx)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, time.Duration(p.fn.Timeout)*time.Second+2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, e.url, bytes.NewReader(event))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		// A hung or dead instance is not reused.
		e.kill()
		p.forget(e)
		return nil, fmt.Errorf("%w: %s: %v", errFunction, p.fn.LogicalID, err)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 7<<20))
	resp.Body.Close()
	if err != nil {
		e.kill()
		p.forget(e)
		return nil, fmt.Errorf("%w: reading the answer of %s: %v", errFunction, p.fn.LogicalID, err)
	}
	p.idle <- e
	if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Amz-Function-Error") != "" || isErrorPayload(body) {
		return body, fmt.Errorf("%w: %s answered %d: %s", errFunction, p.fn.LogicalID, resp.StatusCode, truncate(body, 500))
	}
	return body, nil
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}

// close kills every emulator of the pool.
func (p *pool) close() {
	p.mu.Lock()
	running := p.running
	p.running = nil
	p.closed = true
	p.mu.Unlock()
	for _, e := range running {
		e.kill()
	}
}
