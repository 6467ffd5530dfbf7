//go:build linux

package tests

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dlopt/course/tests/internal/browser"
	"gonum.org/v1/gonum/mat"
)

// TestLabMomentumNotebook is a student's session with a lecture notebook: `make lab`, open a copy
// of notebooks/06_momentum.ipynb, run all cells in the page. The interactive figure
// (explore.Momentum) must appear with its sliders; moving γ and then β (input and change events,
// as a mouse drag sends them) must redraw the plots and show a measured heavy-ball rate that
// matches the rate this test computes itself from the quadratic's eigenvalues. Stop then ends
// the cell, the remaining cells run, and every CHECK line and plot of the notebook is in the
// page. Screenshots before and after the move go to build/screenshots/.
func TestLabMomentumNotebook(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	root := labRepoRoot(t)
	dir := labLectureCopy(t, root, "06_momentum.ipynb")
	lab := labStart(t, root, dir)

	page, wait := labRunAll(ctx, t, root, lab, "06_momentum.ipynb", "lab-momentum-failed.png")
	// The cells before the figure compile one by one (a minute or two on two cores).
	wait("the interactive figure", `document.querySelectorAll(".dlopt-control input[type=range]").length === 2 &&
		document.querySelectorAll(".dlopt-figure img.dlopt-plot").length === 3 &&
		document.querySelector(".dlopt-controls button") !== null`, 5*time.Minute)
	before := labFigure(ctx, t, page)
	// Tall enough for the controls, the readout and all three plots.
	if err := page.SetViewport(ctx, 1280, 1400); err != nil {
		t.Fatal(err)
	}
	labScrollTo(ctx, t, page, ".dlopt-controls")
	labSaveViewShot(ctx, t, page, root, "lab-momentum-before.png")
	if got := strings.SplitN(before.Readout, "\n", 2)[0]; got != "γ = 0.040, β = 0.50" {
		t.Errorf("readout starts with %q, want the default setting γ = 0.040, β = 0.50", got)
	}

	// γ first (β stays at its default), then β: each slider must reach the kernel on its own.
	fig := before
	for _, step := range []struct {
		slider      string
		value       float64
		gamma, beta float64
	}{{"γ", 0.06, 0.06, 0.5}, {"β", 0.3, 0.06, 0.3}} {
		labMoveSlider(ctx, t, page, step.slider, step.value)
		want := fmt.Sprintf("γ = %.3f, β = %.2f", step.gamma, step.beta)
		wait("the redraw at "+want, fmt.Sprintf(`(document.querySelector(".dlopt-readout") || {}).innerText.startsWith(%q)`, want), time.Minute)
		next := labFigure(ctx, t, page)
		for i := range next.Images {
			if next.Images[i] == fig.Images[i] {
				t.Errorf("after moving %s to %g: plot %d is unchanged", step.slider, step.value, i)
			}
			labCheckSVG(t, next.Images[i])
		}
		if !next.Drawn {
			t.Errorf("after moving %s: the browser could not draw every plot", step.slider)
		}
		theory := heavyBallRate([]float64{1, 25}, step.gamma, step.beta)
		measured, shownTheory := labReadoutRate(t, next.Readout, "heavy ball")
		t.Logf("%s: heavy ball measured %.4f, shown theory %.4f, this test's theory %.4f (%s)",
			want, measured, shownTheory, theory, next.Timing)
		if math.Abs(measured-theory) > 0.005 || math.Abs(shownTheory-theory) > 1e-4 {
			t.Errorf("%s: page shows heavy-ball rate measured %.4f, theory %.4f; this test computes %.4f",
				want, measured, shownTheory, theory)
		}
		fig = next
	}
	labScrollTo(ctx, t, page, ".dlopt-controls")
	labSaveViewShot(ctx, t, page, root, "lab-momentum-after.png")

	// Stop ends the cell; the rest of the notebook (its checks) runs.
	if err := page.Eval(ctx, `document.querySelector(".dlopt-controls button").click()`, nil); err != nil {
		t.Fatal(err)
	}
	wait("all cells to run after Stop", `Jupyter.notebook.get_cells().every(c => c.cell_type !== "code" ||
		typeof c.input_prompt_number === "number")`, 3*time.Minute)
	var out struct {
		Texts   []string
		Images  int
		Stopped string
	}
	err := page.Eval(ctx, `({
		Texts: Array.from(document.querySelectorAll(".output_area .output_subarea")).map(e => e.innerText),
		Images: document.querySelectorAll(".output_area .output_png img").length,
		Stopped: (document.querySelector(".dlopt-stopped") || {}).innerText || "",
	})`, &out)
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(out.Texts, "\n")
	checks := regexp.MustCompile(`(?m)^CHECK .*`).FindAllString(all, -1)
	if len(checks) < 10 {
		t.Errorf("%d CHECK lines in the page, want the notebook's 12: %q", len(checks), checks)
	}
	for _, bad := range []string{"CHECK FAILED", "panic:", "exit status"} {
		if strings.Contains(all, bad) {
			t.Errorf("page outputs contain %q:\n%s", bad, all)
		}
	}
	// Two static plots, plus the interactive figure's three left as static images at Stop.
	if out.Images != 5 {
		t.Errorf("page shows %d PNG outputs, want 5", out.Images)
	}
	if !strings.Contains(out.Stopped, "stopped at γ = 0.060, β = 0.30") {
		t.Errorf("after Stop the controls read %q, want a note that the figure stopped at γ = 0.060, β = 0.30", out.Stopped)
	}
	labSaveScreenshot(t, page, root, "lab-momentum.png")
	lab.interruptAndWait(t)
}

