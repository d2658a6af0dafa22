package pixel

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// zLimit bounds reported z values, so that a hopeless disagreement still
// prints (and encodes as JSON) as a finite number.
const zLimit = 99

// chi2Test returns the two-sided p-value of a χ² statistic on dof degrees
// of freedom, 2·min(P(χ² ≤ stat), P(χ² ≥ stat)), and the statistic as a
// signed standard-normal quantile (positive when it is too large).
func chi2Test(stat, dof float64) (p, z float64) {
	d := distuv.ChiSquared{K: dof}
	lo, hi := d.CDF(stat), d.Survival(stat)
	if hi < lo {
		z = -distuv.UnitNormal.Quantile(hi)
	} else {
		z = distuv.UnitNormal.Quantile(lo)
	}
	return math.Min(1, 2*math.Min(lo, hi)), clampZ(z)
}

// normalTest returns the two-sided p-value of a standard-normal z.
func normalTest(z float64) float64 {
	return math.Min(1, 2*distuv.UnitNormal.Survival(math.Abs(z)))
}

func clampZ(z float64) float64 {
	if math.IsNaN(z) {
		return zLimit
	}
	return math.Max(-zLimit, math.Min(zLimit, z))
}
