//go:build linux

// The lab test needs Linux: /proc to find the kernel processes, and a parent-death signal.

package tests

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dlopt/course/tests/internal/browser"
)

// TestLabRunsNotebookInBrowser is what a student does: `make lab`, open the URL, run all cells.
// It starts scripts/lab.sh on a free loopback port with a token, on a temporary notebook with
// the GoNB kernel, runs every cell from headless Chromium through the page's own "run all", and
// checks in the page that the printed value and the plot appear, and that an interactive
// figure left alone stops after its idle timeout. The values come from a random
// number the kernel computes with, so no output can be there without the cells having run.
// The screenshot goes to build/screenshots/lab.png.
func TestLabRunsNotebookInBrowser(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	root := labRepoRoot(t)
	n := 100 + rand.IntN(900)
	wantText := fmt.Sprintf("lab-check %d", n*n+1)
	plotWidth, plotHeight := 300+n%50, 160

	dir := t.TempDir()
	labWriteNotebook(t, filepath.Join(dir, "lab-check.ipynb"), root, n, plotWidth, plotHeight)
	lab := labStart(t, root, dir)

	// The token is required: without it the API refuses.
	if code := labGet(t, lab.url("/api/status"), ""); code != http.StatusForbidden {
		t.Errorf("GET /api/status without the token: HTTP %d, want %d", code, http.StatusForbidden)
	}

	page, wait := labRunAll(ctx, t, root, lab, "lab-check.ipynb", "lab.png")
	// Every code cell shows its execution count once it has run ("*" while it runs). The first
	// compile of a cold Go build cache takes about a minute on two cores.
	wait("all cells to run", `Jupyter.notebook.get_cells().every(c => c.cell_type !== "code" ||
		typeof c.input_prompt_number === "number")`, 5*time.Minute)
	labSaveScreenshot(t, page, root, "lab.png")

	var out struct {
		Texts  []string // stream and text outputs of every cell
		Images []string // data: URLs of the PNG outputs
	}
	err := page.Eval(ctx, `({
		Texts: Array.from(document.querySelectorAll(".output_area .output_subarea")).
			filter(e => !e.querySelector("img")).map(e => e.innerText),
		Images: Array.from(document.querySelectorAll(".output_area .output_png img")).map(e => e.src),
	})`, &out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(out.Texts, "\n"), wantText) {
		t.Errorf("page outputs %q do not contain %q", out.Texts, wantText)
	}
	// The plot, and the interactive figure's last view left as a static image.
	if len(out.Images) != 2 {
		t.Fatalf("page shows %d PNG outputs, want 2 (text outputs: %q)", len(out.Images), out.Texts)
	}
	labCheckPlot(t, out.Images[0], plotWidth, plotHeight)
	labCheckPNG(t, out.Images[1])
	var stopped string
	if err := page.Eval(ctx, `(document.querySelector(".dlopt-stopped") || {}).innerText || ""`, &stopped); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stopped, "stopped after 3s without a change at a = 0.5, f = square") {
		t.Errorf("interactive cell's note %q: want it stopped by its 3 s idle timeout at a = 0.5, f = square", stopped)
	}

	// Ctrl-C in the terminal of `make lab`: Jupyter must stop at once and take its kernel along.
	lab.interruptAndWait(t)
}

// TestLabRefusesBadSettings checks scripts/lab.sh's input checks, a busy port among them.
// Each fails before Jupyter starts, so this takes a second.
func TestLabRefusesBadSettings(t *testing.T) {
	root := labRepoRoot(t)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busyPort := fmt.Sprint(busy.Addr().(*net.TCPAddr).Port)
	for _, tc := range []struct {
		name, env, want string
	}{
		{"busy port", "LAB_PORT=" + busyPort, "port " + busyPort + " on 127.0.0.1 is already in use"},
		{"port not a number", "LAB_PORT=88a", "LAB_PORT=88a is not a port number"},
		{"port too large", "LAB_PORT=65536", "LAB_PORT=65536 is not a port number (allowed: 1-65535)"},
		{"empty token", "LAB_TOKEN=", "LAB_TOKEN must be at least 8 characters"},
		{"token with a space", "LAB_TOKEN=abc defgh", "LAB_TOKEN must be at least 8 characters"},
		{"missing folder", "LAB_DIR=/nonexistent/notebooks", "LAB_DIR=/nonexistent/notebooks is not a folder"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command("bash", filepath.Join(root, "scripts", "lab.sh"))
			cmd.Env = append(os.Environ(), "LAB_DIR="+t.TempDir(), tc.env)
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			done := make(chan error, 1)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			go func() { done <- cmd.Wait() }()
			select {
			case err = <-done:
			case <-time.After(60 * time.Second):
				cmd.Process.Kill()
				<-done
				t.Fatalf("lab.sh with %s still running after 60 s; output:\n%s", tc.env, out.String())
			}
			if err == nil {
				t.Fatalf("lab.sh with %s succeeded; output:\n%s", tc.env, out.String())
			}
			if !strings.Contains(out.String(), tc.want) {
				t.Errorf("lab.sh with %s said %q, want it to contain %q", tc.env, out.String(), tc.want)
			}
		})
	}
}

