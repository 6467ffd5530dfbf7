package dlopt

import (
	"strings"
	"testing"
)

// TestBackendErrorNamesItsSource: Backend() (created once per process, so tested through the
// function it runs) says which variable held a bad configuration.
func TestBackendErrorNamesItsSource(t *testing.T) {
	for _, tc := range []struct {
		dloptEnv, gomlxEnv, want string
	}{
		{"tpu", "", "comes from $DLOPT_BACKEND"},
		{"", "tpu", "comes from $GOMLX_BACKEND"},
		{"tpu", "go", "comes from $DLOPT_BACKEND"},
	} {
		t.Setenv(BackendEnv, tc.dloptEnv)
		t.Setenv(GoMLXBackendEnv, tc.gomlxEnv)
		b, err := backendFromEnvironment()
		if err == nil {
			b.Finalize()
			t.Errorf("DLOPT_BACKEND=%q GOMLX_BACKEND=%q: no error", tc.dloptEnv, tc.gomlxEnv)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), `"tpu"`) {
			t.Errorf("DLOPT_BACKEND=%q GOMLX_BACKEND=%q: error %q lacks %q or the configuration", tc.dloptEnv, tc.gomlxEnv, err, tc.want)
		}
	}
	t.Setenv(BackendEnv, "")
	t.Setenv(GoMLXBackendEnv, "")
	b, err := backendFromEnvironment()
	if err != nil {
		t.Fatalf("default backend: %v", err)
	}
	b.Finalize()
}
