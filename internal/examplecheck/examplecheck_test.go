package examplecheck

import (
	"os"
	"path/filepath"
	"testing"
)

func TestExamples(t *testing.T) {
	dir := t.TempDir()
	src := "package p\n\nfunc Example() {}\nfunc ExampleNew() {}\nfunc ExampleT_M() {}\nfunc (x) ExampleNot() {}\n"
	if err := os.WriteFile(filepath.Join(dir, "a_test.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "b.go"), []byte("package p\n\nfunc ExampleSource() {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	have, err := examples(dir)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{"": true, "New": true, "T_M": true, "Not": false, "Source": false} {
		if have[name] != want {
			t.Errorf("Example%s found: %v, want %v", name, have[name], want)
		}
	}
}
