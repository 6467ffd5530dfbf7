package dlopt_test

import (
	"strings"
	"testing"

	"github.com/dlopt/course/dlopt"
)

// TestSmokeTest runs the one-step smoke graph on the selected backend and on the Go backend, and
// checks that a configuration that cannot be created is an error naming it.
func TestSmokeTest(t *testing.T) {
	for _, config := range []string{dlopt.BackendConfig(), "go"} {
		elapsed, err := dlopt.SmokeTest(config)
		if err != nil {
			t.Fatalf("SmokeTest(%q): %v", config, err)
		}
		t.Logf("%s: one step in %v", config, elapsed)
	}
	if _, err := dlopt.SmokeTest("xla:/nonexistent/plugin.so"); err == nil || !strings.Contains(err.Error(), "/nonexistent/plugin.so") {
		t.Errorf("SmokeTest with a missing plugin: error %v, want one naming the path", err)
	}
}
