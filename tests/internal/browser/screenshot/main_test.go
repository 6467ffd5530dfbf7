package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	page := filepath.Join(dir, "05_long page.html")
	// 2500 px of content: the PNG must hold all of it, not only the 900 px viewport.
	if err := os.WriteFile(page, []byte(`<html><body style="margin:0"><div style="height:2500px;background:#123456"></div></body></html>`), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "shots")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-out", out, "-width", "600", page}, &stdout, &stderr); code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr.String())
	}
	f, err := os.Open(filepath.Join(out, "05_long page.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Width != 600 || cfg.Height != 2500 {
		t.Errorf("screenshot is %dx%d, want 600x2500", cfg.Width, cfg.Height)
	}
}

func TestRunRefusesBadInput(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "no HTML files given"},
		{[]string{"notes.txt"}, "notes.txt: not an .html file"},
		{[]string{"/nonexistent/x.html"}, "/nonexistent/x.html"},
		{[]string{"-width", "50", "x.html"}, "-width=50: allowed are 200 to 4000"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(tc.args, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("run(%q) = %d, %q; want exit 2 and a message containing %q", tc.args, code, stderr.String(), tc.want)
		}
	}
}
