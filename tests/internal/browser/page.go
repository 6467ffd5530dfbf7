package browser

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// Page is one browser tab.
type Page struct {
	b       *Browser
	session string
	width   int
	height  int
}

// NewPage opens a blank tab with a viewport of width x height CSS pixels.
func (b *Browser) NewPage(ctx context.Context, width, height int) (*Page, error) {
	if width <= 0 || height <= 0 {
		return nil, fmt.Errorf("browser: viewport %dx%d: width and height must be positive", width, height)
	}
	var target struct {
		TargetID string `json:"targetId"`
	}
	if err := b.call(ctx, "", "Target.createTarget", map[string]any{"url": "about:blank"}, &target); err != nil {
		return nil, err
	}
	var attached struct {
		SessionID string `json:"sessionId"`
	}
	// flatten: commands for the page travel on the same pipe, tagged with the session id.
	if err := b.call(ctx, "", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached); err != nil {
		return nil, err
	}
	p := &Page{b: b, session: attached.SessionID}
	if err := p.SetViewport(ctx, width, height); err != nil {
		return nil, err
	}
	return p, nil
}

// SetViewport resizes the page's viewport (CSS pixels, device scale factor 1).
func (p *Page) SetViewport(ctx context.Context, width, height int) error {
	if width <= 0 || height <= 0 {
		return fmt.Errorf("browser: viewport %dx%d: width and height must be positive", width, height)
	}
	p.width, p.height = width, height
	return p.b.call(ctx, p.session, "Emulation.setDeviceMetricsOverride", map[string]any{
		"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false,
	}, nil)
}

// Navigate loads url and waits until the new document has finished loading (readyState
// "complete"); scripts the page starts afterwards may still be running.
func (p *Page) Navigate(ctx context.Context, url string) error {
	// Page.navigate may answer before the new document replaces the old one, whose readyState
	// is already "complete": a mark on the old window tells the two apart.
	if err := p.Eval(ctx, "window.__dloptPreviousDocument = true", nil); err != nil {
		return err
	}
	var nav struct {
		ErrorText string `json:"errorText"`
	}
	if err := p.b.call(ctx, p.session, "Page.navigate", map[string]any{"url": url}, &nav); err != nil {
		return err
	}
	if nav.ErrorText != "" {
		return fmt.Errorf("browser: navigating to %s: %s", url, nav.ErrorText)
	}
	return p.WaitFor(ctx, "!window.__dloptPreviousDocument && document.readyState === 'complete'", 100*time.Millisecond)
}

// Eval evaluates a JavaScript expression in the page, awaiting it if it is a promise, and
// decodes its JSON value into out (if not nil). A thrown exception is an error.
func (p *Page) Eval(ctx context.Context, expr string, out any) error {
	var res struct {
		Result struct {
			Type  string          `json:"type"`
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	err := p.b.call(ctx, p.session, "Runtime.evaluate", map[string]any{
		"expression": expr, "returnByValue": true, "awaitPromise": true,
	}, &res)
	if err != nil {
		return err
	}
	if e := res.ExceptionDetails; e != nil {
		msg := e.Exception.Description
		if msg == "" {
			msg = e.Text
		}
		return fmt.Errorf("browser: evaluating %q: %s", abbreviate(expr), msg)
	}
	if out == nil || res.Result.Type == "undefined" {
		return nil
	}
	if err := json.Unmarshal(res.Result.Value, out); err != nil {
		return fmt.Errorf("browser: evaluating %q: decoding %s: %w", abbreviate(expr), res.Result.Value, err)
	}
	return nil
}

// WaitFor evaluates expr every poll until it is truthy or ctx ends. Exceptions count as false
// (the page's scripts may not have defined what expr looks at yet); the last one is reported
// if the wait fails.
func (p *Page) WaitFor(ctx context.Context, expr string, poll time.Duration) error {
	var lastErr error = errNotTruthy
	for {
		var ok bool
		err := p.Eval(ctx, "!!("+expr+")", &ok)
		if err == nil && ok {
			return nil
		}
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("browser: waiting for %q: %w (last: %v)", abbreviate(expr), ctx.Err(), lastErr)
			}
			lastErr = err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("browser: waiting for %q: %w (last: %v)", abbreviate(expr), ctx.Err(), lastErr)
		case <-time.After(poll):
		}
	}
}

// maxFullPageHeight bounds full-page screenshots: Chromium's compositor refuses surfaces much
// taller than this, and a longer page is better looked at in the browser anyway.
const maxFullPageHeight = 16000

// Screenshot returns a PNG of the viewport, or of the whole document when fullPage is set
// (up to 16000 CSS pixels tall).
func (p *Page) Screenshot(ctx context.Context, fullPage bool) ([]byte, error) {
	params := map[string]any{"format": "png"}
	if fullPage {
		var size struct{ Width, Height float64 }
		err := p.Eval(ctx, `({Width: Math.max(document.documentElement.scrollWidth, document.body ? document.body.scrollWidth : 0),
			Height: Math.max(document.documentElement.scrollHeight, document.body ? document.body.scrollHeight : 0)})`, &size)
		if err != nil {
			return nil, err
		}
		w := math.Max(float64(p.width), math.Ceil(size.Width))
		h := math.Min(math.Max(float64(p.height), math.Ceil(size.Height)), maxFullPageHeight)
		params["captureBeyondViewport"] = true
		params["clip"] = map[string]any{"x": 0, "y": 0, "width": w, "height": h, "scale": 1}
	}
	var shot struct {
		Data string `json:"data"`
	}
	if err := p.b.call(ctx, p.session, "Page.captureScreenshot", params, &shot); err != nil {
		return nil, err
	}
	png, err := base64.StdEncoding.DecodeString(shot.Data)
	if err != nil {
		return nil, fmt.Errorf("browser: screenshot: %w", err)
	}
	return png, nil
}

func abbreviate(s string) string {
	const max = 80
	if len(s) <= max {
		return s
	}
	return s[:max] + "..."
}
