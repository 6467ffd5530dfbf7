package experiment

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
)

// finiteCheckScope holds the variable in which the training step leaves the result of the
// finiteness check; it is not saved in checkpoints (it is 0 whenever a run can go on).
const finiteCheckScope = "/dlopt_finite_check"

// finiteGuard wraps the optimizer: after its update, the training step checks every trainable
// variable for NaN and infinities and leaves in finiteCheckScope/first the position (from 1)
// among [trainablePaths] of the first variable that is not finite, 0 when all are. Checking the
// updated parameters in the graph costs one reduction per variable and a scalar read per step;
// it catches the step whose gradient (or update) went non-finite, before the next loss does.
type finiteGuard struct {
	optimizer.Interface
}

func (f finiteGuard) UpdateGraph(scope *model.Scope, g *Graph, loss *Node) {
	f.Interface.UpdateGraph(scope, g, loss)
	paths := trainablePaths(scope.Store())
	first := ScalarZero(g, dtypes.Int32)
	for i := len(paths) - 1; i >= 0; i-- { // from the last, so that the first bad one wins
		// x*0 is 0 for a finite x and NaN for NaN or ±Inf: the sum is finite exactly when every
		// value is, and a float reduction is several times faster than IsFinite's boolean one
		// on the Go backend (GoMLX v0.28.16).
		finite := IsFinite(ReduceAllSum(MulScalar(scope.Store().GetVariable(paths[i]).NodeValue(g), 0)))
		first = Where(finite, first, Scalar(g, dtypes.Int32, i+1))
	}
	v := scope.Store().VariableWithValue(finiteCheckScope+"/first", int32(0))
	v.SetTrainable(false)
	v.SetNodeValue(first)
}

// trainablePaths lists the store's trainable variables in path order: the graph and the host
// number them the same way.
func trainablePaths(store *model.Store) []string {
	var paths []string
	for v := range store.IterVariables() {
		if v.Trainable {
			paths = append(paths, v.Path())
		}
	}
	slices.Sort(paths)
	return paths
}

// firstNonFinite returns the path of the first trainable variable the last step left with a
// NaN or an infinity, or "" when all are finite (or the check is off).
func (rn *run) firstNonFinite() (string, error) {
	v := rn.result.store.GetVariable(finiteCheckScope + "/first")
	if v == nil {
		return "", nil
	}
	value, err := v.Value()
	if err != nil {
		return "", err
	}
	i := int(tensors.ToScalar[int32](value))
	if i == 0 {
		return "", nil
	}
	paths := trainablePaths(rn.result.store)
	if i > len(paths) {
		return fmt.Sprintf("trainable variable #%d of %d", i, len(paths)), nil
	}
	return paths[i-1], nil
}

// divergence returns the error that stops a run at step (from 1) whose batch loss or updated
// parameters are not finite, or nil when both are finite. With Config.AllowNonFinite only a
// NaN loss stops it, because GoMLX's train.Loop cannot go on past one.
func (rn *run) divergence(step, epoch int, loss, lr float64) error {
	if rn.cfg.AllowNonFinite {
		if !math.IsNaN(loss) {
			return nil
		}
		return fmt.Errorf("%w: %s with optimizer %q at learning rate %g: at step %d (epoch %d, batch %d of %d) the batch loss is NaN; "+
			"AllowNonFinite lets a run go on past non-finite parameters and infinite losses, but GoMLX's training loop (v0.28) ends "+
			"at a NaN loss", ErrDiverged, rn.cfg.Model, rn.cfg.Optimizer, lr, step, epoch, rn.epochLoss.steps, rn.stepsPerEpoch)
	}
	param, err := rn.firstNonFinite()
	if err != nil {
		return err
	}
	lossBad := math.IsNaN(loss) || math.IsInf(loss, 0)
	if !lossBad && param == "" {
		return nil
	}
	var what []string
	if lossBad {
		what = append(what, fmt.Sprintf("the batch loss is %g", loss))
	}
	if param != "" {
		what = append(what, fmt.Sprintf("parameter %s became NaN or infinite in the update", param))
	}
	return fmt.Errorf("%w: %s with optimizer %q at learning rate %g: at step %d (epoch %d, batch %d of %d) %s; "+
		"try a smaller learning rate, or set AllowNonFinite (--allow-nonfinite) to keep going", ErrDiverged,
		rn.cfg.Model, rn.cfg.Optimizer, lr, step, epoch, rn.epochLoss.steps, rn.stepsPerEpoch, strings.Join(what, " and "))
}
