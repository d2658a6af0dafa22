// Command spectune designs the guidance knobs of zero-shot diffusion
// posterior samplers (DPS, ΠGDM, DDNM+, DDRM, DiffPIR) by minimising the
// closed-form W2 distance between each sampler's output law and the exact
// posterior under a Gaussian prior and a convolution operator.
//
// Run `spectune --help` for the commands and `spectune <command> --help`
// for each one's flags.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/pflag"

	"github.com/spectune/spectune/solver"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	code := exitCode(err)
	if err != nil && code != 0 && !errors.Is(err, errReported) {
		fmt.Fprintln(os.Stderr, "spectune:", err)
	}
	os.Exit(code)
}

// Exit statuses, the same for every command (see exitHelp).
const (
	exitOK          = 0
	exitFailure     = 1
	exitUsage       = 2
	exitNoOpenCL    = 3
	exitInterrupted = 130
)

const exitHelp = `EXIT STATUS
  0    success
  1    failure (bad input file, bad value, device error, ...)
  2    usage error (unknown command or flag, malformed flag value)
  3    OpenCL was asked for (--device opencl…) but no OpenCL device is usable
  4    simulate: the pixel-domain samples disagree with the closed form
  130  interrupted (Ctrl-C or SIGTERM); tune still writes the best knobs found
`

// usageError is a command-line mistake: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return &usageError{fmt.Sprintf(format, a...)} }

// errReported marks an error whose message was already printed.
var errReported = errors.New("reported")

// exitCode maps an error to the exit status, in one place.
func exitCode(err error) int {
	var ue *usageError
	var sf *simulateFailed
	switch {
	case err == nil, errors.Is(err, pflag.ErrHelp):
		return exitOK
	case errors.Is(err, solver.ErrInterrupted), errors.Is(err, context.Canceled):
		return exitInterrupted
	case errors.As(err, &ue):
		return exitUsage
	case errors.Is(err, solver.ErrNoOpenCL):
		return exitNoOpenCL
	case errors.As(err, &sf):
		return exitSimulateFailed
	}
	return exitFailure
}

const topHelp = `spectune designs the guidance knobs of zero-shot diffusion posterior samplers
(DPS, ΠGDM, DDNM+, DDRM, DiffPIR) for a Gaussian prior and a convolution
operator, by minimising the exact W2 distance between each sampler's output
and the true posterior.

USAGE
  spectune <command> [flags]

COMMANDS
  tune      design knobs; with no flags, solves the built-in default problem
  eval      loss of heuristic, reference or given knobs (--json for machines)
  analyze   per-frequency and radial transfer of knobs, as CSV and PNG
  compare   tune several methods on one problem; prints a Markdown table
  gridstudy design the ᾱ grid, alone and jointly with the knobs, over several T
  restore   run a sampler on a real image, heuristic vs designed knobs (PNG, PSNR, SSIM)
  simulate  check the closed form against pixel-domain runs of the real sampler
  devices   list OpenCL devices and say which one --device auto takes
  bench     time the pure-Go and OpenCL backends; Markdown table and plot
  version   print the version

Run 'spectune <command> --help' for a command's flags, defaults and examples.

EXAMPLES
  spectune tune                                   # 1024x1024 DPS, writes ./spectune-out
  spectune tune --size 256 --steps 256 --method pigdm --out pigdm-out
  spectune eval --json --knobs spectune-out/schedule.json

` + exitHelp

// run is the whole program: main only adds the process's signals, streams
// and exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, topHelp)
		return usagef("no command given")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "tune":
		return runTune(ctx, rest, stdout, stderr)
	case "eval":
		return runEval(ctx, rest, stdout, stderr)
	case "analyze":
		return runAnalyze(ctx, rest, stdout, stderr)
	case "compare":
		return runCompare(ctx, rest, stdout, stderr)
	case "gridstudy":
		return runGridstudy(ctx, rest, stdout, stderr)
	case "restore":
		return runRestore(ctx, rest, stdout, stderr)
	case "simulate":
		return runSimulate(ctx, rest, stdout, stderr)
	case "devices":
		return runDevices(ctx, rest, stdout, stderr)
	case "bench":
		return runBench(ctx, rest, stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "spectune", versionString())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, topHelp)
		return nil
	}
	fmt.Fprint(stderr, topHelp)
	return usagef("unknown command %q (want tune, eval, analyze, compare, gridstudy, restore, simulate, devices, bench or version)", cmd)
}

// parseFlags parses args into fs. --help prints the usage to stdout and
// returns pflag.ErrHelp; other mistakes are usage errors.
func parseFlags(fs *pflag.FlagSet, args []string, stdout io.Writer) error {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	if errors.Is(err, pflag.ErrHelp) {
		fs.SetOutput(stdout)
		fs.Usage()
		return err
	}
	if err != nil {
		return usagef("%v (see --help)", err)
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q (see --help)", fs.Arg(0))
	}
	return nil
}
