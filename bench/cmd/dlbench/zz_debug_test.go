package main

import "testing"

func TestZZDebug(t *testing.T) {
	p, err := setupUpdate("sgdm", 1000)(config{})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		got, err := p.run()
		t.Log(got, err)
	}
}
