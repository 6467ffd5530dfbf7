package decentral

import (
	"errors"
	"fmt"
)

// Kinds of errors, for errors.Is: every error of the package wraps one of them, and its message
// names the bad value and what is accepted.
var (
	// ErrUnknownName: a topology or algorithm name that New or ParseAlgorithm does not know.
	ErrUnknownName = errors.New("decentral: unknown name")
	// ErrInvalidValue: a worker count, size, step or other argument outside its allowed range.
	ErrInvalidValue = errors.New("decentral: invalid value")
	// ErrNotDoublyStochastic: a mixing matrix that is not square, has a negative entry, or a row
	// or column that does not sum to 1.
	ErrNotDoublyStochastic = errors.New("decentral: mixing matrix is not doubly stochastic")
)

// kindError is an error of a given kind with its own message.
type kindError struct {
	kind  error
	cause error
}

func (e *kindError) Error() string   { return e.cause.Error() }
func (e *kindError) Unwrap() []error { return []error{e.kind, e.cause} }

// kindErrorf formats an error of the given kind with the package prefix; %w wraps as in fmt.Errorf.
func kindErrorf(kind error, format string, args ...any) error {
	return &kindError{kind: kind, cause: fmt.Errorf("decentral: "+format, args...)}
}
