package optim

import (
	"errors"
	"fmt"
)

// Kinds of errors, for errors.Is: every error of the package wraps one of them, and its message
// names the bad value and what is accepted.
var (
	// ErrUnknownName: an unknown library, optimizer or hyperparameter name.
	ErrUnknownName = errors.New("optim: unknown name")
	// ErrUnknownKeyword: a keyword argument the library's constructor does not take.
	ErrUnknownKeyword = errors.New("optim: unknown keyword")
	// ErrBadKeyword: a keyword argument of the wrong type, or a required one missing.
	ErrBadKeyword = errors.New("optim: bad keyword argument")
	// ErrInvalidValue: a hyperparameter or argument outside its allowed range.
	ErrInvalidValue = errors.New("optim: invalid value")
	// ErrNonFinite: a run (without ContinueOnNonFinite) met NaN or ±Inf parameters.
	ErrNonFinite = errors.New("optim: non-finite parameters")
)

// kindError is an error of a given kind with its own message (cause).
type kindError struct {
	kind  error
	cause error
}

func (e *kindError) Error() string { return e.cause.Error() }

// Unwrap gives both the kind and the cause, so that errors.Is finds the kind as well as any
// error the message wrapped with %w.
func (e *kindError) Unwrap() []error { return []error{e.kind, e.cause} }

// kindErrorf formats an error of the given kind with the package prefix; %w wraps as in fmt.Errorf.
func kindErrorf(kind error, format string, args ...any) error {
	return &kindError{kind: kind, cause: fmt.Errorf("optim: "+format, args...)}
}

// errorf formats an ErrInvalidValue error with the package prefix; %w wraps as in fmt.Errorf.
func errorf(format string, args ...any) error { return kindErrorf(ErrInvalidValue, format, args...) }
