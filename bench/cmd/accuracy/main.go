// Command accuracy checks the accuracy-parity target of the performance issue: the benchmark's
// training workloads reach the same test accuracy with dlopt as with PyTorch, within a tolerance
// (0.5 points by default).
//
//	accuracy -workloads softmax,mlp -epochs softmax=5,mlp=3 -seeds softmax=5,mlp=3 -peer-seeds mlp=10
//
// Workloads (as in bench/cmd/dlbench and bench/torch_peer.py), all on Fashion-MNIST, batch 128,
// with their default epochs and seeds (dlopt / PyTorch):
//
//	softmax   softmax regression 784-10, SGD lr 0.1                     5 epochs, seeds 5 / 5
//	mlp       MLP 784-256-256-10 ReLU, Adam lr 1e-3                      3 epochs, seeds 3 / 10
//	cnn       conv3x3(8)-pool2-conv3x3(16)-pool2-dense(10), Adam lr 1e-3  1 epoch,  seeds 3 / 10
//
// Each side trains seeds 1..S (-seeds for dlopt, -peer-seeds for PyTorch: the peer is 7 to 40
// times faster, so more of its seeds narrow the comparison for free) for the given epochs on
// the full training set (60,000 images; each epoch a fresh permutation, the last partial batch
// dropped: 468 steps) with its own shuffling, then classifies the 10,000 test images. The
// PyTorch side is bench/accuracy_peer.py, run as a subprocess; it prints one JSON line per seed.
//
// Both sides draw the initial weights from the same distributions, dlopt/models' (GoMLX's
// He-normal initialiser, zero biases; the softmax weights from N(0, 1/784)), each with its own
// random numbers: the same workload, not two models that happen to share a shape.
// -peer-init torch gives PyTorch its own default initialisation instead (weights about 2.4
// times smaller), which after one epoch costs its CNN about 2 points.
//
// accuracy prints a markdown table (per workload: dlopt and PyTorch mean ± sample standard
// deviation over the seeds, their difference, pass or FAIL), appends one JSON line per workload
// to -out, and exits with status 1 when a workload misses parity (|mean dlopt − mean PyTorch| >
// tolerance, in percentage points). bench/accuracy.sh (`make bench-accuracy`) builds and runs it.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/dlopt/course/bench/internal/measure"
	"github.com/dlopt/course/bench/internal/workload"
	"github.com/dlopt/course/dlopt"
	"github.com/dlopt/course/dlopt/data"
)

// Limits of the flags: enough for a long check, few enough to catch a typo (-epochs mlp=300).
const (
	maxEpochs = 50
	maxSeeds  = 20
)

// benchmark is one training workload (bench/internal/workload, shared with dlbench) and its
// default epochs and seeds (dlopt's and the peer's).
type benchmark struct {
	workload.Training
	epochs, seeds, peerSeeds int
}

// workloads are the benchmark's training workloads with their defaults. Seeds: one seed's test
// accuracy scatters by about 0.25 points (softmax) to 0.5 (MLP, CNN), as much as the tolerance,
// so each side's mean needs several; the cheap softmax gets 5 on both sides, the MLP and CNN as
// many as dlopt's time allows and more on the fast PyTorch side.
var workloads = []benchmark{
	{Training: workload.Softmax, epochs: 5, seeds: 5, peerSeeds: 5},
	{Training: workload.MLP, epochs: 3, seeds: 3, peerSeeds: 10},
	{Training: workload.CNN, epochs: 1, seeds: 3, peerSeeds: 10},
}

func workloadNames() []string {
	names := make([]string, len(workloads))
	for i, w := range workloads {
		names[i] = w.Name
	}
	return names
}

func findWorkload(name string) (benchmark, bool) {
	i := slices.IndexFunc(workloads, func(w benchmark) bool { return w.Name == name })
	if i < 0 {
		return benchmark{}, false
	}
	return workloads[i], true
}

// options are the parsed and validated flags.
type options struct {
	runs      []plannedRun
	tolerance float64 // percentage points
	peerInit  string  // the peer's initialisation: "torch" (its default) or "dlopt"
	python    string
	peer      string
	out       string
}

// plannedRun is one workload with the epochs it is trained for and the seeds of each side.
type plannedRun struct {
	benchmark
	epochs, seeds, peerSeeds int
}

