package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/dlopt/course/dlopt"
)

func TestBackendsCommand(t *testing.T) {
	for _, tc := range []struct {
		name, env string
		wantCode  int
		wantLine  string   // the selected line starts with this
		wantText  []string // also in the output
	}{
		{"default", "", 0, "* go ", []string{"one-step smoke graph: ok"}},
		// The Go backend's options (GoMLX compute v0.1.14's gobackend.New): workers and how ops run.
		{"go with options", "go:parallelism=2,ops_sequential", 0, "* go:parallelism=2,ops_sequential ", []string{"one-step smoke graph: ok"}},
		{"go sequential", "go:parallelism=0", 0, "* go:parallelism=0 ", []string{"one-step smoke graph: ok"}},
		{"simplego is go", "simplego", 0, "* go ", []string{"one-step smoke graph: ok"}},
		{"go bad option value", "go:parallelism=two", 1, "* go:parallelism=two ", []string{"UNAVAILABLE", `"parallelism"`, "needs an int", "To fix"}},
		{"go unknown option", "go:workers=2", 1, "* go:workers=2 ", []string{"UNAVAILABLE", `"workers"`, "parallelism=#workers", "To fix"}},
		{"unavailable plugin", "xla:/nonexistent/pjrt_plugin.so", 1, "* xla:/nonexistent/pjrt_plugin.so ",
			[]string{"UNAVAILABLE", "no such file", "To fix"}},
		{"unknown backend", "tpu", 1, "* tpu ", []string{"UNAVAILABLE", "unknown backend"}},
		{"missing ONNX Runtime library", "onnx:/nonexistent/libonnxruntime.so.1", 1, "* onnx:/nonexistent/libonnxruntime.so.1 ",
			[]string{"UNAVAILABLE", `"/nonexistent/libonnxruntime.so.1"`, "no such file", "make setup"}},
		{"ONNX Runtime option typo", "onnx:intra_threadz=2", 1, "* onnx:intra_threadz=2 ", []string{"UNAVAILABLE", "intra_threadz", "To fix"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("DLOPT_BACKEND", tc.env)
			t.Setenv("GOMLX_BACKEND", "")
			var stdout, stderr bytes.Buffer
			if code := run([]string{"backends"}, &stdout, &stderr); code != tc.wantCode {
				t.Errorf("exit code %d, want %d; stderr: %s", code, tc.wantCode, stderr.String())
			}
			out := stdout.String()
			selected := 0
			for _, line := range strings.Split(out, "\n") {
				if strings.HasPrefix(line, "*") {
					selected++
					if !strings.HasPrefix(line, tc.wantLine) {
						t.Errorf("selected line %q, want prefix %q", line, tc.wantLine)
					}
				}
			}
			if selected != 1 {
				t.Errorf("%d lines marked selected, want 1:\n%s", selected, out)
			}
			for _, w := range tc.wantText {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"backends", "extra"}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), `"extra"`) {
		t.Errorf("backends extra: code %d, stderr %q; want 2 and the bad argument named", code, stderr.String())
	}
}

// With ONNX Runtime installed (make setup), `dlopt backends` lists it with its version and runs
// the smoke graph on it, selected or not.
func TestBackendsCommandONNX(t *testing.T) {
	if _, err := dlopt.NewBackend("onnx"); err != nil {
		if dlopt.ONNXRuntimeMissing(err) {
			t.Skipf("skipping: %v", err)
		}
		t.Fatal(err)
	}
	for _, env := range []string{"", "onnx"} {
		t.Setenv("DLOPT_BACKEND", env)
		t.Setenv("GOMLX_BACKEND", "")
		var stdout, stderr bytes.Buffer
		if code := run([]string{"backends"}, &stdout, &stderr); code != 0 {
			t.Errorf("DLOPT_BACKEND=%q: exit code %d; stderr: %s", env, code, stderr.String())
		}
		out := stdout.String()
		i := strings.Index(out, "onnx ")
		if i < 0 || !strings.Contains(out[i:], "ONNX Runtime "+dlopt.ONNXRuntimeVersion) ||
			!strings.Contains(out[i:], "one-step smoke graph: ok") {
			t.Errorf("DLOPT_BACKEND=%q: no onnx line with version %s and a passing smoke graph:\n%s", env, dlopt.ONNXRuntimeVersion, out)
		}
		if (env == "onnx") != strings.Contains(out, "\n* onnx ") {
			t.Errorf("DLOPT_BACKEND=%q: onnx marked selected = %v:\n%s", env, !(env == "onnx"), out)
		}
	}
}
