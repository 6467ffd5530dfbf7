//go:build !(linux && amd64)

// Command xlainstall installs an XLA PJRT plugin for the course image (linux/amd64 only).
package main

import (
	"fmt"
	"os"
	"runtime"
)

func main() {
	fmt.Fprintf(os.Stderr, "xlainstall: the course image's plugins exist for linux/amd64 only, not %s/%s\n", runtime.GOOS, runtime.GOARCH)
	os.Exit(1)
}
