package experiment

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dlopt/course/dlopt/data"
)

// BenchmarkCheckpoint measures, for each model trained with Adam (two state tensors per
// parameter) on Fashion-MNIST-shaped data, the time to write one checkpoint (GoMLX's save,
// checksums, fsyncs, rename) and reports its size and its share of a full Fashion-MNIST epoch
// (469 steps of 128, the step time measured in the same run), which is what the default of one
// checkpoint per epoch adds.
//
//	go test -run '^$' -bench BenchmarkCheckpoint -benchtime 10x ./dlopt/experiment
func BenchmarkCheckpoint(b *testing.B) {
	const batch, steps, fullEpochSteps = 128, 6, 469
	all, err := data.Synthetic(data.SyntheticConfig{N: batch*steps + 250, Height: 28, Width: 28, Classes: 10, Noise: 0.5, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	indices := make([]int, all.N)
	for i := range indices {
		indices[i] = i
	}
	trainSet, _ := all.Subset("train", indices[:batch*steps])
	testSet, _ := all.Subset("test", indices[batch*steps:])
	for _, model := range Models {
		b.Run(model, func(b *testing.B) {
			cfg := Config{Model: model, Optimizer: "Adam", Epochs: 3, BatchSize: batch,
				Checkpoint: Checkpointing{Dir: b.TempDir()}}.WithDefaults()
			rn, err := newRun(cfg, Datasets{Train: trainSet, Test: testSet}, Callbacks{}, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer rn.result.Close()
			if _, err := rn.epoch(1); err != nil { // compiles, creates every variable
				b.Fatal(err)
			}
			m, err := rn.epoch(2)
			if err != nil {
				b.Fatal(err)
			}
			epoch := time.Duration(m.Seconds / steps * fullEpochSteps * float64(time.Second))
			b.ResetTimer()
			for b.Loop() {
				rn.result.Checkpoint = "" // write the same state again
				if err := rn.saveCheckpoint(); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			perCheckpoint := b.Elapsed() / time.Duration(b.N)
			files, _ := os.ReadDir(rn.result.Checkpoint)
			var size int64
			for _, f := range files {
				if info, err := os.Stat(filepath.Join(rn.result.Checkpoint, f.Name())); err == nil {
					size += info.Size()
				}
			}
			b.ReportMetric(float64(size)/1e6, "MB/checkpoint")
			b.ReportMetric(epoch.Seconds(), "s/epoch")
			b.ReportMetric(100*perCheckpoint.Seconds()/epoch.Seconds(), "%epoch")
		})
	}
}
