// Package tests holds dlopt's end-to-end tests, one file per concern: the lecture notebooks run
// headless, the command line built and run as a user runs it (cli_test.go), the accuracy the
// models reach on Fashion-MNIST (accuracy_test.go), the Jupyter lab in a browser and the
// course image's Dockerfile. They need the machine `make setup` prepares (the Debian packages,
// GoNB); a missing piece is a failure that says how to install it, never a silent skip.
package tests
