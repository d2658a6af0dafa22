package solver_test

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/spectune/spectune/cpu"
	"github.com/spectune/spectune/solver"
)

func scheduleProblem(t *testing.T, method string, bands int) *solver.Problem {
	t.Helper()
	lam := solver.PowerLaw(6, 6, 2, 0.05, 0.25)
	op, _ := solver.NewOperator("gaussian:1", 6, 6)
	g, _ := solver.NewGrid("cosine", 5)
	p, err := solver.NewProblem(solver.Config{Height: 6, Width: 6, Prior: lam, Response: op.Rho, SigmaY: 0.07, Grid: g, Method: method, Bands: bands})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestScheduleRoundTrip writes, reads, rebuilds the problem from the file and
// evaluates: the loss must be bit-for-bit the same (STYLE 15).
func TestScheduleRoundTrip(t *testing.T) {
	for _, m := range solver.Methods() {
		for _, tc := range []struct {
			bands    int
			designed bool
		}{{1, false}, {3, false}, {1, true}, {3, true}} {
			bands := tc.bands
			t.Run(fmt.Sprintf("%s/B=%d/designed=%v", m.Name, bands, tc.designed), func(t *testing.T) {
				p := scheduleProblem(t, m.Name, bands)
				k := p.Project(p.Heuristic())
				if tc.designed {
					// A grid of the knobs' own (as grid design returns):
					// it must travel as the file's grid.
					k.Abar = append([]float64(nil), p.Grid.Abar...)
					for i := range k.Abar {
						k.Abar[i] = math.Pow(k.Abar[i], 0.8)
					}
				}
				for q := range k.Values {
					for j := range k.Values[q] {
						k.Values[q][j] *= 0.9 + 0.01*float64(j) // break ties so order errors show
						if p.Method.Knobs[q].Domain == solver.Unit {
							k.Values[q][j] = min(k.Values[q][j], 1)
						}
					}
				}
				s, err := p.Schedule(k)
				if err != nil {
					t.Fatal(err)
				}
				var buf bytes.Buffer
				if err := solver.WriteSchedule(&buf, s); err != nil {
					t.Fatal(err)
				}
				r, err := solver.ReadSchedule(bytes.NewReader(buf.Bytes()))
				if err != nil {
					t.Fatalf("%v\n%s", err, buf.String())
				}
				lam := solver.PowerLaw(6, 6, 2, 0.05, 0.25)
				op, _ := solver.NewOperator("gaussian:1", 6, 6)
				q, err := solver.NewProblem(solver.Config{Height: r.Height, Width: r.Width, Prior: lam, Response: op.Rho,
					SigmaY: r.SigmaY, Grid: r.Grid, Method: r.Method, Options: r.Options, Bands: r.Bands})
				if err != nil {
					t.Fatal(err)
				}
				e1, _ := cpu.New().Prepare(context.Background(), p)
				e2, _ := cpu.New().Prepare(context.Background(), q)
				l1, err1 := e1.Evaluate(context.Background(), k, nil)
				l2, err2 := e2.Evaluate(context.Background(), r.Knobs, nil)
				if err1 != nil || err2 != nil {
					t.Fatal(err1, err2)
				}
				if l1 != l2 {
					t.Errorf("loss before %+v, after the round trip %+v", l1, l2)
				}
				if designed := strings.HasPrefix(r.Grid.Name, "designed (from cosine)"); designed != tc.designed {
					t.Errorf("grid name %q", r.Grid.Name)
				}
				// Writing again gives the same bytes: a stable format.
				var again bytes.Buffer
				solver.WriteSchedule(&again, r)
				if !bytes.Equal(buf.Bytes(), again.Bytes()) {
					t.Errorf("rewrite differs:\n%s\n---\n%s", buf.String(), again.String())
				}
			})
		}
	}
}

func TestScheduleLayout(t *testing.T) {
	p := scheduleProblem(t, "dps", 1)
	k := p.NewKnobs()
	for j := range k.Values[0] {
		k.Values[0][j] = float64(j + 1) // ζ_i = i
	}
	s, _ := p.Schedule(k)
	var buf bytes.Buffer
	solver.WriteSchedule(&buf, s)
	out := buf.String()
	for _, want := range []string{
		`"format": "spectune-schedule/1"`, `"method": "dps"`, `"eta": 1`, `"grid": "cosine"`,
		`"size": [`, `"sigma_y": 0.07`, `"bands": 1`, `"band_edges": [`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("schedule lacks %s:\n%s", want, out)
		}
	}
	// Execution order: the first step goes from ᾱ_T (ζ_5 = 5), the last to 1.
	first := strings.Index(out, `"zeta": [`)
	if f := strings.Fields(out[first+len(`"zeta": [`):]); len(f) == 0 || f[0] != "5" {
		t.Errorf("first step's zeta is not ζ_T = 5:\n%s", out[first:first+40])
	}
	if !strings.Contains(out, `"abar_to": 1,`) {
		t.Errorf("no step ends at ᾱ = 1")
	}
	keys := []string{`"format"`, `"method"`, `"options"`, `"grid"`, `"size"`, `"sigma_y"`, `"bands"`, `"band_edges"`, `"steps"`}
	last := -1
	for _, key := range keys {
		i := strings.Index(out, key)
		if i < last {
			t.Errorf("key %s out of order", key)
		}
		last = i
	}
}

func TestReadScheduleErrors(t *testing.T) {
	p := scheduleProblem(t, "ddrm", 2)
	s, _ := p.Schedule(p.Heuristic())
	var buf bytes.Buffer
	solver.WriteSchedule(&buf, s)
	good := buf.String()
	for _, tc := range []struct {
		name, old, new, want string
	}{
		{"unknown format", `spectune-schedule/1`, `spectune-schedule/9`, `schedule format "spectune-schedule/9"`},
		{"unknown field", `"bands": 2,`, `"bands": 2, "color": 1,`, `unknown field "color"`},
		{"unknown method", `"method": "ddrm"`, `"method": "ddrmm"`, `unknown method "ddrmm"`},
		{"missing knob", `"eta_b"`, `"etab"`, `unknown key "etab"`},
		{"wrong band count", `"bands": 2`, `"bands": 3`, `band_edges has 3 values (want bands+1 = 4)`},
		{"option not taken", `"options": {}`, `"options": {"eta": 0.5}`, "no base η option"},
		{"not chained", `"abar_to": 1,`, `"abar_to": 0.99,`, "abar_to = 0.99 (want 1)"},
		{"not JSON", `{`, `[`, "not JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(good, tc.old) {
				t.Fatalf("fixture lacks %q:\n%s", tc.old, good)
			}
			bad := strings.Replace(good, tc.old, tc.new, 1)
			_, err := solver.ReadSchedule(strings.NewReader(bad))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestReadScheduleNotDecreasing(t *testing.T) {
	p := scheduleProblem(t, "dps", 1)
	s, _ := p.Schedule(p.Heuristic())
	s.Grid.Abar[3] = s.Grid.Abar[2] // ᾱ_3 = ᾱ_2: chained but flat
	var buf bytes.Buffer
	if err := solver.WriteSchedule(&buf, s); err != nil {
		t.Fatal(err)
	}
	_, err := solver.ReadSchedule(&buf)
	if err == nil || !strings.Contains(err.Error(), "strictly decreasing") {
		t.Errorf("error %v, want one saying the grid is not strictly decreasing", err)
	}
}
