#!/usr/bin/python3
"""Are a Remnant run and a NumPy-reference run of the same scenario equal in
distribution? Exit 0 when every check passes, 1 when one fails, 2 on bad input.

  compare.py REMNANT.h5 REFERENCE.npz      (remnant run ... -o REMNANT.h5;
                                            remnant_numpy.py ... --out REFERENCE.npz)
  compare.py A.npz B.npz                   (two reference runs: calibrates the checks)

The two use different random number generators (Philox streams, PCG64), so
nothing can match number for number. The checks, all on independent
realizations of each side:

 1. fired per realization: identical (it is deterministic), and on each side
    impacts + in water + outside the grid = fired in every realization.
 2. per-realization totals (impacts, duds, contaminated cells, in water,
    outside the grid, duds per land-cover class): Welch's t on the means,
    |t| <= 4; and the spread, Brown-Forsythe style: Welch's t on the absolute
    deviations from each side's median, |t| <= 4 (robust where the totals are
    far from normal, e.g. items in water that are 0 in most realizations).
 3. maps, on blocks of cells (the reference records each realization's block
    sums; Remnant's per-cell sums give its block means): per block with
    impacts or duds, z = (mean_A - mean_B) / sqrt(v (1/R_A + 1/R_B)) with v
    the B side's (the reference's) variance over its realizations (under the
    hypothesis tested both sides have the same one; v is floored at the pooled
    block mean x phi, a quasi-Poisson floor with phi B's median variance-to-mean
    ratio over the blocks it hits, so that a block B hit rarely or never does
    not get a variance far too small for clumped counts). The
    largest |z| must stay below the Student-t quantile (df = R_B - 1) at a
    family-wise level of 0.001 split over the blocks (Bonferroni). Printed
    beside it: the mean of z^2 (about 1 when equal) and the correlation of the
    block means and of the per-cell mean dud maps.
"""

import math
import sys

import numpy as np

TOTALS = ["impacts", "duds", "contaminated_cells", "in_water", "outside_grid",
          "duds_water", "duds_built_up", "duds_bare", "duds_grass_shrub", "duds_cropland", "duds_tree",
          "duds_wetland", "duds_unknown"]
T_BOUND = 4.0
FAMILY_ALPHA = 1e-3


# ----------------------------------------------------------------- Student t

def _betacf(a, b, x):
    """Continued fraction of the regularised incomplete beta (Numerical Recipes)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 400):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        de = d * c
        h *= de
        if abs(de - 1.0) < 1e-15:
            break
    return h


def betainc(a, b, x):
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    lbt = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(lbt) * _betacf(a, b, x) / a
    return 1.0 - math.exp(lbt) * _betacf(b, a, 1.0 - x) / b


def t_two_sided_p(t, df):
    """P(|T| >= |t|) for Student's t with df degrees of freedom."""
    if not math.isfinite(t):
        return 0.0
    return betainc(0.5 * df, 0.5, df / (df + t * t))


def t_quantile_two_sided(alpha, df):
    """|t| with P(|T| >= |t|) = alpha (bisection)."""
    lo, hi = 0.0, 1e3
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if t_two_sided_p(mid, df) > alpha:
            lo = mid
        else:
            hi = mid
    return hi


