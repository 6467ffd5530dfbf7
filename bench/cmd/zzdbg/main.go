package main

import (
	"fmt"

	"github.com/dlopt/course/dlopt"
	"github.com/dlopt/course/dlopt/optim"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

func main() {
	backend := dlopt.MustBackend()
	opt, _ := optim.New(optim.Torch, "SGD", map[string]any{"lr": 0.01, "momentum": 0.9})
	store := model.NewStore()
	root := store.RootScope()
	v := root.In("model").VariableWithValue("w", tensors.FromValue([]float32{0, 0}))
	gv := root.In("gradient").VariableWithValue("g", tensors.FromValue([]float32{1, 2})).SetTrainable(false)
	exec, err := model.NewExec(backend, store, func(scope *model.Scope, g *graph.Graph) *graph.Node {
		opt.Apply(scope, []*model.Variable{v}, []*graph.Node{gv.NodeValue(g)})
		return graph.Slice(v.NodeValue(g), graph.AxisRange(0, 1))
	})
	if err != nil {
		panic(err)
	}
	for i := range 4 {
		out, err := exec.Call()
		fmt.Println(i, out, err)
		out[0].FinalizeAll()
		fmt.Println(v.MustValue())
	}
	for v := range store.IterVariables() {
		fmt.Println(v.Path(), v.MustValue())
	}
}
