package dlopt

import (
	"fmt"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
)

// liveVarsBackend wraps a backend whose Capabilities sets PreferConstantsForVariables and that
// builds the value in the method, out of reach of livevars.go's switch (compute-onnx): it
// reports the same capabilities with the preference off, so GoMLX keeps variables as graph
// parameters and a cached evaluation graph reads the current weights (see livevars.go).
//
// GoMLX ties every tensor to the backend its buffer reports (Buffer.Backend) and refuses to
// mix backends, so everything the wrapper hands out reports the wrapper: its buffers wrap the
// inner backend's, its builders compile executables that unwrap their inputs and wrap their
// outputs. Everything else is the inner backend's.
type liveVarsBackend struct {
	compute.Backend
}

func newLiveVarsBackend(b compute.Backend) *liveVarsBackend { return &liveVarsBackend{Backend: b} }

// Capabilities is the inner backend's with PreferConstantsForVariables off.
func (b *liveVarsBackend) Capabilities() compute.Capabilities {
	caps := b.Backend.Capabilities()
	caps.PreferConstantsForVariables = false
	ops := make(map[compute.OpType]bool, len(caps.Operations)+len(composedOps))
	for op, ok := range caps.Operations {
		ops[op] = ok
	}
	for _, op := range composedOps {
		ops[op] = true
	}
	caps.Operations = ops
	return caps
}

func (b *liveVarsBackend) Builder(name string) compute.Builder {
	return &liveVarsBuilder{Builder: b.Backend.Builder(name), b: b}
}

func (b *liveVarsBackend) BufferFromFlatData(deviceNum compute.DeviceNum, flat any, shape shapes.Shape) (compute.Buffer, error) {
	buf, err := b.Backend.BufferFromFlatData(deviceNum, flat, shape)
	return b.wrap(buf), err
}

func (b *liveVarsBackend) NewSharedBuffer(deviceNum compute.DeviceNum, shape shapes.Shape) (compute.Buffer, any, error) {
	buf, flat, err := b.Backend.NewSharedBuffer(deviceNum, shape)
	return b.wrap(buf), flat, err
}

func (b *liveVarsBackend) wrap(buf compute.Buffer) compute.Buffer {
	if buf == nil {
		return nil
	}
	return &liveVarsBuffer{Buffer: buf, b: b}
}

// unwrap returns the inner backend's buffer of one the wrapper handed out (others unchanged:
// the inner backend reports what is wrong with them).
func unwrap(buf compute.Buffer) compute.Buffer {
	if w, ok := buf.(*liveVarsBuffer); ok {
		return w.Buffer
	}
	return buf
}

type liveVarsBuffer struct {
	compute.Buffer
	b *liveVarsBackend
}

func (buf *liveVarsBuffer) Backend() compute.Backend { return buf.b }

func (buf *liveVarsBuffer) CopyToDevice(deviceNum compute.DeviceNum) (compute.Buffer, error) {
	out, err := buf.Buffer.CopyToDevice(deviceNum)
	return buf.b.wrap(out), err
}

type liveVarsBuilder struct {
	compute.Builder
	b         *liveVarsBackend
	functions map[compute.Function]*liveVarsFunction
}

func (bld *liveVarsBuilder) Compile() (compute.Executable, error) {
	exec, err := bld.Builder.Compile()
	if err != nil {
		return nil, err
	}
	return &liveVarsExecutable{Executable: exec, b: bld.b}, nil
}

type liveVarsExecutable struct {
	compute.Executable
	b *liveVarsBackend
}

func (e *liveVarsExecutable) Execute(inputs []compute.Buffer, donate []bool, defaultDevice compute.DeviceNum) ([]compute.Buffer, error) {
	inner := make([]compute.Buffer, len(inputs))
	for i, buf := range inputs {
		inner[i] = unwrap(buf)
	}
	outs, err := e.Executable.Execute(inner, donate, defaultDevice)
	if err != nil {
		return nil, err
	}
	for i := range outs {
		outs[i] = e.b.wrap(outs[i])
	}
	return outs, nil
}

// Main, NewFunction: functions whose missing ops are composed of supported ones (liveVarsFunction).
func (bld *liveVarsBuilder) Main() compute.Function { return bld.wrapFunction(bld.Builder.Main()) }

func (bld *liveVarsBuilder) NewFunction(name string) (compute.Function, error) {
	f, err := bld.Builder.NewFunction(name)
	if err != nil {
		return nil, err
	}
	return bld.wrapFunction(f), nil
}

// wrapFunction returns the one wrapper of f (GoMLX may compare functions).
func (bld *liveVarsBuilder) wrapFunction(f compute.Function) compute.Function {
	if f == nil {
		return nil
	}
	if w, ok := f.(*liveVarsFunction); ok {
		return w
	}
	if bld.functions == nil {
		bld.functions = make(map[compute.Function]*liveVarsFunction)
	}
	if w, ok := bld.functions[f]; ok {
		return w
	}
	w := &liveVarsFunction{Function: f, bld: bld}
	bld.functions[f] = w
	return w
}

func unwrapFunction(f compute.Function) compute.Function {
	if w, ok := f.(*liveVarsFunction); ok {
		return w.Function
	}
	return f
}

// liveVarsFunction is the inner backend's function with the functions it hands out and takes
// wrapped and unwrapped, and the ops ONNX Runtime's backend lacks (compute-onnx v0.1.13) composed
// of ops it has, each rounding exactly as the Go backend's op does: Rsqrt as 1/Sqrt, IsNaN as
// x != x, IsFinite as x-x == x-x (NaN for ±Inf and NaN), Clamp as Min(Max(x, lo), hi).
type liveVarsFunction struct {
	compute.Function
	bld *liveVarsBuilder
}