// parseOptions parses the command line; every error names the bad value and what is allowed.
func parseOptions(args []string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("accuracy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	names := strings.Join(workloadNames(), ",")
	list := fs.String("workloads", names, "comma-separated workloads to check, of "+names)
	epochs := fs.String("epochs", "", "per-workload epochs overriding the defaults, e.g. softmax=5,mlp=3,cnn=1")
	seeds := fs.String("seeds", "", "per-workload dlopt seeds overriding the defaults, e.g. softmax=5,mlp=3,cnn=1")
	peerSeeds := fs.String("peer-seeds", "", "per-workload PyTorch seeds overriding the defaults (at least -seeds), e.g. mlp=10")
	tolerance := fs.Float64("tolerance", 0.5, "largest allowed |mean dlopt - mean PyTorch| test accuracy, in percentage points")
	peerInit := fs.String("peer-init", "dlopt", "the PyTorch side's initialisation: dlopt (dlopt/models' distributions, the same workload) or torch (PyTorch's default)")
	python := fs.String("python", "/usr/bin/python3", "Python with torch 1.13 for the peer")
	peer := fs.String("peer", "bench/accuracy_peer.py", "the PyTorch peer script")
	out := fs.String("out", "build/bench/accuracy.jsonl", "file to append one JSON line per workload to")
	if err := fs.Parse(args); err != nil {
		return options{}, err
	}
	if fs.NArg() > 0 {
		return options{}, fmt.Errorf("unexpected arguments %q: all settings are flags", fs.Args())
	}
	if !(*tolerance > 0) || math.IsInf(*tolerance, 0) {
		return options{}, fmt.Errorf("-tolerance %g: it must be finite and > 0 (percentage points)", *tolerance)
	}
	if *peerInit != "torch" && *peerInit != "dlopt" {
		return options{}, fmt.Errorf("-peer-init %q: allowed are torch and dlopt", *peerInit)
	}
	epochsBy, err := parseCounts("-epochs", *epochs, maxEpochs)
	if err != nil {
		return options{}, err
	}
	seedsBy, err := parseCounts("-seeds", *seeds, maxSeeds)
	if err != nil {
		return options{}, err
	}
	peerSeedsBy, err := parseCounts("-peer-seeds", *peerSeeds, maxSeeds)
	if err != nil {
		return options{}, err
	}
	o := options{tolerance: *tolerance, peerInit: *peerInit, python: *python, peer: *peer, out: *out}
	for _, name := range strings.Split(*list, ",") {
		w, ok := findWorkload(strings.TrimSpace(name))
		if !ok {
			return options{}, fmt.Errorf("-workloads: unknown workload %q, allowed are %s", name, names)
		}
		if slices.ContainsFunc(o.runs, func(r plannedRun) bool { return r.Name == w.Name }) {
			return options{}, fmt.Errorf("-workloads: %q is listed twice", w.Name)
		}
		r := plannedRun{benchmark: w, epochs: w.epochs, seeds: w.seeds, peerSeeds: w.peerSeeds}
		if n, ok := epochsBy[w.Name]; ok {
			r.epochs = n
		}
		if n, ok := seedsBy[w.Name]; ok {
			r.seeds = n
			r.peerSeeds = max(r.peerSeeds, n)
		}
		if n, ok := peerSeedsBy[w.Name]; ok {
			// Fewer PyTorch seeds than dlopt's would spend the cheap side's noise on the verdict.
			if n < r.seeds {
				return options{}, fmt.Errorf("-peer-seeds: %s=%d is below its %d dlopt seeds: allowed is %d..%d", w.Name, n, r.seeds, r.seeds, maxSeeds)
			}
			r.peerSeeds = n
		}
		o.runs = append(o.runs, r)
	}
	// A count for a workload that is not run is most likely a typo in -workloads.
	for flagName, counts := range map[string]map[string]int{"-epochs": epochsBy, "-seeds": seedsBy, "-peer-seeds": peerSeedsBy} {
		for name := range counts {
			if !slices.ContainsFunc(o.runs, func(r plannedRun) bool { return r.Name == name }) {
				return options{}, fmt.Errorf("%s names %q, which -workloads (%s) does not run", flagName, name, *list)
			}
		}
	}
	return o, nil
}

// parseCounts reads "name=n,name=n" with each name a workload and n in 1..maxN.
func parseCounts(flagName, s string, maxN int) (map[string]int, error) {
	counts := map[string]int{}
	if strings.TrimSpace(s) == "" {
		return counts, nil
	}
	for _, item := range strings.Split(s, ",") {
		name, value, ok := strings.Cut(strings.TrimSpace(item), "=")
		if !ok {
			return nil, fmt.Errorf("%s: %q is not workload=count", flagName, item)
		}
		if _, known := findWorkload(name); !known {
			return nil, fmt.Errorf("%s: unknown workload %q, allowed are %s", flagName, name, strings.Join(workloadNames(), ","))
		}
		if _, dup := counts[name]; dup {
			return nil, fmt.Errorf("%s: %q is given twice", flagName, name)
		}
		n, err := strconv.Atoi(value)
		if err != nil || n < 1 || n > maxN {
			return nil, fmt.Errorf("%s: %s=%q, allowed is 1..%d", flagName, name, value, maxN)
		}
		counts[name] = n
	}
	return counts, nil
}

// seedRun is one side's training of one workload with one seed (the peer prints the same fields).
type seedRun struct {
	Seed         int64   `json:"seed"`
	TestAccuracy float64 `json:"test_accuracy"` // fraction of the test set, in [0, 1]
	TrainLoss    float64 `json:"train_loss"`    // mean batch loss of the last epoch
	Seconds      float64 `json:"seconds"`       // wall time of the training (evaluation excluded)
}

// side is one implementation's runs of a workload and their summary, in percentage points.
type side struct {
	Backend string    `json:"backend"`
	Runs    []seedRun `json:"runs"`
	Mean    float64   `json:"mean_accuracy_points"`
	Std     float64   `json:"std_accuracy_points"` // sample standard deviation, 0 for one seed
}

// summarize fills in Mean and Std from Runs.
func (s *side) summarize() {
	points := make([]float64, len(s.Runs))
	for i, r := range s.Runs {
		points[i] = 100 * r.TestAccuracy
	}
	s.Mean, s.Std = measure.MeanStd(points)
}

// verdict is one workload's result: one JSON line of -out.
type verdict struct {
	Workload  string  `json:"workload"`
	Epochs    int     `json:"epochs"`
	Seeds     int     `json:"seeds"`      // dlopt's
	PeerSeeds int     `json:"peer_seeds"` // PyTorch's
	Dlopt     side    `json:"dlopt"`
	Torch     side    `json:"pytorch"`
	Diff      float64 `json:"diff_points"` // mean dlopt − mean PyTorch
	Tolerance float64 `json:"tolerance_points"`
	Pass      bool    `json:"pass"`
}

// decide compares the two sides' means; a NaN (a side without runs) fails.
func decide(r plannedRun, dlopt, torch side, tolerance float64) verdict {
	dlopt.summarize()
	torch.summarize()
	diff := dlopt.Mean - torch.Mean
	return verdict{Workload: r.Name, Epochs: r.epochs, Seeds: r.seeds, PeerSeeds: r.peerSeeds, Dlopt: dlopt, Torch: torch,
		Diff: diff, Tolerance: tolerance, Pass: math.Abs(diff) <= tolerance}
}

// parsePeerOutput reads the peer's JSON lines: one per seed, seeds 1..want, accuracies in [0, 1].
func parsePeerOutput(out []byte, want int) (backend string, runs []seedRun, err error) {
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var rec struct {
			seedRun
			Backend string `json:"backend"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			return "", nil, fmt.Errorf("peer line %q: %w", line, err)
		}
		if !(rec.TestAccuracy >= 0 && rec.TestAccuracy <= 1) {
			return "", nil, fmt.Errorf("peer line %q: test_accuracy %g is not in [0, 1]", line, rec.TestAccuracy)
		}
		if rec.Seed != int64(len(runs)+1) {
			return "", nil, fmt.Errorf("peer line %q: seed %d, want %d", line, rec.Seed, len(runs)+1)
		}
		backend = rec.Backend
		runs = append(runs, rec.seedRun)
	}
	if len(runs) != want {
		return "", nil, fmt.Errorf("peer printed %d results, want %d (one per seed)", len(runs), want)
	}
	return backend, runs, nil
}

// runTorch runs the PyTorch peer for r.
func runTorch(o options, r plannedRun, stderr io.Writer) (side, error) {
	cmd := exec.Command(o.python, o.peer, "--workload", r.Name,
		"--epochs", strconv.Itoa(r.epochs), "--seeds", strconv.Itoa(r.peerSeeds), "--init", o.peerInit)
	cmd.Stderr = stderr
	out, err := cmd.Output()
	if err != nil {
		return side{}, fmt.Errorf("%s %s --workload %s: %w", o.python, o.peer, r.Name, err)
	}
	backend, runs, err := parsePeerOutput(out, r.peerSeeds)
	if err != nil {
		return side{}, fmt.Errorf("%s: %w", r.Name, err)
	}
	return side{Backend: backend, Runs: runs}, nil
}

// runDlopt trains r with dlopt for seeds 1..r.seeds.
func runDlopt(r plannedRun, ds [2]*data.Dataset, stderr io.Writer) (side, error) {
	s := side{Backend: "dlopt " + dlopt.BackendConfig()}
	for seed := int64(1); seed <= int64(r.seeds); seed++ {
		run, err := trainDlopt(r.Training, r.epochs, seed, ds[0], ds[1])
		if err != nil {
			return side{}, err
		}
		fmt.Fprintf(stderr, "accuracy: %s dlopt seed %d: %.2f%% (%.0f s)\n", r.Name, seed, 100*run.TestAccuracy, run.Seconds)
		s.Runs = append(s.Runs, run)
	}
	return s, nil
}

// writeTable prints the markdown table of the verdicts.
func writeTable(w io.Writer, verdicts []verdict) {
	fmt.Fprintln(w, "| workload | epochs | seeds dlopt / PyTorch | dlopt test acc. (%) | PyTorch test acc. (%) | diff (points) | parity |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|")
	for _, v := range verdicts {
		status := "pass"
		if !v.Pass {
			status = "**FAIL**"
		}
		fmt.Fprintf(w, "| %s | %d | %d / %d | %s | %s | %+.2f | %s (±%.2g) |\n", v.Workload, v.Epochs, v.Seeds, v.PeerSeeds,
			formatSide(v.Dlopt), formatSide(v.Torch), v.Diff, status, v.Tolerance)
	}
}

// formatSide gives "mean ± std", or the mean alone for one seed.
func formatSide(s side) string {
	if len(s.Runs) < 2 {
		return fmt.Sprintf("%.2f", s.Mean)
	}
	return fmt.Sprintf("%.2f ± %.2f", s.Mean, s.Std)
}

func run(args []string, stdout, stderr io.Writer) error {
	o, err := parseOptions(args, stderr)
	if err != nil {
		return err
	}
	trainSet, err := data.LoadFashionMNIST(data.Train)
	if err != nil {
		return err
	}
	testSet, err := data.LoadFashionMNIST(data.Test)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(o.out), 0o755); err != nil {
		return err
	}
	outFile, err := os.OpenFile(o.out, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer outFile.Close()
	var verdicts []verdict
	var failed []string
	for _, r := range o.runs {
		// PyTorch first: it is the fast side, so a broken peer shows before dlopt's long runs.
		fmt.Fprintf(stderr, "accuracy: %s, %d epochs, %d seeds: PyTorch\n", r.Name, r.epochs, r.peerSeeds)
		torch, err := runTorch(o, r, stderr)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "accuracy: %s: dlopt\n", r.Name)
		dl, err := runDlopt(r, [2]*data.Dataset{trainSet, testSet}, stderr)
		if err != nil {
			return err
		}
		v := decide(r, dl, torch, o.tolerance)
		line, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(outFile, "%s\n", line); err != nil {
			return err
		}
		verdicts = append(verdicts, v)
		if !v.Pass {
			failed = append(failed, r.Name)
		}
	}
	writeTable(stdout, verdicts)
	if len(verdicts) > 0 {
		fmt.Fprintf(stdout, "\ndlopt: %s; PyTorch: %s\n", verdicts[0].Dlopt.Backend, verdicts[0].Torch.Backend)
	}
	if len(failed) > 0 {
		return fmt.Errorf("accuracy parity (±%g points) missed by: %s", o.tolerance, strings.Join(failed, ", "))
	}
	return nil
}

func main() {
	err := run(os.Args[1:], os.Stdout, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return // -h: the flag set printed the usage
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "accuracy:", err)
		os.Exit(1)
	}
}
