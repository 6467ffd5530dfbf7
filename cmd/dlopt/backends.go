package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/dlopt/course/dlopt"
)

func init() {
	register("backends", command{summary: "list the compute backends available here and the default", run: runBackends})
}

func runBackends(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dlopt backends", flag.ContinueOnError)
	fs.SetOutput(stderr)
	install := fs.Bool("install", false, "download GoMLX's default XLA PJRT plugins (the only command that downloads anything)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "dlopt backends: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return 2
	}
	if *install {
		if err := dlopt.InstallXLAPlugins(); err != nil {
			fmt.Fprintln(stderr, "dlopt backends --install:", err)
			return 1
		}
	}
	fmt.Fprintf(stdout, "backend selection: $%s, else $%s, else %q\n", dlopt.BackendEnv, dlopt.GoMLXBackendEnv, dlopt.DefaultBackendConfig)
	for _, b := range dlopt.AvailableBackends() {
		mark := " "
		if b.Default {
			mark = "*"
		}
		fmt.Fprintf(stdout, "%s %-40s %s\n", mark, b.Config, b.Description)
	}
	return 0
}
