package optim

import (
	"fmt"
	"slices"
	"sort"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/ml/model"
)

// This file holds the wrappers that treat variables differently: masks and per-group optimizers.

// Masked runs link only on the variables for which include is true; the other variables'
// updates pass through unchanged (optax.masked). E.g. weight decay without the biases:
// Masked(AddDecayedWeights(wd), func(v) bool { return v.Name() != "biases" }).
func Masked(link *Transform, include func(v *model.Variable) bool) *Transform {
	parts := func(s *Step) [][]int {
		var idx []int
		for i, v := range s.Vars {
			if include(v) {
				idx = append(idx, i)
			}
		}
		return [][]int{idx}
	}
	return &Transform{Name: "masked", Children: []*Transform{link},
		Update: func(s *Step, u []*Node) []*Node {
			return bySubset(s, u, parts(s), func(_ int, sub *Step, x []*Node) []*Node { return sub.Apply(link, x) })
		},
		Eval: func(s *Step, p []*Node) []*Node {
			return bySubset(s, p, parts(s), func(_ int, sub *Step, x []*Node) []*Node { return sub.EvalParams(link, x) })
		},
		delegatesEval: true,
	}
}

// bySubset runs fn on each part (a list of variable indices) with a Step and values restricted
// to those variables, and puts the results back in place; variables in no part keep their values.
func bySubset(s *Step, values []*Node, parts [][]int, fn func(part int, sub *Step, x []*Node) []*Node) []*Node {
	out := append([]*Node(nil), values...)
	for k, idx := range parts {
		if len(idx) == 0 {
			continue
		}
		sub, x := s.subset(idx, values)
		res := fn(k, sub, x)
		for j, i := range idx {
			out[i] = res[j]
		}
	}
	return out
}

// PerGroup trains each variable with the optimizer of its group, as label names it (optax's
// multi_transform, PyTorch's parameter groups): e.g. no weight decay on biases, or another
// learning rate for the classifier. Each group keeps its own state and hyperparameters (set
// them with SetHyper on the returned optimizer: the name reaches every group that has it).
// The group optimizers are consumed, as by [Prepend].
func PerGroup(name string, label func(v *model.Variable) string, groups map[string]*Optimizer) (*Optimizer, error) {
	if len(groups) == 0 {
		return nil, errorf("PerGroup: no groups")
	}
	labels := make([]string, 0, len(groups))
	for l := range groups {
		labels = append(labels, l)
	}
	sort.Strings(labels)
	children := make([]*Transform, len(labels))
	for k, l := range labels {
		root, err := detach(groups[l])
		if err != nil {
			return nil, fmt.Errorf("optim: PerGroup: group %q: %w", l, err)
		}
		root.Name = l
		children[k] = root
	}
	parts := func(s *Step) [][]int {
		byLabel := make([][]int, len(labels))
		for i, v := range s.Vars {
			l := label(v)
			k, found := slices.BinarySearch(labels, l)
			if !found {
				panic(fmt.Sprintf("optim: PerGroup %s: variable %s has label %q; the groups are %v", name, v.Path(), l, labels))
			}
			byLabel[k] = append(byLabel[k], i)
		}
		return byLabel
	}
	return NewOptimizer(name, &Transform{Name: "groups", Children: children,
		Update: func(s *Step, u []*Node) []*Node {
			return bySubset(s, u, parts(s), func(k int, sub *Step, x []*Node) []*Node { return sub.Apply(children[k], x) })
		},
		Eval: func(s *Step, p []*Node) []*Node {
			return bySubset(s, p, parts(s), func(k int, sub *Step, x []*Node) []*Node { return sub.EvalParams(children[k], x) })
		},
		delegatesEval: true,
	})
}
