package main

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestRunRejectsBadFlags(t *testing.T) {
	for _, tc := range []struct {
		name       string
		reps, step int
		want       string
	}{
		{"nope", 1, 10, `unknown -workload "nope"`},
		{"matmul", 0, 10, "-reps 0"},
		{"matmul", 101, 10, "-reps 101"},
		{"cnn", 1, 0, "-steps 0"},
		{"cnn", 1, 470, "-steps 470"},
	} {
		err := run(&bytes.Buffer{}, tc.name, tc.reps, config{steps: tc.step}, "")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("run(%q, reps %d, steps %d) = %v, want an error containing %q", tc.name, tc.reps, tc.step, err, tc.want)
		}
	}
}

// TestRunWritesResult runs the two quick workloads once and checks what they report.
func TestRunWritesResult(t *testing.T) {
	for _, name := range []string{"matmul", "sgdm-1m"} {
		var out bytes.Buffer
		if err := run(&out, name, 2, config{steps: 1}, ""); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var res result
		if err := json.Unmarshal(out.Bytes(), &res); err != nil {
			t.Fatalf("%s: output %q: %v", name, out.String(), err)
		}
		if res.Workload != name || res.Impl != "dlopt" || len(res.Seconds) != 2 || res.PeakRSSMB <= 0 || res.Steps <= 0 {
			t.Errorf("%s: incomplete result %+v", name, res)
		}
		for _, s := range res.Seconds {
			if !(s > 0) {
				t.Errorf("%s: non-positive time %g", name, s)
			}
		}
	}
}

// TestSGDMomentumCheck: after 1+2·20 updates from 0 with buf = 0.9·buf + g and p −= 0.01·buf,
// p = −0.01·g·Σ_{k=1..41} (1−0.9^k)/0.1, so the mean parameter is that factor times mean(g).
func TestSGDMomentumCheck(t *testing.T) {
	p, err := setupUpdate("sgdm", 1000)(config{})
	if err != nil {
		t.Fatal(err)
	}
	var got float64
	for range 2 {
		if got, err = p.run(); err != nil {
			t.Fatal(err)
		}
	}
	var factor, meanG float64
	for k := 1; k <= 1+2*p.units; k++ {
		factor += (1 - math.Pow(0.9, float64(k))) / 0.1
	}
	for i := range 1000 {
		meanG += float64(fixedGradient(i)) / 1000
	}
	want := -0.01 * factor * meanG
	if math.Abs(got-want) > 1e-5*math.Abs(want) {
		t.Errorf("mean parameter %g, want %g", got, want)
	}
}
