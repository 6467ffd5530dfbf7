package tests

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dlopt/course/tests/internal/nbrun"
)

// TestNotebooks executes every lecture notebook with the GoNB kernel (as `make notebooks` does)
// and fails on any error output, panic or non-zero exit inside a cell; it also requires that
// each notebook prints CHECK lines and that every cell that plots shows an image/png.
// -short skips it (it needs Jupyter and GoNB: `make setup`).
func TestNotebooks(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: notebooks not executed")
	}
	notebooks, err := filepath.Glob(filepath.Join("..", "notebooks", "*.ipynb"))
	if err != nil {
		t.Fatal(err)
	}
	if len(notebooks) == 0 {
		t.Fatal("no notebooks found in ../notebooks")
	}
	if _, err := os.Stat(nbrun.JupyterPath()); err != nil {
		t.Fatalf("jupyter not found (run `make setup`): %v", err)
	}
	out := os.Getenv("NOTEBOOKS_OUT")
	if out == "" {
		out = t.TempDir()
	}
	numbered := regexp.MustCompile(`^[0-9]{2}_[a-z0-9_]+\.ipynb$`)
	for _, nb := range notebooks {
		name := filepath.Base(nb)
		t.Run(strings.TrimSuffix(name, ".ipynb"), func(t *testing.T) {
			if !numbered.MatchString(name) {
				t.Errorf("notebook name %q: want NN_snake_case.ipynb", name)
			}
			if err := requireNoOutputs(nb); err != nil {
				t.Error(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
			defer cancel()
			r := nbrun.Run(ctx, nb, nbrun.Options{OutDir: out})
			t.Logf("%s: %.1fs (cpu %.1fs), %d CHECK lines, %d images", name, r.Seconds, r.CPUSeconds, len(r.Checks), r.Images)
			if r.Err != nil {
				t.Fatalf("%v\n%s", r.Err, r.Log)
			}
			for _, p := range r.Problems {
				t.Error(p)
			}
			if len(r.Checks) == 0 {
				t.Error("no CHECK lines: every notebook ends with explicit checks of its claims")
			}
			for _, c := range r.Checks {
				t.Log(c)
			}
		})
	}
}

// requireNoOutputs fails for a committed notebook that carries outputs or execution counts.
func requireNoOutputs(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	r, err := nbrun.Scan(b)
	if err != nil {
		return err
	}
	if r.Images > 0 || len(r.Checks) > 0 || len(r.StderrLines) > 0 ||
		regexp.MustCompile(`"execution_count": [0-9]`).Match(b) || regexp.MustCompile(`"output_type"`).Match(b) {
		return &outputsError{path}
	}
	return nil
}

type outputsError struct{ path string }

func (e *outputsError) Error() string {
	return e.path + " is committed with outputs: clear them (Jupyter: Edit > Clear All Outputs)"
}
