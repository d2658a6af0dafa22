package kernels

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/spectune/spectune/cl"
	"github.com/spectune/spectune/solver"
	"github.com/spectune/spectune/solver/backendtest"
)

// lineProblem is a 1×n problem, unmerged (so exactly n work-items), with
// random λ and ρ including exact zeros of both.
func lineProblem(t testing.TB, method string, n, T, bands int, seed uint64) *solver.Problem {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, uint64(n)))
	lam, rho := make([]float64, n), make([]float64, n)
	for k := range lam {
		lam[k] = math.Exp(2 * r.NormFloat64())
		rho[k] = r.Float64()
		switch k % 11 {
		case 3:
			rho[k] = 0
		case 5:
			lam[k] = 0
		}
	}
	g, err := solver.NewGrid("vp-linear", T)
	if err != nil {
		t.Fatal(err)
	}
	p, err := solver.NewProblem(solver.Config{Height: 1, Width: n, Prior: lam, Response: rho, SigmaY: 0.07, Grid: g,
		Method: method, Bands: min(bands, n), NoMerge: true})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// randKnobs returns random table knobs inside every domain.
func randKnobs(p *solver.Problem, seed uint64) *solver.Knobs {
	r := rand.New(rand.NewPCG(seed, 99))
	k := p.NewKnobs()
	for q, spec := range p.Method.Knobs {
		for j := range k.Values[q] {
			if spec.Domain == solver.Unit {
				k.Values[q][j] = 0.05 + 0.9*r.Float64()
			} else {
				k.Values[q][j] = 0.5 * math.Exp(r.NormFloat64())
			}
		}
	}
	return k
}

// newGrad returns gradient tables for k: one per knob, and the grid table
// (T+1 entries) when k has a grid of its own.
func newGrad(k *solver.Knobs) [][]float64 {
	g := make([][]float64, len(k.Values), len(k.Values)+1)
	for q := range g {
		g[q] = make([]float64, len(k.Values[q]))
	}
	if k.Abar != nil {
		g = append(g, make([]float64, len(k.Abar)))
	}
	return g
}

func relErr(got, want float64) float64 {
	if got == want {
		return 0
	}
	return math.Abs(got-want) / math.Max(math.Abs(want), 1e-300)
}

