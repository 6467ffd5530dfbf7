package optim

import (
	"fmt"
	"sort"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// This file holds the wrappers that treat variables differently: masks and per-group optimizers.

// Masked runs link only on the variables for which include is true; the other variables'
// updates pass through unchanged (optax.masked). E.g. weight decay without the biases:
// Masked(AddDecayedWeights(wd), func(v) bool { return v.Name() != "biases" }).
func Masked(link *Transform, include func(v *context.Variable) bool) *Transform {
	return &Transform{Name: "masked", Children: []*Transform{link}, Update: func(s *Step, u []*Node) []*Node {
		var idx []int
		for i, v := range s.Vars {
			if include(v) {
				idx = append(idx, i)
			}
		}
		out := append([]*Node(nil), u...)
		if len(idx) == 0 {
			return out
		}
		sub, subU := s.subset(idx, u)
		res := sub.Apply(link, subU)
		for k, i := range idx {
			out[i] = res[k]
		}
		return out
	}}
}

// PerGroup trains each variable with the optimizer of its group, as label names it (optax's
// multi_transform, PyTorch's parameter groups): e.g. no weight decay on biases, or another
// learning rate for the classifier. Each group keeps its own state and hyperparameters (set
// them with SetHyper on the returned optimizer: the name reaches every group that has it).
func PerGroup(name string, label func(v *context.Variable) string, groups map[string]*Optimizer) (*Optimizer, error) {
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
	return NewOptimizer(name, &Transform{Name: "groups", Children: children, Update: func(s *Step, u []*Node) []*Node {
		byLabel := map[string][]int{}
		for i, v := range s.Vars {
			l := label(v)
			if _, ok := groups[l]; !ok {
				panic(fmt.Sprintf("optim: PerGroup %s: variable %s has label %q; the groups are %v", name, v.ScopeAndName(), l, labels))
			}
			byLabel[l] = append(byLabel[l], i)
		}
		out := make([]*Node, len(u))
		for k, l := range labels {
			idx := byLabel[l]
			if len(idx) == 0 {
				continue
			}
			sub, subU := s.subset(idx, u)
			res := sub.Apply(children[k], subU)
			for j, i := range idx {
				out[i] = res[j]
			}
		}
		return out
	}})
}
