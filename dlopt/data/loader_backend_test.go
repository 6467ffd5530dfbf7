package data

import (
	"slices"
	"testing"

	"github.com/dlopt/course/dlopt"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"
)

// TestLoaderBackendBuffers checks that batches built in a backend's shared buffers
// (LoaderConfig.Backend) hold the same values as the plain ones, for both dtypes and shapes,
// and that a finalized backend falls back to Go memory.
func TestLoaderBackendBuffers(t *testing.T) {
	backend, err := dlopt.NewBackend("go")
	if err != nil {
		t.Fatal(err)
	}
	ds := mustSynthetic(t, 10)
	for _, dt := range []dtypes.DType{dtypes.Float32, dtypes.Float64} {
		for _, flatten := range []bool{false, true} {
			cfg := LoaderConfig{BatchSize: 4, Shuffle: true, Seed: 5, DType: dt, Flatten: flatten, Norm: Normalization{Mean: 0.3, Std: 0.7}}
			plain := mustLoader(t, ds, cfg)
			cfg.Backend = backend
			shared := mustLoader(t, ds, cfg)
			for range plain.BatchesPerEpoch() + 1 { // into the next epoch, through the prefetch
				_, want, wantLabels, err1 := plain.Yield()
				_, got, gotLabels, err2 := shared.Yield()
				if err1 != nil || err2 != nil {
					if err1 != err2 {
						t.Fatalf("%s flatten=%v: errors %v and %v", dt, flatten, err1, err2)
					}
					continue
				}
				if !got[0].IsShared() {
					t.Errorf("%s flatten=%v: images not in a shared buffer", dt, flatten)
				}
				if !slices.Equal(got[0].Shape().Dimensions, want[0].Shape().Dimensions) || got[0].DType() != want[0].DType() {
					t.Fatalf("%s flatten=%v: shape %s, want %s", dt, flatten, got[0].Shape(), want[0].Shape())
				}
				if !got[0].Equal(want[0]) {
					t.Errorf("%s flatten=%v: images %v, want %v", dt, flatten, got[0], want[0])
				}
				if g, w := tensors.MustCopyFlatData[int32](gotLabels[0]), tensors.MustCopyFlatData[int32](wantLabels[0]); !slices.Equal(g, w) {
					t.Errorf("%s flatten=%v: labels %v, want %v", dt, flatten, g, w)
				}
			}
		}
	}
	l := mustLoader(t, ds, LoaderConfig{BatchSize: 4, Backend: backend})
	backend.Finalize()
	_, images, _, err := l.Yield()
	if err != nil || images[0].IsShared() || len(tensors.MustCopyFlatData[float32](images[0])) != 4*ds.Features() {
		t.Errorf("after the backend's Finalize: err %v, want a batch in Go memory", err)
	}
}
