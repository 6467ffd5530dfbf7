package data

import (
	"math/rand/v2"
	"testing"

	"github.com/gomlx/compute/dtypes"
)

// fashionSized returns a dataset of Fashion-MNIST's training size (60,000 images of 28x28) with
// random pixels, so the benchmark needs no download.
func fashionSized(b *testing.B) *Dataset {
	b.Helper()
	const n, h, w = 60_000, 28, 28
	rng := rand.New(rand.NewPCG(1, 2))
	ds := &Dataset{Name: "fashion-sized", N: n, Height: h, Width: w, Pixels: make([]uint8, n*h*w), Labels: make([]uint8, n),
		ClassNames: []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}}
	for i := range ds.Pixels {
		ds.Pixels[i] = uint8(rng.Uint32())
	}
	for i := range ds.Labels {
		ds.Labels[i] = uint8(rng.IntN(10))
	}
	return ds
}

// BenchmarkMakeBatch builds one shuffled batch of 128 flattened images, as the benchmark
// workloads' loader does on each step (bench/cmd/dlbench).
func BenchmarkMakeBatch(b *testing.B) {
	ds := fashionSized(b)
	for _, dtype := range []dtypes.DType{dtypes.Float32, dtypes.Float64} {
		b.Run(dtype.String(), func(b *testing.B) {
			l := mustLoader(b, ds, LoaderConfig{BatchSize: 128, Shuffle: true, Seed: 1, DropLast: true, Flatten: true, DType: dtype})
			order := l.EpochOrder(0)
			b.SetBytes(int64(128 * ds.Features()))
			start := 0
			for b.Loop() {
				if start+128 > len(order) {
					start = 0
				}
				batch := l.makeBatch(order[start : start+128])
				batch.Images.FinalizeAll()
				batch.Labels.FinalizeAll()
				start += 128
			}
		})
	}
}
