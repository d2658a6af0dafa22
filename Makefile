# spectune — see README.md. Every target builds without cgo.
GO ?= go
export CGO_ENABLED = 0

.PHONY: build test bench demo lint clean

build:
	$(GO) build -o bin/spectune ./cmd/spectune

# The tests CI runs (.ci/run sets SPECTUNE_REQUIRE_OPENCL=1 so that the
# OpenCL tests must run rather than skip).
test: lint
	$(GO) test -count=1 ./...

# One loss+gradient evaluation per size, merge off, T = 1024: frequency-steps
# per second and peak memory.
bench:
	$(GO) test -run '^$$' -bench . -benchtime 3x -timeout 60m ./bench/

# The main job on the built-in default problem.
demo: build
	./bin/spectune tune

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

clean:
	rm -rf bin spectune-out
