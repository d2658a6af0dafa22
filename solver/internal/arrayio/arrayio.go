// Package arrayio reads and writes the numeric files of SPEC §9: float64 or
// complex128 arrays as .npy (little-endian, C order) or CSV, and 1-D arrays as
// JSON. Readers return the data with its shape and reject anything else with an
// error that names the file and what was expected.
package arrayio

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"codeberg.org/sbinet/npyio/npy"
	"gonum.org/v1/gonum/mat"
)

// Array is a real or complex array read from a file. Exactly one of Real and
// Complex is non-nil; Shape has one or two entries.
type Array struct {
	Shape   []int
	Real    []float64
	Complex []complex128
}

// Len returns the number of elements.
func (a *Array) Len() int {
	if a.Complex != nil {
		return len(a.Complex)
	}
	return len(a.Real)
}

// Read reads path by its extension: .npy, .csv or .json (a JSON array of
// numbers). Anything else is an error naming the accepted extensions.
func Read(path string) (*Array, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".npy":
		return readNPY(path)
	case ".csv", ".txt":
		return readCSV(path)
	case ".json":
		return readJSON(path)
	}
	return nil, fmt.Errorf("%s: unknown file type %q (want .npy, .csv or .json)", path, filepath.Ext(path))
}

func readNPY(path string) (*Array, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := npy.NewReader(bufio.NewReader(f))
	if err != nil {
		return nil, fmt.Errorf("%s: not a .npy file: %w", path, err)
	}
	d := r.Header.Descr
	if d.Fortran {
		return nil, fmt.Errorf("%s: array is in Fortran order; save it in C order (numpy.ascontiguousarray)", path)
	}
	shape := append([]int(nil), d.Shape...)
	if len(shape) == 0 || len(shape) > 2 {
		return nil, fmt.Errorf("%s: array has %d dimensions (want 1 or 2)", path, len(shape))
	}
	n := 1
	for _, s := range shape {
		n *= s
	}
	a := &Array{Shape: shape}
	switch strings.Trim(d.Type, "'\"") {
	case "<f8":
		a.Real = make([]float64, 0, n)
		err = r.Read(&a.Real)
	case "<c16":
		a.Complex = make([]complex128, 0, n)
		err = r.Read(&a.Complex)
	default:
		return nil, fmt.Errorf("%s: dtype %s (want little-endian float64 '<f8' or complex128 '<c16'; convert with numpy's astype)", path, d.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if a.Len() != n {
		return nil, fmt.Errorf("%s: header promises %d values, file holds %d", path, n, a.Len())
	}
	return a, nil
}

func readCSV(path string) (*Array, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cr := csv.NewReader(bufio.NewReader(f))
	cr.Comment = '#'
	cr.TrimLeadingSpace = true
	cr.FieldsPerRecord = -1
	var data []float64
	rows, cols := 0, -1
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if cols >= 0 && len(rec) != cols {
			return nil, fmt.Errorf("%s: row %d has %d values, row 1 has %d", path, rows+1, len(rec), cols)
		}
		cols = len(rec)
		for j, s := range rec {
			v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil {
				return nil, fmt.Errorf("%s: row %d column %d: %q is not a number", path, rows+1, j+1, s)
			}
			data = append(data, v)
		}
		rows++
	}
	if rows == 0 {
		return nil, fmt.Errorf("%s: no numbers in file", path)
	}
	shape := []int{rows, cols}
	if cols == 1 {
		shape = []int{rows}
	}
	return &Array{Shape: shape, Real: data}, nil
}

func readJSON(path string) (*Array, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var data []float64
	if err := json.Unmarshal(b, &data); err != nil {
		return nil, fmt.Errorf("%s: want a JSON array of numbers: %w", path, err)
	}
	if len(data) == 0 {
		return nil, fmt.Errorf("%s: empty array", path)
	}
	return &Array{Shape: []int{len(data)}, Real: data}, nil
}

// CheckFinite returns an error naming the first element of a that is NaN or
// infinite, counted from zero in C order.
func CheckFinite(name string, a []float64) error {
	for i, v := range a {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%s: element %d is %v (want a finite number)", name, i, v)
		}
	}
	return nil
}

// WriteNPY writes rows×cols float64 values in C order as a 2-D .npy array.
func WriteNPY(w io.Writer, rows, cols int, data []float64) error {
	if rows*cols != len(data) {
		return errors.New("arrayio: shape does not match data length")
	}
	return npy.Write(w, mat.NewDense(rows, cols, data))
}
