//go:build linux && amd64

// Command xlainstall installs an XLA PJRT plugin for the course image, at build time:
//
//	go run ./docker/xlainstall -plugin=cuda
//
// `dlopt backends --install` covers the everyday case (the CPU plugin, and CUDA's where a GPU
// is visible). During `docker build` no GPU is visible, so the CUDA variant of the image needs
// the installer called directly: this command. It installs where GoMLX looks by default,
// ~/.local/lib/go-xla, and only runs from scripts/install.sh --xla=cuda.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gomlx/go-xla/installer"
	"github.com/gomlx/go-xla/pjrt"
)

// cudaPlugin is jax's PJRT plugin package family that go-xla v0.4.13 installs by default.
const cudaPlugin = "cuda13"

func main() {
	plugin := flag.String("plugin", "", "plugin to install: cpu or cuda")
	dir := flag.String("dir", "", "go-xla directory (default ~/.local/lib/go-xla, where GoMLX looks)")
	flag.Parse()
	if flag.NArg() > 0 {
		fail(fmt.Errorf("unexpected argument %q", flag.Arg(0)))
	}
	if *dir == "" {
		lib, err := installer.DefaultHomeLibPath()
		if err != nil {
			fail(err)
		}
		*dir = filepath.Join(lib, "go-xla")
	}
	// Where each installer leaves its plugin (go-xla v0.4.13's layout): checked before, so a
	// second run downloads nothing, and after, so a silent failure is still an error.
	var pluginFile string
	var install func() error
	switch *plugin {
	case "cpu":
		pluginFile = filepath.Join(*dir, fmt.Sprintf("pjrt_c_api_cpu_%s_plugin.so", pjrt.DefaultCPUVersion))
		install = func() error { return installer.CPUAutoInstall(*dir, true, installer.Normal) }
	case "cuda":
		pluginFile = filepath.Join(*dir, "nvidia", "pjrt_c_api_cuda_plugin.so")
		install = func() error { return installer.CudaInstall(cudaPlugin, "latest", *dir, true, installer.Normal) }
	default:
		fail(fmt.Errorf("-plugin=%q: allowed are cpu and cuda", *plugin))
	}
	if _, err := os.Stat(pluginFile); err == nil {
		fmt.Printf("xlainstall: %s plugin already installed: %s\n", *plugin, pluginFile)
		return
	}
	if err := install(); err != nil {
		fail(err)
	}
	if _, err := os.Stat(pluginFile); err != nil {
		fail(fmt.Errorf("the installer reported success but %s is missing: %w", pluginFile, err))
	}
	fmt.Printf("xlainstall: %s plugin installed: %s\n", *plugin, pluginFile)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "xlainstall:", err)
	os.Exit(1)
}
