package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// Exit codes, the same for every subcommand (see the package comment).
const (
	exitFailure = 1 // a valid request that could not be carried out
	exitUsage   = 2 // the request itself is wrong: flags, arguments, the spec or checkpoint named
)

// usageErr marks an error as the caller's mistake (exit code 2): a bad flag or argument, a
// spec that is not valid, a setting that does not fit the data. (runTrain's usageError is
// the function that prints one.)
type usageErr struct{ err error }

// errUsage marks the caller's mistake too, for errors wrapping it with %w.
var errUsage = errors.New("usage error")

func (e usageErr) Error() string { return e.err.Error() }
func (e usageErr) Unwrap() error { return e.err }

// usagef formats a usageErr.
func usagef(format string, args ...any) error { return usageErr{fmt.Errorf(format, args...)} }

// asUsage marks err as a usageErr (nil stays nil).
func asUsage(err error) error {
	if err == nil {
		return nil
	}
	return usageErr{err}
}

// fail prints err as the last line of stderr, prefixed with the command ("dlopt train: ..."),
// and returns its exit code: 2 for a usageErr, else 1. The flag list is not printed: it
// would hide the one line that matters ('dlopt COMMAND -h' shows it).
func fail(stderr io.Writer, cmd string, err error) int {
	fmt.Fprintf(stderr, "%s: %v\n", cmd, err)
	if isUsage(err) {
		return exitUsage
	}
	return exitFailure
}

// isUsage reports whether err is (or wraps) a usageErr or errUsage.
func isUsage(err error) bool {
	var u usageErr
	return errors.As(err, &u) || errors.Is(err, errUsage)
}

// newFlagSet returns the flag set of `dlopt NAME`: it prints nothing itself (parseFlags prints
// the one error line, and the flags only for -h).
func newFlagSet(cmd string) *flag.FlagSet {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parseFlags parses args with fs, made by newFlagSet. It returns stop = true and the exit code
// when the command must end here: after -h or --help, which print fs.Usage (the flags) on
// stderr and give 0; and after a flag the flag package rejects or a flag given twice, which
// print that one error line and give 2.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) (code int, stop bool) {
	// During Parse the flag package calls fs.Usage on every error: silence it, print after.
	usage := fs.Usage
	fs.Usage = func() {}
	defer func() { fs.Usage = usage }()
	var repeated error
	originals := map[*flag.Flag]flag.Value{}
	fs.VisitAll(func(f *flag.Flag) {
		originals[f] = f.Value
		f.Value = &onceValue{Value: f.Value, name: f.Name, repeated: &repeated}
	})
	err := fs.Parse(args)
	for f, v := range originals {
		f.Value = v
	}
	switch {
	case err == nil:
		return 0, false
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(stderr)
		defer fs.SetOutput(io.Discard)
		if usage == nil { // flag.NewFlagSet sets one; a command may have cleared it
			usage = fs.PrintDefaults
		}
		usage()
		return 0, true
	case repeated != nil:
		return fail(stderr, fs.Name(), repeated), true
	}
	return fail(stderr, fs.Name(), usagef("%v (run '%s -h' for the flags)", err, fs.Name())), true
}

// onceValue wraps a flag's value during parsing: a second Set is an error naming both values,
// where the flag package would silently keep the last one.
type onceValue struct {
	flag.Value
	name     string
	given    bool
	first    string
	repeated *error // where the first repeat is reported to parseFlags
}

func (v *onceValue) Set(s string) error {
	if v.given {
		if *v.repeated == nil {
			*v.repeated = usagef("--%s given twice (%s and %s): give each flag once", v.name, quoteIfEmpty(v.first), quoteIfEmpty(s))
		}
		return *v.repeated
	}
	v.given, v.first = true, s
	return v.Value.Set(s)
}

// IsBoolFlag keeps boolean flags usable without a value (--quiet).
func (v *onceValue) IsBoolFlag() bool {
	b, ok := v.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

func quoteIfEmpty(s string) string {
	if s == "" || strings.ContainsAny(s, " \t") {
		return fmt.Sprintf("%q", s)
	}
	return s
}

// unexpectedArgs is the usage error for positional arguments of a command that takes none.
func unexpectedArgs(fs *flag.FlagSet) error {
	if fs.NArg() == 0 {
		return nil
	}
	return usagef("unexpected argument %q (all settings are flags)", fs.Arg(0))
}
