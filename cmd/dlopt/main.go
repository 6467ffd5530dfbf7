// Command dlopt is the command line of the dlopt course toolkit.
//
//	dlopt train      --model linear|mlp|cnn --optimizer NAME --lr X --epochs N --batch B --seed S --out DIR
//	dlopt train      --resume --out DIR   continue a run from its checkpoint (after Ctrl-C, a crash)
//	dlopt backends   list the compute backends available here and the default
//	dlopt trajectory --spec FILE  run an optimizer on a fixed gradient sequence (JSON in, JSON out)
//	dlopt schedule   --spec FILE  evaluate a learning-rate schedule (JSON in, JSON out)
//
// Errors: a command that fails prints one line, "dlopt COMMAND: what is wrong", as the last
// line of stderr; the flag list only comes with -h ('dlopt COMMAND -h'). A flag given twice is
// an error (naming both values), never a silent choice of the last. Exit codes, the same for
// every command:
//
//	0    success (and -h)
//	1    a valid request that could not be carried out: the data set or a backend is missing,
//	     training or a trajectory diverged, a checkpoint is damaged, a file could not be written
//	2    a wrong request, found before any work: an unknown, malformed or repeated flag, a stray
//	     argument, a value out of range, contradicting flags, a spec file that is missing or not
//	     valid, --resume-from naming no checkpoint, a setting that does not fit the data
//	130  (143) dlopt train stopped by SIGINT (SIGTERM) after writing a checkpoint
//
// A `dlopt train` that fails removes the --out directories it created while they hold no file
// (a diverged run keeps the metrics of its complete epochs; an interrupted one its checkpoints);
// a directory that existed before is never removed.
//
// Each subcommand lives in its own file and registers itself in [commands]; flags.go has the
// flag parsing and error reporting they share.
package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// command is one subcommand: run gets the arguments after the subcommand name and returns the
// process exit code (exitUsage, exitFailure: see the package comment).
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
		return fail(stderr, "dlopt", usagef("unknown command %q: the commands are %s (run 'dlopt help')", args[0], strings.Join(commandNames(), ", ")))
	}
	return c.run(args[1:], stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: dlopt COMMAND [flags]\n\ncommands:")
	for _, n := range commandNames() {
		fmt.Fprintf(w, "  %-11s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'dlopt COMMAND -h' for a command's flags.")
}

func commandNames() []string {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
