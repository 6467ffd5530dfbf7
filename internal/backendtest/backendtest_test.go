package backendtest

import (
	"testing"

	"github.com/dlopt/course/dlopt"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/gobackend"
)

func TestSelectedIsDloptBackend(t *testing.T) {
	b := Selected(t)
	want, _ := dlopt.Backend()
	if b != want {
		t.Errorf("Selected = %v, dlopt.Backend() = %v", b, want)
	}
	if b.String() == gobackend.BackendName && TF32(b) {
		t.Errorf("the Go backend (%s) reported as TF32", b.Description())
	}
	RequireDType(t, b, dtypes.Float32) // every backend has float32: must not skip
}
