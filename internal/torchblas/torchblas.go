package torchblas

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

//go:embed torchblas.py
var script []byte

// DebianPython is the interpreter with Debian's python3-torch.
const DebianPython = "/usr/bin/python3"

// ReferenceDir holds Debian's reference libblas.so.3 (package libblas3).
const ReferenceDir = "/usr/lib/x86_64-linux-gnu/blas"

// Info is the BLAS a process with some environment loads as libblas.so.3.
type Info struct {
	Library string `json:"blas"`   // the file behind libblas.so.3
	Kind    string `json:"kind"`   // "OpenBLAS", "reference", "other" or "none"
	Core    string `json:"core"`   // OpenBLAS's openblas_get_corename(), e.g. "Prescott"
	Level   int    `json:"level"`  // the core's SIMD level (as CPU.Level; 0 unknown or not OpenBLAS)
	Build   string `json:"config"` // OpenBLAS's openblas_get_config()
}

func (i Info) String() string {
	switch i.Kind {
	case "OpenBLAS":
		version := strings.Join(strings.Fields(i.Build)[:min(2, len(strings.Fields(i.Build)))], " ")
		return fmt.Sprintf("%s, core %s (%s)", version, i.Core, i.Library)
	case "reference":
		return "reference BLAS (" + i.Library + ")"
	}
	return i.Kind + " BLAS (" + i.Library + ")"
}

// CPU is the machine's processor as torchblas.py sees it.
type CPU struct {
	Model    string   `json:"model"`
	Level    int      `json:"level"`    // widest SIMD: 1 SSE, 2 AVX, 3 AVX2+FMA, 4 AVX-512
	Flags    []string `json:"flags"`    // the flags that decided Level
	CoreType string   `json:"coretype"` // the OPENBLAS_CORETYPE the level allows ("" below AVX2)
}

// Config is one BLAS configuration for a torch process.
type Config struct {
	Name string   // "detected", "OPENBLAS_CORETYPE=HASWELL", "reference"
	Env  []string // added to os.Environ() for the torch process
	Info Info     // what a process with Env loads
}

// run runs torchblas.py with one flag and the extra environment, and decodes its JSON.
func run(python, flag string, env []string, v any) error {
	dir, err := os.MkdirTemp("", "torchblas")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "torchblas.py")
	if err := os.WriteFile(path, script, 0o644); err != nil {
		return err
	}
	cmd := exec.Command(python, path, flag)
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("torchblas: %s %s: %v\n%s", python, flag, err, stderr.String())
	}
	return json.Unmarshal(out, v)
}

// Probe returns the BLAS a python process with the extra environment loads as libblas.so.3 (as
// torch does) and, for OpenBLAS, the kernel it picks.
func Probe(python string, env ...string) (Info, error) {
	var info Info
	err := run(python, "--probe", env, &info)
	return info, err
}

// Machine returns the CPU's model and SIMD level.
func Machine(python string) (CPU, error) {
	var c CPU
	err := run(python, "--cpu", nil, &c)
	return c, err
}

// Configs lists the BLAS configurations torch can run on here: the one it loads by default
// ("detected", whatever OpenBLAS's own detection picks, honouring an OPENBLAS_CORETYPE already
// set), OpenBLAS forced to HASWELL (CPUs with AVX2+FMA) and SKYLAKEX (AVX-512), and Debian's
// reference BLAS where package libblas3 is installed.
func Configs(python string) ([]Config, error) {
	cpu, err := Machine(python)
	if err != nil {
		return nil, err
	}
	candidates := []Config{{Name: "detected"}}
	for _, forced := range []struct {
		level int
		core  string
	}{{3, "HASWELL"}, {4, "SKYLAKEX"}} {
		if cpu.Level >= forced.level {
			env := []string{"OPENBLAS_CORETYPE=" + forced.core}
			candidates = append(candidates, Config{Name: env[0], Env: env})
		}
	}
	if _, err := os.Stat(filepath.Join(ReferenceDir, "libblas.so.3")); err == nil {
		candidates = append(candidates, Config{Name: "reference", Env: []string{"LD_LIBRARY_PATH=" + ReferenceDir}})
	}
	var configs []Config
	seen := map[string]bool{}
	for _, c := range candidates {
		if c.Info, err = Probe(python, c.Env...); err != nil {
			return nil, err
		}
		if strings.HasPrefix(c.Name, "OPENBLAS_CORETYPE") && c.Info.Kind != "OpenBLAS" {
			continue // no OpenBLAS to force
		}
		if key := c.Info.String(); !seen[key] {
			seen[key] = true
			configs = append(configs, c)
		}
	}
	return configs, nil
}
