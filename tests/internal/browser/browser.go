package browser

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"time"
)

// DefaultPath is Debian's Chromium, installed by scripts/install.sh.
const DefaultPath = "/usr/bin/chromium"

// Flags are the command-line flags every browser gets. The networking ones stop Chromium from
// reaching out to Google's services, which a closed network refuses many times a second.
var Flags = []string{
	"--headless",
	"--no-sandbox", // tests run as root in CI, where the sandbox refuses to start
	"--disable-gpu",
	"--disable-dev-shm-usage",
	"--disable-quic",
	"--no-first-run",
	"--no-default-browser-check",
	"--disable-background-networking",
	"--disable-component-update",
	"--disable-sync",
	"--disable-extensions",
	"--hide-scrollbars",
	"--mute-audio",
	"--remote-debugging-pipe",
}

// Options configure [Launch]. The zero value starts [DefaultPath] with [Flags].
type Options struct {
	Path       string    // browser binary; default $CHROMIUM, else DefaultPath
	ExtraFlags []string  // appended after Flags
	Log        io.Writer // receives the browser's stderr; default: kept, shown in errors
}

// Browser is a running Chromium. Its methods are safe for concurrent use.
type Browser struct {
	cmd                  *exec.Cmd
	toChrome, fromChrome *os.File
	profile              string
	stderr               *tailBuffer

	mu      sync.Mutex
	nextID  int64
	pending map[int64]chan message
	readErr error
	done    chan struct{} // closed when the reader stops
	closed  bool
}

