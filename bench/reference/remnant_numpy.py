#!/usr/bin/python3
"""Remnant's model written again in Python with NumPy: the reference that
bench/compare_reference.sh runs beside Remnant's CPU backend.

It reads the same scenario file as `remnant run` (TOML, through the standard
library's tomllib) and implements the same model, step by step as
docs/ARCHITECTURE.md ("One realization, step by step") and kernels/physics.h
describe it:

  per realization (epistemic draws, host/run/plan.cpp draw_batch):
    strike sites drawn over their areas (area by weight, a land cell uniformly,
    a point uniformly in the cell); per strike row the function height
    (uniform in its range), the footprint scale u (uniform, or for a carrier
    with footprint_scaling the mean of the normalised height and spin), both
    semi-axes = lo + u (hi - lo), the wind (speed and 'from' direction uniform;
    the air moves toward from + 180 degrees); per submunition type the dud rate
    (its Beta prior or fixed value) and the self-destruct failure probability
    (1 where none is given);
  per carrier: aim point = site + circular normal error (sigma = CEP / 1.1774),
    heading uniform in centre +- spread / 2 (any direction when none is given);
  per submunition: offset in the pattern (uniform ellipse: radius sqrt(u);
    ring: radius sqrt(ri^2 + u (1 - ri^2)); Gaussian ellipse: normal with
    sigma = semi-axis / 2), x' across the heading scaled by the minor semi-axis,
    y' along it by the major one, rotated by the heading (clockwise from north);
    fall time = height / terminal velocity (uniform per item), drift = wind x
    fall time; landing cell (row 0 south); outside the grid or in a water cell
    it is counted as such, otherwise an impact, and a dud with probability
    min(1, rate x cell multiplier) x self-destruct failure.

Random numbers come from NumPy's Generator(PCG64), not Remnant's Philox
streams, so the two agree in distribution, not number for number.

Vectorised the way an analyst would write it: the static layout (which strike
row and carrier each item belongs to) is built once; each realization draws
its epistemic values for all rows at once, then walks chunks of about a million
items of one dispersion pattern, with per-carrier and per-row values spread to
the items by np.repeat, and np.bincount onto the grid. float64 throughout.

Supported input (anything else is refused with a message, never ignored):
[scenario] (no base), [grid] with nx/ny/cell_size_m/origin and [[grid.region]]
or dataset = NAME (land cover read from the dataset's landcover.tif, which must
lie exactly on the grid), [wind], [land_cover] inline or land_cover_table,
[[submunition]]/[[carrier]] inline and/or a munitions catalogue, [[strike]] at
x_m/y_m (or lon/lat, through GDAL's osr), [inventory] with [sites] of
[[sites.area]] (polygon_lonlat, x_m/y_m rectangle, or polygon_file incl.
"dataset:LAYER" with where, optional within_lonlat). Not supported: [terrain]
rasters, sites.points_csv, a non-zero slope coefficient on a non-flat grid,
[scenario] base, --set.

Usage:
  remnant_numpy.py SCENARIO [-r N] [--seed S] [--out FILE.npz] [--block-m M]
                   [--datasets DIR] [--describe]
Prints a JSON summary (fired, seconds, submunitions_per_second, ...) on stdout.
"""

import argparse
import json
import math
import os
import sys
import time
import tomllib

import numpy as np

LAND_COVER = ["water", "built_up", "bare", "grass_shrub", "cropland", "tree", "wetland", "unknown"]
WATER = 0
PATTERNS = {"uniform_ellipse": 0, "gaussian_ellipse": 1, "ring": 2}
CEP_TO_SIGMA = 1.17741002251547  # sqrt(2 ln 2)
DEG = math.pi / 180.0


class InputError(Exception):
    pass


def _rel(base_file, path):
    return path if os.path.isabs(path) else os.path.normpath(os.path.join(os.path.dirname(base_file), path))


def _range(v):
    """A number or a [lo, hi] pair, as (lo, hi)."""
    if isinstance(v, (int, float)):
        return float(v), float(v)
    return float(v[0]), float(v[1])


def _prior(v):
    """A probability or a Beta prior table: ('fixed', p) or ('beta', a, b)."""
    if isinstance(v, (int, float)):
        return ("fixed", float(v))
    return ("beta", float(v["alpha"]), float(v["beta"]))