// compareWithCPU evaluates k (and the method's rules) on ev and on the CPU
// reference: loss to 1e-12 relative, each gradient table (the knobs', and
// the grid's when k has a grid of its own) to 1e-10 of its largest entry,
// and the transfer (B, V) bit for bit, since every per-frequency operation
// is the reference's in the same order.
func compareWithCPU(t *testing.T, p *solver.Problem, ev solver.Evaluator, k *solver.Knobs) {
	t.Helper()
	ctx := context.Background()
	ref, err := backendtest.Reference().Prepare(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	knobs := []*solver.Knobs{k}
	if r, err := p.Reference(); err == nil {
		r.Abar = k.Abar
		knobs = append(knobs, r)
	}
	if h := p.Heuristic(); h.Rule != solver.RuleTable {
		h.Abar = k.Abar
		knobs = append(knobs, h)
	}
	for _, k := range knobs {
		var g, gr [][]float64
		if k.Rule == solver.RuleTable {
			g, gr = newGrad(k), newGrad(k)
		}
		got, err := ev.Evaluate(ctx, k, g)
		if err != nil {
			t.Fatal(err)
		}
		want, err := ref.Evaluate(ctx, k, gr)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range [][2]float64{{got.Total, want.Total}, {got.Mean, want.Mean}, {got.Variance, want.Variance}} {
			if e := relErr(c[0], c[1]); e > 1e-12 && math.Abs(c[0]-c[1]) > 1e-15*want.Total {
				t.Errorf("%s knobs: loss %+v, cpu %+v (rel err %.2g)", k.Rule, got, want, e)
				break
			}
		}
		compareTables(t, fmt.Sprintf("%s knobs", k.Rule), g, gr, k.Names, 1e-10)
		n := p.Freqs.Len()
		B, V, Br, Vr := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
		if err := ev.Transfer(ctx, k, B, V); err != nil {
			t.Fatal(err)
		}
		if err := ref.Transfer(ctx, k, Br, Vr); err != nil {
			t.Fatal(err)
		}
		for f := range B {
			if B[f] != Br[f] || V[f] != Vr[f] {
				t.Fatalf("%s knobs: transfer of frequency %d is (%.17g, %.17g), cpu (%.17g, %.17g)", k.Rule, f, B[f], V[f], Br[f], Vr[f])
			}
		}
	}
}

// compareTables fails unless every table of got matches want to tol times
// the table's largest |want| entry; names are the tables' names (the
// knobs', then "abar" for a grid table).
func compareTables(t *testing.T, what string, got, want [][]float64, names []string, tol float64) {
	t.Helper()
	for q := range want {
		name := "abar"
		if q < len(names) {
			name = names[q]
		}
		scale := 0.0
		for _, v := range want[q] {
			scale = math.Max(scale, math.Abs(v))
		}
		for j := range want[q] {
			if d := math.Abs(got[q][j] - want[q][j]); !(d <= tol*scale) {
				t.Fatalf("%s: gradient %s entry %d: %.17g, cpu %.17g (diff %.3g, max|g| %.3g)", what, name, j, got[q][j], want[q][j], d, scale)
			}
		}
	}
}

// groupSize is the number of frequencies per work-group.
func groupSize(b *Backend) int { return b.par.WGS * b.par.VW }

// TestSizes compares with the CPU reference at frequency counts that hit
// every launch shape: one item, a partial group, several groups, one short
// of a group, exactly a group, many groups with a partial last one, and
// budgets that force several chunks (a band then spans chunks).
func TestSizes(t *testing.T) {
	b := openTest(t)
	wgs, gs := b.par.WGS, groupSize(b)
	const T = 6
	// WGS±1 hit the work-items of one group; gs±1 its frequencies (VW per
	// item).
	for _, n := range []int{1, 7, 93, wgs - 1, wgs, wgs + 1, gs - 1, gs, gs + 1, 4096 + 3} {
		for _, method := range []string{"dps", "ddrm", "diffpir", "ddnm", "oracle"} {
			for _, bands := range []int{1, 3} {
				if bands > n {
					continue
				}
				t.Run(fmt.Sprintf("n=%d/%s/B=%d", n, method, bands), func(t *testing.T) {
					p := lineProblem(t, method, n, T, bands, 1)
					ev, err := b.Prepare(context.Background(), p)
					if err != nil {
						t.Fatal(err)
					}
					defer ev.Close()
					if c := len(ev.(*Evaluator).lay.chunks); c != 1 {
						t.Errorf("%d chunks, want 1 under the default budget", c)
					}
					compareWithCPU(t, p, ev, randKnobs(p, 2))
				})
			}
		}
	}
	// Chunked: budgets of one and of three work-groups, with the gradient
	// record in global memory and (where the device allows) local memory.
	for _, global := range []bool{true, false} {
		for _, groups := range []int64{1, 3} {
			for _, method := range []string{"dps", "diffpir"} {
				for _, bands := range []int{1, 5} {
					name := fmt.Sprintf("chunks/global=%v/groups=%d/%s/B=%d", global, groups, method, bands)
					t.Run(name, func(t *testing.T) {
						bc := openTest(t)
						bc.globalScratch = global
						p := lineProblem(t, method, 4096+3, T, bands, 3)
						setChunkGroups(bc, p, groups)
						ev, err := bc.Prepare(context.Background(), p)
						if err != nil {
							t.Fatal(err)
						}
						defer ev.Close()
						e := ev.(*Evaluator)
						if e.localScratch == global {
							t.Logf("local scratch %v (device allows it: %v)", e.localScratch, bc.par.LocalScratch)
						}
						gs := int64(groupSize(bc))
						if want := int((4096 + 3 + groups*gs - 1) / (groups * gs)); len(e.lay.chunks) != want {
							t.Errorf("%d chunks, want %d", len(e.lay.chunks), want)
						}
						compareWithCPU(t, p, ev, randKnobs(p, 4))
					})
				}
			}
		}
	}
}

// setChunkGroups sets b's budget to chunks of the given number of work-groups
// for problem p.
func setChunkGroups(b *Backend, p *solver.Problem, groups int64) {
	b.chunkBudget = groups * chunkBytes(p.T(), len(p.Method.Knobs), groupSize(b), b.useLocalScratch(p.T()))
}

// TestPoison fills every output buffer with NaN before each kernel runs and
// checks that each kernel writes exactly the cells it owns: all of them for
// valid work-items and groups, none past them (the guard cells).
func TestPoison(t *testing.T) {
	b := openTest(t)
	b.poison = true
	gs := groupSize(b)
	const T = 5
	n := 3*gs + 7
	for _, tc := range []struct {
		method string
		global bool
	}{{"dps", true}, {"dps", false}, {"diffpir", true}, {"diffpir", false}, {"oracle", true}, {"oracle", false}} {
		t.Run(fmt.Sprintf("%s/global=%v", tc.method, tc.global), func(t *testing.T) {
			b.globalScratch = tc.global
			p := lineProblem(t, tc.method, n, T, 3, 5)
			// Two chunks of two groups each, the last group partial (and
			// its last work-item too when VW > 1).
			setChunkGroups(b, p, 2)
			ev, err := b.Prepare(context.Background(), p)
			if err != nil {
				t.Fatal(err)
			}
			defer ev.Close()
			e := ev.(*Evaluator)
			lay := e.lay
			if len(lay.chunks) != 2 {
				t.Fatalf("%d chunks, want 2", len(lay.chunks))
			}
			k := randKnobs(p, 6)
			if err := e.uploadKnobs(k); err != nil {
				t.Fatal(err)
			}
			readAll := func(buf *cl.MemObject) []float64 {
				t.Helper()
				out := make([]float64, buf.Size()/8)
				if err := e.read(buf, 0, out, "test"); err != nil {
					t.Fatal(err)
				}
				return out
			}
			for ci, c := range lay.chunks {
				// transfer: B in [0, n), V in [cap, cap+n), nothing else.
				if err := e.runTransfer(c, solver.RuleTable); err != nil {
					t.Fatal(err)
				}
				s := readAll(e.out)
				for i, v := range s {
					written := i < c.n || i >= lay.chunkCap && i < lay.chunkCap+c.n
					if written == math.IsNaN(v) {
						t.Fatalf("chunk %d transfer: out[%d] = %v (written %v; n %d, cap %d)", ci, i, v, written, c.n, lay.chunkCap)
					}
				}
				// loss: exactly this chunk's groups' partials.
				if err := e.poisonBuf(e.part); err != nil {
					t.Fatal(err)
				}
				if err := e.runLoss(c, solver.RuleTable); err != nil {
					t.Fatal(err)
				}
				checkPart(t, "loss", readAll(e.part), c)
				// grad, then grad_grid: partials as for loss, and the
				// chunk's slots of every knob and step in gpart; grad_grid
				// also the chunk's groups' T+1 levels in ggpart.
				for _, grid := range []bool{false, true} {
					if !grid && e.nq == 0 {
						continue // no knob-only gradient
					}
					if err := e.poisonBuf(e.part); err != nil {
						t.Fatal(err)
					}
					if grid {
						if err := e.ensureGrid(); err != nil {
							t.Fatal(err)
						}
					}
					if err := e.runGrad(c, grid); err != nil {
						t.Fatal(err)
					}
					checkPart(t, fmt.Sprintf("grad (grid %v)", grid), readAll(e.part), c)
					for i, v := range readAll(e.gpart) {
						slot := i / T % lay.maxSlots
						q := i / T / lay.maxSlots
						written := q < e.nq && slot < c.slots
						if e.nq > 0 && written == math.IsNaN(v) {
							t.Fatalf("chunk %d grad (grid %v): gpart[%d] (knob %d slot %d) = %v (written %v; %d slots)", ci, grid, i, q, slot, v, written, c.slots)
						}
					}
					if grid {
						for i, v := range readAll(e.ggpart) {
							written := i < c.groups*(T+1)
							if written == math.IsNaN(v) {
								t.Fatalf("chunk %d grad_grid: ggpart[%d] (group %d level %d) = %v (written %v; %d groups)", ci, i, i/(T+1), i%(T+1), v, written, c.groups)
							}
						}
					}
					// grad_reduce: every gradient entry, on every chunk.
					if ci != 0 {
						continue
					}
					if err := e.runReduce(ci, c, grid); err != nil {
						t.Fatal(err)
					}
					if e.nq > 0 {
						for i, v := range readAll(e.gacc) {
							if math.IsNaN(v) {
								t.Fatalf("grad_reduce (grid %v) left gacc[%d] unwritten", grid, i)
							}
						}
					}
					if grid {
						for i, v := range readAll(e.ggacc) {
							if math.IsNaN(v) {
								t.Fatalf("grad_reduce left ggacc[%d] unwritten", i)
							}
						}
					}
				}
			}
			if err := e.collect(); err != nil {
				t.Fatal(err)
			}
			// And the whole evaluation, poisoned before every launch, still
			// matches the reference, on the problem's grid and on one of
			// the knobs' own.
			compareWithCPU(t, p, ev, k)
			kg := k.Clone()
			kg.Abar = backendtest.RandomGrid(t, p, 7)
			compareWithCPU(t, p, ev, kg)
		})
	}
}

// checkPart checks that the loss partials of chunk c's groups, and only
// those, were written.
func checkPart(t *testing.T, kernel string, part []float64, c chunk) {
	t.Helper()
	for i, v := range part {
		g := i / 2
		written := g >= c.gbase && g < c.gbase+c.groups
		if written == math.IsNaN(v) {
			t.Fatalf("%s: part[%d] (group %d) = %v (written %v; chunk groups [%d, %d))", kernel, i, g, v, written, c.gbase, c.gbase+c.groups)
		}
	}
}

// TestFamiliesCompileAlone builds common.cl + coeffs.cl + each family with
// no build options (every tunable at its default), and checks that builds
// without -w log no warning, for several variants.
func TestFamiliesCompileAlone(t *testing.T) {
	b := openTest(t)
	check := func(name string, src []string, opts string) {
		t.Helper()
		p, err := b.build(src, opts)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			return
		}
		defer p.Release()
		log, err := p.BuildLog(b.dev)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(log, "warning") || strings.Contains(log, "error") {
			t.Errorf("%s (%q) logs:\n%s", name, opts, log)
		}
	}
	for _, fam := range []struct{ name, src string }{{"transfer.cl", transferSrc}, {"loss.cl", lossSrc}, {"grad.cl", gradSrc}} {
		check(fam.name, []string{commonSrc, coeffsSrc, fam.src}, "")
	}
	check("ddrm, VW 4, local, tree", sources(), buildOptions("ddrm", params{WGS: 8, VW: 4}, true))
	check("diffpir, VW 2, serial, barrier", sources(), buildOptions("diffpir", params{WGS: 4, VW: 2, StepBarrier: true, ReduceSerial: true}, false))
	check("oracle (no knobs), VW 2, serial", sources(), buildOptions("oracle", params{WGS: 4, VW: 2, ReduceSerial: true}, true))
}