// labLectureCopy copies a lecture notebook into a temporary tree that looks like the checkout to
// the notebook's first cell (which finds the module from ${GONB_DIR}/..) and to cells that read
// files of the checkout: every top-level entry but notebooks/ is a link to the real one. The
// student's edits and Jupyter's checkpoints land in the copy. It returns the folder to serve.
func labLectureCopy(t *testing.T, root, name string) string {
	t.Helper()
	tree := t.TempDir()
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() == "notebooks" || e.Name() == "build" || e.Name() == ".git" {
			continue
		}
		if err := os.Symlink(filepath.Join(root, e.Name()), filepath.Join(tree, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join(tree, "notebooks")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(root, "notebooks", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// labShownFigure is what the interactive figure shows in the page.
type labShownFigure struct {
	Readout, Timing string
	Images          []string // data: URLs
	Drawn           bool     // every image decoded by the browser
}

func labFigure(ctx context.Context, t *testing.T, page *browser.Page) labShownFigure {
	t.Helper()
	var f labShownFigure
	err := page.Eval(ctx, `({
		Readout: document.querySelector(".dlopt-readout").innerText,
		Timing: (document.querySelector(".dlopt-timing") || {}).innerText || "",
		Images: Array.from(document.querySelectorAll(".dlopt-figure img.dlopt-plot")).map(e => e.src),
		Drawn: Array.from(document.querySelectorAll(".dlopt-figure img.dlopt-plot")).every(e => e.complete && e.naturalWidth > 0),
	})`, &f)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// labMoveSlider sets the named slider to value as a drag does: the position from the scale the
// control row declares, then input and change events.
func labMoveSlider(ctx context.Context, t *testing.T, page *browser.Page, name string, value float64) {
	t.Helper()
	js := fmt.Sprintf(`(() => {
		const row = Array.from(document.querySelectorAll(".dlopt-control")).find(r => r.dataset.name === %q);
		if (!row || row.dataset.scale !== "linear") throw new Error("no linear slider named %s");
		const el = row.querySelector("input[type=range]");
		const pos = Math.round((%g - Number(row.dataset.min)) / Number(row.dataset.step));
		el.value = pos;
		el.dispatchEvent(new Event("input"));
		el.dispatchEvent(new Event("change"));
		return pos;
	})()`, name, name, value)
	var pos int
	if err := page.Eval(ctx, js, &pos); err != nil {
		t.Fatal(err)
	}
}

func labScrollTo(ctx context.Context, t *testing.T, page *browser.Page, selector string) {
	t.Helper()
	if err := page.Eval(ctx, fmt.Sprintf(`document.querySelector(%q).scrollIntoView()`, selector), nil); err != nil {
		t.Fatal(err)
	}
}

// labReadoutRate reads a method's line "name   measured   theory" from the readout.
func labReadoutRate(t *testing.T, readout, method string) (measured, theory float64) {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(method) + `\s+([0-9.]+)\s+([0-9.]+)`).FindStringSubmatch(readout)
	if m == nil {
		t.Fatalf("no %q line with two rates in the readout:\n%s", method, readout)
	}
	measured, _ = strconv.ParseFloat(m[1], 64)
	theory, _ = strconv.ParseFloat(m[2], 64)
	return measured, theory
}

// heavyBallRate is the heavy ball's rate on a quadratic with the given Hessian eigenvalues,
// computed here without the notebook's formula: the spectral radius of the iteration matrix
// (x_{k+1}, x_k) = [[1+β-γλ, -β], [1, 0]]·(x_k, x_{k-1}), worst over the eigenvalues.
func heavyBallRate(eigenvalues []float64, gamma, beta float64) float64 {
	worst := 0.0
	for _, lam := range eigenvalues {
		var e mat.Eigen
		if !e.Factorize(mat.NewDense(2, 2, []float64{1 + beta - gamma*lam, -beta, 1, 0}), mat.EigenNone) {
			panic("eigen decomposition failed")
		}
		for _, z := range e.Values(nil) {
			worst = math.Max(worst, math.Hypot(real(z), imag(z)))
		}
	}
	return worst
}

// labCheckSVG decodes a data: URL and checks it is a plot-sized SVG, the format the page gets
// while the sliders move.
func labCheckSVG(t *testing.T, src string) {
	t.Helper()
	const prefix = "data:image/svg+xml;base64,"
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(src, prefix))
	if err != nil || !strings.HasPrefix(src, prefix) {
		t.Fatalf("plot source %.60q is not an inline SVG: %v", src, err)
	}
	var svg struct {
		XMLName xml.Name `xml:"svg"`
		Width   string   `xml:"width,attr"`
		Paths   []struct {
			D string `xml:"d,attr"`
		} `xml:"g>path"`
	}
	if err := xml.Unmarshal(raw, &svg); err != nil {
		t.Fatalf("plot is not SVG: %v", err)
	}
	w, err := strconv.ParseFloat(strings.TrimSuffix(svg.Width, "pt"), 64)
	if err != nil || w < 200 || len(svg.Paths) < 20 {
		t.Errorf("SVG plot %s wide with %d paths, want a figure at least 200pt wide with its lines", svg.Width, len(svg.Paths))
	}
}

// labCheckPNG decodes a data: URL and checks it is a plot-sized PNG.
func labCheckPNG(t *testing.T, src string) {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(src, "data:image/png;base64,"))
	if err != nil || !strings.HasPrefix(src, "data:image/png;base64,") {
		t.Fatalf("plot source %.60q is not an inline PNG: %v", src, err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if s := img.Bounds().Size(); s.X < 300 || s.Y < 200 {
		t.Errorf("plot is %v pixels, want a figure of at least 300x200", s)
	}
}

// labSaveViewShot writes what the viewport shows (after labScrollTo) as build/screenshots/<name>.
func labSaveViewShot(ctx context.Context, t *testing.T, page *browser.Page, root, name string) {
	t.Helper()
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
