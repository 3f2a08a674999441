#!/usr/bin/env bash
# Datasets.BuildIsReproducible: builds the south-lebanon dataset twice into two
# temporary directories, requires every file to be byte-for-byte identical,
# and checks the content: CRS, grid against dataset.toml, water and land where
# they must be, Tyre among the towns, rivers present.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
region=south-lebanon

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

bash "$root/datasets/build_datasets.sh" "$tmp/a" "$region"
bash "$root/datasets/build_datasets.sh" "$tmp/b" "$region"

a=$tmp/a/$region
b=$tmp/b/$region
files=(dataset.toml elevation.tif landcover.tif border.geojson coast.geojson rivers.geojson towns.geojson)
for f in "${files[@]}"; do
  [[ -s $a/$f ]] || { echo "FAIL: $f missing or empty" >&2; exit 1; }
done
# Nothing else in the region directory, the same file list in both builds.
diff <(cd "$a" && ls -A | sort) <(printf '%s\n' "${files[@]}" | sort) ||
  { echo "FAIL: unexpected files in $region/" >&2; exit 1; }
diff <(cd "$a" && ls -A) <(cd "$b" && ls -A)
for f in "${files[@]}"; do
  cmp "$a/$f" "$b/$f" || { echo "FAIL: $f differs between two builds" >&2; exit 1; }
done
echo "reproducible: ${#files[@]} files identical"

/usr/bin/python3 - "$a" <<'EOF'
import json, sys, tomllib
from osgeo import gdal, ogr, osr

gdal.UseExceptions()
gdal.SetConfigOption("GDAL_PAM_ENABLED", "NO")  # leave no .aux.xml behind
d = sys.argv[1]
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


with open(f"{d}/dataset.toml", "rb") as f:
    meta = tomllib.load(f)
ds_meta = meta["dataset"]
check(set(ds_meta) == {"name", "title", "crs", "origin_x_m", "origin_y_m", "nx", "ny", "cell_size_m",
                       "elevation", "elevation_source", "elevation_resolution_m", "land_cover",
                       "land_cover_source", "notes"}, "dataset.toml [dataset] has exactly the agreed keys")
check(ds_meta["crs"] == "EPSG:32636", "dataset.toml crs is EPSG:32636")
check({l["name"] for l in meta["layer"]} == {"border", "coast", "rivers", "towns"}, "four [[layer]] tables")
check(all(set(l) == {"name", "file", "source", "licence"} and l["source"] and l["licence"] for l in meta["layer"]),
      "every layer has file, source and licence")

nx, ny, cell = ds_meta["nx"], ds_meta["ny"], ds_meta["cell_size_m"]
x0, y0 = ds_meta["origin_x_m"], ds_meta["origin_y_m"]
for name, dtype in (("elevation.tif", gdal.GDT_Float32), ("landcover.tif", gdal.GDT_Byte)):
    r = gdal.Open(f"{d}/{name}")
    srs = osr.SpatialReference(wkt=r.GetProjection())
    srs.AutoIdentifyEPSG()
    check(srs.GetAuthorityName(None) == "EPSG" and srs.GetAuthorityCode(None) == "32636",
          f"{name} CRS is EPSG:32636")
    check((r.RasterXSize, r.RasterYSize) == (nx, ny), f"{name} is {nx} x {ny} as dataset.toml says")
    check(r.GetGeoTransform() == (x0, cell, 0.0, y0 + ny * cell, 0.0, -cell),
          f"{name} geotransform matches origin and cell size")
    check(r.GetRasterBand(1).DataType == dtype, f"{name} data type {gdal.GetDataTypeName(dtype)}")

lc = gdal.Open(f"{d}/landcover.tif")
values = lc.GetRasterBand(1).ReadAsArray()
check(set(int(v) for v in set(values.ravel().tolist())) == {0, 7}, "land cover holds only water (0) and unknown (7)")
wgs = osr.SpatialReference(); wgs.ImportFromEPSG(4326); wgs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
utm = osr.SpatialReference(); utm.ImportFromEPSG(32636); utm.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
to_xy = osr.CoordinateTransformation(wgs, utm)


def cls(lon, lat):
    x, y = to_xy.TransformPoint(lon, lat)[:2]
    col, row = int((x - x0) // cell), int((y0 + ny * cell - y) // cell)
    return int(values[row, col])


check(cls(35.15, 33.27) == 0, "the sea west of Tyre (35.15 E, 33.27 N) is water (0)")
check(cls(35.48, 33.38) == 7, "Nabatieh (35.48 E, 33.38 N) is land (7, unknown)")

el = gdal.Open(f"{d}/elevation.tif")  # (a band must not outlive its dataset)
elev = el.GetRasterBand(1).ReadAsArray()
check(-3000 < float(elev.min()) < 0 < 800 < float(elev.max()) < 3000,
      f"elevation spans sea floor to hills ({elev.min():.0f} to {elev.max():.0f} m)")


def features(name):
    ds = ogr.Open(f"{d}/{name}")
    layer = ds.GetLayer(0)
    srs = layer.GetSpatialRef()
    check(srs is not None and srs.GetAuthorityCode(None) == "32636", f"{name} CRS is EPSG:32636")
    feats = [(f.items(), f.GetGeometryRef().Clone()) for f in layer]
    del layer, ds
    return feats


towns = features("towns.geojson")
names = [p["name"] for p, g in towns]
check("Tyre" in names, "towns.geojson contains Tyre")
tyre = [(p, g) for p, g in towns if p["name"] == "Tyre"]
check(tyre and tyre[0][0]["population"] == 135204, "Tyre has population 135204")
check(any(n.startswith("Nabat") for n in names), "towns.geojson contains Nabatieh")
rivers = features("rivers.geojson")
check(len(rivers) > 0, f"rivers.geojson is not empty ({len(rivers)} features)")
# The lower Litani reaches the sea between Tyre and Sidon (mouth ~35.25 E 33.34 N).
mouth = ogr.Geometry(ogr.wkbPoint)
mouth.AddPoint_2D(*to_xy.TransformPoint(35.245, 33.338)[:2])
check(any(g.Distance(mouth) < 2000 for p, g in rivers), "a river reaches the coast near the Litani mouth")
border = features("border.geojson")
lb = [(p, g) for p, g in border if p["code"] == "LB"]
check(len(lb) == 1 and lb[0][0]["focus"], "border.geojson has Lebanon (LB) as the focus country")
nab = ogr.Geometry(ogr.wkbPoint)
nab.AddPoint_2D(*to_xy.TransformPoint(35.48, 33.38)[:2])
check(bool(lb) and lb[0][1].Contains(nab), "Nabatieh lies inside the Lebanon polygon")
coast = features("coast.geojson")
check(len(coast) > 0, f"coast.geojson is not empty ({len(coast)} features)")

if failures:
    sys.exit(f"{len(failures)} check(s) failed")
EOF
