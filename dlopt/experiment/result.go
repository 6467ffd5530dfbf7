package experiment

import (
	"github.com/dlopt/course/dlopt/data"
	"github.com/dlopt/course/dlopt/models"
	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/ml/model"
)

// Result is a finished training run: its metrics and the trained model, which can classify
// more data ([Result.Predict], [Result.ConfusionMatrix]).
type Result struct {
	Config  Config         // with the defaults filled in
	History []EpochMetrics // one entry per epoch
	Steps   []StepMetrics  // one entry per training step: the loss curve and the schedule
	Classes []string       // class names of the training set
	// TestSet is the test split as evaluated: the first Config.TestLimit examples, or all.
	TestSet *data.Dataset
	// Checkpoint is the newest checkpoint of the run (written, or resumed from), empty without
	// Config.Checkpoint.Dir; ResumedFrom the one the run continued from, empty for a new run.
	Checkpoint, ResumedFrom string
	// Devices is how many devices trained the workers (Config.Workers > 1): more than 1 when the
	// all-reduce ran through GoMLX's distributed execution (see Config.Devices), 1 when the
	// workers were simulated in one batched graph. 1 for a single model.
	Devices int

	backend     compute.Backend
	ownsBackend bool
	store       *model.Store
	model       models.Model
	norm        data.Normalization
	height      int
	width       int
}

// Store returns the GoMLX model store holding the trained variables and the optimizer's state.
// For an optimizer with evaluation parameters (schedule-free methods, ASGD) the variables hold
// those, as in the last evaluation.
func (r *Result) Store() *model.Store { return r.store }

// Model returns the dlopt/models classifier that was trained.
func (r *Result) Model() models.Model { return r.model }

// Final returns the metrics of the last epoch.
func (r *Result) Final() EpochMetrics {
	if len(r.History) == 0 {
		return EpochMetrics{}
	}
	return r.History[len(r.History)-1]
}

// Close releases the backend if Train created one for Config.Backend; the shared backend of
// dlopt.Backend() stays open. The result cannot classify after Close.
func (r *Result) Close() {
	if r.ownsBackend && r.backend != nil {
		r.backend.Finalize()
	}
	r.backend = nil
}
