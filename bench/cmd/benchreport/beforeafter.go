package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/dlopt/course/bench/internal/measure"
)

// The implementations of a before/after run (bench/run.sh).
const (
	implBefore = "before" // dlbench built at the last GoMLX v0.26 commit, with its own tree
	implAfter  = "after"  // dlbench built from the working tree (GoMLX v0.28, GOEXPERIMENT=simd)
	// implONNX is the after build on ONNX Runtime (DLOPT_BACKEND=onnx): shown beside the Go
	// backend with its ratio to the peer, held to no target.
	implONNX = "after-onnx"
)

// target is the performance issue's goal for one workload: after's median time at most
// maxTimeRatio times the peer's, or (matmul) after's GFLOP/s at least minRateRatio times the
// peer's. Every row must also be no slower than before.
type target struct {
	maxTimeRatio, minRateRatio float64
}

// targets holds the issue's goals; workloads without one are only held to "not slower than
// before".
var targets = map[string]target{
	"softmax": {maxTimeRatio: 1.0},
	"mlp":     {maxTimeRatio: 1.0},
	"cnn":     {maxTimeRatio: 1.5},
	"matmul":  {minRateRatio: 0.8},
}

// isBeforeAfter reports whether results come from a before/after run.
func isBeforeAfter(results []measure.Result) bool {
	return slices.ContainsFunc(results, func(r measure.Result) bool { return r.Impl == implBefore || r.Impl == implAfter })
}

// rowVerdict is what writeBeforeAfter concludes for one workload; tests read it.
type rowVerdict struct {
	workload                 string
	afterOverBefore          float64 // after's median time over before's (NaN when either is missing)
	afterOverPeer            float64 // after's median time over the peer's, or for matmul the GFLOP/s ratio
	onnxOverPeer             float64 // the same for after-onnx (NaN when either is missing)
	targetMet, notSlowerMet  bool
	hasTarget, hasComparison bool
}

// writeBeforeAfter prints the before/after table, then one line per missed goal.
func writeBeforeAfter(w io.Writer, results []measure.Result) error {
	var order []string
	runs := map[string]map[string]measure.Result{}
	var peers []string
	hasONNX := false
	for _, r := range results {
		if _, seen := runs[r.Workload]; !seen {
			order = append(order, r.Workload)
			runs[r.Workload] = map[string]measure.Result{}
		}
		runs[r.Workload][r.Impl] = r // the last run of an implementation counts
		switch {
		case r.Impl == implONNX:
			hasONNX = true
		case r.Impl != implBefore && r.Impl != implAfter && !slices.Contains(peers, r.Impl):
			peers = append(peers, r.Impl)
		}
	}
	header := []string{"workload", "unit", "before (GoMLX v0.26)", "after (GoMLX v0.28)", "after / before"}
	for _, p := range peers {
		header = append(header, p)
	}
	header = append(header, "after / peer")
	rssHeader := "peak RSS before / after"
	if hasONNX { // the columns appear only in runs with ONNX Runtime
		header = append(header, "after on ONNX Runtime", "ONNX / peer")
		rssHeader += " / ONNX"
	}
	header = append(header, "target", "met", rssHeader, "check")
	fmt.Fprintln(w, "| "+strings.Join(header, " | ")+" |")
	fmt.Fprintln(w, "|"+strings.Repeat("---|", len(header)))
	var misses []string
	for _, name := range order {
		v, row := beforeAfterRow(name, runs[name], peers, hasONNX)
		fmt.Fprintln(w, "| "+strings.Join(row, " | ")+" |")
		if v.hasTarget && !v.targetMet {
			misses = append(misses, fmt.Sprintf("%s: target missed (after / peer %s)", name, ratioText(v.afterOverPeer)))
		}
		if v.hasComparison && !v.notSlowerMet {
			misses = append(misses, fmt.Sprintf("%s: slower than before (after / before %s)", name, ratioText(v.afterOverBefore)))
		}
	}
	if len(misses) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Missed: "+strings.Join(misses, "; ")+".")
	}
	return nil
}

