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
