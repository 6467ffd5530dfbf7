// Package measure holds what the benchmark programs in bench/cmd share: the JSON line of one
// timed run, summary statistics of repetitions, and reading a scalar result off the device.
package measure

import (
	"fmt"
	"math"
	"slices"

	"github.com/gomlx/gomlx/core/tensors"
)

// Result is one run of one workload by one implementation: the JSON line that dlbench and
// bench/torch_peer.py write and benchreport reads.
type Result struct {
	Workload string `json:"workload"`
	Impl     string `json:"impl"`    // "dlopt", or "pytorch-Nt" for PyTorch with N threads
	Backend  string `json:"backend"` // the backend (dlopt), or torch's version, threads and BLAS
	// Seconds holds the wall time of each repetition; Unit says what one repetition is.
	Seconds []float64 `json:"seconds"`
	Unit    string    `json:"unit"`
	// Steps is how many optimizer steps (or products) one repetition makes.
	Steps int `json:"steps"`
	// Check is a number both implementations should roughly agree on (final loss, f, GFLOP/s...),
	// to show they did the same work; CheckName says what it is.
	Check     float64 `json:"check"`
	CheckName string  `json:"check_name"`
	// PeakRSSMB is the process's peak resident set size (VmHWM) after the run, in MiB.
	PeakRSSMB float64 `json:"peak_rss_mb"`
	// SetupSeconds is the untimed preparation: reading data, building and compiling the graphs
	// by running one step.
	SetupSeconds float64 `json:"setup_seconds"`
}

// Median of a non-empty slice.
func Median(x []float64) float64 {
	s := slices.Sorted(slices.Values(x))
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Spread is (max−min)/median, the relative range of repetitions.
func Spread(x []float64) float64 {
	return (slices.Max(x) - slices.Min(x)) / Median(x)
}

// MeanStd returns the mean and the sample standard deviation (n−1; 0 for one value, NaN and NaN
// for none).
func MeanStd(x []float64) (mean, std float64) {
	if len(x) == 0 {
		return math.NaN(), math.NaN()
	}
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	if len(x) < 2 {
		return mean, 0
	}
	var ss float64
	for _, v := range x {
		ss += (v - mean) * (v - mean)
	}
	return mean, math.Sqrt(ss / float64(len(x)-1))
}

// ScalarValue reads a float32 or float64 scalar tensor (on an accelerator, a device-to-host
// transfer, which waits for the computation that produces it).
func ScalarValue(t *tensors.Tensor) (float64, error) {
	switch v := t.Value().(type) {
	case float32:
		return float64(v), nil
	case float64:
		return v, nil
	}
	return 0, fmt.Errorf("expected a float scalar, got %s", t.Shape())
}
