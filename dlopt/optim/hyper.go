package optim

import (
	"fmt"
	"math"
	"strconv"
)

// Range is the set of values a hyperparameter accepts: an interval whose ends may be open or
// closed. An infinite end means "any finite value on that side"; NaN and ±Inf are never accepted.
type Range struct {
	Min, Max         float64
	MinOpen, MaxOpen bool
}

// The ranges used by the optimizers of this package.
var (
	AnyReal     = Range{Min: math.Inf(-1), Max: math.Inf(1), MinOpen: true, MaxOpen: true}
	NonNegative = Range{Min: 0, Max: math.Inf(1), MaxOpen: true}
	Positive    = Range{Min: 0, Max: math.Inf(1), MinOpen: true, MaxOpen: true}
	// UnitInterval is [0, 1): decay rates such as betas and momentum (1 would never forget).
	UnitInterval = Range{Min: 0, Max: 1, MaxOpen: true}
	// ClosedUnitInterval is [0, 1]: mixing weights such as dampening.
	ClosedUnitInterval = Range{Min: 0, Max: 1}
)

// Contains reports whether x is finite and lies in r.
func (r Range) Contains(x float64) bool {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return false
	}
	if x < r.Min || (r.MinOpen && x == r.Min) {
		return false
	}
	if x > r.Max || (r.MaxOpen && x == r.Max) {
		return false
	}
	return true
}

// String writes r in interval notation, e.g. "[0, 1)" or "(0, +inf)".
func (r Range) String() string {
	lo, hi := "[", "]"
	if r.MinOpen {
		lo = "("
	}
	if r.MaxOpen {
		hi = ")"
	}
	return lo + formatBound(r.Min) + ", " + formatBound(r.Max) + hi
}

func formatBound(x float64) string {
	switch {
	case math.IsInf(x, 1):
		return "+inf"
	case math.IsInf(x, -1):
		return "-inf"
	}
	return strconv.FormatFloat(x, 'g', -1, 64)
}

// Hyper is a numeric hyperparameter of a [Transform]: a float64 scalar that lives in a context
// variable (in its transform's scope, under its Name), so it can be changed between steps
// (see [Optimizer.SetHyper]), driven by a schedule from the host, and is saved by checkpoints.
// Value is the initial value, checked against Range when the optimizer is built.
type Hyper struct {
	Name  string
	Value float64
	Range Range

	scope string // absolute scope of the owning transform, set by NewOptimizer
}

// NewHyper declares a hyperparameter; its value is validated when the optimizer is built.
func NewHyper(name string, value float64, r Range) *Hyper {
	return &Hyper{Name: name, Value: value, Range: r}
}

// check returns an error naming the value and the allowed range if x is not accepted.
func (h *Hyper) check(x float64) error {
	if h.Range.Contains(x) {
		return nil
	}
	return &kindError{kind: ErrInvalidValue, cause: fmt.Errorf("%s = %v is invalid: allowed range is %s", h.Name, x, h.Range)}
}

// Scope is the absolute context scope of the variable holding h (empty before the optimizer is built).
func (h *Hyper) Scope() string { return h.scope }
