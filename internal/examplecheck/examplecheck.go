// Package examplecheck lets a package's tests require runnable Examples for the functions a
// user starts from, and a package doc that says how to see them (go doc does not print them).
package examplecheck

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Require fails t for each entry point of the package in dir without an Example (an entry
// point is an Example's suffix: "" for the package, "New", "Trajectory_Iterates"), and when
// dir/doc.go does not tell how to run the examples ("go test -run Example").
func Require(t testing.TB, dir string, entryPoints ...string) {
	t.Helper()
	have, err := examples(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entryPoints {
		if !have[e] {
			t.Errorf("%s has no runnable Example%s", e, e)
		}
	}
	doc, err := os.ReadFile(filepath.Join(dir, "doc.go"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), "go test -run Example") {
		t.Error("the package doc does not say how to see the examples")
	}
}

// examples lists the suffixes of the Example functions in dir's test files.
func examples(dir string) (map[string]bool, error) {
	fset := token.NewFileSet()
	isTest := func(fi fs.FileInfo) bool { return strings.HasSuffix(fi.Name(), "_test.go") }
	pkgs, err := parser.ParseDir(fset, dir, isTest, 0)
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	for _, p := range pkgs {
		for _, f := range p.Files {
			for _, d := range f.Decls {
				if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil && strings.HasPrefix(fn.Name.Name, "Example") {
					have[strings.TrimPrefix(fn.Name.Name, "Example")] = true
				}
			}
		}
	}
	return have, nil
}
