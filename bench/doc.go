// Package bench holds the benchmarks that compare spectune's backends at
// large sizes. Run them with `make bench` or
//
//	go test -run '^$' -bench . -benchtime 3x ./bench/
//
// One benchmark iteration is one loss+gradient evaluation. Each reports
// freqsteps/s (frequencies × steps / seconds, merge off, so frequencies =
// H·W) and peak-MiB, the peak resident memory of the process during the
// timed loop (Linux VmHWM, reset before the loop), which bounds device
// buffers mapped into the process plus the Go heap.
package bench

import (
	"os"
	"strconv"
	"strings"
)

// ResetPeak resets the process's peak resident set size (Linux only; a no-op
// elsewhere).
func ResetPeak() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// PeakMiB returns the peak resident set size since the last [ResetPeak], in
// MiB, or 0 where /proc is not available.
func PeakMiB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				kb, _ := strconv.ParseFloat(f[0], 64)
				return kb / 1024
			}
		}
	}
	return 0
}
