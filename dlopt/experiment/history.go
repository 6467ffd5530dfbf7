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

// CSVOptimizerColumn is the last column [WriteCSV] writes when the epochs name their optimizer
// (EpochMetrics.Optimizer, as a run of [Train] does): library:name on every row, so that files
// of several runs can be concatenated and grouped by it.
const CSVOptimizerColumn = "optimizer"

// csvColumns are the columns of history's CSV.
func csvColumns(history []EpochMetrics) []string {
	header := slices.Clone(CSVHeader)
	if len(history) > 0 && history[0].Workers > 1 {
		header = append(header, CSVWorkersColumns...)
	}
	if len(history) > 0 && history[0].Optimizer != "" {
		header = append(header, CSVOptimizerColumn)
	}
	return header
}

// WriteCSV writes the history as CSV: [CSVHeader], then one row per epoch with every float in
// the shortest form that reads back to the same float64. A run of simulated workers gets the
// columns [CSVWorkersColumns] after those, and a history that names its optimizer the column
// [CSVOptimizerColumn] last.
func WriteCSV(w io.Writer, history []EpochMetrics) error {
	cw := csv.NewWriter(w)
	header := csvColumns(history)
	if err := cw.Write(header); err != nil {
		return err
	}
	f := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	for _, m := range history {
		values := map[string]string{"epoch": strconv.Itoa(m.Epoch), "train_loss": f(m.TrainLoss), "test_loss": f(m.TestLoss),
			"test_accuracy": f(m.TestAccuracy), "seconds": f(m.Seconds), "eval_seconds": f(m.EvalSeconds),
			"workers": strconv.Itoa(m.Workers), "consensus_error": f(m.ConsensusError), CSVOptimizerColumn: m.Optimizer}
		row := make([]string, len(header))
		for i, c := range header {
			row[i] = values[c]
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

// ReadCSV reads what [WriteCSV] wrote: [CSVHeader]'s columns, then optionally
// [CSVWorkersColumns], then optionally [CSVOptimizerColumn].
func ReadCSV(r io.Reader) ([]EpochMetrics, error) {
	rows, err := csv.NewReader(r).ReadAll()
	if err != nil {
		return nil, err
	}
	var header []string
	if len(rows) > 0 {
		header = rows[0]
	}
	base := len(CSVHeader)
	workers := len(header) >= base+2 && slices.Equal(header[base:base+2], CSVWorkersColumns)
	var rest []string // the columns after CSVHeader's and the workers' ones
	if len(header) > base {
		rest = header[base:]
	}
	if workers {
		rest = rest[len(CSVWorkersColumns):]
	}
	optimizer := len(rest) == 1 && rest[0] == CSVOptimizerColumn
	if len(header) < base || !slices.Equal(header[:base], CSVHeader) || (len(rest) > 0 && !optimizer) {
		return nil, fmt.Errorf("experiment: metrics CSV must start with the header %v, optionally followed by %v, then optionally %q; it starts with %v",
			CSVHeader, CSVWorkersColumns, CSVOptimizerColumn, header)
	}
	history := make([]EpochMetrics, 0, len(rows)-1)
	for i, row := range rows[1:] {
		var m EpochMetrics
		var err error
		col := func(j int, parse func(string) error) {
			if err == nil {
				if e := parse(row[j]); e != nil {
					err = fmt.Errorf("experiment: metrics CSV row %d, column %q: %w", i+2, header[j], e)
				}
			}
		}
		float := func(dst *float64) func(string) error {
			return func(s string) (e error) { *dst, e = strconv.ParseFloat(s, 64); return e }
		}
		integer := func(dst *int) func(string) error {
			return func(s string) (e error) { *dst, e = strconv.Atoi(s); return e }
		}
		col(0, integer(&m.Epoch))
		col(1, float(&m.TrainLoss))
		col(2, float(&m.TestLoss))
		col(3, float(&m.TestAccuracy))
		col(4, float(&m.Seconds))
		col(5, float(&m.EvalSeconds))
		if workers {
			col(base, integer(&m.Workers))
			col(base+1, float(&m.ConsensusError))
		}
		if optimizer {
			m.Optimizer = row[len(header)-1]
		}
		if err != nil {
			return nil, err
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
