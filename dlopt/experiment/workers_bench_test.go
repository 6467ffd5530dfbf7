package experiment

import "testing"

// BenchmarkWorkersEpoch times the second epoch (the first compiles) of the MLP 784-256-256-10
// with SGD on Fashion-MNIST: one model with batch 128 and with batch 1024, and 8 simulated
// workers over a ring with batch 128 each (1024 examples per step, as one model 8 times as
// wide). Each reports s/epoch; an epoch is the 60,000 training images in every case.
//
//	go test -run '^$' -bench WorkersEpoch -benchtime 1x ./dlopt/experiment/
func BenchmarkWorkersEpoch(b *testing.B) {
	ds, err := LoadFashionMNIST()
	if err != nil {
		b.Skip(err)
	}
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"single-batch128", Config{BatchSize: 128}},
		{"single-batch1024", Config{BatchSize: 1024}},
		{"workers8-ring-batch128", Config{BatchSize: 128, Workers: 8, Topology: "ring"}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			cfg := tc.cfg
			cfg.Model, cfg.Optimizer, cfg.LearningRate, cfg.Epochs, cfg.TestLimit = ModelMLP, "torch:SGD", 0.05, 2, 1000
			seconds := 0.0
			for range b.N {
				r, err := Train(cfg, ds, Callbacks{})
				if err != nil {
					b.Fatal(err)
				}
				seconds += r.History[1].Seconds
			}
			b.ReportMetric(seconds/float64(b.N), "s/epoch")
		})
	}
}
