# dlopt entry points. `make test` and `make notebooks` run `setup` first, so each works alone
# on a fresh machine that has only Go and Debian.
SHELL := /bin/bash
# Go 1.27.3 with the simd experiment, for every recipe and script it starts: GoMLX v0.28 needs
# Go 1.27, and the Go backend's AVX-512/AVX2 kernels build only under `goexperiment.simd &&
# go1.27` (without it the scalar path, ~15x slower). A machine's Go 1.26 (GOTOOLCHAIN=local)
# ignores go.mod's toolchain line; this makes the go command fetch go1.27.3 from the module
# proxy once per machine. The scripts, .ci/run, docker/Dockerfile and the GoNB kernelspec
# (scripts/install.sh) say the same; `make toolchain-check` checks them.
export GOTOOLCHAIN := go1.27.3
export GOEXPERIMENT := simd
GOBIN ?= $(shell go env GOPATH)/bin
export PATH := $(GOBIN):$(PATH)
# Debian's Jupyter, not the pyenv python3 that may come first on PATH.
JUPYTER ?= /usr/bin/jupyter
export JUPYTER

.PHONY: all setup toolchain-check test vet fmt-check gotest gotest-onnx notebooks lab bench bench-accuracy bench-gpu-build screenshots clean

all: test

setup: toolchain-check
	@bash scripts/install.sh

# Fails early, saying what to set, when the go command is not Go 1.27 with the simd experiment
# (GOTOOLCHAIN or GOEXPERIMENT overridden), or when a script does not export the same two
# variables as this Makefile (each script also runs alone, outside make). Files without a #!
# line (scripts/image_engine.sh) are sourced, and run with their caller's variables.
toolchain-check:
	@v=$$(go env GOVERSION); case "$$v" in go1.27.*) ;; *) \
	  echo "toolchain-check: go is $$v, want go1.27.x: export GOTOOLCHAIN=go1.27.3 (GoMLX v0.28 needs Go 1.27)"; exit 1 ;; esac
	@tags=$$(go list -f '{{join context.ToolTags " "}}' runtime); case " $$tags " in *" goexperiment.simd "*) ;; *) \
	  echo "toolchain-check: GOEXPERIMENT='$$(go env GOEXPERIMENT)' does not enable simd: export GOEXPERIMENT=simd (the Go backend's AVX-512/AVX2 kernels need it)"; exit 1 ;; esac
	@want='export GOTOOLCHAIN=$(GOTOOLCHAIN) GOEXPERIMENT=$(GOEXPERIMENT)'; bad=""; \
	for f in .ci/run $$(git ls-files 'scripts/*.sh' 'bench/*.sh'); do \
	  head -1 "$$f" | grep -q '^#!' && ! grep -qxF "$$want" "$$f" && bad="$$bad $$f"; \
	done; \
	if [ -n "$$bad" ]; then echo "toolchain-check: these scripts lack the line '$$want':$$bad"; exit 1; fi

# The gofmt of GOTOOLCHAIN's Go (the one on PATH is the machine's older Go's).
fmt-check:
	@out=$$("$$(go env GOROOT)/bin/gofmt" -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	go vet ./...

gotest:
	go test -count=1 -timeout 60m ./...

# The ONNX Runtime pass of `make test` (README: Backends): the tests of dlopt's packages and its
# command, and the notebooks ONNX_NOTEBOOKS names, with DLOPT_BACKEND=onnx, so a change that only
# works on the Go backend fails CI (the benchmark and test-support packages are left out to keep
# CI short). `make test-backend BACKEND=onnx` runs all of it (every notebook, dlopt train).
ONNX_PACKAGES ?= ./dlopt/... ./cmd/... ./internal/backendtest
ONNX_NOTEBOOKS ?= ^03_
gotest-onnx:
	PACKAGES='$(ONNX_PACKAGES)' NOTEBOOKS='$(ONNX_NOTEBOOKS)' TRAIN_CHECK=0 bash scripts/test-backend.sh onnx

test: toolchain-check setup fmt-check vet gotest gotest-onnx

notebooks: setup
	go run ./tests/cmd/runnotebooks -out build/notebooks notebooks/*.ipynb

lab: setup
	bash scripts/lab.sh

# Full-page PNGs of the exported notebooks 05 and 06 in build/screenshots/.
screenshots: notebooks
	bash scripts/screenshots.sh

bench: setup
	bash bench/run.sh

clean:
	rm -rf build

# Accuracy parity with PyTorch on the benchmark's training workloads (bench/accuracy.sh; about
# 10 minutes on 2 cores). ACCURACY_ARGS go to bench/cmd/accuracy, e.g. "-workloads softmax".
bench-accuracy: setup
	bash bench/accuracy.sh $(ACCURACY_ARGS)

# What the GPU run needs, carried to the device machine as build/gpu (bench/gpu/README.md):
# mlpstep, dlopt and the test binaries, xz-compressed, and Fashion-MNIST.
bench-gpu-build:
	bash bench/gpu/pack.sh

# Checkpoint size and the time one checkpoint adds, per model (dlopt/experiment, issue 16).
.PHONY: bench-checkpoint
bench-checkpoint:
	go test -run '^$$' -bench BenchmarkCheckpoint -benchtime 10x ./dlopt/experiment

# The suite on one backend (scripts/test-backend.sh): `dlopt backends` smoke graph, package
# tests, notebook tests, `dlopt train` linear/mlp/cnn. BACKEND=go | onnx | onnx:/abs/libonnxruntime.so.1
# | xla:cpu | xla:/abs/plugin.so.
.PHONY: test-backend
BACKEND ?= go
test-backend: setup
	bash scripts/test-backend.sh '$(BACKEND)'

# Mutation testing of one package (gremlins v0.6.0, tools/mutation; not part of `make test`:
# about 20 s per mutant on 2 cores). Prints the surviving mutants and the kill rate, e.g.
#   make mutation PKG=./dlopt/optim MUTATION_BUDGET=40m MUTATION_FILES="muon.go sgd.go"
# (see scripts/mutation.sh for MUTATION_WORKERS, MUTATION_SKIP, MUTATION_COEFF).
PKG ?= ./dlopt/optim
.PHONY: mutation
mutation:
	bash scripts/mutation.sh $(PKG)

# The course image (docker/Dockerfile) as dlopt-course:latest, with docker if its daemon answers,
# else podman. XLA=cpu (default) | cuda | none (no PJRT plugin: builds without GitHub/PyPI).
XLA ?= cpu
.PHONY: image image-test
image:
	XLA=$(XLA) bash scripts/image.sh

# Builds the image (XLA=none, on a local stand-in base where no registry answers) and checks it:
# every notebook offline inside it, the lab in Chromium on a mounted folder, save, stop, restart.
# Needs root (CI); figures in build/image/report.md.
image-test: setup
	bash scripts/image_test.sh
