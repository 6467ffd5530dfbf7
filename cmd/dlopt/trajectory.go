package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/dlopt/course/dlopt/optim"
	"github.com/gomlx/compute/dtypes"
)

func init() {
	register("trajectory", command{summary: "run an optimizer on a fixed gradient sequence (JSON spec in, JSON trajectory out)", run: runTrajectory})
}

// trajectorySpec is the input of `dlopt trajectory` (a stable format used by external checks).
type trajectorySpec struct {
	Library    string         `json:"library"`
	Optimizer  string         `json:"optimizer"`
	Kwargs     map[string]any `json:"kwargs"`
	ParamShape []int          `json:"param_shape"`
	X0         []float64      `json:"x0"`
	Grads      [][]float64    `json:"grads"`
	DType      string         `json:"dtype"`
	// ContinueOnNonFinite runs every gradient even after the parameters stop being finite
	// (their values print as null); without it that step ends the run with exit code 1.
	ContinueOnNonFinite bool `json:"continue_on_nonfinite"`
}

// trajectoryOutput is what `dlopt trajectory` prints; non-finite values are written as null,
// float32 runs print each float32 value exactly (as the float64 it converts to).
type trajectoryOutput struct {
	Trajectory     [][]*float64 `json:"trajectory"`
	EvalTrajectory [][]*float64 `json:"eval_trajectory,omitempty"`
	// NonFiniteStep is the first step (1 for the first) with a non-finite parameter, given only
	// by a spec with continue_on_nonfinite (without it, that step is an error).
	NonFiniteStep int `json:"nonfinite_step,omitempty"`
}

func runTrajectory(args []string, stdout, stderr io.Writer) int {
	const cmd = "dlopt trajectory"
	fs := newFlagSet(cmd)
	specPath := fs.String("spec", "", `JSON spec file, "-" for stdin: {"library": "torch"|"optax", "optimizer": NAME, "kwargs": {...}, "param_shape": [...], "x0": [...], "grads": [[...], ...], "dtype": "float64"|"float32", "continue_on_nonfinite": false|true}`)
	if code, stop := parseFlags(fs, args, stderr); stop {
		return code
	}
	if err := unexpectedArgs(fs); err != nil {
		return fail(stderr, cmd, err)
	}
	if *specPath == "" {
		return fail(stderr, cmd, usagef("--spec FILE is required (\"-\" reads stdin)"))
	}
	spec, err := readTrajectorySpec(*specPath)
	if err != nil {
		return fail(stderr, cmd, asUsage(err))
	}
	out, err := computeTrajectory(spec)
	if err != nil {
		return fail(stderr, cmd, err)
	}
	enc := json.NewEncoder(stdout)
	if err := enc.Encode(out); err != nil {
		return fail(stderr, cmd, err)
	}
	return 0
}

// trajectoryStdin is what "--spec -" reads (a variable so that tests can feed it).
var trajectoryStdin io.Reader = os.Stdin

func readTrajectorySpec(path string) (*trajectorySpec, error) {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(trajectoryStdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var spec trajectorySpec
	if err := dec.Decode(&spec); err != nil {
		return nil, fmt.Errorf("spec %s: %w", path, err)
	}
	return &spec, nil
}

func computeTrajectory(spec *trajectorySpec) (*trajectoryOutput, error) {
	var dtype dtypes.DType
	switch spec.DType {
	case "float64", "":
		dtype = dtypes.Float64
	case "float32":
		dtype = dtypes.Float32
	default:
		return nil, usagef("dtype %q is not supported: use \"float64\" or \"float32\"", spec.DType)
	}
	shape := spec.ParamShape
	if shape == nil {
		shape = []int{len(spec.X0)}
	}
	opt, err := optim.New(spec.Library, spec.Optimizer, spec.Kwargs)
	if err != nil {
		return nil, asUsage(err)
	}
	var opts []optim.RunOption
	if spec.ContinueOnNonFinite {
		opts = append(opts, optim.ContinueOnNonFinite())
	}
	traj, err := optim.RunGradients(opt, spec.X0, shape, spec.Grads, dtype, opts...)
	if errors.Is(err, optim.ErrNonFinite) {
		// The spec is valid and the run diverged: a failure of the run (exit 1), not of the request.
		return nil, fmt.Errorf("%w; \"continue_on_nonfinite\": true in the spec runs every gradient (non-finite values print as null)", err)
	}
	if err != nil {
		return nil, specOrRunError(err)
	}
	out := &trajectoryOutput{Trajectory: nullable(traj.Params), NonFiniteStep: traj.NonFiniteStep}
	if traj.Eval != nil {
		out.EvalTrajectory = nullable(traj.Eval)
	}
	return out, nil
}

// nullable turns rows into JSON-encodable rows: NaN and ±Inf become null.
func nullable(rows [][]float64) [][]*float64 {
	out := make([][]*float64, len(rows))
	for i, row := range rows {
		out[i] = make([]*float64, len(row))
		for j := range row {
			if !math.IsNaN(row[j]) && !math.IsInf(row[j], 0) {
				out[i][j] = &row[j]
			}
		}
	}
	return out
}

// specOrRunError marks optim's errors about the spec (names, keywords, values, shapes) as usage
// errors; anything else (the backend failed) is a failure of the run.
func specOrRunError(err error) error {
	for _, kind := range []error{optim.ErrUnknownName, optim.ErrUnknownKeyword, optim.ErrBadKeyword, optim.ErrInvalidValue} {
		if errors.Is(err, kind) {
			return asUsage(err)
		}
	}
	return err
}
