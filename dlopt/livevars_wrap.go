package dlopt

import (
	"github.com/gomlx/compute"
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
	b *liveVarsBackend
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
