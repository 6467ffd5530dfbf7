package viz

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// StoreParams is a flat view of the trainable variables of a GoMLX model store under one scope
// (a model's weights, not its optimizer's state): the parameter vector a [Landscape] moves in.
type StoreParams struct {
	Vars   []*model.Variable // sorted by scope and name: the order of the flat vector
	Blocks []ParamBlock      // the layout of the flat vector, one block per variable
}

// NewStoreParams collects the trainable float32/float64 variables whose scope starts with
// scope (e.g. "/mlp"). filterAxis gives each variable's filter axis for
// [FilterNormalizedDirection]; nil means -1, the output axis of GoMLX's layers (dense [in, out],
// convolution [kh, kw, in, out]); models that store weights as [out, in] need 0.
func NewStoreParams(store *model.Store, scope string, filterAxis func(v *model.Variable) int) (*StoreParams, error) {
	if store == nil {
		return nil, fmt.Errorf("viz: NewStoreParams: nil model store")
	}
	p := &StoreParams{}
	var scopes []string
	for v := range store.IterVariables() {
		if !v.Trainable {
			continue
		}
		scopes = append(scopes, v.Scope())
		if !strings.HasPrefix(v.Scope(), scope) {
			continue
		}
		if dt := v.DType(); dt != dtypes.Float32 && dt != dtypes.Float64 {
			return nil, fmt.Errorf("viz: variable %q has dtype %s: only float32 and float64 are supported", v.Path(), dt)
		}
		p.Vars = append(p.Vars, v)
	}
	if len(p.Vars) == 0 {
		slices.Sort(scopes)
		return nil, fmt.Errorf("viz: no trainable variable under scope %q (trainable scopes: %q)", scope, slices.Compact(scopes))
	}
	slices.SortFunc(p.Vars, func(a, b *model.Variable) int { return strings.Compare(a.Path(), b.Path()) })
	for _, v := range p.Vars {
		axis := -1
		if filterAxis != nil {
			axis = filterAxis(v)
		}
		p.Blocks = append(p.Blocks, ParamBlock{Name: v.Path(), Shape: v.Shape().Dimensions, FilterAxis: axis})
	}
	return p, nil
}

// Size is the length of the flat vector.
func (p *StoreParams) Size() int {
	n := 0
	for _, v := range p.Vars {
		n += v.Shape().Size()
	}
	return n
}

// Flatten returns the variables' current values as one float64 vector.
func (p *StoreParams) Flatten() ([]float64, error) {
	theta := make([]float64, 0, p.Size())
	for _, v := range p.Vars {
		t, err := v.Value()
		if err != nil {
			return nil, fmt.Errorf("viz: reading %q: %w", v.Path(), err)
		}
		switch v.DType() {
		case dtypes.Float32:
			for _, x := range tensors.MustCopyFlatData[float32](t) {
				theta = append(theta, float64(x))
			}
		default:
			theta = append(theta, tensors.MustCopyFlatData[float64](t)...)
		}
	}
	return theta, nil
}

// Set writes theta (laid out as [StoreParams.Flatten] returns it) into the variables.
func (p *StoreParams) Set(theta []float64) error {
	if len(theta) != p.Size() {
		return fmt.Errorf("viz: %d values for %d parameters: they must match", len(theta), p.Size())
	}
	off := 0
	for _, v := range p.Vars {
		n, dims := v.Shape().Size(), v.Shape().Dimensions
		var t *tensors.Tensor
		if v.DType() == dtypes.Float32 {
			w := make([]float32, n)
			for i := range w {
				w[i] = float32(theta[off+i])
			}
			t = tensors.FromFlatDataAndDimensions(w, dims...)
		} else {
			t = tensors.FromFlatDataAndDimensions(slices.Clone(theta[off:off+n]), dims...)
		}
		if err := v.SetValue(t); err != nil {
			return fmt.Errorf("viz: setting %q: %w", v.Path(), err)
		}
		off += n
	}
	return nil
}

// StoreLandscape builds a [Landscape] around the current values of p's variables: its Loss
// writes theta into the variables and evaluates loss (a scalar graph, e.g. the mean
// cross-entropy of the model on a fixed batch) on the given inputs. Loss leaves the variables
// at the last theta it was given: call p.Set(l.Center) to put the trained weights back.
func StoreLandscape(backend compute.Backend, store *model.Store, p *StoreParams,
	loss func(scope *model.Scope, inputs []*graph.Node) *graph.Node, inputs ...any) (Landscape, error) {
	if backend == nil || store == nil || p == nil || loss == nil {
		return Landscape{}, fmt.Errorf("viz: StoreLandscape: backend, model store, parameters and loss must all be non-nil")
	}
	center, err := p.Flatten()
	if err != nil {
		return Landscape{}, err
	}
	exec, err := model.NewExec(backend, store, loss)
	if err != nil {
		return Landscape{}, fmt.Errorf("viz: StoreLandscape: %w", err)
	}
	return Landscape{Center: center, Loss: func(theta []float64) (float64, error) {
		if err := p.Set(theta); err != nil {
			return 0, err
		}
		out, err := exec.Call(inputs...)
		if err != nil {
			return 0, fmt.Errorf("viz: evaluating the loss: %w", err)
		}
		if len(out) != 1 || out[0].Shape().Rank() != 0 {
			return 0, fmt.Errorf("viz: the loss must be one scalar, got %d outputs (first %s)", len(out), out[0].Shape())
		}
		return shapes.ConvertTo[float64](out[0].Value()), nil
	}}, nil
}
