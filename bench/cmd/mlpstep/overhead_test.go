package main

import (
	"testing"

	"github.com/dlopt/course/dlopt"
)

// BenchmarkTinyStep times the train step at batch 1, hidden 8, where the arithmetic is
// negligible and what is left is per-step overhead: GoMLX's Trainer and model.Exec
// bookkeeping plus the backend's per-op cost. A CPU profile of it tells them apart:
//
//	go test -run XXX -bench TinyStep -benchtime 1x -cpuprofile /tmp/step.prof ./bench/cmd/mlpstep
//	go tool pprof -top -cum /tmp/step.prof   # gobackend.(*Executable).Execute vs Trainer.TrainStep
func BenchmarkTinyStep(b *testing.B) {
	backend, err := dlopt.Backend()
	if err != nil {
		b.Fatal(err)
	}
	const steps = 2000
	for b.Loop() {
		t, err := timeTrainStep(backend, size{Batch: 1, Hidden: 8}, steps, 1, 5)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(t.msPerStep[0]*1000, "µs/step")
	}
}
