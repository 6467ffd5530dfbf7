//go:build linux

// Command imagetest checks a built course image (docker/Dockerfile) the way students use it.
// scripts/image_test.sh (`make image-test`) builds the image and then runs this program:
//
//  1. every lecture notebook runs inside the image with no network, as the image ships them;
//     the executed notebooks are copied out and scanned here as tests/notebooks_test.go does
//     (CHECK lines, images, no panic or error output);
//  2. the image's default command (the lab) starts with a published port and a host folder
//     mounted over notebooks/, owned by a non-root UID standing for the host user; headless
//     Chromium opens the URL the container prints, runs all of 06_momentum.ipynb through the
//     page, and finds its CHECK lines and plots in the DOM;
//  3. a cell edited and saved from the browser reaches the host file, owned by that UID;
//  4. the container stops within 10 s, starts again, and serves the saved edit.
//
// It writes the figures to -out/report.md. The engine command comes from $IMAGE_ENGINE_CMD
// (default "podman"), e.g. "podman --runtime runc --cgroup-manager=cgroupfs".
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/dlopt/course/tests/internal/nbrun"
)

// The notebooks folder inside the image (docker/Dockerfile's WORKDIR + notebooks).
const imageNotebooks = "/home/student/dlopt/notebooks"

// labNotebook is the lecture notebook the browser runs.
const labNotebook = "06_momentum.ipynb"

// maxStop is how long `stop` may take: tini must forward SIGTERM to Jupyter, which then exits
// at once; without forwarding the engine waits its whole grace period and kills.
const maxStop = 10 * time.Second

type config struct {
	image, out, screenshot, notebooks string
	hostUID                           int
	reuseNotebooks                    bool
	engine                            []string
	figures                           []string // extra report lines from the script (build times)
}

func main() {
	var c config
	flag.StringVar(&c.image, "image", "dlopt-course:latest", "the image to test")
	flag.StringVar(&c.out, "out", "build/image", "folder for the executed notebooks, the lab's folder and report.md")
	flag.StringVar(&c.screenshot, "screenshot", "build/screenshots/image-lab.png", "screenshot of the lab after running "+labNotebook)
	flag.StringVar(&c.notebooks, "notebooks", "notebooks", "the repository's notebooks, whose count and names the image must run")
	flag.IntVar(&c.hostUID, "host-uid", 4321, "owner of the mounted folder (the host user); used when running as root")
	flag.BoolVar(&c.reuseNotebooks, "reuse-notebooks", false, "scan the notebooks executed by an earlier run in -out/notebooks instead of running them (to work on the lab part)")
	figures := flag.String("figures", "", "extra report lines, separated by ';' (e.g. build times measured by the script)")
	flag.Parse()
	if flag.NArg() > 0 {
		fail("unexpected argument %q", flag.Arg(0))
	}
	c.engine = strings.Fields(os.Getenv("IMAGE_ENGINE_CMD"))
	if len(c.engine) == 0 {
		c.engine = []string{"podman"}
	}
	for _, f := range strings.Split(*figures, ";") {
		if f = strings.TrimSpace(f); f != "" {
			c.figures = append(c.figures, f)
		}
	}
	if os.Getuid() != 0 {
		// The mounted folder stands for a host user other than the image's: making one needs
		// chown, hence root (as in CI). Without it the folder is the caller's own.
		c.hostUID = os.Getuid()
	}
	start := time.Now()
	r := &report{}
	err := run(c, r)
	r.add("image test total", time.Since(start))
	if werr := r.write(c); werr != nil {
		fmt.Fprintln(os.Stderr, "imagetest:", werr)
	}
	if err != nil {
		fail("%v", err)
	}
	fmt.Printf("imagetest: ok in %s; report in %s\n", time.Since(start).Round(time.Second), filepath.Join(c.out, "report.md"))
}

func run(c config, r *report) error {
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Minute)
	defer cancel()
	size, err := c.cmd(ctx, "image", "inspect", "--format", "{{.Size}}", c.image)
	if err != nil {
		return fmt.Errorf("image %s not found (build it first: make image): %w", c.image, err)
	}
	imageBytes, _ := strconv.ParseInt(strings.TrimSpace(size), 10, 64)
	r.line(fmt.Sprintf("| image size (%s) | %.2f GB |", c.image, float64(imageBytes)/1e9))
	for _, f := range c.figures {
		r.line(f)
	}
	offline, err := notebooksOffline(ctx, c, r)
	if err != nil {
		return err
	}
	return lab(ctx, c, r, offline)
}

