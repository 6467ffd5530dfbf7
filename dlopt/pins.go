//go:build pins

// This file is never compiled: it keeps the exact versions of libraries that dlopt packages
// import in go.mod even before (or while) the first importer exists.
package dlopt

import (
	_ "github.com/janpfeifer/gonb/gonbui"
	_ "gonum.org/v1/gonum/mat"
	_ "gonum.org/v1/plot"
)