def _default_datasets_dir():
    env = os.environ.get("REMNANT_DATASETS")
    if env:
        return env
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    for d in ("build/datasets", "build-cpu/datasets"):
        if os.path.isdir(os.path.join(repo, d)):
            return os.path.join(repo, d)
    return os.path.join(repo, "build/datasets")


# --------------------------------------------------------------------- model

class Model:
    """The scenario resolved to the tables the simulation needs (Remnant's Plan)."""


def load_model(path, datasets_dir=None):
    with open(path, "rb") as f:
        root = tomllib.load(f)
    sc = root.get("scenario", {})
    if "base" in sc:
        raise InputError(f"{path}: [scenario] base is not supported by the reference; write the scenario out in full")
    for unsupported in ("terrain",):
        if unsupported in root:
            raise InputError(f"{path}: [{unsupported}] is not supported by the reference")
    m = Model()
    m.path = path
    m.name = sc.get("name", "")
    m.seed = int(sc["seed"])
    m.realizations = int(sc["realizations"])
    m.notes = []

    # Submunitions and carriers: the catalogue's first, then the file's own.
    subs, cars = [], []
    if "munitions" in sc:
        with open(_rel(path, sc["munitions"]), "rb") as f:
            cat = tomllib.load(f)
        subs += cat.get("submunition", [])
        cars += cat.get("carrier", [])
    subs += root.get("submunition", [])
    cars += root.get("carrier", [])
    dud_rates = sc.get("dud_rates", "")
    m.types = []
    for s in subs:
        if "dud_rate" in s:
            prior = _prior(s["dud_rate"])
        else:
            if dud_rates not in ("test", "field"):
                raise InputError(f"{path}: submunition {s['name']} has test and field priors: set scenario.dud_rates")
            prior = _prior(s["dud_rate_" + dud_rates])
        sd = _prior(s["self_destruct_failure"]) if "self_destruct_failure" in s else None
        m.types.append({"name": s["name"], "vt": _range(s["terminal_velocity_mps"]), "dud": prior, "sd": sd})
    type_index = {t["name"]: i for i, t in enumerate(m.types)}
    m.carriers = []
    for c in cars:
        scaling = None
        if "footprint_scaling" in c:
            fs = c["footprint_scaling"]
            scaling = (_range(fs["height_m"]), _range(fs["spin_rpm"]))
        m.carriers.append({
            "name": c["name"], "type": type_index[c["submunition"]], "per": int(c["submunitions_per_carrier"]),
            "pattern": PATTERNS[c["pattern"]], "major": _range(c["semi_major_m"]), "minor": _range(c["semi_minor_m"]),
            "ring": float(c.get("ring_inner_fraction", 0.0)), "cep": float(c["aim_error_cep_m"]),
            "height": _range(c["function_height_m"]),
            "spin": _range(c["spin_rpm"]) if "spin_rpm" in c else None, "scaling": scaling})
    carrier_index = {c["name"]: i for i, c in enumerate(m.carriers)}

    # Land-cover multipliers and slope coefficient.
    mult = np.ones(len(LAND_COVER))
    slope_k = 0.0
    if "land_cover_table" in sc:
        with open(_rel(path, sc["land_cover_table"]), "rb") as f:
            lct = tomllib.load(f)
        slope_k = float(lct["slope_coefficient"])
        for c in lct["class"]:
            mult[LAND_COVER.index(c["name"])] = float(c["dud_rate_multiplier"])
    elif "land_cover" in root:
        lc = root["land_cover"]
        for name, v in lc.get("dud_rate_multiplier", {}).items():
            if name.endswith("_source"):
                continue
            mult[LAND_COVER.index(name)] = float(v)
        slope_k = float(lc.get("slope_coefficient", 0.0))

    # Grid and land cover (row 0 = southern row, index iy * nx + ix).
    g = root["grid"]
    m.dataset_dir = None
    if "dataset" in g:
        name = g["dataset"]
        ddir = name if "/" in name else os.path.join(datasets_dir or _default_datasets_dir(), name)
        with open(os.path.join(ddir, "dataset.toml"), "rb") as f:
            ds = tomllib.load(f)
        d = ds["dataset"]
        m.dataset_dir = ddir
        m.dataset_layers = {l["name"]: os.path.join(ddir, l["file"]) for l in ds.get("layer", [])}
        m.crs = d["crs"]
        m.nx, m.ny, m.dx = int(d["nx"]), int(d["ny"]), float(d["cell_size_m"])
        m.ox, m.oy = float(d["origin_x_m"]), float(d["origin_y_m"])
        m.land_cover = _read_land_cover_on_grid(os.path.join(ddir, d["land_cover"]), m)
        flat = False  # the dataset's elevation is a real surface
    else:
        m.crs = g.get("crs", "")
        m.nx, m.ny, m.dx = int(g["nx"]), int(g["ny"]), float(g["cell_size_m"])
        m.ox, m.oy = float(g["origin_x_m"]), float(g["origin_y_m"])
        lc = np.full((m.ny, m.nx), LAND_COVER.index(g["land_cover"]), dtype=np.uint8)
        yc = m.oy + (np.arange(m.ny) + 0.5) * m.dx
        xc = m.ox + (np.arange(m.nx) + 0.5) * m.dx
        for r in g.get("region", []):
            xlo, xhi = _range(r["x_m"])
            ylo, yhi = _range(r["y_m"])
            rows = (yc >= ylo) & (yc <= yhi)
            cols = (xc >= xlo) & (xc <= xhi)
            lc[np.ix_(rows, cols)] = LAND_COVER.index(r["land_cover"])
        m.land_cover = lc.reshape(-1)
        flat = True
    if slope_k != 0.0 and not flat:
        raise InputError(f"{path}: a slope coefficient ({slope_k}) on a dataset's terrain is not modelled by the reference")
    m.cells = m.nx * m.ny
    m.multiplier = mult[m.land_cover]  # x (1 + k |grad z|) = x 1: flat grid or k = 0

    w = root["wind"]
    m.wind_speed = _range(w["speed_mps"])
    m.wind_from = _range(w["from_deg"])

    # Strike rows: [[strike]] at fixed points, then the inventory dealt to sites.
    rows = []

    def add_row(ci, n, site, x, y, heading, spread, height, spin):
        if heading is None:
            hc, hs = math.pi, 2.0 * math.pi
        else:
            hc, hs = heading * DEG, spread * DEG
        rows.append({"carrier": ci, "n": int(n), "site": site, "x": x, "y": y, "hc": hc, "hs": hs,
                     "height": height, "spin": spin if spin is not None else (0.0, 0.0)})

    to_grid = None
    for s in root.get("strike", []):
        ci = carrier_index[s["carrier"]]
        if "lon" in s:
            to_grid = to_grid or _lonlat_to_grid(m.crs)
            x, y = to_grid(s["lon"], s["lat"])
        else:
            x, y = float(s["x_m"]), float(s["y_m"])
        c = m.carriers[ci]
        add_row(ci, s["carriers"], -1, x - m.ox, y - m.oy, s.get("heading_deg"), float(s.get("heading_spread_deg", 0.0)),
                c["height"], c["spin"])

    m.site_count = 0
    m.site_cells = []
    m.site_weights = []
    m.sites_per_realization = True
    if "inventory" in root:
        inv, sites = root["inventory"], root["sites"]
        if "points_csv" in sites:
            raise InputError(f"{path}: sites.points_csv is not supported by the reference")
        m.site_count = int(sites["count"])
        m.sites_per_realization = sites["placement"] == "per_realization"
        _site_areas(m, sites)
        lines = inv["carrier"]
        counted = sum(int(l["carriers"]) * m.carriers[carrier_index[l["carrier"]]]["per"] for l in lines if "carriers" in l)
        total = int(inv.get("total_submunitions", counted))
        resolved = []
        for l in lines:
            ci = carrier_index[l["carrier"]]
            per = m.carriers[ci]["per"]
            # std::llround: halves away from zero
            n = int(l["carriers"]) if "carriers" in l else int(math.floor((total - counted) * float(l["share"]) / per + 0.5))
            resolved.append((ci, n, l))
        N = sum(n for _, n, _ in resolved)
        S = m.site_count
        li, line_start = 0, 0
        heading = sites.get("heading_deg")
        spread = float(sites.get("heading_spread_deg", 0.0))
        for k in range(S):
            if li >= len(resolved):
                break
            frm, to = k * N // S, (k + 1) * N // S
            while frm < to:
                while li < len(resolved) and frm >= line_start + resolved[li][1]:
                    line_start += resolved[li][1]
                    li += 1
                upto = min(to, line_start + resolved[li][1])
                ci, _, l = resolved[li]
                c = m.carriers[ci]
                height = _range(l["function_height_m"]) if "function_height_m" in l else c["height"]
                spin = _range(l["spin_rpm"]) if "spin_rpm" in l else c["spin"]
                add_row(ci, upto - frm, k, 0.0, 0.0, heading, spread, height, spin)
                frm = upto

    # Row tables (structure of arrays).
    car = [m.carriers[r["carrier"]] for r in rows]
    m.rows = len(rows)
    m.row_n = np.array([r["n"] for r in rows], dtype=np.int64)
    m.row_per = np.array([c["per"] for c in car], dtype=np.int64)
    m.row_type = np.array([c["type"] for c in car], dtype=np.intp)
    m.row_pattern = np.array([c["pattern"] for c in car], dtype=np.int8)
    m.row_sigma = np.array([c["cep"] / CEP_TO_SIGMA for c in car])
    m.row_ring = np.array([c["ring"] for c in car])
    m.row_hc = np.array([r["hc"] for r in rows])
    m.row_hs = np.array([r["hs"] for r in rows])
    m.row_site = np.array([r["site"] for r in rows], dtype=np.intp)
    m.row_fx = np.array([r["x"] for r in rows])
    m.row_fy = np.array([r["y"] for r in rows])
    m.row_h = np.array([r["height"] for r in rows]).reshape(-1, 2)
    m.row_spin = np.array([r["spin"] for r in rows]).reshape(-1, 2)
    m.row_major = np.array([c["major"] for c in car]).reshape(-1, 2)
    m.row_minor = np.array([c["minor"] for c in car]).reshape(-1, 2)
    m.row_scaled = np.array([c["scaling"] is not None for c in car], dtype=bool)
    m.row_scale_h = np.array([c["scaling"][0] if c["scaling"] else (0.0, 0.0) for c in car]).reshape(-1, 2)
    m.row_scale_s = np.array([c["scaling"][1] if c["scaling"] else (0.0, 0.0) for c in car]).reshape(-1, 2)
    m.type_vt = np.array([t["vt"] for t in m.types]).reshape(-1, 2)
    m.items = int((m.row_n * m.row_per).sum())
    return m