def welch(a, b):
    """Welch's t and its Welch-Satterthwaite degrees of freedom."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    na, nb = len(a), len(b)
    va, vb = a.var(ddof=1) / na, b.var(ddof=1) / nb
    diff = a.mean() - b.mean()
    if va + vb == 0.0:
        return (0.0 if diff == 0.0 else math.inf), float(na + nb - 2)
    t = diff / math.sqrt(va + vb)
    df = (va + vb) ** 2 / ((va * va / (na - 1) if na > 1 else 0.0) + (vb * vb / (nb - 1) if nb > 1 else 0.0))
    return t, df


# -------------------------------------------------------------------- inputs

class Run:
    pass


def load(path):
    r = Run()
    r.path = path
    if path.endswith(".npz"):
        z = np.load(path)
        r.kind = "reference"
        r.R = int(z["realizations"])
        r.nx, r.ny = int(z["nx"]), int(z["ny"])
        r.totals = {k: z["total_" + k].astype(float) for k in TOTALS + ["fired"]}
        r.dud_sum = z["dud_sum"].astype(float)
        r.impact_sum = z["impact_sum"].astype(float)
        r.block_cells = int(z["block_cells"])
        r.block_impacts = z["block_impacts"]
        r.block_duds = z["block_duds"]
    else:
        import h5py
        with h5py.File(path, "r") as f:
            r.kind = "remnant " + f.attrs["backend"].decode() if isinstance(f.attrs["backend"], bytes) else "remnant " + str(f.attrs["backend"])
            r.R = int(f.attrs["realizations"])
            r.totals = {k: f["realizations/" + k][()].astype(float) for k in TOTALS + ["fired"]}
            ds = f["accumulators/dud_sum"]
            r.ny, r.nx = ds.shape
            r.dud_sum = ds[()].reshape(-1).astype(float)
            r.impact_sum = f["accumulators/impact_sum"][()].reshape(-1).astype(float)
        r.block_cells = None
    return r


def block_means(run, block_cells):
    """Per-block mean over realizations, from the per-cell sums."""
    bx = np.arange(run.nx) // block_cells
    by = np.arange(run.ny) // block_cells
    block = (by[:, None] * (int(bx[-1]) + 1) + bx[None, :]).reshape(-1)
    n = int(block.max()) + 1
    return (np.bincount(block, weights=run.impact_sum, minlength=n) / run.R,
            np.bincount(block, weights=run.dud_sum, minlength=n) / run.R)


def corr(a, b):
    if a.std() == 0 or b.std() == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


# ------------------------------------------------------------------- checks

def compare(a, b, out=print):
    failures = []

    def check(ok, what):
        if not ok:
            failures.append(what)
        return "ok" if ok else "FAIL"

    out(f"A: {a.kind}, {a.R} realizations ({a.path})")
    out(f"B: {b.kind}, {b.R} realizations ({b.path})")
    if (a.nx, a.ny) != (b.nx, b.ny):
        out(f"grids differ: {a.nx} x {a.ny} against {b.nx} x {b.ny}")
        return ["grid"]

    # 1. Exact invariants.
    fa, fb = np.unique(a.totals["fired"]), np.unique(b.totals["fired"])
    same = len(fa) == 1 and len(fb) == 1 and fa[0] == fb[0]
    out(f"fired per realization: A {fa.astype(int).tolist()}, B {fb.astype(int).tolist()}: {check(same, 'fired')}")
    for r in (a, b):
        lhs = r.totals["impacts"] + r.totals["in_water"] + r.totals["outside_grid"]
        out(f"  {r.kind}: impacts + in water + outside = fired in every realization: "
            f"{check(bool(np.all(lhs == r.totals['fired'])), 'conservation ' + r.kind)}")

    # 2. Totals.
    out("")
    out(f"per-realization totals (means and sd over realizations; pass: |t| <= {T_BOUND:g})")
    out(f"{'total':<20}{'mean A':>14}{'mean B':>14}{'A/B':>8}{'t':>8}{'p':>9}"
        f"{'sd A':>12}{'sd B':>12}{'t spread':>9}  verdict")
    for k in TOTALS:
        x, y = a.totals[k], b.totals[k]
        if not x.any() and not y.any():
            continue
        t, df = welch(x, y)
        ts, dfs = welch(np.abs(x - np.median(x)), np.abs(y - np.median(y)))
        ok = abs(t) <= T_BOUND and abs(ts) <= T_BOUND
        ratio = x.mean() / y.mean() if y.mean() else float("inf")
        out(f"{k:<20}{x.mean():>14.1f}{y.mean():>14.1f}{ratio:>8.4f}{t:>8.2f}{t_two_sided_p(t, df):>9.3g}"
            f"{x.std(ddof=1):>12.1f}{y.std(ddof=1):>12.1f}{ts:>9.2f}  {check(ok, 'total ' + k)}")

    # 3. Maps on blocks.
    bc = b.block_cells
    if bc is None:
        out("B has no per-realization block sums (a reference .npz is needed as B): maps not compared")
        failures.append("maps")
        return failures
    ia, da = block_means(a, bc)
    ib, db = b.block_impacts.mean(axis=0), b.block_duds.mean(axis=0)
    vi, vd = b.block_impacts.var(axis=0, ddof=1), b.block_duds.var(axis=0, ddof=1)
    out("")
    out(f"maps on blocks of {bc} x {bc} cells (z per block with B's variance over its realizations; "
        f"pass: max |z| below the t({b.R - 1}) quantile at {FAMILY_ALPHA:g} family-wise, Bonferroni)")
    for name, ma, mb, v in (("impacts", ia, ib, vi), ("duds", da, db, vd)):
        used = (ma > 0) | (mb > 0)
        K = int(used.sum())
        if K == 0:
            out(f"  {name}: no block holds any")
            continue
        # B's variance per block, floored by a quasi-Poisson model fitted to B
        # (variance = phi x mean, phi the median ratio over the blocks B hits)
        # at the pooled mean: a block that B's few realizations hit rarely or
        # never would otherwise get a variance far too small for clumped counts.
        hit = (mb > 0) & (v > 0)
        phi = float(np.median(v[hit] / mb[hit])) if hit.any() else 1.0
        pooled = (a.R * ma[used] + b.R * mb[used]) / (a.R + b.R)
        var = np.maximum(v[used], phi * pooled)
        z = (ma[used] - mb[used]) / np.sqrt(var * (1.0 / a.R + 1.0 / b.R))
        bound = t_quantile_two_sided(FAMILY_ALPHA / K, b.R - 1)
        worst = int(np.argmax(np.abs(z)))
        ok = float(np.abs(z).max()) <= bound
        out(f"  {name:<8} {K:>6} blocks  max |z| {abs(z[worst]):6.2f} (bound {bound:5.2f})  mean z^2 {np.mean(z * z):5.2f}"
            f"  phi {phi:.3g}"
            f"  corr of block means {corr(ma[used], mb[used]):.5f}  {check(ok, 'map ' + name)}")
    cell_corr = corr(a.dud_sum / a.R, b.dud_sum / b.R)
    imp_corr = corr(a.impact_sum / a.R, b.impact_sum / b.R)
    out(f"  per-cell mean maps (information): correlation impacts {imp_corr:.4f}, duds {cell_corr:.4f}")
    out("")
    out("verdict: " + ("statistically equal (every check passed)" if not failures
                       else "NOT equal: " + ", ".join(failures)))
    return failures


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        a, b = load(argv[1]), load(argv[2])
    except (OSError, KeyError) as e:
        print(f"compare.py: {e}", file=sys.stderr)
        return 2
    return 1 if compare(a, b) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
