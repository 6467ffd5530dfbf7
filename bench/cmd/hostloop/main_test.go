package main

import (
	"testing"

	"github.com/gomlx/compute/dtypes"
)

func TestFloat32Code(t *testing.T) {
	if dtypes.DType(float32Code) != dtypes.Float32 {
		t.Fatalf("float32Code %d is %s, want %s", float32Code, dtypes.DType(float32Code), dtypes.Float32)
	}
}

// TestOnce: a short run of the workload lands where Adam from (200, 200) is after 10,000 steps
// of about lr each (torch_peer.py's quadratic ends at f = 61007.3).
func TestOnce(t *testing.T) {
	f, err := once()
	if err != nil {
		t.Fatal(err)
	}
	if f < 60000 || f > 62000 {
		t.Errorf("final f %g, want about 61007", f)
	}
}
