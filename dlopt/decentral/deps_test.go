package decentral_test

import (
	"os/exec"
	"strings"
	"testing"
)

// The package is the notebooks' pure-Go part of decentralized SGD: importing it must not link
// GoMLX (or dlopt/optim, which does), or every notebook cell that uses it pays GoMLX's link time.
// The GoMLX trainer lives in decentral/batched. `go test` puts its own go command first in PATH.
func TestNeedsOnlyGoAndGonum(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	var foreign []string
	for _, dep := range strings.Fields(string(out)) {
		first, _, _ := strings.Cut(dep, "/")
		stdlib := !strings.Contains(first, ".")
		if !stdlib && !strings.HasPrefix(dep, "gonum.org/v1/gonum/") && dep != "github.com/dlopt/course/dlopt/decentral" {
			foreign = append(foreign, dep)
		}
	}
	if len(foreign) > 0 {
		t.Errorf("package decentral depends on %d packages beyond the standard library and gonum: %s",
			len(foreign), strings.Join(foreign, " "))
	}
}
