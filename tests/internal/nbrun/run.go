package nbrun

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Options configures [Run].
type Options struct {
	// Jupyter is the jupyter executable (default $JUPYTER, else /usr/bin/jupyter: Debian's, not
	// a pyenv python that may come first on PATH).
	Jupyter string
	// OutDir receives NAME.ipynb (executed) and NAME.html.
	OutDir string
	// CellTimeout bounds each cell (default 10 minutes); the context bounds the whole notebook.
	CellTimeout time.Duration
	// HTML also exports the executed notebook to HTML (plots inline).
	HTML bool
}

// Result is the outcome of one notebook.
type Result struct {
	Notebook string // path of the source notebook
	Executed string // path of the executed notebook
	HTML     string // path of the HTML export, if any
	Seconds  float64
	// CPUSeconds is the user+system time of nbconvert and the processes it waited for (the
	// kernel, go build, the cell programs): unlike Seconds it does not grow when other work
	// shares the machine.
	CPUSeconds float64
	Report
	// Err is set when nbconvert itself failed (compile errors included) or the run timed out.
	Err error
	// Log is nbconvert's and the kernel's output, for diagnosing failures.
	Log string
}

// OK reports whether the notebook ran without any problem.
func (r Result) OK() bool { return r.Err == nil && len(r.Problems) == 0 }

// JupyterPath returns the jupyter executable Options.Jupyter defaults to.
func JupyterPath() string {
	if j := os.Getenv("JUPYTER"); j != "" {
		return j
	}
	return "/usr/bin/jupyter"
}

// Env returns the environment for the kernel: PATH starts with $(go env GOPATH)/bin (or $GOBIN),
// where gonb and goimports are installed.
func Env() ([]string, error) {
	gobin := os.Getenv("GOBIN")
	if gobin == "" {
		out, err := exec.Command("go", "env", "GOPATH").Output()
		if err != nil {
			return nil, fmt.Errorf("nbrun: go env GOPATH: %w", err)
		}
		gopath, _, _ := strings.Cut(strings.TrimSpace(string(out)), string(os.PathListSeparator))
		gobin = filepath.Join(gopath, "bin")
	}
	if _, err := os.Stat(filepath.Join(gobin, "gonb")); err != nil {
		return nil, fmt.Errorf("nbrun: gonb not found in %s (run `make setup`): %w", gobin, err)
	}
	env := os.Environ()
	for i, kv := range env {
		if strings.HasPrefix(kv, "PATH=") {
			env[i] = "PATH=" + gobin + string(os.PathListSeparator) + strings.TrimPrefix(kv, "PATH=")
			return env, nil
		}
	}
	return append(env, "PATH="+gobin), nil
}

// Run executes one notebook with the GoNB kernel, exports it to HTML if asked, and scans it.
func Run(ctx context.Context, nbPath string, o Options) (res Result) {
	name := strings.TrimSuffix(filepath.Base(nbPath), ".ipynb")
	res = Result{Notebook: nbPath, Executed: filepath.Join(o.OutDir, name+".ipynb")}
	start := time.Now()
	defer func() { res.Seconds = time.Since(start).Seconds() }()
	if o.Jupyter == "" {
		o.Jupyter = JupyterPath()
	}
	if o.CellTimeout == 0 {
		o.CellTimeout = 10 * time.Minute
	}
	if o.OutDir == "" {
		res.Err = errors.New("nbrun: Options.OutDir is empty")
		return res
	}
	if err := os.MkdirAll(o.OutDir, 0o755); err != nil {
		res.Err = err
		return res
	}
	env, err := Env()
	if err != nil {
		res.Err = err
		return res
	}
	// --allow-errors: a compile error still yields an executed notebook that shows it (the scan
	// turns the error output into a failure).
	log, cpu, err := nbconvert(ctx, o.Jupyter, env, "--to", "notebook", "--execute", "--allow-errors",
		"--ExecutePreprocessor.kernel_name=gonb",
		fmt.Sprintf("--ExecutePreprocessor.timeout=%d", int(o.CellTimeout.Seconds())),
		"--output-dir", o.OutDir, "--output", name+".ipynb", nbPath)
	res.Log, res.CPUSeconds = log, cpu
	if err != nil {
		res.Err = fmt.Errorf("nbconvert --execute %s: %w", nbPath, err)
		return res
	}
	res.Report, res.Err = ScanFile(res.Executed)
	if o.HTML && res.Err == nil {
		log, cpu, err := nbconvert(ctx, o.Jupyter, env, "--to", "html", "--output-dir", o.OutDir, res.Executed)
		res.Log += log
		res.CPUSeconds += cpu
		if err != nil {
			res.Err = fmt.Errorf("nbconvert --to html %s: %w", res.Executed, err)
			return res
		}
		res.HTML = filepath.Join(o.OutDir, name+".html")
	}
	return res
}

func nbconvert(ctx context.Context, jupyter string, env []string, args ...string) (log string, cpuSeconds float64, err error) {
	cmd := exec.CommandContext(ctx, jupyter, append([]string{"nbconvert"}, args...)...)
	cmd.Env = env
	// The kernel (gonb) and the cell programs are children of nbconvert: on timeout, kill the
	// whole process group, not only nbconvert.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	if ps := cmd.ProcessState; ps != nil {
		cpuSeconds = (ps.UserTime() + ps.SystemTime()).Seconds()
	}
	return out.String(), cpuSeconds, err
}
