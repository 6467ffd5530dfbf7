package main

import (
	"strings"
	"testing"

	"github.com/dlopt/course/dlopt"
)

// TestReferenceMatchesOneLargeBatch: the simulated all-reduce workers and one model trained
// without a mesh on all their rows (what the devices compute together) agree to float32
// rounding, and differ visibly when one step's batch differs: the comparison can fail.
func TestReferenceMatchesOneLargeBatch(t *testing.T) {
	backend, err := dlopt.Backend()
	if err != nil {
		t.Fatal(err)
	}
	p := newProblem(4, 3, 5, 2)
	reference, err := p.simulated(backend)
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.oneDevice(backend)
	if err != nil {
		t.Fatal(err)
	}
	if worst, err := largestDifference(got, reference); err != nil || worst > 1e-5 {
		t.Errorf("largest difference %g (%v), want <= 1e-5", worst, err)
	}
	p.labels[2][0] = (p.labels[2][0] + 1) % int32(p.classes)
	changed, err := p.oneDevice(backend)
	if err != nil {
		t.Fatal(err)
	}
	if worst, _ := largestDifference(changed, reference); worst <= 1e-5 {
		t.Errorf("one label changed, yet the largest difference is %g", worst)
	}
}

// TestRunSaysWhatRan: on this machine's backend (one device) the check ends with PASS or SKIP
// and its reason, never a FAIL.
func TestRunSaysWhatRan(t *testing.T) {
	var out strings.Builder
	code := run(0, 4, 3, 1e-5, &out)
	if code != 0 || !(strings.Contains(out.String(), "dpcheck: PASS") || strings.Contains(out.String(), "dpcheck: SKIP: the backend has no distributed execution")) {
		t.Errorf("exit %d:\n%s", code, out.String())
	}
}

// TestTrainBothNeedsDevices: on one device experiment.Train cannot use several, and the check
// says so instead of passing (both runs are then simulated and agree).
func TestTrainBothNeedsDevices(t *testing.T) {
	if backend, err := dlopt.Backend(); err != nil || backend.NumDevices() > 1 {
		t.Skip("the backend has several devices: run dpcheck itself")
	}
	var out strings.Builder
	if trainBoth(2, 1e-5, &out) || !strings.Contains(out.String(), "largest loss difference 0 ") ||
		!strings.Contains(out.String(), "Train used 1 device(s)") {
		t.Errorf("one device:\n%s", out.String())
	}
}