// notebooksOffline runs every lecture notebook inside the image with --network none and
// returns the scan of the executed labNotebook.
func notebooksOffline(ctx context.Context, c config, r *report) (nbrun.Report, error) {
	want, err := filepath.Glob(filepath.Join(c.notebooks, "*.ipynb"))
	if err != nil || len(want) == 0 {
		return nbrun.Report{}, fmt.Errorf("no notebooks in %s (%v)", c.notebooks, err)
	}
	dir, err := filepath.Abs(filepath.Join(c.out, "notebooks"))
	if err != nil {
		return nbrun.Report{}, err
	}
	if c.reuseNotebooks {
		return scanExecuted(c, want, dir)
	}
	if err := os.RemoveAll(dir); err != nil {
		return nbrun.Report{}, err
	}
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return nbrun.Report{}, err
	}
	if err := os.Chmod(dir, 0o777); err != nil { // the image user writes here
		return nbrun.Report{}, err
	}
	// First prove the container is offline, then run the notebooks as they ship in the image.
	script := `if curl -sS -m 5 -o /dev/null https://proxy.golang.org/ 2>/dev/null; then
  echo "imagetest: the container reaches proxy.golang.org: not offline" >&2; exit 3
fi
echo "imagetest: running as $(id -un) (uid $(id -u)), network: none"
go run ./tests/cmd/runnotebooks -html=false -out /out notebooks/*.ipynb`
	step := time.Now()
	fmt.Println("imagetest: running every notebook inside the image, offline")
	out, err := c.stream(ctx, "run", "--rm", "--network", "none", "-v", dir+":/out", c.image, "bash", "-c", script)
	r.add("all notebooks inside the image, offline", time.Since(step))
	if err != nil {
		return nbrun.Report{}, fmt.Errorf("notebooks inside the image: %w", err)
	}
	if !strings.Contains(out, "running as student (uid ") {
		return nbrun.Report{}, fmt.Errorf("the notebooks did not run as the image user student:\n%s", out)
	}
	// runnotebooks's lines: "ok      107.8s (cpu   46.3s)  notebooks/06_momentum.ipynb ..."
	timing := regexp.MustCompile(`(?m)^(ok|FAILED)\s+([0-9.]+)s \(cpu\s+([0-9.]+)s\)\s+(\S+)`)
	for _, m := range timing.FindAllStringSubmatch(out, -1) {
		r.line(fmt.Sprintf("| notebook %s in the image (offline) | %s s wall, %s s CPU, %s |", filepath.Base(m[4]), m[2], m[3], m[1]))
	}
	return scanExecuted(c, want, dir)
}

// scanExecuted scans the executed notebooks in dir, one for each of want, and returns the
// scan of labNotebook.
func scanExecuted(c config, want []string, dir string) (nbrun.Report, error) {
	var lab nbrun.Report
	for _, nb := range want {
		name := filepath.Base(nb)
		rep, err := nbrun.ScanFile(filepath.Join(dir, name))
		if err != nil {
			return lab, fmt.Errorf("executed %s not copied out of the image: %w", name, err)
		}
		if len(rep.Problems) > 0 {
			return lab, fmt.Errorf("%s inside the image: %s", name, strings.Join(rep.Problems, "; "))
		}
		if len(rep.Checks) == 0 {
			return lab, fmt.Errorf("%s inside the image printed no CHECK lines", name)
		}
		fmt.Printf("imagetest: %s: %d CHECK lines, %d images (scanned on the host)\n", name, len(rep.Checks), rep.Images)
		if name == labNotebook {
			lab = rep
		}
	}
	if lab.Checks == nil {
		return lab, fmt.Errorf("%s is not among the notebooks in %s", labNotebook, c.notebooks)
	}
	return lab, nil
}

// cmd runs the container engine and returns its combined output.
func (c config) cmd(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, c.engine[0], append(slices.Clone(c.engine[1:]), args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s %s: %w\n%s", strings.Join(c.engine, " "), strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// stream runs the container engine with its output shown as it comes, and returns it.
func (c config) stream(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, c.engine[0], append(slices.Clone(c.engine[1:]), args...)...)
	var out bytes.Buffer
	cmd.Stdout = io.MultiWriter(os.Stdout, &out)
	cmd.Stderr = cmd.Stdout
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("%s %s ...: %w (output above)", strings.Join(c.engine, " "), strings.Join(args[:min(len(args), 4)], " "), err)
	}
	return out.String(), nil
}

// freePort returns a loopback port nobody listens on now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// owner returns a file's UID and GID.
func owner(path string) (int, int, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, 0, err
	}
	st := fi.Sys().(*syscall.Stat_t)
	return int(st.Uid), int(st.Gid), nil
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "imagetest: FAILED: "+format+"\n", args...)
	os.Exit(1)
}
