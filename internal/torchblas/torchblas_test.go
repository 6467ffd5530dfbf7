package torchblas

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

func needPython(t *testing.T) {
	t.Helper()
	if err := exec.Command(DebianPython, "-c", "import ctypes").Run(); err != nil {
		t.Skipf("skipping: %s not usable: %v", DebianPython, err)
	}
}

// TestConfigs: every configuration loads what its name says; forcing a core is seen by OpenBLAS.
func TestConfigs(t *testing.T) {
	needPython(t)
	configs, err := Configs(DebianPython)
	if err != nil {
		t.Fatal(err)
	}
	if len(configs) == 0 || configs[0].Name != "detected" {
		t.Fatalf("Configs = %+v, want the detected one first", configs)
	}
	for _, c := range configs {
		t.Logf("%-26s %s", c.Name, c.Info)
		switch {
		case c.Name == "reference" && c.Info.Kind != "reference":
			t.Errorf("%s loads %s", c.Name, c.Info)
		case strings.HasPrefix(c.Name, "OPENBLAS_CORETYPE="):
			want := strings.TrimPrefix(c.Name, "OPENBLAS_CORETYPE=")
			if !strings.EqualFold(c.Info.Core, want) {
				t.Errorf("%s runs core %q", c.Name, c.Info.Core)
			}
		}
	}
}

// TestProbeSeesTheEnvironment: the probe runs with the environment it is given, as the torch
// process will (a bogus library path changes nothing; a reference BLAS path does).
func TestProbeSeesTheEnvironment(t *testing.T) {
	needPython(t)
	if _, err := os.Stat(ReferenceDir + "/libblas.so.3"); err != nil {
		t.Skip("skipping: Debian's reference BLAS (libblas3) is not installed")
	}
	info, err := Probe(DebianPython, "LD_LIBRARY_PATH="+ReferenceDir)
	if err != nil {
		t.Fatal(err)
	}
	if info.Kind != "reference" || !strings.HasPrefix(info.Library, ReferenceDir) {
		t.Errorf("with LD_LIBRARY_PATH=%s the probe loads %s", ReferenceDir, info)
	}
}
