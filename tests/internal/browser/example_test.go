package browser_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/dlopt/course/tests/internal/browser"
)

func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b, err := browser.Launch(ctx, browser.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	p, err := b.NewPage(ctx, 800, 600)
	if err != nil {
		log.Fatal(err)
	}
	if err := p.Navigate(ctx, "data:text/html,<title>hello</title><p id=x>6*7</p>"); err != nil {
		log.Fatal(err)
	}
	var got struct {
		Title string
		Value int
	}
	if err := p.Eval(ctx, `({Title: document.title, Value: eval(document.getElementById("x").textContent)})`, &got); err != nil {
		log.Fatal(err)
	}
	fmt.Println(got.Title, got.Value)
	// Output: hello 42
}
