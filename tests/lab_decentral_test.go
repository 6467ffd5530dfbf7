//go:build linux

package tests

import (
	"context"
	"encoding/base64"
	"fmt"
	"html"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dlopt/course/tests/internal/browser"
)

// decentralChecks is the number of CHECK lines notebooks/09_decentralized_sgd.ipynb prints in
// its headless run (viz.Check calls, counting those inside loops once per pass).
const decentralChecks = 32

// decentralPNGs is its number of PNG outputs per code cell (c01, c02, c06, c08, c11, c13, c16,
// c18, c20, c22): c06's is one sheet of graphs, c13 plots the four algorithms, then gradient
// tracking by round and by bytes, c20's are the interactive figure's two (graph,
// distances) left as static images at Stop.
var decentralPNGs = []int{0, 0, 1, 1, 1, 3, 2, 0, 2, 1}

// TestLabDecentralizedNotebook is a student's session with notebooks/09_decentralized_sgd.ipynb:
// `make lab`, open a copy, run all cells in the page. The interactive figure (topology choice,
// workers and step sliders) must appear with its controls and the default ring of 16 workers;
// choosing "exponential" in the drop-down, then moving the workers slider to 32 (input and
// change events, as the mouse sends them) must each redraw both plots as SVG and show in the
// readout the new setting, a ρ that matches the closed form this test computes itself, and
// D-SGD's traffic per worker from the graph's sends per round. Stop then ends the cell, the
// remaining cells (the MLP runs) run, and every CHECK line and plot of the notebook is in the
// page. Screenshots before and after the changes go to build/screenshots/.
func TestLabDecentralizedNotebook(t *testing.T) {
	// Under go test's default -timeout of 10 minutes; a warm build cache needs about one.
	ctx, cancel := context.WithTimeout(context.Background(), 9*time.Minute)
	defer cancel()
	root := labRepoRoot(t)
	const notebook = "09_decentralized_sgd.ipynb"
	dir := labLectureCopy(t, root, notebook)
	lab := labStart(t, root, dir)

	page, wait := labRunAll(ctx, t, root, lab, notebook, "lab-decentral-failed.png")
	// Ten code cells compile one by one before the figure (about 5 s each on two cores, more
	// with a cold build cache), and c16's stochastic runs take a while.
	wait("the interactive figure", `document.querySelectorAll(".dlopt-control[data-scale=choice] select").length === 1 &&
		document.querySelectorAll(".dlopt-control input[type=range]").length === 2 &&
		document.querySelectorAll(".dlopt-figure img.dlopt-plot").length === 2 &&
		document.querySelector(".dlopt-controls button") !== null`, 5*time.Minute)
	if err := page.SetViewport(ctx, 1280, 1200); err != nil {
		t.Fatal(err)
	}
	labScrollTo(ctx, t, page, ".dlopt-controls")
	labSaveViewShot(ctx, t, page, root, "lab-decentral-before.png")
	fig := labFigure(ctx, t, page)
	decentralCheckReadout(t, fig.Readout, "ring", 16)

	for _, step := range []struct {
		what     string
		change   func()
		topology string
		workers  int
	}{
		{`topology "exponential"`, func() { labChoose(ctx, t, page, "topology", "exponential") }, "exponential", 16},
		{"workers 32", func() { labMoveSlider(ctx, t, page, "workers", 32) }, "exponential", 32},
	} {
		step.change()
		want := fmt.Sprintf("topology = %s, workers = %d, step = 0.1", step.topology, step.workers)
		wait("the redraw at "+want, fmt.Sprintf(`(document.querySelector(".dlopt-readout") || {}).innerText.startsWith(%q)`, want), time.Minute)
		next := labFigure(ctx, t, page)
		for i := range next.Images {
			if next.Images[i] == fig.Images[i] {
				t.Errorf("after %s: plot %d is unchanged", step.what, i)
			}
			labCheckSVG(t, next.Images[i])
		}
		if !next.Drawn {
			t.Errorf("after %s: the browser could not draw every plot", step.what)
		}
		// The first view is a PNG, so "changed" above holds anyway at the first step: the graph
		// plot must show the chosen graph, its title, one label per worker and its edges.
		decentralCheckGraph(t, step.what, next.Images[0], step.topology, step.workers)
		t.Logf("%s: redrawn (%s)", want, next.Timing)
		fig = next
	}
	labScrollTo(ctx, t, page, ".dlopt-controls")
	labSaveViewShot(ctx, t, page, root, "lab-decentral-after.png")

	// Stop ends the cell; the rest of the notebook (the MLP runs and their checks) runs.
	if err := page.Eval(ctx, `document.querySelector(".dlopt-controls button").click()`, nil); err != nil {
		t.Fatal(err)
	}
	wait("all cells to run after Stop", `Jupyter.notebook.get_cells().every(c => c.cell_type !== "code" ||
		typeof c.input_prompt_number === "number")`, 3*time.Minute)
	var out struct {
		Texts   []string
		Images  []int // PNG outputs per code cell
		Stopped string
	}
	err := page.Eval(ctx, `({
		Texts: Array.from(document.querySelectorAll(".output_area .output_subarea")).map(e => e.innerText),
		Images: Jupyter.notebook.get_cells().filter(c => c.cell_type === "code").
			map(c => c.output_area.element[0].querySelectorAll(".output_png img").length),
		Stopped: (document.querySelector(".dlopt-stopped") || {}).innerText || "",
	})`, &out)
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(out.Texts, "\n")
	checks := regexp.MustCompile(`(?m)^CHECK .*`).FindAllString(all, -1)
	if len(checks) != decentralChecks {
		t.Errorf("%d CHECK lines in the page, want the notebook's %d: %q", len(checks), decentralChecks, checks)
	}
	for _, bad := range []string{"CHECK FAILED", "panic:", "exit status"} {
		if strings.Contains(all, bad) {
			t.Errorf("page outputs contain %q:\n%s", bad, all)
		}
	}
	if !slices.Equal(out.Images, decentralPNGs) {
		t.Errorf("page shows PNG outputs per code cell %v, want %v", out.Images, decentralPNGs)
	}
	if want := "stopped at topology = exponential, workers = 32, step = 0.1"; !strings.Contains(out.Stopped, want) {
		t.Errorf("after Stop the controls read %q, want a note that the figure %s", out.Stopped, want)
	}
	labSaveScreenshot(t, page, root, "lab-decentral.png")
	lab.interruptAndWait(t)
}