def _read_land_cover_on_grid(path, m):
    """The dataset's land-cover raster, which build_datasets.sh writes on the
    grid itself (same CRS, origin, cell size): read as is, flipped to row 0
    south. Remnant warps it with GDAL (mode), which on an identical grid is the
    identity; anything else is refused rather than resampled differently."""
    from osgeo import gdal
    gdal.UseExceptions()
    ds = gdal.Open(path)
    gt = ds.GetGeoTransform()
    want = (m.ox, m.dx, 0.0, m.oy + m.ny * m.dx, 0.0, -m.dx)
    if ds.RasterXSize != m.nx or ds.RasterYSize != m.ny or any(abs(a - b) > 1e-6 for a, b in zip(gt, want)):
        raise InputError(f"{path}: not on the dataset's grid; the reference does not resample rasters")
    a = ds.GetRasterBand(1).ReadAsArray()
    if a.min() < 0 or a.max() >= len(LAND_COVER):
        raise InputError(f"{path}: codes outside 0..7")
    return np.ascontiguousarray(a[::-1]).astype(np.uint8).reshape(-1)


def _lonlat_to_grid(crs):
    from osgeo import osr
    osr.UseExceptions()
    src, dst = osr.SpatialReference(), osr.SpatialReference()
    src.ImportFromEPSG(4326)
    dst.SetFromUserInput(crs)
    for s in (src, dst):
        s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    ct = osr.CoordinateTransformation(src, dst)

    def to_grid(lon, lat):
        x, y, _ = ct.TransformPoint(float(lon), float(lat))
        return x, y
    return to_grid


