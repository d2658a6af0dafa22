package main

import (
	"io"

	"github.com/spectune/spectune/cpu"
	"github.com/spectune/spectune/solver"
)

// openBackend returns the backend --device asks for.
func openBackend(spec string, stderr io.Writer) (solver.Backend, error) {
	switch spec {
	case "auto", "cpu":
		return cpu.New(), nil
	}
	return nil, usagef("--device %q: want auto or cpu", spec)
}
