package experiment

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
)

// TestPerStepMetrics: every step is recorded with its loss and the learning rate the schedule
// gave it, and Progress reports the same; the epoch's train loss is their size-weighted mean.
func TestPerStepMetrics(t *testing.T) {
	ds := synthetic(t, 90, 4, 3) // 90 = 3 full batches of 25 and one of 15
	cfg := Config{Model: ModelLinear, Optimizer: "AdamW", LearningRate: 0.02, Schedule: ScheduleCosine, Epochs: 2, BatchSize: 25}
	var progress []Progress
	r, err := Train(cfg, ds, Callbacks{OnStep: func(p Progress) { progress = append(progress, p) }})
	if err != nil {
		t.Fatal(err)
	}
	const stepsPerEpoch, total = 4, 8
	if len(r.Steps) != total || len(progress) != total {
		t.Fatalf("%d step records, %d progress reports; want %d", len(r.Steps), len(progress), total)
	}
	for i, s := range r.Steps {
		// Cosine decay from 0.02 to 0 over the 8 steps, step k (from 0) at 0.01 (1 + cos(pi k/8)).
		wantLR := 0.01 * (1 + math.Cos(math.Pi*float64(i)/total))
		if s.Step != i+1 || s.Epoch != i/stepsPerEpoch+1 || math.Abs(s.LearningRate-wantLR) > 1e-12 || !(s.Loss > 0) {
			t.Errorf("step record %d = %+v, want step %d, epoch %d, lr %g", i, s, i+1, i/stepsPerEpoch+1, wantLR)
		}
		p := progress[i]
		if p.GlobalStep != s.Step || p.LearningRate != s.LearningRate || p.BatchLoss != s.Loss || p.Step != i%stepsPerEpoch+1 {
			t.Errorf("progress %d = %+v, does not match step record %+v", i, p, s)
		}
	}
	for e, m := range r.History {
		var sum float64
		for i, s := range r.Steps[e*stepsPerEpoch : (e+1)*stepsPerEpoch] {
			size := 25.0
			if i == stepsPerEpoch-1 {
				size = 15
			}
			sum += s.Loss * size
		}
		if mean := sum / 90; math.Abs(mean-m.TrainLoss) > 1e-12 {
			t.Errorf("epoch %d: train loss %g, but the steps' weighted mean is %g", e+1, m.TrainLoss, mean)
		}
	}
	var buf strings.Builder
	if err := WriteStepCSV(&buf, r.Steps); err != nil {
		t.Fatal(err)
	}
	rows := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(rows) != total+1 || rows[0] != "step,epoch,loss,lr" {
		t.Fatalf("steps CSV has %d rows starting %q, want %d and the header", len(rows), rows[0], total+1)
	}
	for i, row := range rows[1:] {
		f := strings.Split(row, ",")
		loss, _ := strconv.ParseFloat(f[2], 64)
		lr, _ := strconv.ParseFloat(f[3], 64)
		if f[0] != strconv.Itoa(i+1) || loss != r.Steps[i].Loss || lr != r.Steps[i].LearningRate {
			t.Errorf("steps CSV row %q does not read back as %+v", row, r.Steps[i])
		}
	}
	if _, err := StepCurve(r.Steps, "loss", true).PNG(); err != nil {
		t.Error(err)
	}
	if _, err := LearningRateCurve(r.Steps, "lr").PNG(); err != nil {
		t.Error(err)
	}
}

// TestDivergenceNamesStepAndOptimizer: a run whose loss overflows stops at that step with an
// error naming the step, the optimizer and its learning rate, not GoMLX's data-reading wrapper.
func TestDivergenceNamesStepAndOptimizer(t *testing.T) {
	ds := synthetic(t, 40, 16, 3)
	r, err := Train(Config{Optimizer: "torch:SGD", LearningRate: 1e38, Epochs: 3, BatchSize: 10}, ds, Callbacks{})
	if !errors.Is(err, ErrDiverged) || r == nil || len(r.Steps) == 0 {
		t.Fatalf("error %v, result %v; want ErrDiverged with the steps so far", err, r)
	}
	last := r.Steps[len(r.Steps)-1]
	for _, want := range []string{`optimizer "torch:SGD" at learning rate 1e+38`, "step " + strconv.Itoa(last.Step) + " (epoch 1, batch " + strconv.Itoa(last.Step) + " of 4)"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "Dataset") || !(math.IsNaN(last.Loss) || math.IsInf(last.Loss, 0)) {
		t.Errorf("error %q (last loss %g): want no mention of the dataset and a non-finite last loss", err, last.Loss)
	}
}