def cells_inside(rings, m):
    """Cells whose centre lies inside the rings (even-odd rule over all rings),
    by scanlines: host/inputs/sites.cpp cells_inside, row by row."""
    ax = np.concatenate([r[:, 0] for r in rings])
    ay = np.concatenate([r[:, 1] for r in rings])
    bx = np.concatenate([np.roll(r[:, 0], -1) for r in rings])
    by = np.concatenate([np.roll(r[:, 1], -1) for r in rings])
    out = []
    for iy in range(m.ny):
        y = m.oy + (iy + 0.5) * m.dx
        e = (ay <= y) != (by <= y)
        xs = np.sort(ax[e] + (y - ay[e]) / (by[e] - ay[e]) * (bx[e] - ax[e]))
        for k in range(0, len(xs) - 1, 2):
            lo = math.ceil((xs[k] - m.ox) / m.dx - 0.5)
            hi = math.ceil((xs[k + 1] - m.ox) / m.dx - 0.5)
            i0, i1 = max(0, lo), min(m.nx, hi)
            if i1 > i0:
                out.append(iy * m.nx + np.arange(i0, i1))
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)


def _site_areas(m, sites):
    for a in sites.get("area", []):
        if "polygon_lonlat" in a:
            t = _lonlat_to_grid(m.crs)
            rings = [np.array([t(lon, lat) for lon, lat in a["polygon_lonlat"]])]
        elif "x_m" in a:
            xlo, xhi = _range(a["x_m"])
            ylo, yhi = _range(a["y_m"])
            rings = [np.array([[xlo, ylo], [xhi, ylo], [xhi, yhi], [xlo, yhi]])]
        else:
            f = a["polygon_file"]
            if f.startswith("dataset:"):
                f = m.dataset_layers[f[len("dataset:"):]]
            else:
                f = _rel(m.path, f)
            rings = _read_polygons(f, a.get("where", ""), m.crs)
        cells = cells_inside(rings, m)
        if "within_lonlat" in a:
            t = _lonlat_to_grid(m.crs)
            keep = np.zeros(m.cells, dtype=bool)
            keep[cells_inside([np.array([t(lon, lat) for lon, lat in a["within_lonlat"]])], m)] = True
            cells = cells[keep[cells]]
        cells = cells[m.land_cover[cells] != WATER]
        if len(cells) == 0:
            raise InputError(f"{m.path}: site area {a['name']} holds no land cell")
        m.site_cells.append(cells)
        m.site_weights.append(float(a["weight"]))
        m.notes.append(f"site area \"{a['name']}\": {len(cells)} land cells")