// composedOps are the ops liveVarsFunction composes where the inner backend lacks them.
var composedOps = []compute.OpType{compute.OpTypeRsqrt, compute.OpTypeIsNaN, compute.OpTypeIsFinite, compute.OpTypeClamp}

func (f *liveVarsFunction) has(op compute.OpType) bool {
	return f.bld.b.Backend.Capabilities().Operations[op]
}

func (f *liveVarsFunction) Parent() compute.Function { return f.bld.wrapFunction(f.Function.Parent()) }

func (f *liveVarsFunction) Closure() (compute.Function, error) {
	c, err := f.Function.Closure()
	if err != nil {
		return nil, err
	}
	return f.bld.wrapFunction(c), nil
}

func (f *liveVarsFunction) Call(fn compute.Function, inputs ...compute.Value) ([]compute.Value, error) {
	return f.Function.Call(unwrapFunction(fn), inputs...)
}

func (f *liveVarsFunction) Sort(comparator compute.Function, axis int, isStable bool, inputs ...compute.Value) ([]compute.Value, error) {
	return f.Function.Sort(unwrapFunction(comparator), axis, isStable, inputs...)
}

func (f *liveVarsFunction) While(cond, body compute.Function, initialState ...compute.Value) ([]compute.Value, error) {
	return f.Function.While(unwrapFunction(cond), unwrapFunction(body), initialState...)
}

func (f *liveVarsFunction) If(pred compute.Value, trueBranch, falseBranch compute.Function) ([]compute.Value, error) {
	return f.Function.If(pred, unwrapFunction(trueBranch), unwrapFunction(falseBranch))
}

// fill returns a constant of x's shape and dtype holding v (float32 and float64 only).
func (f *liveVarsFunction) fill(x compute.Value, v float64) (compute.Value, error) {
	shape, err := f.bld.OpShape(x)
	if err != nil {
		return nil, err
	}
	var c compute.Value
	switch shape.DType {
	case dtypes.Float32:
		c, err = f.Constant([]float32{float32(v)})
	case dtypes.Float64:
		c, err = f.Constant([]float64{v})
	default:
		return nil, fmt.Errorf("dlopt: composed op on %s: only float32 and float64: %w", shape.DType, compute.ErrNotImplemented)
	}
	if err != nil || shape.Rank() == 0 {
		return c, err
	}
	return f.BroadcastInDim(c, shape, nil)
}

func (f *liveVarsFunction) Rsqrt(x compute.Value) (compute.Value, error) {
	if f.has(compute.OpTypeRsqrt) {
		return f.Function.Rsqrt(x)
	}
	one, err := f.fill(x, 1)
	if err != nil {
		return nil, err
	}
	s, err := f.Sqrt(x)
	if err != nil {
		return nil, err
	}
	return f.Div(one, s)
}

func (f *liveVarsFunction) IsNaN(x compute.Value) (compute.Value, error) {
	if f.has(compute.OpTypeIsNaN) {
		return f.Function.IsNaN(x)
	}
	return f.NotEqual(x, x)
}

func (f *liveVarsFunction) IsFinite(x compute.Value) (compute.Value, error) {
	if f.has(compute.OpTypeIsFinite) {
		return f.Function.IsFinite(x)
	}
	d, err := f.Sub(x, x)
	if err != nil {
		return nil, err
	}
	return f.Equal(d, d)
}

func (f *liveVarsFunction) Clamp(lo, x, hi compute.Value) (compute.Value, error) {
	if f.has(compute.OpTypeClamp) {
		return f.Function.Clamp(lo, x, hi)
	}
	shape, err := f.bld.OpShape(x)
	if err != nil {
		return nil, err
	}
	full := func(v compute.Value) (compute.Value, error) {
		s, err := f.bld.OpShape(v)
		if err != nil || s.Rank() == shape.Rank() {
			return v, err
		}
		return f.BroadcastInDim(v, shape, nil)
	}
	if lo, err = full(lo); err != nil {
		return nil, err
	}
	if hi, err = full(hi); err != nil {
		return nil, err
	}
	m, err := f.Max(x, lo)
	if err != nil {
		return nil, err
	}
	return f.Min(m, hi)
}

// DotGeneral transposes a matrix contracted on its first axis with a vector itself: compute-onnx
// v0.1.13 does too, but then gives the product the shape of the untransposed matrix ([4,5]
// contracted on axis 0 with a [4] vector claims [4,1] and fails to reshape to [5]: Einsum
// "ij,i->j", the gradient of x[1:] in models.Rosenbrock). The same product on any backend.
func (f *liveVarsFunction) DotGeneral(lhs compute.Value, lhsContractingAxes, lhsBatchAxes []int,
	rhs compute.Value, rhsContractingAxes, rhsBatchAxes []int, config compute.DotGeneralConfig) (compute.Value, error) {
	if len(lhsContractingAxes) == 1 && lhsContractingAxes[0] == 0 && len(lhsBatchAxes) == 0 && len(rhsBatchAxes) == 0 {
		ls, err := f.bld.OpShape(lhs)
		if err != nil {
			return nil, err
		}
		rs, err := f.bld.OpShape(rhs)
		if err != nil {
			return nil, err
		}
		if ls.Rank() == 2 && rs.Rank() == 1 {
			if lhs, err = f.Transpose(lhs, 1, 0); err != nil {
				return nil, err
			}
			lhsContractingAxes = []int{1}
		}
	}
	return f.Function.DotGeneral(lhs, lhsContractingAxes, lhsBatchAxes, rhs, rhsContractingAxes, rhsBatchAxes, config)
}