// labChoose selects option in the named drop-down as a user does: the option's value (GoNB's
// select sends the option's index), then input and change events.
func labChoose(ctx context.Context, t *testing.T, page *browser.Page, name, option string) {
	t.Helper()
	js := fmt.Sprintf(`(() => {
		const row = Array.from(document.querySelectorAll(".dlopt-control")).find(r => r.dataset.name === %q);
		const el = row && row.dataset.scale === "choice" && row.querySelector("select");
		if (!el) throw new Error("no drop-down named " + %q);
		const opt = Array.from(el.options).find(o => o.text === %q);
		if (!opt) throw new Error("drop-down " + %q + " has no option " + %q);
		el.value = opt.value;
		el.dispatchEvent(new Event("input"));
		el.dispatchEvent(new Event("change"));
		return Number(opt.value);
	})()`, name, name, option, name, option)
	var index int
	if err := page.Eval(ctx, js, &index); err != nil {
		t.Fatal(err)
	}
}

// decentralCheckReadout checks the explore figure's readout for topology over n workers: the
// graph's line "name, n = N, ρ = R, step A" with R the closed form, and one line per algorithm,
// D-SGD's traffic per worker being its sends per round over 400 rounds of 5 float64s.
func decentralCheckReadout(t *testing.T, readout, topology string, n int) {
	t.Helper()
	m := regexp.MustCompile(`(?m)^(\S+), n = (\d+), ρ = ([0-9.]+), step 0.1$`).FindStringSubmatch(readout)
	if m == nil {
		t.Fatalf("no line \"topology, n = N, ρ = R, step 0.1\" in the readout:\n%s", readout)
	}
	rho, _ := strconv.ParseFloat(m[3], 64)
	want, _, _ := decentralClosedForm(t, topology, n)
	sends := decentralSends(topology, n)
	if m[1] != topology || m[2] != strconv.Itoa(n) || math.Abs(rho-want) > 0.6e-4 {
		t.Errorf("readout shows %s, n = %s, ρ = %s; want %s, n = %d, ρ = %.4f (closed form)", m[1], m[2], m[3], topology, n, want)
	}
	for _, alg := range []string{"dsgd", "dsgd-cta", "exact-diffusion", "gradient-tracking"} {
		line := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(alg) + `\s+final distance ([0-9.e+-]+), (\d+) KiB sent per worker$`).FindStringSubmatch(readout)
		if line == nil {
			t.Errorf("no line for %s with its final distance and traffic in the readout:\n%s", alg, readout)
			continue
		}
		if d, err := strconv.ParseFloat(line[1], 64); err != nil || !(d < 1e6) {
			t.Errorf("%s: final distance %q is not a finite number", alg, line[1])
		}
		if kib := fmt.Sprintf("%.0f", 400*sends*5*8/1024); alg == "dsgd" && line[2] != kib {
			t.Errorf("D-SGD on %s, n = %d: readout shows %s KiB sent per worker, want %s (%g sends × 400 rounds × 5 float64s)",
				topology, n, line[2], kib, sends)
		}
	}
}

