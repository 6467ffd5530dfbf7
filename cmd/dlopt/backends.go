package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/dlopt/course/dlopt"
)

func init() {
	register("backends", command{summary: "list the compute backends available here, the default, and whether a one-step training graph runs on each", run: runBackends})
}

func runBackends(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("dlopt backends")
	install := fs.Bool("install", false, "download GoMLX's default XLA PJRT plugins, or with the argument onnx ONNX Runtime "+
		dlopt.ONNXRuntimeVersion+"'s CPU library from GitHub (the only command that downloads anything)")
	smoke := fs.Bool("smoke", true, "run a one-step training graph on each usable backend (dlopt.SmokeTest); -smoke=false only lists")
	if code, stop := parseFlags(fs, args, stderr); stop {
		return code
	}
	what := "xla"
	switch {
	case fs.NArg() == 1 && *install && (fs.Arg(0) == "onnx" || fs.Arg(0) == "xla"):
		what = fs.Arg(0)
	case fs.NArg() > 0:
		return fail(stderr, "dlopt backends", usagef("unexpected argument %q (only --install takes one: xla or onnx)", fs.Arg(0)))
	}
	if *install && what == "onnx" {
		lib, err := dlopt.InstallONNXRuntime()
		if err != nil {
			return fail(stderr, "dlopt backends --install onnx", fmt.Errorf("%w (without GitHub: `make setup` extracts the library from the npm package onnxruntime-node@%s)",
				err, dlopt.ONNXRuntimeVersion))
		}
		fmt.Fprintln(stdout, "ONNX Runtime installed:", lib)
	} else if *install {
		if err := dlopt.InstallXLAPlugins(); err != nil {
			return fail(stderr, "dlopt backends --install", err)
		}
	}
	if w := dlopt.SIMDWarning(); w != "" {
		fmt.Fprintln(stderr, w)
	}
	fmt.Fprintf(stdout, "Go backend kernels in this binary: %s\n", dlopt.SIMDKernels())
	fmt.Fprintf(stdout, "backend selection: $%s, else $%s, else %q (* marks the selected one)\n",
		dlopt.BackendEnv, dlopt.GoMLXBackendEnv, dlopt.DefaultBackendConfig)
	status := 0
	for _, b := range dlopt.AvailableBackends() {
		mark := " "
		if b.Default {
			mark = "*"
		}
		description := b.Description
		if b.Err != nil {
			// The selected configuration cannot be used: say why, indented under its line.
			description += ": UNAVAILABLE\n    " + strings.ReplaceAll(b.Err.Error(), "\n", "\n    ")
			if b.Default {
				status = 1
			}
		}
		fmt.Fprintf(stdout, "%s %-40s %s\n", mark, b.Config, description)
		if b.Err == nil && *smoke {
			if elapsed, err := dlopt.SmokeTest(b.Config); err != nil {
				fmt.Fprintf(stdout, "    one-step smoke graph: FAILED\n    %s\n", strings.ReplaceAll(err.Error(), "\n", "\n    "))
				if b.Default {
					status = 1
				}
			} else {
				fmt.Fprintf(stdout, "    one-step smoke graph: ok (%.0f ms: create, compile, run, check)\n", elapsed.Seconds()*1000)
			}
		}
	}
	return status
}