// TestBuildError checks that a kernel that does not compile makes Prepare
// fail with a *cl.BuildError carrying the compiler log.
func TestBuildError(t *testing.T) {
	b := openTest(t)
	b.editSources = func(src []string) []string {
		return append(src, "__kernel void broken(__global double *x) { x[0] = undeclared_spectune_name; }\n")
	}
	p := lineProblem(t, "dps", 4, 3, 1, 1)
	_, err := b.Prepare(context.Background(), p)
	var be *cl.BuildError
	if !errors.As(err, &be) {
		t.Fatalf("Prepare with a broken kernel: %v, want a *cl.BuildError", err)
	}
	if !strings.Contains(be.Log, "undeclared_spectune_name") {
		t.Errorf("build log does not name the culprit:\n%s", be.Log)
	}
	if !strings.HasPrefix(err.Error(), "kernels: building the dps kernels: ") {
		t.Errorf("error %q does not say what was built", err)
	}
}

// TestOpenErrors checks the errors of Open for bad specs and indices.
func TestOpenErrors(t *testing.T) {
	for _, spec := range []string{"", "cuda", "opencl:", "opencl:1", "opencl:a:0", "opencl:-1:0", "opencl:0:0:0"} {
		if _, err := Open(spec); err == nil || !strings.Contains(err.Error(), "kernels: backend spec") {
			t.Errorf("Open(%q): %v, want a spec error", spec, err)
		}
	}
	openTest(t) // skip without a device
	_, err := Open("opencl:9:9")
	if err == nil || !strings.Contains(err.Error(), "opencl:9:9") || !strings.Contains(err.Error(), "opencl:0:0") {
		t.Fatalf("Open(opencl:9:9): %v, want an error naming the index and listing the devices", err)
	}
	if errors.Is(err, solver.ErrNoOpenCL) {
		t.Errorf("Open(opencl:9:9) wraps ErrNoOpenCL, but devices exist: the index is wrong, not OpenCL")
	}
	t.Log(err)
}

