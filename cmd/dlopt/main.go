// Command dlopt is the command line of the dlopt course toolkit.
//
//	dlopt train      --model linear|mlp|cnn --optimizer NAME --lr X --epochs N --batch B --seed S --out DIR
//	dlopt train      --resume --out DIR   continue a run from its checkpoint (after Ctrl-C, a crash)
//	dlopt backends   list the compute backends available here and the default
//	dlopt trajectory --spec FILE  run an optimizer on a fixed gradient sequence (JSON in, JSON out)
//	dlopt schedule   --spec FILE  evaluate a learning-rate schedule (JSON in, JSON out)
//
// Each subcommand lives in its own file and registers itself in [commands].
package main

import (
	"fmt"
	"io"
	"os"
	"sort"
)

// command is one subcommand: run gets the arguments after the subcommand name and returns the
// process exit code (2 for usage errors, 1 for failures).
type command struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

var commands = map[string]command{}

func register(name string, c command) {
	if _, dup := commands[name]; dup {
		panic("dlopt: subcommand registered twice: " + name)
	}
	commands[name] = c
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "dlopt: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	return c.run(args[1:], stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: dlopt COMMAND [flags]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-11s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'dlopt COMMAND -h' for a command's flags.")
}
