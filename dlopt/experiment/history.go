package experiment

import (
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/dlopt/course/dlopt/viz"
)

// CSVHeader is the first row [WriteCSV] writes.
var CSVHeader = []string{"epoch", "train_loss", "test_loss", "test_accuracy", "seconds", "eval_seconds"}

// CSVWorkersColumns are the columns [WriteCSV] adds after [CSVHeader]'s for a run of simulated
// workers (EpochMetrics.Workers > 1): their number and the consensus error after the epoch.
var CSVWorkersColumns = []string{"workers", "consensus_error"}

// WriteCSV writes the history as CSV: [CSVHeader], then one row per epoch with every float in
// the shortest form that reads back to the same float64. A run of simulated workers gets one
// more columns, [CSVWorkersColumns].
func WriteCSV(w io.Writer, history []EpochMetrics) error {
	cw := csv.NewWriter(w)
	workers := len(history) > 0 && history[0].Workers > 1
	header := CSVHeader
	if workers {
		header = slices.Concat(CSVHeader, CSVWorkersColumns)
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	f := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	for _, m := range history {
		row := []string{strconv.Itoa(m.Epoch), f(m.TrainLoss), f(m.TestLoss), f(m.TestAccuracy), f(m.Seconds), f(m.EvalSeconds)}
		if workers {
			row = append(row, strconv.Itoa(m.Workers), f(m.ConsensusError))
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// StepCSVHeader is the first row [WriteStepCSV] writes.
var StepCSVHeader = []string{"step", "epoch", "loss", "lr"}

// WriteStepCSV writes the per-step records as CSV: [StepCSVHeader], then one row per step,
// floats in the shortest form that reads back to the same float64.
func WriteStepCSV(w io.Writer, steps []StepMetrics) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(StepCSVHeader); err != nil {
		return err
	}
	f := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	for _, s := range steps {
		if err := cw.Write([]string{strconv.Itoa(s.Step), strconv.Itoa(s.Epoch), f(s.Loss), f(s.LearningRate)}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// ReadCSV reads what [WriteCSV] wrote.
func ReadCSV(r io.Reader) ([]EpochMetrics, error) {
	rows, err := csv.NewReader(r).ReadAll()
	if err != nil {
		return nil, err
	}
	workersHeader := slices.Concat(CSVHeader, CSVWorkersColumns)
	workers := len(rows) > 0 && slices.Equal(rows[0], workersHeader)
	if len(rows) == 0 || (!workers && !slices.Equal(rows[0], CSVHeader)) {
		return nil, fmt.Errorf("experiment: metrics CSV must start with the header %v (or %v)", CSVHeader, workersHeader)
	}
	history := make([]EpochMetrics, 0, len(rows)-1)
	for i, row := range rows[1:] {
		var m EpochMetrics
		var errs [6]error
		m.Epoch, errs[0] = strconv.Atoi(row[0])
		m.TrainLoss, errs[1] = strconv.ParseFloat(row[1], 64)
		m.TestLoss, errs[2] = strconv.ParseFloat(row[2], 64)
		m.TestAccuracy, errs[3] = strconv.ParseFloat(row[3], 64)
		m.Seconds, errs[4] = strconv.ParseFloat(row[4], 64)
		m.EvalSeconds, errs[5] = strconv.ParseFloat(row[5], 64)
		for j, err := range errs {
			if err != nil {
				return nil, fmt.Errorf("experiment: metrics CSV row %d, column %q: %w", i+2, CSVHeader[j], err)
			}
		}
		if workers {
			var errs [2]error
			m.Workers, errs[0] = strconv.Atoi(row[6])
			m.ConsensusError, errs[1] = strconv.ParseFloat(row[7], 64)
			for j, err := range errs {
				if err != nil {
					return nil, fmt.Errorf("experiment: metrics CSV row %d, column %q: %w", i+2, CSVWorkersColumns[j], err)
				}
			}
		}
		history = append(history, m)
	}
	return history, nil
}

// Curves plots the training loss, the test loss and the test accuracy against the epoch on one
// pair of axes (losses in nats and accuracy as a fraction share the range of a few units).
// title goes on top, e.g. the run's configuration.
func Curves(history []EpochMetrics, title string) *viz.Figure {
	epochs := make([]float64, len(history))
	trainLoss := make([]float64, len(history))
	testLoss := make([]float64, len(history))
	accuracy := make([]float64, len(history))
	for i, m := range history {
		epochs[i], trainLoss[i], testLoss[i], accuracy[i] = float64(m.Epoch), m.TrainLoss, m.TestLoss, m.TestAccuracy
	}
	return viz.Lines(viz.Axes{Title: title, XLabel: "epoch", YLabel: "loss (nats) / accuracy"},
		viz.Series{Name: "train loss", X: epochs, Y: trainLoss, Points: true},
		viz.Series{Name: "test loss", X: epochs, Y: testLoss, Points: true},
		viz.Series{Name: "test accuracy", X: epochs, Y: accuracy, Points: true, Dashed: true},
	)
}

// StepCurve plots the batch loss of every training step against the step, on a log scale
// when logLoss is set (losses spanning decades), so that a short run still shows its curve.
func StepCurve(steps []StepMetrics, title string, logLoss bool) *viz.Figure {
	x := make([]float64, len(steps))
	loss := make([]float64, len(steps))
	for i, s := range steps {
		x[i], loss[i] = float64(s.Step), s.Loss
	}
	return viz.Lines(viz.Axes{Title: title, XLabel: "step", YLabel: "batch loss (nats)", LogY: logLoss},
		viz.Series{Name: "batch loss", X: x, Y: loss})
}

// LearningRateCurve plots the learning rate each step used: the schedule as it ran.
func LearningRateCurve(steps []StepMetrics, title string) *viz.Figure {
	x := make([]float64, len(steps))
	lr := make([]float64, len(steps))
	for i, s := range steps {
		x[i], lr[i] = float64(s.Step), s.LearningRate
	}
	return viz.Lines(viz.Axes{Title: title, XLabel: "step", YLabel: "learning rate"}, viz.Series{Name: "learning rate", X: x, Y: lr})
}

// String gives the one-line summary the command line prints per epoch; a run of simulated
// workers ends it with the consensus error.
func (m EpochMetrics) String() string {
	if m.Workers > 1 {
		return fmt.Sprintf("epoch %d: train loss %.4f, test loss %.4f, test accuracy %.2f%% (average of %d workers), consensus error %.4g (%.1fs + %.1fs eval)",
			m.Epoch, m.TrainLoss, m.TestLoss, 100*m.TestAccuracy, m.Workers, m.ConsensusError, m.Seconds, m.EvalSeconds)
	}
	return fmt.Sprintf("epoch %d: train loss %.4f, test loss %.4f, test accuracy %.2f%% (%.1fs + %.1fs eval)",
		m.Epoch, m.TrainLoss, m.TestLoss, 100*m.TestAccuracy, m.Seconds, m.EvalSeconds)
}