// decentralClosedForm is ρ of the ring and of the static exponential graph over n workers (n a
// power of 2 for the latter), from the circulant eigenvalues the notebook derives: ring
// (1+2cos(2π/n))/3, exponential (τ-1)/(τ+1), τ = log2 n; and how many neighbour pairs and
// one-way edges their graphs have: the ring n pairs, both ways; the exponential graph sends to
// offsets 1, 2, ..., n/2, of which only n/2 (its own inverse) goes both ways.
func decentralClosedForm(t *testing.T, topology string, n int) (rho float64, pairs, oneWay int) {
	t.Helper()
	switch tau := math.Log2(float64(n)); {
	case topology == "ring" && n >= 3:
		return (1 + 2*math.Cos(2*math.Pi/float64(n))) / 3, n, 0
	case topology == "exponential" && n >= 4 && tau == math.Round(tau):
		return (tau - 1) / (tau + 1), n*int(tau-1) + n/2, n * int(tau-1)
	}
	t.Fatalf("no closed form here for %s over %d workers", topology, n)
	return 0, 0, 0
}

// decentralSends is how many models a worker sends per round: 2 on the ring, log2 n on the
// exponential graph.
func decentralSends(topology string, n int) float64 {
	if topology == "ring" {
		return 2
	}
	return math.Ceil(math.Log2(float64(n)))
}

// decentralCheckGraph checks the explore figure's graph plot (an inline SVG) for topology over
// n workers: its title, worker labels 0..n-1, and its edges, which viz.Graphs draws as one
// two-point line per neighbour pair (either direction) plus a three-point arrowhead for each
// edge whose reverse is absent.
func decentralCheckGraph(t *testing.T, what, src, topology string, n int) {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(src, "data:image/svg+xml;base64,"))
	if err != nil {
		t.Fatalf("plot source %.60q is not an inline SVG: %v", src, err)
	}
	texts := map[string]bool{}
	for _, m := range regexp.MustCompile(`<text[^>]*>([^<]*)</text>`).FindAllSubmatch(raw, -1) {
		texts[html.UnescapeString(string(m[1]))] = true
	}
	if !texts[topology] || !texts["0"] || !texts[strconv.Itoa(n-1)] || texts[strconv.Itoa(n)] {
		t.Errorf("after %s: the graph plot's texts %v are not the title %q and worker labels 0..%d", what, texts, topology, n-1)
	}
	lines := len(regexp.MustCompile(`<path d="M[0-9.,-]+L[0-9.,-]+" style="fill:none;stroke`).FindAll(raw, -1))
	arrows := len(regexp.MustCompile(`<path d="M[0-9.,-]+L[0-9.,-]+L[0-9.,-]+" style="fill:none;stroke`).FindAll(raw, -1))
	_, wantLines, wantArrows := decentralClosedForm(t, topology, n)
	if lines != wantLines || arrows != wantArrows {
		t.Errorf("after %s: the graph plot draws %d edges and %d arrowheads, want %s over %d workers: %d and %d",
			what, lines, arrows, topology, n, wantLines, wantArrows)
	}
}
