//go:build linux

package main

import (
	"context"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/dlopt/course/tests/internal/browser"
	"github.com/dlopt/course/tests/internal/nbrun"
)

// containerName is the lab container; a leftover from an interrupted run is removed first.
const containerName = "dlopt-image-test-lab"

// labURL matches the line scripts/lab.sh prints.
var labURL = regexp.MustCompile(`lab: open (http://\S+/tree\?token=\S+)`)

// lab runs the image's default command on a mounted host folder and drives it from Chromium.
// offline is the scan of labNotebook's offline run, which the page must reproduce.
func lab(ctx context.Context, c config, r *report, offline nbrun.Report) (err error) {
	dir, err := labFolder(c)
	if err != nil {
		return err
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	_, _ = c.cmd(ctx, "rm", "-f", containerName)
	defer func() {
		if err != nil {
			logs, _ := c.cmd(context.Background(), "logs", containerName)
			err = fmt.Errorf("%w\nlab container log:\n%s", err, logs)
		}
		_, _ = c.cmd(context.Background(), "rm", "-f", containerName)
	}()

	// LAB_PORT inside equals the published port, so the printed URL opens as it is.
	fmt.Printf("imagetest: starting the lab: port %d, %s mounted over notebooks/ (owner uid %d)\n", port, dir, c.hostUID)
	started := time.Now()
	if _, err := c.cmd(ctx, "run", "-d", "--name", containerName, "-e", fmt.Sprintf("LAB_PORT=%d", port),
		"-p", fmt.Sprintf("127.0.0.1:%d:%d", port, port), "-v", dir+":"+imageNotebooks, c.image); err != nil {
		return err
	}
	url, err := waitLabURL(ctx, c, 0)
	if err != nil {
		return err
	}
	r.add("lab: run to printed URL answering", time.Since(started))

	b, err := browser.Launch(ctx, browser.Options{})
	if err != nil {
		return err
	}
	defer b.Close()
	page, err := b.NewPage(ctx, 1280, 900)
	if err != nil {
		return err
	}
	if err := page.Navigate(ctx, url); err != nil {
		return err
	}
	if err := waitPage(ctx, page, "the notebook list", `document.body.innerText.includes("`+labNotebook+`")`, time.Minute); err != nil {
		return err
	}
	nbURL := strings.Replace(url, "/tree?", "/notebooks/"+labNotebook+"?", 1)
	if err := openNotebook(ctx, page, nbURL); err != nil {
		return err
	}
	if err := page.Eval(ctx, "Jupyter.notebook.execute_all_cells()", nil); err != nil {
		return err
	}
	if err := waitPage(ctx, page, "the first output", `document.querySelector(".output_area .output_subarea")`, 5*time.Minute); err != nil {
		return err
	}
	r.add("lab: run to the first output of "+labNotebook+" in the browser", time.Since(started))
	err = runAll(ctx, page)
	saveScreenshot(ctx, page, c.screenshot)
	if err != nil {
		return err
	}
	r.add("lab: run to all cells of "+labNotebook+" done", time.Since(started))
	if err := checkPage(ctx, page, offline); err != nil {
		return err
	}

	// Edit the last code cell and save, from the page.
	marker := fmt.Sprintf("// image test edit %d", rand.IntN(1_000_000_000))
	if err := page.Eval(ctx, `(async () => {
		const code = Jupyter.notebook.get_cells().filter(c => c.cell_type === "code");
		const cell = code[code.length - 1];
		cell.set_text(cell.get_text() + "\n`+marker+`");
		await Jupyter.notebook.save_notebook();
	})()`, nil); err != nil {
		return err
	}
	hostFile := filepath.Join(dir, labNotebook)
	if err := waitFile(ctx, hostFile, marker, 30*time.Second); err != nil {
		return err
	}
	if err := checkOwners(dir, c.hostUID); err != nil {
		return err
	}
	fmt.Printf("imagetest: the edit saved from the browser is in %s, owned by uid %d\n", hostFile, c.hostUID)

	// Stop: tini forwards SIGTERM, Jupyter shuts down with its kernels.
	stopStart := time.Now()
	if _, err := c.cmd(ctx, "stop", "-t", "30", containerName); err != nil {
		return err
	}
	stopped := time.Since(stopStart)
	code, _ := c.cmd(ctx, "inspect", "--format", "{{.State.ExitCode}}", containerName)
	code = strings.TrimSpace(code)
	r.add("lab: stop (exit code "+code+")", stopped)
	if stopped > maxStop || code == "137" {
		return fmt.Errorf("stopping the lab took %s with exit code %s: want under %s without a kill (does tini forward SIGTERM?)", stopped.Round(time.Millisecond), code, maxStop)
	}
	fmt.Printf("imagetest: stopped in %s, exit code %s\n", stopped.Round(time.Millisecond), code)

	// Start again: the lab is back and serves the saved edit.
	restarted := time.Now()
	if _, err := c.cmd(ctx, "start", containerName); err != nil {
		return err
	}
	url, err = waitLabURL(ctx, c, 1)
	if err != nil {
		return err
	}
	r.add("lab: start again to printed URL answering", time.Since(restarted))
	if err := openNotebook(ctx, page, strings.Replace(url, "/tree?", "/notebooks/"+labNotebook+"?", 1)); err != nil {
		return err
	}
	var found bool
	if err := page.Eval(ctx, `Jupyter.notebook.get_cells().some(c => c.get_text().includes("`+marker+`"))`, &found); err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("after the restart %s does not show the saved edit %q", labNotebook, marker)
	}
	fmt.Println("imagetest: after the restart the lab serves the saved edit")
	return nil
}

