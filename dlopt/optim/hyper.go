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

	scope   string // absolute scope of the owning transform, set by NewOptimizer
	missing bool   // a required hyperparameter given as nil (see requiredHyper)
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

// Value is a hyperparameter given by its value only, for a link's argument: the link names it
// and gives it its range, as if it had called NewHyper itself. E.g.
// ClipByGlobalNorm(Value(1)) is ClipByGlobalNorm(NewHyper("max_norm", 1, Positive)).
// Like every *Hyper, it belongs to the one optimizer it is built into.
func Value(x float64) *Hyper { return &Hyper{Value: x} }

// linkHyper resolves a link's hyperparameter argument h: nil gives the library's default value
// def under the library's name; an unnamed one (from [Value]) takes name and r; a named one is
// used as given.
func linkHyper(h *Hyper, name string, def float64, r Range) *Hyper {
	if h == nil {
		return NewHyper(name, def, r)
	}
	if h.Name == "" {
		h.Name, h.Range = name, r
	}
	return h
}

// requiredHyper is linkHyper for a hyperparameter the library gives no default (a learning
// rate, a clipping threshold): nil becomes a placeholder that NewOptimizer reports as missing.
func requiredHyper(h *Hyper, name string, r Range) *Hyper {
	if h == nil {
		return &Hyper{Name: name, Range: r, missing: true}
	}
	return linkHyper(h, name, 0, r)
}