def _read_polygons(path, where, crs):
    from osgeo import ogr, osr
    ogr.UseExceptions()
    ds = ogr.Open(path)
    layer = ds.GetLayer(0)
    if where:
        layer.SetAttributeFilter(where)
    dst = osr.SpatialReference()
    dst.SetFromUserInput(crs)
    dst.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    src = layer.GetSpatialRef()
    rings = []

    def add(geom):
        name = geom.GetGeometryName()
        if name == "POLYGON":
            for i in range(geom.GetGeometryCount()):
                rings.append(np.array(geom.GetGeometryRef(i).GetPoints())[:, :2])
        elif name in ("MULTIPOLYGON", "GEOMETRYCOLLECTION"):
            for i in range(geom.GetGeometryCount()):
                add(geom.GetGeometryRef(i))

    for feat in layer:
        geom = feat.GetGeometryRef()
        if geom is None:
            continue
        geom = geom.Clone()
        if src is not None:
            s = src.Clone()
            s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
            geom.AssignSpatialReference(s)
            geom.TransformTo(dst)
        add(geom)
    if not rings:
        raise InputError(f"{path}: no polygon matches where = \"{where}\"")
    return rings


# ---------------------------------------------------------------- simulation

def _layout(m, chunk_items):
    """The static layout: items grouped by pattern, in chunks of whole carriers
    of about chunk_items items. Each chunk lists its carriers' rows and item
    counts, and its rows with their item counts (rows are contiguous in it)."""
    chunks = []
    for pattern in (0, 1, 2):
        rows = np.flatnonzero(m.row_pattern == pattern)
        if len(rows) == 0:
            continue
        car_rows = np.repeat(rows, m.row_n[rows])
        car_cnt = m.row_per[car_rows]
        ends = np.cumsum(car_cnt)
        start = 0
        while start < len(car_rows):
            stop = int(np.searchsorted(ends, (ends[start - 1] if start else 0) + chunk_items, side="right"))
            stop = max(stop, start + 1)
            cr, cc = car_rows[start:stop], car_cnt[start:stop]
            starts = np.concatenate([[0], np.flatnonzero(np.diff(cr)) + 1])  # a row's carriers are contiguous
            row_ids = cr[starts]
            row_cnt = np.add.reduceat(cc, starts)
            chunks.append({"pattern": pattern, "car_rows": cr, "car_cnt": cc, "row_ids": row_ids,
                           "row_cnt": row_cnt, "n": int(cc.sum())})
            start = stop
    return chunks