// labRepoRoot is the checkout's root: go test runs in tests/.
func labRepoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "scripts", "lab.sh")); err != nil {
		t.Fatalf("repository root not found from %s: %v", root, err)
	}
	return root
}

// labWriteNotebook writes a GoNB notebook with four cells: the module setup every course
// notebook starts with (this checkout's dlopt module, offline), a printed value, a plot and an
// interactive figure left to time out.
func labWriteNotebook(t *testing.T, path, root string, n, plotWidth, plotHeight int) {
	t.Helper()
	cells := []string{
		fmt.Sprintf("!*go mod edit -require=github.com/dlopt/course@v0.0.0 -replace=github.com/dlopt/course=%s", root),
		fmt.Sprintf("%%%%\nn := %d\nfmt.Printf(\"lab-check %%d\\n\", n*n+1)", n),
		fmt.Sprintf(labPlotCell, plotWidth, plotHeight),
		labIdleCell,
	}
	type cell struct {
		CellType       string         `json:"cell_type"`
		ExecutionCount *int           `json:"execution_count"`
		Metadata       map[string]any `json:"metadata"`
		Outputs        []any          `json:"outputs"`
		Source         string         `json:"source"`
	}
	nb := map[string]any{
		"nbformat": 4, "nbformat_minor": 5,
		"metadata": map[string]any{
			"kernelspec":    map[string]string{"name": "gonb", "display_name": "Go (gonb)", "language": "go"},
			"language_info": map[string]string{"name": "go"},
		},
	}
	var list []cell
	for _, src := range cells {
		list = append(list, cell{CellType: "code", Metadata: map[string]any{}, Outputs: []any{}, Source: src})
	}
	nb["cells"] = list
	raw, err := json.MarshalIndent(nb, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
}

// labIdleCell is an interactive figure nobody touches: it must stop by itself after its idle
// timeout (3 s here, 10 minutes by default) and let the kernel go on.
const labIdleCell = `import "github.com/dlopt/course/dlopt/viz"

%%
viz.NewInteractive(func(v viz.Values) (viz.View, error) {
	y := []float64{0, v.Float("a"), 2 * v.Float("a")}
	if v.Choice("f") == "square" {
		y[2] *= y[2]
	}
	return viz.View{Figures: []*viz.Figure{viz.Lines(viz.Axes{Title: "f(a·k)"}, viz.Series{Y: y})}}, nil
}, viz.Slider("a", 0, 1, 0.1, 0.5), viz.Choice("f", []string{"line", "square"}, "square")).WithIdleTimeout(3 * time.Second).MustShow()`

// labPlotCell draws one period of a sine on white, over a grey axis, and shows it as a PNG.
// Its peak is at (width/4, 20): labCheckPlot looks for it there.
const labPlotCell = `import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"

	"github.com/janpfeifer/gonb/gonbui"
)

%%%%
width, height := %d, %d
img := image.NewRGBA(image.Rect(0, 0, width, height))
for i := range img.Pix {
	img.Pix[i] = 255
}
for x := 0; x < width; x++ {
	img.Set(x, height/2, color.Gray{Y: 160})
	y := height/2 - int(60*math.Sin(2*math.Pi*float64(x)/float64(width)))
	for dy := -1; dy <= 1; dy++ {
		img.Set(x, y+dy, color.RGBA{R: 31, G: 119, B: 180, A: 255})
	}
}
var buf bytes.Buffer
if err := png.Encode(&buf, img); err != nil {
	panic(err)
}
gonbui.DisplayPNG(buf.Bytes())`

// labCheckPlot decodes the image the page shows and checks it is the plot the cell drew.
func labCheckPlot(t *testing.T, src string, width, height int) {
	t.Helper()
	const prefix = "data:image/png;base64,"
	if !strings.HasPrefix(src, prefix) {
		t.Fatalf("plot source %.60q is not an inline PNG", src)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(src, prefix))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if got := img.Bounds().Size(); got != image.Pt(width, height) {
		t.Fatalf("plot is %v, want %dx%d", got, width, height)
	}
	for _, p := range []struct {
		x, y int
		want color.RGBA
	}{
		{width / 4, 20, color.RGBA{31, 119, 180, 255}},              // the sine's peak
		{3 * width / 4, height - 20, color.RGBA{31, 119, 180, 255}}, // its trough
		{width / 4, height - 20, color.RGBA{255, 255, 255, 255}},    // background
	} {
		if got := color.RGBAModel.Convert(img.At(p.x, p.y)).(color.RGBA); got != p.want {
			t.Errorf("plot pixel (%d,%d) = %v, want %v", p.x, p.y, got, p.want)
		}
	}
}

// labRunAll opens notebook in headless Chromium through the lab's URL, waits for the GoNB
// kernel and runs all cells through the page. wait fails the test when expr is not true within
// timeout, with a screenshot (build/screenshots/failShot), the page's outputs and the lab log.
func labRunAll(ctx context.Context, t *testing.T, root string, lab *labServer, notebook, failShot string) (
	page *browser.Page, wait func(what, expr string, timeout time.Duration)) {
	t.Helper()
	b, err := browser.Launch(ctx, browser.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	if page, err = b.NewPage(ctx, 1280, 900); err != nil {
		t.Fatal(err)
	}
	if err := page.Navigate(ctx, lab.url("/notebooks/"+notebook)); err != nil {
		t.Fatal(err)
	}
	wait = func(what, expr string, timeout time.Duration) {
		t.Helper()
		wctx, wcancel := context.WithTimeout(ctx, timeout)
		defer wcancel()
		if err := page.WaitFor(wctx, expr, 250*time.Millisecond); err != nil {
			labSaveScreenshot(t, page, root, failShot)
			var texts []string
			page.Eval(ctx, `Array.from(document.querySelectorAll(".output_area .output_subarea")).map(e => e.innerText)`, &texts)
			t.Fatalf("waiting for %s: %v\npage outputs: %q\nlab log:\n%s", what, err, texts, lab.log.String())
		}
	}
	wait("the GoNB kernel to connect", `Jupyter.notebook.kernel && Jupyter.notebook.kernel.is_connected() &&
		Jupyter.notebook.kernel.name === "gonb"`, 2*time.Minute)
	if err := page.Eval(ctx, "Jupyter.notebook.execute_all_cells()", nil); err != nil {
		t.Fatal(err)
	}
	return page, wait
}

// labSaveScreenshot writes the whole notebook as build/screenshots/<name>.
func labSaveScreenshot(t *testing.T, page *browser.Page, root, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// The notebook scrolls inside the page: grow the viewport to show every cell at once.
	var height float64
	err := page.Eval(ctx, `document.getElementById("notebook-container").getBoundingClientRect().bottom +
		document.getElementById("site").scrollTop + 40`, &height)
	if err == nil && height > 900 {
		err = page.SetViewport(ctx, 1280, int(min(height, 4000)))
	}
	if err != nil {
		t.Logf("screenshot of the viewport only: %v", err)
	}
	shot, err := page.Screenshot(ctx, false)
	if err != nil {
		t.Errorf("screenshot: %v", err)
		return
	}
	path := filepath.Join(root, "build", "screenshots", name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// labServer is a running scripts/lab.sh (exec'ed into Jupyter, so one process group).
type labServer struct {
	cmd    *exec.Cmd
	port   int
	token  string
	log    *labLog
	exited chan struct{}
}

func (l *labServer) url(path string) string {
	return fmt.Sprintf("http://127.0.0.1:%d%s?token=%s", l.port, path, l.token)
}

// labStart runs scripts/lab.sh on dir and waits until Jupyter answers. Cleanup stops it and
// kills whatever kernel it leaves, also when the test fails.
func labStart(t *testing.T, root, dir string) *labServer {
	t.Helper()
	l := &labServer{port: labFreePort(t), token: fmt.Sprintf("%016x%016x", rand.Uint64(), rand.Uint64()),
		log: &labLog{}, exited: make(chan struct{})}
	cmd := exec.Command("bash", filepath.Join(root, "scripts", "lab.sh"))
	cmd.Env = append(os.Environ(),
		fmt.Sprintf("LAB_PORT=%d", l.port), "LAB_IP=", "LAB_TOKEN="+l.token, "LAB_DIR="+dir, // default address
		// No user configuration (a password, another notebook_dir) may change what is tested.
		"JUPYTER_CONFIG_DIR="+t.TempDir(), "JUPYTER_RUNTIME_DIR="+t.TempDir())
	cmd.Stdout, cmd.Stderr = l.log, l.log
	// Own process group: the test sends Ctrl-C's SIGINT to it. Pdeathsig: should the test
	// binary die without its cleanup (a go test timeout), Jupyter still stops.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	l.cmd = cmd
	go func() { cmd.Wait(); close(l.exited) }()
	t.Cleanup(func() {
		kernels := labKernelPIDs(dir)
		select {
		case <-l.exited:
		default:
			syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
			select {
			case <-l.exited:
			case <-time.After(30 * time.Second):
				syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
				<-l.exited
			}
		}
		for _, pid := range kernels {
			syscall.Kill(pid, syscall.SIGKILL) // kernels run in their own sessions
		}
		if t.Failed() {
			t.Logf("lab log:\n%s", l.log.String())
		}
	})
	deadline := time.Now().Add(90 * time.Second)
	for labGet(t, l.url("/api/status"), l.token) != http.StatusOK {
		select {
		case <-l.exited:
			t.Fatalf("lab.sh exited before serving; log:\n%s", l.log.String())
		case <-time.After(250 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("Jupyter not answering on port %d after 90 s; log:\n%s", l.port, l.log.String())
		}
	}
	if want := fmt.Sprintf("open http://127.0.0.1:%d/tree?token=%s", l.port, l.token); !strings.Contains(l.log.String(), want) {
		t.Errorf("lab.sh did not print the URL %q; log:\n%s", want, l.log.String())
	}
	// By default the lab is reachable from this machine only.
	if got := labListenAddrs(t, l.port); !slices.Equal(got, []string{"0100007F"}) {
		t.Errorf("lab listens on %q (hex, as in /proc/net/tcp*), want only 127.0.0.1 (0100007F)", got)
	}
	return l
}

// labListenAddrs returns the local addresses, in /proc/net/tcp's hex notation, of the sockets
// listening on port, IPv4 and IPv6.
func labListenAddrs(t *testing.T, port int) []string {
	t.Helper()
	var addrs []string
	for _, file := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		raw, err := os.ReadFile(file)
		if err != nil {
			continue // no IPv6 here
		}
		for _, line := range strings.Split(string(raw), "\n")[1:] {
			f := strings.Fields(line)
			if len(f) < 4 || f[3] != "0A" { // 0A: LISTEN
				continue
			}
			addr, hexPort, _ := strings.Cut(f[1], ":")
			if hexPort == fmt.Sprintf("%04X", port) {
				addrs = append(addrs, addr)
			}
		}
	}
	return addrs
}

// interruptAndWait sends SIGINT to the lab's process group, as Ctrl-C in its terminal does,
// and checks Jupyter stops within 30 s and its kernels are gone.
func (l *labServer) interruptAndWait(t *testing.T) {
	t.Helper()
	dir := labServedDir(l.cmd)
	if len(labKernelPIDs(dir)) == 0 {
		t.Errorf("no GoNB kernel process found for %s before Ctrl-C", dir)
	}
	syscall.Kill(-l.cmd.Process.Pid, syscall.SIGINT)
	select {
	case <-l.exited:
	case <-time.After(30 * time.Second):
		t.Fatalf("lab still running 30 s after Ctrl-C; log:\n%s", l.log.String())
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(labKernelPIDs(dir)) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("GoNB kernel processes %v still running 10 s after the lab stopped", labKernelPIDs(dir))
		}
		time.Sleep(200 * time.Millisecond)
	}
	if !strings.Contains(l.log.String(), "Shutting down 1 kernel") {
		t.Errorf("lab did not shut its kernel down on Ctrl-C; log:\n%s", l.log.String())
	}
}

func labServedDir(cmd *exec.Cmd) string {
	for _, kv := range cmd.Env {
		if v, ok := strings.CutPrefix(kv, "LAB_DIR="); ok {
			return v
		}
	}
	return ""
}

// labKernelPIDs lists the GoNB kernel processes working in dir: Jupyter starts kernels in
// the notebook's folder, and GoNB keeps that as its working directory.
func labKernelPIDs(dir string) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		var pid int
		if _, err := fmt.Sscan(e.Name(), &pid); err != nil {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || !bytes.Contains(cmdline, []byte("--kernel")) || !bytes.Contains(cmdline, []byte("gonb")) {
			continue
		}
		if cwd, err := os.Readlink(filepath.Join("/proc", e.Name(), "cwd")); err == nil && cwd == dir {
			pids = append(pids, pid)
		}
	}
	return pids
}

func labFreePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// labGet returns the HTTP status of a GET (0 if nothing answers), sending the token in the
// Authorization header when given (the URL's ?token= is removed for that).
func labGet(t *testing.T, url, token string) int {
	t.Helper()
	url, _, _ = strings.Cut(url, "?")
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "token "+token)
	}
	client := http.Client{Timeout: 5 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// labLog collects the lab's output for failure messages; Jupyter writes from several threads.
type labLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *labLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *labLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
