package dlopt

import (
	_ "unsafe" // for go:linkname

	"github.com/gomlx/compute"
	_ "github.com/gomlx/compute/gobackend" // defines the variable linked below
)

// goBackendCapabilities is GoMLX's Go backend's capability table (compute v0.1.14), which its
// Backend.Capabilities returns by value.
//
//go:linkname goBackendCapabilities github.com/gomlx/compute/internal/gobackend.Capabilities
var goBackendCapabilities compute.Capabilities

func init() {
	// The Go backend asks GoMLX to embed variables as constants in every graph not built for
	// training (PreferConstantsForVariables). model.Exec caches each graph it compiles, so an
	// evaluation or prediction Exec built once keeps using the weights it was compiled with,
	// however much training changes them: train.Trainer.Eval after every epoch reported the
	// first epoch's accuracy for ever. dlopt evaluates between training steps all the time
	// (evaluations, landscapes, optimizer runs), so variables stay graph parameters, read at
	// every execution. TestEvaluationSeesNewWeights guards this.
	goBackendCapabilities.PreferConstantsForVariables = false
}
