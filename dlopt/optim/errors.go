package optim

import "fmt"

// errorf formats an error with the package prefix.
func errorf(format string, args ...any) error { return fmt.Errorf("optim: "+format, args...) }