// labFolder makes the host folder mounted over notebooks/: a copy of the repository's
// notebooks, owned by c.hostUID (the host user, when the caller is root).
func labFolder(c config) (string, error) {
	dir, err := filepath.Abs(filepath.Join(c.out, "lab-notebooks"))
	if err != nil {
		return "", err
	}
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	entries, err := os.ReadDir(c.notebooks)
	if err != nil {
		return "", err
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(c.notebooks, e.Name()))
		if err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), raw, 0o644); err != nil {
			return "", err
		}
	}
	return dir, filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, c.hostUID, c.hostUID)
	})
}

// waitLabURL waits for the container's log to hold more than `seen` URL lines, and for the
// newest one to answer (lab.sh prints it just before Jupyter listens); it returns that URL.
func waitLabURL(ctx context.Context, c config, seen int) (string, error) {
	deadline := time.Now().Add(2 * time.Minute)
	url := ""
	var lastErr error
	for {
		if url == "" {
			logs, _ := c.cmd(ctx, "logs", containerName)
			if m := labURL.FindAllStringSubmatch(logs, -1); len(m) > seen {
				url = m[len(m)-1][1]
			}
		}
		if url != "" {
			resp, err := http.Get(url)
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return url, nil
				}
				err = fmt.Errorf("HTTP %s", resp.Status)
			}
			lastErr = err
		}
		if time.Now().After(deadline) {
			if url == "" {
				return "", fmt.Errorf("the lab printed no URL within 2 minutes")
			}
			return "", fmt.Errorf("the lab's URL %s does not answer within 2 minutes: %v", url, lastErr)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// allRun is true once every code cell shows its execution count ("*" while it runs).
const allRun = `Jupyter.notebook.get_cells().every(c => c.cell_type !== "code" || typeof c.input_prompt_number === "number")`

// runAll waits for every cell to finish. An interactive figure (viz.NewInteractive: sliders and
// a Stop button) keeps its cell running in a browser until Stop: each one met is stopped, as a
// student moves on, after its sliders and plots are there.
func runAll(ctx context.Context, page *browser.Page) error {
	wctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	stop := `document.querySelector(".dlopt-controls button:not([disabled])")`
	for {
		if err := page.WaitFor(wctx, allRun+" || "+stop, 250*time.Millisecond); err != nil {
			return fmt.Errorf("waiting for all cells to run: %w", err)
		}
		var done bool
		if err := page.Eval(ctx, allRun, &done); err != nil {
			return err
		}
		if done {
			return nil
		}
		if err := waitPage(ctx, page, "the interactive figure's plots", `document.querySelector(".dlopt-figure img")`, time.Minute); err != nil {
			return err
		}
		if err := page.Eval(ctx, stop+".click(); 0", nil); err != nil {
			return err
		}
		fmt.Println("imagetest: stopped an interactive figure")
		// The button goes away (or is disabled) once the kernel has the Stop.
		if err := waitPage(ctx, page, "the interactive figure to stop", "!"+stop+" || "+allRun, time.Minute); err != nil {
			return err
		}
	}
}

func openNotebook(ctx context.Context, page *browser.Page, url string) error {
	if err := page.Navigate(ctx, url); err != nil {
		return err
	}
	return waitPage(ctx, page, "the GoNB kernel", `Jupyter.notebook && Jupyter.notebook.kernel &&
		Jupyter.notebook.kernel.is_connected() && Jupyter.notebook.kernel.name === "gonb"`, 2*time.Minute)
}

func waitPage(ctx context.Context, page *browser.Page, what, expr string, timeout time.Duration) error {
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := page.WaitFor(wctx, expr, 250*time.Millisecond); err != nil {
		return fmt.Errorf("waiting for %s: %w", what, err)
	}
	return nil
}

// digits stands for the numbers in a CHECK line, which the comparison ignores: the claim, not
// the last digit of a rounding error, must be the same in the page as in the offline run.
var digits = regexp.MustCompile(`[-+]?[0-9][0-9.]*(e[-+]?[0-9]+)?`)

// checkPage finds in the DOM the CHECK lines and the plots the offline run of the same
// notebook produced, and no panic.
func checkPage(ctx context.Context, page *browser.Page, offline nbrun.Report) error {
	var out struct {
		Texts  []string
		Images int
	}
	if err := page.Eval(ctx, `({
		Texts: Array.from(document.querySelectorAll(".output_area .output_subarea")).
			filter(e => !e.querySelector("img")).map(e => e.innerText),
		Images: Array.from(document.querySelectorAll(".output_area .output_png img")).
			filter(e => e.src.startsWith("data:image/png") && e.naturalWidth > 0).length,
	})`, &out); err != nil {
		return err
	}
	var checks []string
	for _, text := range out.Texts {
		for _, line := range strings.Split(text, "\n") {
			if strings.HasPrefix(line, "CHECK") {
				checks = append(checks, digits.ReplaceAllString(line, "#"))
			}
			if strings.HasPrefix(line, "panic: ") || strings.Contains(line, "exit status") {
				return fmt.Errorf("%s in the browser: %s", labNotebook, line)
			}
		}
	}
	var want []string
	for _, line := range offline.Checks {
		want = append(want, digits.ReplaceAllString(line, "#"))
	}
	if !slices.Equal(checks, want) {
		return fmt.Errorf("%s in the browser shows the CHECK lines\n  %s\nwant those of the offline run\n  %s",
			labNotebook, strings.Join(checks, "\n  "), strings.Join(want, "\n  "))
	}
	// An interactive figure leaves its plots as images when stopped, which a headless run may
	// draw differently: at least the offline run's plots.
	if out.Images < offline.Images || out.Images == 0 {
		return fmt.Errorf("%s in the browser shows %d plots, the offline run %d", labNotebook, out.Images, offline.Images)
	}
	fmt.Printf("imagetest: %s in the browser: %d CHECK lines as offline, %d plots (offline: %d)\n", labNotebook, len(checks), out.Images, offline.Images)
	return nil
}

// waitFile waits until the file contains text.
func waitFile(ctx context.Context, path, text string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		raw, err := os.ReadFile(path)
		if err == nil && strings.Contains(string(raw), text) {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("the edit %q saved from the browser is not in %s after %s (read error: %v)", text, path, timeout, err)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// checkOwners fails for any file in dir not owned by uid: the lab must never leave the host
// user a file it cannot change.
func checkOwners(dir string, uid int) error {
	return filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		got, _, err := owner(p)
		if err != nil {
			return err
		}
		if got != uid {
			return fmt.Errorf("%s is owned by uid %d after the lab saved, want the host user's %d", p, got, uid)
		}
		return nil
	})
}

func saveScreenshot(ctx context.Context, page *browser.Page, path string) {
	png, err := page.Screenshot(ctx, true)
	if err == nil {
		err = os.MkdirAll(filepath.Dir(path), 0o755)
	}
	if err == nil {
		err = os.WriteFile(path, png, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "imagetest: screenshot:", err)
		return
	}
	fmt.Println("imagetest: screenshot", path)
}
