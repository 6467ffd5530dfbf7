// Command benchreport turns the JSON lines of bench/cmd/dlbench and bench/torch_peer.py into a
// Markdown table: per workload, the median time of each implementation with its spread, the
// ratio dlopt/PyTorch, peak memory and the check values that show both did the same work.
//
//	benchreport build/bench/results.jsonl
//
// When the lines come from bench/run.sh's before/after run (impl "before": dlbench built from
// the last GoMLX v0.26 commit, "after": the working tree, "pytorch-Nt": the peer, and
// "after-onnx" when it ran: the after build on ONNX Runtime), the table has one column per
// build and the peer, the ratios after/before and after/peer (and ONNX Runtime's time and its
// ratio to the peer), and the performance issue's target for each row with whether it is met
// (see [targets]; the targets are the Go backend's).
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"

	"github.com/dlopt/course/bench/internal/measure"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: benchreport RESULTS.jsonl")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
	defer f.Close()
	results, err := readResults(f)
	if err == nil {
		if isBeforeAfter(results) {
			err = writeBeforeAfter(os.Stdout, results)
		} else {
			err = writeReport(os.Stdout, results)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
}

// readResults parses one JSON object per non-empty line.
func readResults(r io.Reader) ([]measure.Result, error) {
	var results []measure.Result
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		var res measure.Result
		if err := json.Unmarshal([]byte(text), &res); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if res.Workload == "" || res.Impl == "" || len(res.Seconds) == 0 {
			return nil, fmt.Errorf("line %d: a result needs workload, impl and at least one time: %q", line, text)
		}
		results = append(results, res)
	}
	return results, sc.Err()
}

// formatSeconds prints a duration with a unit that keeps 3 significant digits readable.
func formatSeconds(s float64) string {
	switch {
	case s >= 1:
		return fmt.Sprintf("%.2f s", s)
	case s >= 1e-3:
		return fmt.Sprintf("%.2f ms", s*1e3)
	}
	return fmt.Sprintf("%.1f µs", s*1e6)
}

// writeReport prints one table row per workload, in the order workloads first appear. The ratio
// is dlopt's median over the fastest PyTorch configuration's median (above 1: dlopt is slower).
func writeReport(w io.Writer, results []measure.Result) error {
	var order []string
	byWorkload := map[string][]measure.Result{}
	var impls []string
	for _, r := range results {
		if _, seen := byWorkload[r.Workload]; !seen {
			order = append(order, r.Workload)
		}
		byWorkload[r.Workload] = append(byWorkload[r.Workload], r)
		if !slices.Contains(impls, r.Impl) {
			impls = append(impls, r.Impl)
		}
	}
	// dlopt first, then the peers in the order they appear.
	slices.SortStableFunc(impls, func(a, b string) int {
		if a == "dlopt" {
			return -1
		} else if b == "dlopt" {
			return 1
		}
		return 0
	})
	header := []string{"workload", "unit"}
	for _, impl := range impls {
		header = append(header, impl+" median (spread)")
	}
	header = append(header, "dlopt / best peer")
	for _, impl := range impls {
		header = append(header, impl+" peak RSS")
	}
	header = append(header, "check")
	fmt.Fprintln(w, "| "+strings.Join(header, " | ")+" |")
	fmt.Fprintln(w, "|"+strings.Repeat("---|", len(header)))
	for _, name := range order {
		runs := map[string]measure.Result{}
		for _, r := range byWorkload[name] {
			runs[r.Impl] = r // the last run of an implementation counts
		}
		row := []string{name, byWorkload[name][0].Unit}
		var dloptMedian, bestPeer = math.NaN(), math.Inf(1)
		var checks []string
		for _, impl := range impls {
			r, ok := runs[impl]
			if !ok {
				row = append(row, "–")
				continue
			}
			m := measure.Median(r.Seconds)
			row = append(row, fmt.Sprintf("%s (±%.0f%%, n=%d)", formatSeconds(m), 50*measure.Spread(r.Seconds), len(r.Seconds)))
			if impl == "dlopt" {
				dloptMedian = m
			} else {
				bestPeer = min(bestPeer, m)
			}
			checks = append(checks, fmt.Sprintf("%s %.6g", impl, r.Check))
		}
		if ratio := dloptMedian / bestPeer; math.IsNaN(ratio) || math.IsInf(bestPeer, 1) {
			row = append(row, "–")
		} else {
			row = append(row, fmt.Sprintf("%.2f", ratio))
		}
		for _, impl := range impls {
			if r, ok := runs[impl]; ok {
				row = append(row, fmt.Sprintf("%.0f MiB", r.PeakRSSMB))
			} else {
				row = append(row, "–")
			}
		}
		row = append(row, byWorkload[name][0].CheckName+": "+strings.Join(checks, ", "))
		fmt.Fprintln(w, "| "+strings.Join(row, " | ")+" |")
	}
	return nil
}