// TestNoDevice runs Open in a child process whose ICD loader finds no
// platform (OCL_ICD_VENDORS=/nonexistent): the error must wrap
// solver.ErrNoOpenCL and be one line.
func TestNoDevice(t *testing.T) {
	if os.Getenv("SPECTUNE_KERNELS_CHILD") == "1" {
		_, err := Open("opencl")
		switch {
		case err == nil:
			fmt.Println("RESULT: opened a device")
		case !errors.Is(err, solver.ErrNoOpenCL):
			fmt.Println("RESULT: not ErrNoOpenCL:", err)
		case strings.Contains(err.Error(), "\n"):
			fmt.Println("RESULT: multi-line:", err)
		default:
			fmt.Println("RESULT: ok:", err)
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestNoDevice$", "-test.count=1")
	cmd.Env = append(os.Environ(), "SPECTUNE_KERNELS_CHILD=1", "OCL_ICD_VENDORS=/nonexistent", "OCL_ICD_FILENAMES=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	i := strings.Index(string(out), "RESULT: ")
	if i < 0 {
		t.Fatalf("child printed no result:\n%s", out)
	}
	res := strings.SplitN(string(out[i+len("RESULT: "):]), "\n", 2)[0]
	if !strings.HasPrefix(res, "ok: ") {
		t.Fatalf("Open without OpenCL devices: %s", res)
	}
	t.Log(res)
}

// failLoader is a cl.Loader that finds no library.
type failLoader struct{}

func (failLoader) Open(name string) (uintptr, error) {
	return 0, fmt.Errorf("%s: cannot open shared object file: No such file or directory", name)
}
func (failLoader) Lookup(uintptr, string) (uintptr, error) { return 0, errors.New("no symbol") }
func (failLoader) Close(uintptr) error                     { return nil }

// TestNoLibrary checks the one-line error of Open and ListDevices without
// an OpenCL library.
func TestNoLibrary(t *testing.T) {
	_, err := openWith(failLoader{}, "opencl")
	_, err2 := listDevicesWith(failLoader{})
	for _, err := range []error{err, err2} {
		if !errors.Is(err, solver.ErrNoOpenCL) {
			t.Errorf("error %v does not wrap solver.ErrNoOpenCL", err)
		}
		if err == nil || !strings.HasPrefix(err.Error(), "kernels: no OpenCL library (libOpenCL.so.1: ") || strings.Contains(err.Error(), "\n") {
			t.Errorf("error %q, want one line starting \"kernels: no OpenCL library (libOpenCL.so.1: \"", err)
		}
	}
	t.Log(err)
}

// TestListDevices checks that the device the tests use is listed with
// plausible properties, and that its spec opens it.
func TestListDevices(t *testing.T) {
	b := openTest(t)
	infos, err := ListDevices()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, d := range infos {
		t.Log(d)
		if strings.Contains(b.Name(), d.Name) && d.FP64 {
			found = true
			if d.ComputeUnits < 1 || d.GlobalMem <= 0 || d.MaxAlloc <= 0 || d.Type == 0 {
				t.Errorf("implausible device info %+v", d)
			}
		}
	}
	if !found {
		t.Errorf("backend %q not among the listed devices", b.Name())
	}
	if !strings.HasPrefix(b.Name(), "opencl: ") {
		t.Errorf("Name() = %q, want an \"opencl: \" prefix", b.Name())
	}
}

// TestStatsAndSync checks the counters, with SPECTUNE_CL_SYNC behaviour on.
func TestStatsAndSync(t *testing.T) {
	b := openTest(t)
	b.sync = true
	p := lineProblem(t, "ddrm", 3*groupSize(b), 4, 2, 8)
	setChunkGroups(b, p, 1)
	ev, err := b.Prepare(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	defer ev.Close()
	e := ev.(*Evaluator)
	k := randKnobs(p, 1)
	for r := 0; r < 2; r++ {
		if _, err := e.Evaluate(context.Background(), k, newGrad(k)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.Evaluate(context.Background(), k, nil); err != nil {
		t.Fatal(err)
	}
	s := e.Stats()
	if s.Evaluations != 3 || s.Gradients != 2 {
		t.Errorf("Evaluations %d, Gradients %d; want 3, 2", s.Evaluations, s.Gradients)
	}
	// 3 chunks: grad + grad_reduce each, twice; loss 3 times.
	if want := 2*3*2 + 3; s.Launches != want || s.Kernels["grad"].Launches != 6 || s.Kernels["loss"].Launches != 3 {
		t.Errorf("Launches %d (want %d), per kernel %+v", s.Launches, want, s.Kernels)
	}
	if s.KernelTime <= 0 || s.Kernels["grad"].Wall <= 0 || s.BytesToDevice <= 0 || s.BytesFromDevice <= 0 || s.DeviceBytes <= 0 {
		t.Errorf("implausible stats %+v", s)
	}
}

// countdownCtx reports cancellation after a number of Err calls, to cancel
// deterministically between chunks.
type countdownCtx struct {
	context.Context
	left int
}

func (c *countdownCtx) Err() error {
	if c.left--; c.left < 0 {
		return context.Canceled
	}
	return nil
}

// TestCancelBetweenChunks cancels an evaluation after a few chunks and
// checks that the evaluator still gives the right answer afterwards.
func TestCancelBetweenChunks(t *testing.T) {
	b := openTest(t)
	p := lineProblem(t, "dps", 8*groupSize(b), 5, 2, 2)
	setChunkGroups(b, p, 1)
	ev, err := b.Prepare(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	defer ev.Close()
	k := randKnobs(p, 3)
	if _, err := ev.Evaluate(&countdownCtx{Context: context.Background(), left: 3}, k, newGrad(k)); !errors.Is(err, context.Canceled) {
		t.Fatalf("Evaluate cancelled mid-way: %v, want context.Canceled", err)
	}
	compareWithCPU(t, p, ev, k)
}

// TestClose checks that closing is idempotent, that a closed evaluator
// refuses work, and that closing the backend closes its evaluators.
func TestClose(t *testing.T) {
	b := openTest(t)
	p := lineProblem(t, "dps", 10, 3, 1, 1)
	e1, err := b.Prepare(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	e2, err := b.Prepare(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if err := e1.Close(); err != nil {
		t.Fatal(err)
	}
	e1.Close()
	if _, err := e1.Evaluate(context.Background(), p.NewKnobs(0.3), nil); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("Evaluate after Close: %v", err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	b.Close()
	if _, err := e2.Evaluate(context.Background(), p.NewKnobs(0.3), nil); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("Evaluate after the backend's Close: %v", err)
	}
	e2.Close()
	if _, err := b.Prepare(context.Background(), p); err == nil {
		t.Error("Prepare on a closed backend: no error")
	}
}

func TestSelfTest(t *testing.T) {
	b := openTest(t)
	if b == nil {
		return
	}
	for _, m := range solver.MethodNames() {
		for _, grid := range []bool{false, true} {
			if err := b.SelfTest(context.Background(), m, grid); err != nil {
				t.Errorf("%s (grid %v): %v", m, grid, err)
			}
		}
	}
	// A miscompiled kernel is caught: DPS's data term off by 1e-6.
	b2 := openTest(t)
	b2.editSources = func(src []string) []string {
		out := append([]string(nil), src...)
		for i := range out {
			out[i] = strings.Replace(out[i], "c->b = z * gr;", "c->b = z * gr * (1 + 1e-6);", 1)
		}
		return out
	}
	if err := b2.SelfTest(context.Background(), "dps", false); err == nil || !strings.Contains(err.Error(), "self-test of dps") {
		t.Errorf("a miscompiled DPS passed the self-test: %v", err)
	}
	// A grid partial off by 1e-6 is caught by the grid self-test only.
	b3 := openTest(t)
	b3.editSources = func(src []string) []string {
		out := append([]string(nil), src...)
		for i := range out {
			out[i] = strings.Replace(out[i], "z * gx * rho", "z * gx * rho * (1 + 1e-6)", 1)
		}
		return out
	}
	if err := b3.SelfTest(context.Background(), "dps", false); err != nil {
		t.Errorf("knob self-test: %v", err)
	}
	if err := b3.SelfTest(context.Background(), "dps", true); err == nil || !strings.Contains(err.Error(), "of the grid") {
		t.Errorf("a miscompiled DPS grid partial passed the grid self-test: %v", err)
	}
}