def _rate(rng, prior, size):
    if prior[0] == "fixed":
        return np.full(size, prior[1])
    return rng.beta(prior[1], prior[2], size)


def simulate(m, realizations, seed, block_cells=None, chunk_items=1 << 20, progress=None):
    """Runs `realizations` realizations. Returns the per-cell accumulators, the
    per-realization totals, optional per-realization block sums (diagnostics
    for the comparison, not timed) and the simulation's own seconds."""
    rng = np.random.Generator(np.random.PCG64(seed))
    chunks = _layout(m, chunk_items)
    cells, nx, ny, dx = m.cells, m.nx, m.ny, m.dx
    lc, mult = m.land_cover, m.multiplier
    S = m.rows

    diag_seconds = 0.0
    t0 = time.perf_counter()
    dud_sum = np.zeros(cells, dtype=np.int64)
    dud_sum_sq = np.zeros(cells, dtype=np.int64)
    dud_nonzero = np.zeros(cells, dtype=np.int64)
    impact_sum = np.zeros(cells, dtype=np.int64)
    keys = ["fired", "impacts", "duds", "contaminated_cells", "in_water", "outside_grid"] + ["duds_" + c for c in LAND_COVER]
    totals = {k: np.zeros(realizations, dtype=np.int64) for k in keys}
    if block_cells:
        bx = (np.arange(nx) // block_cells)
        by = (np.arange(ny) // block_cells)
        nbx = int(bx[-1]) + 1
        block_of_cell = (by[:, None] * nbx + bx[None, :]).reshape(-1)
        nblocks = int(block_of_cell.max()) + 1
        block_imp = np.zeros((realizations, nblocks))
        block_dud = np.zeros((realizations, nblocks))
    fixed_sites = None
    if m.site_count and not m.sites_per_realization:
        fixed_sites = _draw_sites(m, np.random.Generator(np.random.PCG64([seed, 0xFFFFFFFF])))

    for r in range(realizations):
        # Epistemic draws (draw_batch).
        if m.site_count:
            sx, sy = fixed_sites if fixed_sites is not None else _draw_sites(m, rng)
            k = m.row_site
            site_x = np.where(k < 0, m.row_fx, sx[np.maximum(k, 0)])
            site_y = np.where(k < 0, m.row_fy, sy[np.maximum(k, 0)])
        else:
            site_x, site_y = m.row_fx, m.row_fy
        height = m.row_h[:, 0] + rng.random(S) * (m.row_h[:, 1] - m.row_h[:, 0])
        u = rng.random(S)
        if m.row_scaled.any():
            rpm = m.row_spin[:, 0] + rng.random(S) * (m.row_spin[:, 1] - m.row_spin[:, 0])
            hr, sr = m.row_scale_h, m.row_scale_s
            with np.errstate(divide="ignore", invalid="ignore"):
                nh = np.where(hr[:, 1] > hr[:, 0], (height - hr[:, 0]) / (hr[:, 1] - hr[:, 0]), 0.5)
                ns = np.where(sr[:, 1] > sr[:, 0], (rpm - sr[:, 0]) / (sr[:, 1] - sr[:, 0]), 0.5)
            u = np.where(m.row_scaled, 0.5 * (nh + ns), u)
        semi_major = m.row_major[:, 0] + u * (m.row_major[:, 1] - m.row_major[:, 0])
        semi_minor = m.row_minor[:, 0] + u * (m.row_minor[:, 1] - m.row_minor[:, 0])
        speed = m.wind_speed[0] + rng.random(S) * (m.wind_speed[1] - m.wind_speed[0])
        toward = (m.wind_from[0] + rng.random(S) * (m.wind_from[1] - m.wind_from[0]) + 180.0) * DEG
        wind_x, wind_y = speed * np.sin(toward), speed * np.cos(toward)
        type_rate = np.array([_rate(rng, t["dud"], 1)[0] for t in m.types])
        type_sd = np.array([_rate(rng, t["sd"], 1)[0] if t["sd"] else 1.0 for t in m.types])
        row_rate = type_rate[m.row_type]
        row_sd = type_sd[m.row_type]
        vt_lo = m.type_vt[m.row_type, 0]
        vt_span = m.type_vt[m.row_type, 1] - vt_lo

        impacts = np.zeros(cells, dtype=np.int64)
        duds = np.zeros(cells, dtype=np.int64)
        in_water = outside = 0
        for ch in chunks:
            n, cr, cc, ri, rc = ch["n"], ch["car_rows"], ch["car_cnt"], ch["row_ids"], ch["row_cnt"]
            # Carriers: aim point and heading, spread to their items.
            ncar = len(cr)
            z = rng.standard_normal((2, ncar))
            aim_x = np.repeat(site_x[cr] + m.row_sigma[cr] * z[0], cc)
            aim_y = np.repeat(site_y[cr] + m.row_sigma[cr] * z[1], cc)
            heading = m.row_hc[cr] + m.row_hs[cr] * (rng.random(ncar) - 0.5)
            sin_h = np.repeat(np.sin(heading), cc)
            cos_h = np.repeat(np.cos(heading), cc)
            # Offsets inside the pattern, in its own frame (x' across, y' along).
            a = np.repeat(semi_major[ri], rc)
            b = np.repeat(semi_minor[ri], rc)
            if ch["pattern"] == 1:  # Gaussian ellipse: sigma = semi-axis / 2
                g = rng.standard_normal((2, n))
                ox = 0.5 * b * g[0]
                oy = 0.5 * a * g[1]
            else:
                u0 = rng.random(n)
                if ch["pattern"] == 2:  # ring
                    ri2 = np.repeat(m.row_ring[ri] ** 2, rc)
                    rho = np.sqrt(ri2 + u0 * (1.0 - ri2))
                else:  # uniform ellipse
                    rho = np.sqrt(u0)
                t = (2.0 * np.pi) * rng.random(n)
                ox = b * rho * np.cos(t)
                oy = a * rho * np.sin(t)
            # Fall and drift.
            t_fall = np.repeat(height[ri], rc) / (np.repeat(vt_lo[ri], rc) + rng.random(n) * np.repeat(vt_span[ri], rc))
            x = aim_x + ox * cos_h + oy * sin_h + np.repeat(wind_x[ri], rc) * t_fall
            y = aim_y - ox * sin_h + oy * cos_h + np.repeat(wind_y[ri], rc) * t_fall
            # Landing cell.
            fx, fy = x / dx, y / dx
            inside = (x >= 0) & (y >= 0) & (fx < nx) & (fy < ny)
            cell = fy[inside].astype(np.intp) * nx + fx[inside].astype(np.intp)
            outside += n - len(cell)
            land = lc[cell] != WATER
            in_water += len(cell) - int(np.count_nonzero(land))
            cell = cell[land]
            impacts += np.bincount(cell, minlength=cells)
            # Failure.
            row = np.repeat(ri, rc)[inside][land]
            p = np.minimum(1.0, row_rate[row] * mult[cell]) * row_sd[row]
            duds += np.bincount(cell[rng.random(len(cell)) < p], minlength=cells)

        # Per-cell accumulators and the realization's totals.
        dud_sum += duds
        dud_sum_sq += duds * duds
        nz = duds > 0
        dud_nonzero += nz
        impact_sum += impacts
        totals["fired"][r] = m.items
        totals["impacts"][r] = impacts.sum()
        totals["duds"][r] = duds.sum()
        totals["contaminated_cells"][r] = np.count_nonzero(nz)
        totals["in_water"][r] = in_water
        totals["outside_grid"][r] = outside
        by_class = np.bincount(lc, weights=duds, minlength=len(LAND_COVER))
        for i, c in enumerate(LAND_COVER):
            totals["duds_" + c][r] = int(by_class[i])
        if block_cells:  # diagnostics for the comparison: not part of the timed model
            d0 = time.perf_counter()
            block_imp[r] = np.bincount(block_of_cell, weights=impacts, minlength=nblocks)
            block_dud[r] = np.bincount(block_of_cell, weights=duds, minlength=nblocks)
            diag_seconds += time.perf_counter() - d0
        if progress:
            progress(r + 1, realizations)
    seconds = time.perf_counter() - t0 - diag_seconds
    out = {"dud_sum": dud_sum, "dud_sum_sq": dud_sum_sq, "dud_nonzero": dud_nonzero, "impact_sum": impact_sum,
           "totals": totals, "seconds": seconds}
    if block_cells:
        out["block_impacts"] = block_imp
        out["block_duds"] = block_dud
        out["block_cells"] = block_cells
    return out


def _draw_sites(m, rng):
    """Strike sites: an area by weight, one of its land cells uniformly, a
    point uniformly inside the cell (grid-relative metres)."""
    S = m.site_count
    w = np.asarray(m.site_weights)
    cdf = np.cumsum(w) / w.sum()
    cdf[-1] = 1.0
    area = np.minimum(np.searchsorted(cdf, rng.random(S), side="right"), len(w) - 1)
    sx, sy = np.empty(S), np.empty(S)
    for i, cells in enumerate(m.site_cells):
        sel = np.flatnonzero(area == i)
        k = np.minimum((rng.random(len(sel)) * len(cells)).astype(np.int64), len(cells) - 1)
        c = cells[k]
        sx[sel] = (c % m.nx + rng.random(len(sel))) * m.dx
        sy[sel] = (c // m.nx + rng.random(len(sel))) * m.dx
    return sx, sy


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("scenario")
    ap.add_argument("-r", "--realizations", type=int, default=None)
    ap.add_argument("--seed", type=int, default=None, help="default: the scenario's seed")
    ap.add_argument("--out", help="write accumulators, totals and block sums to this .npz")
    ap.add_argument("--block-m", type=float, default=1000.0, help="block size (m) of the per-realization block sums")
    ap.add_argument("--datasets", default=None, help="datasets directory (default $REMNANT_DATASETS, build/datasets)")
    ap.add_argument("--chunk", type=int, default=1 << 20, help="items per vectorised chunk")
    ap.add_argument("--describe", action="store_true", help="print the resolved model and stop")
    args = ap.parse_args(argv)
    t_start = time.perf_counter()
    try:
        m = load_model(args.scenario, args.datasets)
    except (InputError, KeyError, ValueError) as e:
        print(f"remnant_numpy.py: {args.scenario}: {e}", file=sys.stderr)
        return 2
    setup = time.perf_counter() - t_start
    R = args.realizations or m.realizations
    seed = m.seed if args.seed is None else args.seed
    if args.describe:
        per_type = {}
        for s in range(m.rows):
            t = m.types[m.row_type[s]]["name"]
            per_type[t] = per_type.get(t, 0) + int(m.row_n[s] * m.row_per[s])
        print(json.dumps({"scenario": m.name, "grid": [m.nx, m.ny, m.dx], "strike_rows": m.rows,
                          "items": m.items, "items_by_type": per_type,
                          "water_cells": int(np.count_nonzero(m.land_cover == WATER)), "notes": m.notes}, indent=1))
        return 0
    block_cells = max(1, int(round(args.block_m / m.dx)))
    res = simulate(m, R, seed, block_cells=block_cells, chunk_items=args.chunk)
    fired = m.items * R
    summary = {"implementation": "numpy reference", "numpy": np.__version__, "scenario": m.name,
               "scenario_file": args.scenario, "seed": seed, "realizations": R,
               "submunitions_fired": m.items, "strike_rows": m.rows, "setup_seconds": setup,
               "seconds": res["seconds"], "submunitions_per_second": fired / res["seconds"],
               "total_duds_mean": float(res["totals"]["duds"].mean()), "notes": m.notes}
    if args.out:
        np.savez_compressed(args.out, dud_sum=res["dud_sum"], dud_sum_sq=res["dud_sum_sq"],
                            dud_nonzero=res["dud_nonzero"], impact_sum=res["impact_sum"],
                            block_impacts=res["block_impacts"], block_duds=res["block_duds"],
                            block_cells=block_cells, nx=m.nx, ny=m.ny, realizations=R,
                            **{"total_" + k: v for k, v in res["totals"].items()})
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
