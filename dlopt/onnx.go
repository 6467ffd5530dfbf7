package dlopt

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gomlx/compute-onnx/support/onnxruntime"
)

// ONNX Runtime backend (github.com/gomlx/compute-onnx v0.1.13, onnx_backend.go), part of every
// build: it needs cgo, as go-xla's PJRT loader already does (compute-onnx dlopens libonnxruntime at
// run time, nothing links against it at build time), no build tag (GoMLX's `onnx` tag only gates
// its own backends/default and ONNX model export, which dlopt does not use), and it costs
// nothing until an "onnx" configuration is created. This file: configurations and the library.

// ONNXRuntimeVersion is the ONNX Runtime release dlopt is tested with: `make setup`
// (scripts/install.sh) extracts its CPU library from the npm package onnxruntime-node of this
// version into [ONNXRuntimeCacheDir].
const ONNXRuntimeVersion = "1.30.0"

// ONNXBackendName is GoMLX's name of the ONNX Runtime backend (configurations say "onnx"):
// compute-onnx's BackendName.
const ONNXBackendName = "onnxruntime"

// ONNXRuntimeLibraryEnv names the ONNX Runtime library when the configuration does not
// (compute-onnx reads the same variable).
const ONNXRuntimeLibraryEnv = "ONNXRUNTIME_SHARED_LIBRARY_PATH"

// ONNXRuntimeCacheDir returns where `make setup` puts libonnxruntime.so.1:
// $XDG_CACHE_HOME/dlopt/onnxruntime/VERSION (~/.cache/dlopt/onnxruntime/VERSION).
func ONNXRuntimeCacheDir() (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(cache, "dlopt", "onnxruntime", ONNXRuntimeVersion), nil
}

// onnxLibraryCandidates lists where dlopt looks for the library when the configuration names
// none, in order, with the place each comes from.
func onnxLibraryCandidates() (paths, from []string) {
	if p := strings.TrimSpace(os.Getenv(ONNXRuntimeLibraryEnv)); p != "" {
		return []string{p}, []string{"$" + ONNXRuntimeLibraryEnv}
	}
	if dir, err := ONNXRuntimeCacheDir(); err == nil {
		paths, from = append(paths, filepath.Join(dir, "libonnxruntime.so.1")), append(from, "make setup's cache")
	}
	if dir, err := onnxruntime.GetInstallPath(); err == nil {
		if name, err := onnxruntime.GetLibFilename(); err == nil {
			paths, from = append(paths, filepath.Join(dir, name)), append(from, "dlopt backends --install onnx")
		}
	}
	return paths, from
}

// checkONNXLibrary verifies that path names a readable regular file, absolute.
func checkONNXLibrary(path, from string) error {
	if !filepath.IsAbs(path) {
		return fmt.Errorf("dlopt: ONNX Runtime library %q (from %s) is not an absolute path", path, from)
	}
	info, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("dlopt: ONNX Runtime library %q (from %s): %w", path, from, err)
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("dlopt: ONNX Runtime library %q (from %s) is not a regular file", path, from)
	}
	return nil
}

// onnxOptions turns dlopt's options of an "onnx:..." configuration into compute-onnx's: the
// library path resolved and checked, the CPU execution provider unless another is named
// (compute-onnx would pick CUDA on a machine with an NVIDIA GPU, which the CPU library lacks),
// and ONNX Runtime's basic graph optimizations unless a graph_optimization_level is given.
// It returns the options and the library path.
func onnxOptions(options string) (string, string, error) {
	var parts []string
	lib, provider, optLevel := "", false, false
	for _, part := range strings.Split(options, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		switch strings.ToLower(part) {
		case "cpu", "cuda", "gpu", "migraphx", "rocm", "amd":
			provider = true
		}
		switch key, _, _ := strings.Cut(strings.ToLower(part), "="); key {
		case "graph_optimization_level", "graphoptimizationlevel", "opt_level", "optlevel":
			optLevel = true
		}
		if !strings.Contains(part, "=") && (strings.ContainsAny(part, `/\`) || strings.Contains(part, ".so")) {
			if lib != "" {
				return "", "", fmt.Errorf("dlopt: two ONNX Runtime libraries in %q: %q and %q", options, lib, part)
			}
			lib = part
			continue
		}
		parts = append(parts, part)
	}
	if lib != "" {
		if err := checkONNXLibrary(lib, "the configuration"); err != nil {
			return "", "", err
		}
	} else {
		paths, from := onnxLibraryCandidates()
		for i, p := range paths {
			if from[i] == "$"+ONNXRuntimeLibraryEnv {
				if err := checkONNXLibrary(p, from[i]); err != nil {
					return "", "", err
				}
			} else if checkONNXLibrary(p, from[i]) != nil {
				continue
			}
			lib = p
			break
		}
		if lib == "" {
			return "", "", fmt.Errorf("dlopt: no ONNX Runtime library found (looked at %s): %w", strings.Join(paths, ", "), errONNXMissing)
		}
	}
	if !provider {
		parts = append([]string{"cpu"}, parts...)
	}
	if !optLevel {
		// ONNX Runtime's extended graph optimizations (level 2 and up: operator fusions) change
		// float64 results by ~1e-8 relative (TestTwoLayerBackwardMatchesAutodiff's hand-written
		// against autodiff gradient at 1e-12 fails with them); basic ones keep float64 exact.
		parts = append(parts, "graph_optimization_level=1")
	}
	return strings.Join(append(parts, lib), ","), lib, nil
}

var errONNXMissing = errors.New("ONNX Runtime is not installed")

// ONNXRuntimeMissing reports whether err says that no ONNX Runtime library was found (none
// named in the configuration or $ONNXRUNTIME_SHARED_LIBRARY_PATH, none installed): tests skip
// their ONNX case then.
func ONNXRuntimeMissing(err error) bool { return errors.Is(err, errONNXMissing) }

// InstallONNXRuntime downloads ONNX Runtime's CPU library with compute-onnx's installer (from
// GitHub) and returns its path. Only `dlopt backends --install onnx` calls it.
func InstallONNXRuntime() (string, error) {
	return onnxruntime.Install(ONNXRuntimeVersion, false, "", "", false)
}
