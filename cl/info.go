package cl

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"runtime"
	"strings"
	"unsafe"
)

// infoFunc is a clGet*Info call with its object handles already bound.
// All of them share the (param, size, value, size_ret) tail.
type infoFunc func(param uint32, size uintptr, value, sizeOut unsafe.Pointer) int32

// infoBytes runs the usual two-step query: ask for the size, then fill a
// buffer of exactly that size.
func infoBytes(fn string, f infoFunc, param uint32) ([]byte, error) {
	var n uintptr
	if err := check(fn, f(param, 0, nil, unsafe.Pointer(&n))); err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, nil
	}
	buf := make([]byte, n)
	err := check(fn, f(param, n, unsafe.Pointer(&buf[0]), nil))
	runtime.KeepAlive(buf)
	if err != nil {
		return nil, err
	}
	return buf, nil
}

// infoString decodes a char[] result, dropping the C terminator.
func infoString(fn string, f infoFunc, param uint32) (string, error) {
	b, err := infoBytes(fn, f, param)
	if err != nil {
		return "", err
	}
	if i := strings.IndexByte(string(b), 0); i >= 0 {
		b = b[:i]
	}
	return string(b), nil
}

// infoUint decodes any scalar integer result (cl_uint, cl_bool, cl_ulong,
// size_t, bitfields) by the size the implementation reports, so callers
// need not know which C type a parameter has.
func infoUint(fn string, f infoFunc, param uint32) (uint64, error) {
	b, err := infoBytes(fn, f, param)
	if err != nil {
		return 0, err
	}
	switch len(b) {
	case 4:
		return uint64(binary.NativeEndian.Uint32(b)), nil
	case 8:
		return binary.NativeEndian.Uint64(b), nil
	}
	return 0, fmt.Errorf("cl: %s: parameter %#x has %d bytes, not a 4- or 8-byte integer", fn, param, len(b))
}

// clampInt converts an unsigned C quantity to int without wrapping to a
// negative value.
func clampInt(v uint64) int {
	if v > math.MaxInt {
		return math.MaxInt
	}
	return int(v)
}

// clampInt64 is clampInt for int64 results.
func clampInt64(v uint64) int64 {
	if v > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(v)
}

// cString returns s as a NUL-terminated byte slice. Embedded NULs are
// rejected because C would silently truncate at them.
func cString(what, s string) ([]byte, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return nil, fmt.Errorf("cl: %s contains a NUL byte", what)
	}
	b := make([]byte, len(s)+1)
	copy(b, s)
	return b, nil
}

// errReleased is returned when a method is called on a nil or released
// object, instead of passing a stale handle to the driver.
func errReleased(what string) error {
	return errors.New("cl: " + what + " is nil or released")
}

// handlesPtr returns a pointer to the first handle, or nil for an empty
// list, as C expects for optional arrays.
func handlesPtr(h []uintptr) unsafe.Pointer {
	if len(h) == 0 {
		return nil
	}
	return unsafe.Pointer(&h[0])
}