// message is one CDP message: a command response (ID set) or an event (Method set).
type message struct {
	ID        int64           `json:"id,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Data    string `json:"data"`
	} `json:"error,omitempty"`
}

// Launch starts a headless Chromium with a fresh profile. The caller must call Close, also on
// failure paths (t.Cleanup is the natural place).
func Launch(ctx context.Context, opts Options) (*Browser, error) {
	path := opts.Path
	if path == "" {
		path = os.Getenv("CHROMIUM")
	}
	if path == "" {
		path = DefaultPath
	}
	if _, err := exec.LookPath(path); err != nil {
		return nil, fmt.Errorf("browser: Chromium not found at %q (install it with `make setup`, or set $CHROMIUM): %w", path, err)
	}
	profile, err := os.MkdirTemp("", "dlopt-chromium-")
	if err != nil {
		return nil, fmt.Errorf("browser: profile directory: %w", err)
	}
	// Our ends and Chromium's ends of two pipes: Chromium reads commands on fd 3, writes on fd 4.
	cmdR, cmdW, err := os.Pipe()
	if err != nil {
		os.RemoveAll(profile)
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		cmdR.Close()
		cmdW.Close()
		os.RemoveAll(profile)
		return nil, err
	}
	args := append(append(append([]string{}, Flags...), "--user-data-dir="+profile), opts.ExtraFlags...)
	args = append(args, "about:blank")
	cmd := exec.Command(path, args...)
	cmd.ExtraFiles = []*os.File{cmdR, outW}
	cmd.SysProcAttr = sysProcAttr()
	stderr := &tailBuffer{max: 8 << 10}
	if opts.Log != nil {
		cmd.Stderr = io.MultiWriter(stderr, opts.Log)
	} else {
		cmd.Stderr = stderr
	}
	if err := cmd.Start(); err != nil {
		for _, f := range []*os.File{cmdR, cmdW, outR, outW} {
			f.Close()
		}
		os.RemoveAll(profile)
		return nil, fmt.Errorf("browser: starting %s: %w", path, err)
	}
	// Chromium holds its own copies now; closing ours makes EOF reach the reader when it exits.
	cmdR.Close()
	outW.Close()
	b := &Browser{
		cmd: cmd, toChrome: cmdW, fromChrome: outR, profile: profile, stderr: stderr,
		pending: map[int64]chan message{}, done: make(chan struct{}),
	}
	go b.readLoop()
	// The first answer proves the pipe works; a browser that cannot start fails here, with
	// its stderr in the error.
	var version struct {
		Product string `json:"product"`
	}
	if err := b.call(ctx, "", "Browser.getVersion", nil, &version); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

func (b *Browser) readLoop() {
	defer close(b.done)
	r := bufio.NewReaderSize(b.fromChrome, 1<<20)
	for {
		raw, err := r.ReadBytes(0)
		if err != nil {
			b.mu.Lock()
			b.readErr = fmt.Errorf("browser: connection to Chromium lost (%v); its stderr ends with:\n%s", err, b.stderr.String())
			for id, ch := range b.pending {
				close(ch)
				delete(b.pending, id)
			}
			b.mu.Unlock()
			return
		}
		var m message
		if err := json.Unmarshal(raw[:len(raw)-1], &m); err != nil || m.ID == 0 {
			continue // events are not used: the callers poll the page instead
		}
		b.mu.Lock()
		ch := b.pending[m.ID]
		delete(b.pending, m.ID)
		b.mu.Unlock()
		if ch != nil {
			ch <- m
		}
	}
}

// call sends one command (to the browser when session is empty, else to that page) and
// decodes its result into result, if not nil.
func (b *Browser) call(ctx context.Context, session, method string, params, result any) error {
	b.mu.Lock()
	if b.readErr != nil {
		err := b.readErr
		b.mu.Unlock()
		return err
	}
	b.nextID++
	id := b.nextID
	ch := make(chan message, 1)
	b.pending[id] = ch
	b.mu.Unlock()

	req := struct {
		ID        int64  `json:"id"`
		SessionID string `json:"sessionId,omitempty"`
		Method    string `json:"method"`
		Params    any    `json:"params,omitempty"`
	}{id, session, method, params}
	raw, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("browser: %s: %w", method, err)
	}
	b.mu.Lock() // one writer at a time: messages must not interleave on the pipe
	_, err = b.toChrome.Write(append(raw, 0))
	b.mu.Unlock()
	if err != nil {
		return fmt.Errorf("browser: %s: writing to Chromium: %w", method, err)
	}
	select {
	case m, ok := <-ch:
		if !ok {
			b.mu.Lock()
			defer b.mu.Unlock()
			return fmt.Errorf("browser: %s: %w", method, b.readErr)
		}
		if m.Error != nil {
			return fmt.Errorf("browser: %s: %s (code %d) %s", method, m.Error.Message, m.Error.Code, m.Error.Data)
		}
		if result != nil {
			if err := json.Unmarshal(m.Result, result); err != nil {
				return fmt.Errorf("browser: %s: decoding result: %w", method, err)
			}
		}
		return nil
	case <-ctx.Done():
		b.mu.Lock()
		delete(b.pending, id)
		b.mu.Unlock()
		return fmt.Errorf("browser: %s: %w", method, ctx.Err())
	}
}

// Close ends the browser and every process it started, and removes its profile. It is safe
// to call more than once.
func (b *Browser) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	b.mu.Unlock()

	// Ask politely, then insist: a wedged renderer must not keep a test binary waiting.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	_ = b.call(ctx, "", "Browser.close", nil, nil)
	cancel()
	exited := make(chan error, 1)
	go func() { exited <- b.cmd.Wait() }()
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		killGroup(b.cmd.Process)
		<-exited
	}
	killGroup(b.cmd.Process) // helpers (zygote, renderers) that outlived the main process
	b.toChrome.Close()
	b.fromChrome.Close()
	<-b.done
	return os.RemoveAll(b.profile)
}

// tailBuffer keeps the last max bytes written to it: enough of Chromium's stderr to explain
// a failure without holding a long log.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
	max int
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = append([]byte(nil), t.buf[len(t.buf)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(bytes.TrimSpace(t.buf))
}

// errNotTruthy marks a WaitFor condition that never became true.
var errNotTruthy = errors.New("condition still false")
