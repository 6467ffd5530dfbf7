package backendtest

import (
	"testing"

	"github.com/dlopt/course/dlopt"
	"github.com/gomlx/compute/dtypes"
)

func TestSelectedIsDloptBackend(t *testing.T) {
	b := Selected(t)
	want, _ := dlopt.Backend()
	if b != want {
		t.Errorf("Selected = %v, dlopt.Backend() = %v", b, want)
	}
	if b.Name() == "go" && TF32(b) {
		t.Errorf("simplego reported as TF32")
	}
	RequireDType(t, b, dtypes.Float32) // every backend has float32: must not skip
}
