package data

import (
	"errors"
	"io"
	"math"
	"slices"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"
)

func mustSynthetic(t testing.TB, n int) *Dataset {
	t.Helper()
	ds, err := Synthetic(SyntheticConfig{N: n, Height: 3, Width: 2, Classes: 4, Noise: 0.2, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func mustLoader(t testing.TB, ds *Dataset, cfg LoaderConfig) *Loader {
	t.Helper()
	l, err := NewLoader(ds, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// drainSizes returns the sizes of the batches Yield returns until io.EOF.
func drainSizes(t *testing.T, l *Loader) []int {
	t.Helper()
	var sizes []int
	for {
		_, inputs, labels, err := l.Yield()
		if errors.Is(err, io.EOF) {
			return sizes
		}
		if err != nil {
			t.Fatal(err)
		}
		n := inputs[0].Shape().Dimensions[0]
		lab := tensors.MustCopyFlatData[int32](labels[0])
		if len(lab) != n {
			t.Fatalf("batch of %d images has %d labels", n, len(lab))
		}
		sizes = append(sizes, n)
	}
}

func TestLoaderPartialBatches(t *testing.T) {
	ds := mustSynthetic(t, 10)
	tests := []struct {
		dropLast  bool
		wantSizes []int
	}{
		{false, []int{4, 4, 2}},
		{true, []int{4, 4}},
	}
	for _, tc := range tests {
		l := mustLoader(t, ds, LoaderConfig{BatchSize: 4, DropLast: tc.dropLast})
		var sizes []int
		for b := range l.Batches(0) {
			sizes = append(sizes, len(b.Indices))
		}
		if !slices.Equal(sizes, tc.wantSizes) || l.BatchesPerEpoch() != len(tc.wantSizes) {
			t.Errorf("DropLast=%v: batch sizes %v (BatchesPerEpoch %d), want %v", tc.dropLast, sizes, l.BatchesPerEpoch(), tc.wantSizes)
		}
		if yielded := drainSizes(t, l); !slices.Equal(yielded, tc.wantSizes) {
			t.Errorf("DropLast=%v: Yield gave sizes %v, want %v", tc.dropLast, yielded, tc.wantSizes)
		}
	}
}

func TestLoaderRepeat(t *testing.T) {
	ds := mustSynthetic(t, 10)
	l := mustLoader(t, ds, LoaderConfig{BatchSize: 4, DropLast: true, Repeat: true, Shuffle: true, Seed: 3})
	var labels []int32
	for range 5 { // two full epochs of 2 batches, and one batch into the third
		_, _, lab, err := l.Yield()
		if err != nil {
			t.Fatal(err)
		}
		labels = append(labels, tensors.MustCopyFlatData[int32](lab[0])...)
	}
	var want []int32
	for e := range 3 {
		for _, i := range l.EpochOrder(e)[:8] {
			want = append(want, int32(ds.Labels[i]))
		}
	}
	if !slices.Equal(labels, want[:20]) || l.Epoch() != 2 {
		t.Fatalf("repeating loader gave labels %v at epoch %d, want %v at epoch 2", labels, l.Epoch(), want[:20])
	}
}

func TestLoaderShuffleIsSeededPermutation(t *testing.T) {
	ds := mustSynthetic(t, 50)
	a := mustLoader(t, ds, LoaderConfig{BatchSize: 8, Shuffle: true, Seed: 1})
	b := mustLoader(t, ds, LoaderConfig{BatchSize: 8, Shuffle: true, Seed: 1})
	c := mustLoader(t, ds, LoaderConfig{BatchSize: 8, Shuffle: true, Seed: 2})
	identity := mustLoader(t, ds, LoaderConfig{BatchSize: 8}).EpochOrder(3)
	for e := range 3 {
		oa := a.EpochOrder(e)
		if !slices.Equal(oa, b.EpochOrder(e)) {
			t.Fatalf("epoch %d: same seed, different orders", e)
		}
		if slices.Equal(oa, c.EpochOrder(e)) || slices.Equal(oa, identity) {
			t.Fatalf("epoch %d: order %v equals another seed's or the identity", e, oa)
		}
		sorted := slices.Sorted(slices.Values(oa))
		if !slices.Equal(sorted, identity) {
			t.Fatalf("epoch %d: order %v is not a permutation of 0..49", e, oa)
		}
	}
	if slices.Equal(a.EpochOrder(0), a.EpochOrder(1)) {
		t.Fatal("epochs 0 and 1 have the same permutation")
	}
}

func TestLoaderYieldFollowsEpochs(t *testing.T) {
	ds := mustSynthetic(t, 20)
	l := mustLoader(t, ds, LoaderConfig{BatchSize: 6, Shuffle: true, Seed: 9})
	for e := range 2 {
		if l.Epoch() != e {
			t.Fatalf("Epoch() = %d, want %d", l.Epoch(), e)
		}
		var fromIter []int
		for b := range l.Batches(e) {
			fromIter = append(fromIter, b.Indices...)
		}
		if !slices.Equal(fromIter, l.EpochOrder(e)) {
			t.Fatalf("epoch %d: Batches gave %v, EpochOrder %v", e, fromIter, l.EpochOrder(e))
		}
		var labels []int32
		for {
			_, _, lab, err := l.Yield()
			if err == io.EOF {
				break
			}
			labels = append(labels, tensors.MustCopyFlatData[int32](lab[0])...)
		}
		for i, idx := range fromIter {
			if labels[i] != int32(ds.Labels[idx]) {
				t.Fatalf("epoch %d position %d: Yield label %d, dataset label %d of image %d", e, i, labels[i], ds.Labels[idx], idx)
			}
		}
		l.Reset()
	}
}

func TestLoaderValuesAndDTypes(t *testing.T) {
	ds := mustSynthetic(t, 5)
	std := Standardization(ds)
	for _, tc := range []struct {
		dtype   dtypes.DType
		norm    Normalization
		flatten bool
		dims    []int
	}{
		{dtypes.InvalidDType, Normalization{}, false, []int{5, 3, 2}},
		{dtypes.Float64, std, true, []int{5, 6}},
		{dtypes.Float32, std, false, []int{5, 3, 2}},
	} {
		l := mustLoader(t, ds, LoaderConfig{BatchSize: 5, DType: tc.dtype, Norm: tc.norm, Flatten: tc.flatten})
		norm := tc.norm
		if norm == (Normalization{}) {
			norm = UnitRange
		}
		for b := range l.Batches(0) {
			if !slices.Equal(b.Images.Shape().Dimensions, tc.dims) {
				t.Fatalf("image dims %v, want %v", b.Images.Shape().Dimensions, tc.dims)
			}
			var got []float64
			switch b.Images.DType() {
			case dtypes.Float32:
				for _, v := range tensors.MustCopyFlatData[float32](b.Images) {
					got = append(got, float64(v))
				}
			case dtypes.Float64:
				got = tensors.MustCopyFlatData[float64](b.Images)
			default:
				t.Fatalf("dtype %s", b.Images.DType())
			}
			tol := 1e-6
			if b.Images.DType() == dtypes.Float64 {
				tol = 0
			}
			for k, p := range ds.Pixels {
				want := (float64(p)/255 - norm.Mean) / norm.Std
				if math.Abs(got[k]-want) > tol*math.Max(1, math.Abs(want)) {
					t.Fatalf("pixel %d = %v, want %v", k, got[k], want)
				}
			}
		}
	}
}

func TestStandardization(t *testing.T) {
	ds := mustSynthetic(t, 40)
	norm := Standardization(ds)
	var sum, sumSq float64
	for _, p := range ds.Pixels {
		v := norm.Apply(p)
		sum += v
		sumSq += v * v
	}
	n := float64(len(ds.Pixels))
	if mean, variance := sum/n, sumSq/n-(sum/n)*(sum/n); math.Abs(mean) > 1e-12 || math.Abs(variance-1) > 1e-12 {
		t.Fatalf("standardised pixels have mean %g and variance %g, want 0 and 1", mean, variance)
	}
}

func TestNewLoaderRejects(t *testing.T) {
	ds := mustSynthetic(t, 10)
	bad := map[string]LoaderConfig{
		"zero batch":         {BatchSize: 0},
		"batch above N":      {BatchSize: 11},
		"integer dtype":      {BatchSize: 2, DType: dtypes.Int32},
		"zero std":           {BatchSize: 2, Norm: Normalization{Mean: 0.5, Std: 0}},
		"NaN mean":           {BatchSize: 2, Norm: Normalization{Mean: math.NaN(), Std: 1}},
		"negative std":       {BatchSize: 2, Norm: Normalization{Mean: 0, Std: -1}},
		"infinite std value": {BatchSize: 2, Norm: Normalization{Mean: 0, Std: math.Inf(1)}},
	}
	for name, cfg := range bad {
		if _, err := NewLoader(ds, cfg); err == nil {
			t.Errorf("%s: NewLoader accepted %+v", name, cfg)
		}
	}
	broken := *ds
	broken.Labels = slices.Clone(ds.Labels)
	broken.Labels[3] = 4 // 4 classes: labels must be below 4
	if _, err := NewLoader(&broken, LoaderConfig{BatchSize: 2}); err == nil {
		t.Error("NewLoader accepted a dataset with an out-of-range label")
	}
}

func TestSynthetic(t *testing.T) {
	a, b := mustSynthetic(t, 12), mustSynthetic(t, 12)
	if !slices.Equal(a.Pixels, b.Pixels) || !slices.Equal(a.Labels, b.Labels) {
		t.Fatal("same config, different data")
	}
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, cfg := range []SyntheticConfig{
		{N: 0, Height: 2, Width: 2, Classes: 2},
		{N: 4, Height: 2, Width: 2, Classes: 1},
		{N: 4, Height: 2, Width: 2, Classes: 2, Noise: 1.5},
		{N: 4, Height: -1, Width: 2, Classes: 2},
	} {
		if _, err := Synthetic(cfg); err == nil {
			t.Errorf("Synthetic accepted %+v", cfg)
		}
	}
}

func TestFloat64RowsAndOneHot(t *testing.T) {
	ds := mustSynthetic(t, 8)
	indices := []int{5, 0, 7}
	rows, oneHot := ds.Float64Rows(indices, UnitRange), ds.OneHot(indices)
	if len(rows) != 3 || len(oneHot) != 3 {
		t.Fatalf("%d rows and %d one-hot rows for 3 indices", len(rows), len(oneHot))
	}
	for r, i := range indices {
		for j, p := range ds.Image(i) {
			if rows[r][j] != float64(p)/255 {
				t.Fatalf("row %d pixel %d = %g, want %g", r, j, rows[r][j], float64(p)/255)
			}
		}
		var sum float64
		for c, v := range oneHot[r] {
			sum += v
			if (c == int(ds.Labels[i])) != (v == 1) {
				t.Fatalf("one-hot row %d = %v for label %d", r, oneHot[r], ds.Labels[i])
			}
		}
		if sum != 1 || len(oneHot[r]) != ds.NumClasses() {
			t.Fatalf("one-hot row %d = %v", r, oneHot[r])
		}
	}
}

// TestLoaderPrefetchKeepsOrder: Yield prefetches the next batch; whatever the caller does between
// calls (Reset in the middle of an epoch, Repeat across epochs, a partial last batch), it yields
// exactly the batches Batches gives for the same epochs, images included.
func TestLoaderPrefetchKeepsOrder(t *testing.T) {
	ds := mustSynthetic(t, 23)
	for _, tc := range []struct {
		name string
		cfg  LoaderConfig
		// resetAfter[e] > 0: Reset after that many batches of epoch e (then epoch e+1 starts).
		resetAfter []int
		batches    int // Yield calls in all
	}{
		{"epochs with a partial batch", LoaderConfig{BatchSize: 5, Shuffle: true, Seed: 3}, nil, 15},
		{"drop last", LoaderConfig{BatchSize: 5, Shuffle: true, Seed: 3, DropLast: true}, nil, 12},
		{"reset mid-epoch", LoaderConfig{BatchSize: 4, Shuffle: true, Seed: 5}, []int{2, 1, 3}, 6},
		{"repeat", LoaderConfig{BatchSize: 6, Shuffle: true, Seed: 7, Repeat: true}, nil, 13},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := mustLoader(t, ds, tc.cfg)
			// want: the batches of epochs 0, 1, ... as Batches gives them, cut where Reset is called.
			var want []Batch
			for e := 0; len(want) < tc.batches; e++ {
				n := 0
				for b := range l.Batches(e) {
					if e < len(tc.resetAfter) && n == tc.resetAfter[e] {
						break
					}
					want = append(want, b)
					n++
				}
			}
			e, n := 0, 0
			for i := range tc.batches {
				if e < len(tc.resetAfter) && n == tc.resetAfter[e] {
					l.Reset()
					e, n = e+1, 0
				}
				_, inputs, labels, err := l.Yield()
				if err == io.EOF && !tc.cfg.Repeat {
					l.Reset()
					e, n = e+1, 0
					_, inputs, labels, err = l.Yield()
				}
				if err != nil {
					t.Fatalf("batch %d: %v", i, err)
				}
				n++
				if got, w := tensors.MustCopyFlatData[float32](inputs[0]), tensors.MustCopyFlatData[float32](want[i].Images); !slices.Equal(got, w) {
					t.Fatalf("batch %d: images differ from Batches'", i)
				}
				if got, w := tensors.MustCopyFlatData[int32](labels[0]), tensors.MustCopyFlatData[int32](want[i].Labels); !slices.Equal(got, w) {
					t.Fatalf("batch %d: labels %v, Batches gives %v", i, got, w)
				}
			}
		})
	}
}
