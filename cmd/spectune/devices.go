package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"github.com/spectune/spectune/cl"
	"github.com/spectune/spectune/kernels"
	"github.com/spectune/spectune/solver"
)

const devicesHelp = `spectune devices — the OpenCL platforms and devices

USAGE
  spectune devices

Lists every OpenCL device with its fp64 support, compute units and memory,
and says which one --device auto would take. Without an OpenCL library it
says why and exits 0: everything then runs on the pure-Go backend.

FLAGS
%s
` + exitHelp

func runDevices(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := pflag.NewFlagSet("devices", pflag.ContinueOnError)
	fs.Usage = func() { fmt.Fprintf(fs.Output(), devicesHelp, fs.FlagUsages()) }
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	infos, err := kernels.ListDevices()
	if errors.Is(err, solver.ErrNoOpenCL) {
		fmt.Fprintf(stdout, "no OpenCL: %v\nauto: the pure-Go CPU backend\n", err)
		return nil
	}
	if err != nil {
		return err
	}
	if len(infos) == 0 {
		fmt.Fprintln(stdout, "no OpenCL devices (check the ICD files in /etc/OpenCL/vendors)\nauto: the pure-Go CPU backend")
		return nil
	}
	gpu, any := -1, -1
	for i, d := range infos {
		fmt.Fprintln(stdout, d)
		if d.FP64 && d.Type&cl.DeviceTypeGPU != 0 && gpu < 0 {
			gpu = i
		}
		if d.FP64 && any < 0 {
			any = i
		}
	}
	switch {
	case gpu >= 0:
		fmt.Fprintf(stdout, "auto: %s (%s), the first fp64 GPU\n", infos[gpu].Spec(), infos[gpu].Name)
	case any >= 0:
		fmt.Fprintf(stdout, "auto: %s (%s) for problems of ≥ 2^24 frequency-steps per evaluation, the pure-Go CPU backend below (no fp64 GPU)\n", infos[any].Spec(), infos[any].Name)
	default:
		fmt.Fprintln(stdout, "auto: the pure-Go CPU backend (no device has fp64)")
	}
	return nil
}
