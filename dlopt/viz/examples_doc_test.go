package viz

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"strings"
	"testing"
)

// TestEntryPointsHaveExamples: the functions a user starts from have a runnable Example, and
// the package doc tells where the examples are (go doc does not print them).
func TestEntryPointsHaveExamples(t *testing.T) {
	entryPoints := []string{"", "Contour", "FitLogLog", "Landscape"}
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi fs.FileInfo) bool { return strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		t.Fatal(err)
	}
	examples := map[string]bool{}
	for _, p := range pkgs {
		for _, f := range p.Files {
			for _, d := range f.Decls {
				if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil && strings.HasPrefix(fn.Name.Name, "Example") {
					examples[strings.TrimPrefix(fn.Name.Name, "Example")] = true
				}
			}
		}
	}
	for _, e := range entryPoints {
		if !examples[e] {
			t.Errorf("%s has no runnable Example%s", e, e)
		}
	}
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), "go test -run Example") {
		t.Error("the package doc does not say how to see the examples")
	}
}
