package solver

import (
	"errors"
	"fmt"
)

// ErrInterrupted reports that a run was stopped by its context (Ctrl-C). The
// CLI maps it to exit status 130; results returned with it are the best found.
var ErrInterrupted = errors.New("solver: interrupted")

// ErrNoOpenCL reports that no usable OpenCL library or device exists.
var ErrNoOpenCL = errors.New("solver: no OpenCL device")

// InputError reports a bad value in user input: a flag, a spectrum, a file.
// Index is the flat element index for arrays and -1 for scalars.
type InputError struct {
	Input string  // what was read, e.g. "prior", "--sigma-y", a file name
	Index int     // element index, or -1
	Value float64 // the offending value
	Want  string  // what would have been accepted, e.g. "finite and ≥ 0"
}

func (e *InputError) Error() string {
	if e.Index >= 0 {
		return fmt.Sprintf("solver: %s: element %d is %v (want %s)", e.Input, e.Index, e.Value, e.Want)
	}
	return fmt.Sprintf("solver: %s is %v (want %s)", e.Input, e.Value, e.Want)
}

// checkArray returns an *InputError for the first element of a that is not
// finite or, when nonneg is set, negative.
func checkArray(input string, a []float64, nonneg bool) error {
	for i, v := range a {
		if v != v || v > maxFinite || v < -maxFinite {
			return &InputError{Input: input, Index: i, Value: v, Want: "a finite number"}
		}
		if nonneg && v < 0 {
			return &InputError{Input: input, Index: i, Value: v, Want: "≥ 0"}
		}
	}
	return nil
}

const maxFinite = 1.7976931348623157e308
