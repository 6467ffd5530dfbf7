package browser

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// page is 2000 px tall: a red band on top, green below, and a value that appears late.
const testPage = `<!doctype html><html><head><title>browser test</title>
<style>body{margin:0} #top{height:300px;background:#ff0000} #rest{height:1700px;background:#00ff00}</style></head>
<body><div id="top"></div><div id="rest"></div>
<script>setTimeout(function(){ window.late = 6*7; }, 300);</script></body></html>`

func launch(t *testing.T) *Browser {
	t.Helper()
	if _, err := exec.LookPath(DefaultPath); err != nil {
		t.Fatalf("Chromium missing (run `make setup`): %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	b, err := Launch(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return b
}

func TestPage(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, testPage)
	}))
	defer srv.Close()
	b := launch(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	p, err := b.NewPage(ctx, 400, 500)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Navigate(ctx, srv.URL); err != nil {
		t.Fatal(err)
	}
	var title string
	if err := p.Eval(ctx, "document.title", &title); err != nil || title != "browser test" {
		t.Fatalf("title = %q, %v; want %q", title, err, "browser test")
	}
	if err := p.WaitFor(ctx, "window.late === 42", 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := p.Eval(ctx, "undefinedFunction()", nil); err == nil || !strings.Contains(err.Error(), "undefinedFunction") {
		t.Errorf("Eval of a throwing expression: err = %v, want a ReferenceError naming undefinedFunction", err)
	}
	short, cancelShort := context.WithTimeout(ctx, 300*time.Millisecond)
	err = p.WaitFor(short, "window.never", 50*time.Millisecond)
	cancelShort()
	if err == nil {
		t.Errorf("WaitFor(window.never) succeeded, want a deadline error")
	}

	for _, tc := range []struct {
		name          string
		fullPage      bool
		width, height int
	}{
		{"viewport", false, 400, 500},
		{"full page", true, 400, 2000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw, err := p.Screenshot(ctx, tc.fullPage)
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			if got := img.Bounds().Size(); got != image.Pt(tc.width, tc.height) {
				t.Fatalf("screenshot size %v, want %dx%d", got, tc.width, tc.height)
			}
			wantRGB(t, img, 10, 10, color.RGBA{255, 0, 0, 255})
			wantRGB(t, img, 10, tc.height-10, color.RGBA{0, 255, 0, 255})
		})
	}
}

func wantRGB(t *testing.T, img image.Image, x, y int, want color.RGBA) {
	t.Helper()
	r, g, b, _ := img.At(x, y).RGBA()
	if got := (color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), 255}); got != want {
		t.Errorf("pixel (%d,%d) = %v, want %v", x, y, got, want)
	}
}

func TestInvalidInput(t *testing.T) {
	ctx := context.Background()
	if _, err := Launch(ctx, Options{Path: "/nonexistent/chromium"}); err == nil || !strings.Contains(err.Error(), "/nonexistent/chromium") {
		t.Errorf("Launch with a missing binary: err = %v, want one naming the path", err)
	}
	b := launch(t)
	for _, size := range [][2]int{{0, 100}, {100, -1}} {
		if _, err := b.NewPage(ctx, size[0], size[1]); err == nil {
			t.Errorf("NewPage(%d, %d) succeeded, want an error", size[0], size[1])
		}
	}
}

func TestCloseEndsTheBrowser(t *testing.T) {
	b := launch(t)
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := b.NewPage(context.Background(), 10, 10); err == nil {
		t.Errorf("NewPage after Close succeeded")
	}
}
