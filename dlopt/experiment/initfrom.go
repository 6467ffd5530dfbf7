package experiment

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/dlopt/course/dlopt/data"
	"github.com/dlopt/course/dlopt/models"
	"github.com/gomlx/compute"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// initFromCheckpoint puts the model weights (the trainable variables) of the checkpoint
// cfg.InitFrom into store, after checking that they fit the model cfg describes on trainSet's
// images; the optimizer's state, the step count and the RNG are not taken: a new run starts.
func initFromCheckpoint(cfg Config, backend compute.Backend, store *model.Store, classifier models.Model, trainSet *data.Dataset) error {
	ck, err := ReadCheckpoint(cfg.InitFrom)
	if err != nil {
		return fmt.Errorf("init from %s: %w", cfg.InitFrom, err)
	}
	describe := func(c Config) string {
		s := c.Model
		if len(c.Hidden) > 0 {
			s += fmt.Sprintf(" with hidden layers %v", c.Hidden)
		}
		return s + ", " + c.DType.String()
	}
	if describe(ck.Config) != describe(cfg) {
		return fmt.Errorf("%w: init from %s: its model is %s, this run's is %s: the weights do not fit",
			ErrInvalidConfig, ck.Path, describe(ck.Config), describe(cfg))
	}
	want, err := modelShapes(cfg, backend, classifier, trainSet)
	if err != nil {
		return err
	}
	saved, err := ck.Variables()
	if err != nil {
		return fmt.Errorf("init from %s: %w", ck.Path, err)
	}
	var misfits []string
	for _, name := range slices.Sorted(maps.Keys(want)) {
		value, ok := saved[name]
		switch {
		case !ok || !slices.Contains(ck.Trainable, name):
			misfits = append(misfits, fmt.Sprintf("%s %s is not in it", name, want[name]))
		case !value.Shape().Equal(want[name]):
			misfits = append(misfits, fmt.Sprintf("%s is %s there, %s here", name, value.Shape(), want[name]))
		}
	}
	if len(misfits) > 0 {
		return fmt.Errorf("%w: init from %s: its %s weights (trained on %s) do not fit this run's %s on %dx%d images in %d classes: %s",
			ErrInvalidConfig, ck.Path, describe(ck.Config), ck.Config.Model, describe(cfg), trainSet.Height, trainSet.Width,
			trainSet.NumClasses(), strings.Join(misfits, "; "))
	}
	for name := range want {
		if _, err := store.CreateVariable(name, saved[name]); err != nil {
			return fmt.Errorf("init from %s: %w", ck.Path, err)
		}
	}
	return nil
}

// modelShapes builds the model on a throwaway store, evaluating it on one blank image, and
// returns the shapes of its trainable variables by path.
func modelShapes(cfg Config, backend compute.Backend, classifier models.Model, trainSet *data.Dataset) (map[string]shapes.Shape, error) {
	fn, err := models.ModelFn(classifier)
	if err != nil {
		return nil, err
	}
	store := model.NewStore()
	if err := store.SetRNGStateFromSeed(cfg.Seed); err != nil {
		return nil, err
	}
	exec, err := model.NewExec(backend, store, func(scope *model.Scope, x *Node) *Node {
		return fn(scope, nil, []*Node{x})[0]
	})
	if err != nil {
		return nil, err
	}
	blank := tensors.FromShape(shapes.Make(cfg.DType, 1, trainSet.Height, trainSet.Width))
	if _, err := exec.Exec(blank); err != nil {
		return nil, fmt.Errorf("building the %s model to check the weights to init from: %w", cfg.Model, err)
	}
	out := map[string]shapes.Shape{}
	for v := range store.IterVariables() {
		if v.Trainable {
			out[v.Path()] = v.Shape()
		}
	}
	return out, nil
}
