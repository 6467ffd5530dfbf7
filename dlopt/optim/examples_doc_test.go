package optim

import (
	"testing"

	"github.com/dlopt/course/internal/examplecheck"
)

// TestEntryPointsHaveExamples: the functions a user starts from have a runnable Example, and
// the package doc tells where the examples are (go doc does not print them).
func TestEntryPointsHaveExamples(t *testing.T) {
	examplecheck.Require(t, ".", "New", "NewOptimizer", "RunGradients", "RunFunc", "RunHostFunc", "RunFunc_nonFinite", "ContinueOnNonFinite", "Trajectory_Iterates", "SkipNonFinite", "PerGroup")
}