// beforeAfterRow computes one workload's verdict and table row.
// With onnxColumns, it has the after-onnx columns too.
func beforeAfterRow(name string, byImpl map[string]measure.Result, peers []string, onnxColumns bool) (rowVerdict, []string) {
	v := rowVerdict{workload: name, afterOverBefore: math.NaN(), afterOverPeer: math.NaN(), onnxOverPeer: math.NaN()}
	isRate := targets[name].minRateRatio > 0
	cell := func(r measure.Result, ok bool) string {
		if !ok {
			return "–"
		}
		m := measure.Median(r.Seconds)
		text := fmt.Sprintf("%s ±%.0f%% (n=%d)", formatSeconds(m), 50*measure.Spread(r.Seconds), len(r.Seconds))
		if isRate {
			text = fmt.Sprintf("%.1f GFLOP/s (%s)", r.Check, formatSeconds(m))
		}
		return text
	}
	before, hasBefore := byImpl[implBefore]
	after, hasAfter := byImpl[implAfter]
	onnx, hasONNX := byImpl[implONNX]
	// Unit and check name from the first of after, before, after-onnx, the peers that ran.
	var first measure.Result
	for _, impl := range append([]string{implAfter, implBefore, implONNX}, peers...) {
		if r, ok := byImpl[impl]; ok {
			first = r
			break
		}
	}
	row := []string{name, first.Unit, cell(before, hasBefore), cell(after, hasAfter)}
	if hasBefore && hasAfter {
		v.hasComparison = true
		v.afterOverBefore = measure.Median(after.Seconds) / measure.Median(before.Seconds)
		v.notSlowerMet = v.afterOverBefore <= 1
		row = append(row, ratioText(v.afterOverBefore))
	} else {
		row = append(row, "–")
	}
	// The best peer: the fastest median (for matmul, the same: time per product).
	bestPeer, hasPeer := measure.Result{}, false
	for _, p := range peers {
		r, ok := byImpl[p]
		row = append(row, cell(r, ok))
		if ok && (!hasPeer || measure.Median(r.Seconds) < measure.Median(bestPeer.Seconds)) {
			bestPeer, hasPeer = r, true
		}
	}
	// overPeer is r's median time over the best peer's, or for matmul its GFLOP/s ratio.
	overPeer := func(r measure.Result, ok bool) float64 {
		switch {
		case !ok || !hasPeer:
			return math.NaN()
		case isRate:
			return r.Check / bestPeer.Check
		}
		return measure.Median(r.Seconds) / measure.Median(bestPeer.Seconds)
	}
	v.afterOverPeer = overPeer(after, hasAfter)
	row = append(row, ratioText(v.afterOverPeer))
	if onnxColumns {
		v.onnxOverPeer = overPeer(onnx, hasONNX)
		row = append(row, cell(onnx, hasONNX), ratioText(v.onnxOverPeer))
	}
	t, ok := targets[name]
	v.hasTarget = ok && hasAfter && hasPeer
	switch {
	case !ok:
		row = append(row, "not slower than before")
	case isRate:
		row = append(row, fmt.Sprintf("GFLOP/s ≥ %.1fx peer's; not slower than before", t.minRateRatio))
		v.targetMet = v.afterOverPeer >= t.minRateRatio
	default:
		row = append(row, fmt.Sprintf("time ≤ %.1fx peer's; not slower than before", t.maxTimeRatio))
		v.targetMet = v.afterOverPeer <= t.maxTimeRatio
	}
	var verdict []string
	if v.hasTarget {
		verdict = append(verdict, yesNo(v.targetMet, "target"))
	}
	if v.hasComparison {
		verdict = append(verdict, yesNo(v.notSlowerMet, "vs before"))
	}
	if len(verdict) == 0 {
		verdict = append(verdict, "–")
	}
	row = append(row, strings.Join(verdict, ", "))
	rss := func(r measure.Result, ok bool) string {
		if !ok {
			return "–"
		}
		return fmt.Sprintf("%.0f", r.PeakRSSMB)
	}
	rssText := rss(before, hasBefore) + " / " + rss(after, hasAfter)
	if onnxColumns {
		rssText += " / " + rss(onnx, hasONNX)
	}
	row = append(row, rssText+" MiB")
	var checks []string
	for _, impl := range append([]string{implBefore, implAfter, implONNX}, peers...) {
		if r, ok := byImpl[impl]; ok {
			checks = append(checks, fmt.Sprintf("%s %.6g", impl, r.Check))
		}
	}
	row = append(row, first.CheckName+": "+strings.Join(checks, ", "))
	return v, row
}

// ratioText prints a ratio with two decimals, or a dash for NaN.
func ratioText(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "–"
	}
	return fmt.Sprintf("%.2f", x)
}

func yesNo(ok bool, what string) string {
	if ok {
		return what + ": yes"
	}
	return what + ": **no**"
}
