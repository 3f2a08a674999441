#include "host/inputs/raster.h"

#include <cpl_conv.h>
#include <cpl_string.h>
#include <fmt/format.h>
#include <gdal.h>
#include <gdal_alg.h>
#include <gdalwarper.h>
#include <ogr_srs_api.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <filesystem>
#include <limits>
#include <memory>

#include "host/common/geo.h"
#include "host/common/errors.h"

namespace remnant {

const char* resampling_name(Resampling r) {
  switch (r) {
    case Resampling::Nearest:
      return "nearest";
    case Resampling::Bilinear:
      return "bilinear";
    case Resampling::Mode:
      return "mode";
  }
  return "?";
}

namespace {

struct DestroyTransformer {
  void operator()(void* t) const { GDALDestroyGenImgProjTransformer(t); }
};
using Transformer = std::unique_ptr<void, DestroyTransformer>;
struct DestroyWarpOptions {
  void operator()(GDALWarpOptions* o) const { GDALDestroyWarpOptions(o); }
};
struct DestroyWarpOperation {
  void operator()(GDALWarpOperationH op) const { GDALDestroyWarpOperation(op); }
};

void check_grid(const GridGeometry& g) {
  if (g.crs.empty())
    throw InputError("grid: no CRS; reading a raster onto the grid needs grid.crs (e.g. \"EPSG:32636\")");
  require_projected_metres(g.crs, "grid.crs");
  if (g.nx == 0 || g.ny == 0 || g.nx > INT_MAX || g.ny > INT_MAX)
    throw InputError(fmt::format("grid: {} x {} cells; expected 1 to {} cells each way", g.nx, g.ny, INT_MAX));
  if (!(g.cell_size_m > 0.0) || !std::isfinite(g.cell_size_m) || !std::isfinite(g.origin_x_m) ||
      !std::isfinite(g.origin_y_m))
    throw InputError(
        fmt::format("grid: origin ({}, {}) m, cell size {} m; expected a finite origin and a cell size > 0",
                    g.origin_x_m, g.origin_y_m, g.cell_size_m));
}

struct Box {
  double x0 = std::numeric_limits<double>::infinity(), y0 = x0, x1 = -x0, y1 = -x0;
  bool empty() const { return !(x0 <= x1 && y0 <= y1); }
};

// Bounding box of the image of the boundary of the pixel rectangle [0, w] x [0, h]
// under the warp transformer (destination -> source pixels when dst_to_src),
// sampled densely enough to follow the curved image of a straight edge. Points
// PROJ cannot transform are left out.
Box footprint(void* transformer, bool dst_to_src, double w, double h) {
  constexpr int kPerEdge = 64;
  std::vector<double> x, y, z;
  for (int i = 0; i <= kPerEdge; ++i) {
    const double f = static_cast<double>(i) / kPerEdge;
    for (const auto& [px, py] : {std::pair{f * w, 0.0}, {f * w, h}, {0.0, f * h}, {w, f * h}}) {
      x.push_back(px);
      y.push_back(py);
    }
  }
  z.assign(x.size(), 0.0);
  std::vector<int> ok(x.size(), 0);
  GDALGenImgProjTransform(transformer, dst_to_src, static_cast<int>(x.size()), x.data(), y.data(), z.data(), ok.data());
  Box b;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!ok[i] || !std::isfinite(x[i]) || !std::isfinite(y[i])) continue;
    b.x0 = std::min(b.x0, x[i]);
    b.x1 = std::max(b.x1, x[i]);
    b.y0 = std::min(b.y0, y[i]);
    b.y1 = std::max(b.y1, y[i]);
  }
  return b;
}

std::string crs_label(OGRSpatialReferenceH srs) {
  const char* name = OSRGetName(srs);
  const char* auth = OSRGetAuthorityName(srs, nullptr);
  const char* code = OSRGetAuthorityCode(srs, nullptr);
  std::string s = name ? name : "unnamed CRS";
  if (auth && code) s += fmt::format(" ({}:{})", auth, code);
  return s;
}

// Provenance line: what was read and how it was put on the grid.
std::string describe(const std::string& path, GDALDatasetH ds, int band, OGRSpatialReferenceH srs,
                     const GridGeometry& g, Resampling r) {
  GDALRasterBandH b = GDALGetRasterBand(ds, band);
  std::string s =
      fmt::format("{} ({}, {} x {} pixels, band {} of {}, {}", path, GDALGetDriverShortName(GDALGetDatasetDriver(ds)),
                  GDALGetRasterXSize(ds), GDALGetRasterYSize(ds), band, GDALGetRasterCount(ds),
                  GDALGetDataTypeName(GDALGetRasterDataType(b)));
  double gt[6];
  if (GDALGetGeoTransform(ds, gt) == CE_None) {
    const char* unit = nullptr;
    if (OSRIsGeographic(srs))
      unit = "deg";
    else
      OSRGetLinearUnits(srs, const_cast<char**>(&unit));
    s += fmt::format(", pixel {:.6g} x {:.6g} {}", std::hypot(gt[1], gt[4]), std::hypot(gt[2], gt[5]),
                     unit ? unit : "units");
  } else {
    s += ", georeferenced by GCPs";
  }
  s += ", CRS " + crs_label(srs);
  int has = 0;
  const double nodata = GDALGetRasterNoDataValue(b, &has);
  s += has ? fmt::format(", nodata {}", nodata) : ", no nodata value";
  const double scale = GDALGetRasterScale(b, nullptr), offset = GDALGetRasterOffset(b, nullptr);
  if (scale != 1.0 || offset != 0.0) s += fmt::format(", scale {} offset {}", scale, offset);
  return s + fmt::format(") resampled ({}) onto {} x {} cells of {} m in {}", resampling_name(r), g.nx, g.ny,
                         g.cell_size_m, g.crs);
}

GdalDataset open_source(const std::string& path) {
  GdalDataset ds(
      GDALOpenEx(path.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR, nullptr, nullptr, nullptr));
  if (ds) return ds;
  std::error_code ec;
  if (path.rfind("/vsi", 0) != 0 && !std::filesystem::exists(path, ec))
    throw InputError(fmt::format("{}: no such file; expected a raster file (GeoTIFF, SRTM .hgt, NetCDF, ...)", path));
  throw InputError(
      fmt::format("{}: cannot be read as a raster ({}); expected a raster file GDAL reads "
                  "(GeoTIFF, SRTM .hgt, NetCDF, ...)",
                  path, gdal_last_error("unknown format or unreadable")));
}

// A NetCDF or HDF file with several variables opens as a container of
// subdatasets and no bands: name them, since the user must pick one.
[[noreturn]] void throw_no_bands(const std::string& path, GDALDatasetH ds) {
  CSLConstList subs = GDALGetMetadata(ds, "SUBDATASETS");
  std::string names;
  int shown = 0;
  for (int i = 0; subs && subs[i]; ++i) {
    const char* v = CPLParseNameValue(subs[i], nullptr);
    if (v && std::string(subs[i]).find("_NAME=") != std::string::npos && shown++ < 5) names += fmt::format(" {}", v);
  }
  if (names.empty()) throw InputError(fmt::format("{}: has no raster bands; expected a raster", path));
  throw InputError(
      fmt::format("{}: holds several variables (subdatasets) and no bands of its own; expected the path "
                  "of one of them, such as:{}",
                  path, names));
}

}  // namespace

RasterOnGrid read_raster_onto_grid(const std::string& path, const GridGeometry& grid, Resampling r, int band) {
  check_grid(grid);
  const std::string grid_wkt = crs_wkt(grid.crs);
  register_gdal();
  QuietGdalErrors quiet;

  const GdalDataset src = open_source(path);
  const int bands = GDALGetRasterCount(src.get());
  if (bands == 0) throw_no_bands(path, src.get());
  if (band < 1 || band > bands)
    throw InputError(
        fmt::format("{}: band {} does not exist; the file has {} band(s), numbered from 1", path, band, bands));
  double gt[6];
  const bool has_gt = GDALGetGeoTransform(src.get(), gt) == CE_None;
  const bool has_gcps = GDALGetGCPCount(src.get()) > 0;
  if (!has_gt && !has_gcps)
    throw InputError(
        fmt::format("{}: has no georeferencing (no geotransform, no GCPs); expected a georeferenced "
                    "raster (set one with gdal_translate -a_ullr and -a_srs)",
                    path));
  OGRSpatialReferenceH src_srs = has_gt ? GDALGetSpatialRef(src.get()) : GDALGetGCPSpatialRef(src.get());
  if (!src_srs)
    throw InputError(
        fmt::format("{}: has no coordinate reference system; assign one with gdal_edit.py -a_srs EPSG:nnnn", path));

  // Destination: the grid, north-up as GDAL wants it (top edge first, negative
  // y pixel size), Float64 with NaN as nodata. NaN never comes out of a
  // weighted sum of valid values, so it cannot collide with real data the way a
  // sentinel such as -9999 could.
  const int nx = static_cast<int>(grid.nx), ny = static_cast<int>(grid.ny);
  const double top = grid.origin_y_m + grid.ny * grid.cell_size_m;
  GdalDataset dst(GDALCreate(GDALGetDriverByName("MEM"), "", nx, ny, 1, GDT_Float64, nullptr));
  if (!dst)
    throw std::runtime_error(
        fmt::format("cannot allocate the {} x {} grid for {} ({})", nx, ny, path, gdal_last_error("out of memory")));
  double dst_gt[6] = {grid.origin_x_m, grid.cell_size_m, 0.0, top, 0.0, -grid.cell_size_m};
  GDALSetGeoTransform(dst.get(), dst_gt);
  GDALSetProjection(dst.get(), grid_wkt.c_str());

  // Exact transformer (gdalwarp's default approximates to 1/8 pixel, enough to
  // move a nearest-neighbour pick across a pixel boundary).
  const Transformer transformer(GDALCreateGenImgProjTransformer2(src.get(), dst.get(), nullptr));
  if (!transformer)
    throw InputError(fmt::format("{}: no transformation from its CRS {} to the grid's {} ({})", path,
                                 crs_label(src_srs), grid.crs, gdal_last_error("PROJ found none")));

  // Overlap, tested in source pixels: the grid's outline mapped into the source
  // image must meet the image. Doing it this way round also works for sources
  // (a global lon/lat raster) that cannot be projected whole into the grid CRS.
  const double w = GDALGetRasterXSize(src.get()), h = GDALGetRasterYSize(src.get());
  const Box in_src = footprint(transformer.get(), true, nx, ny);
  constexpr double kTouch = 1e-6;  // pixels: absorbs rounding where the two merely touch
  if (in_src.empty() || in_src.x0 >= w - kTouch || in_src.x1 <= kTouch || in_src.y0 >= h - kTouch ||
      in_src.y1 <= kTouch) {
    const Box s = footprint(transformer.get(), false, w, h);  // raster outline in grid pixels
    const std::string raster_extent =
        s.empty() ? "an area that cannot be expressed in the grid's CRS"
                  : fmt::format("x [{:.0f}, {:.0f}] m, y [{:.0f}, {:.0f}] m", grid.origin_x_m + s.x0 * grid.cell_size_m,
                                grid.origin_x_m + s.x1 * grid.cell_size_m, top - s.y1 * grid.cell_size_m,
                                top - s.y0 * grid.cell_size_m);
    throw InputError(
        fmt::format("{}: does not overlap the grid: in {} the raster covers {}, the grid x [{:.0f}, {:.0f}] m, "
                    "y [{:.0f}, {:.0f}] m",
                    path, grid.crs, raster_extent, grid.origin_x_m, grid.origin_x_m + grid.nx * grid.cell_size_m,
                    grid.origin_y_m, top));
  }

  std::unique_ptr<GDALWarpOptions, DestroyWarpOptions> wo(GDALCreateWarpOptions());
  wo->hSrcDS = src.get();
  wo->hDstDS = dst.get();
  wo->nBandCount = 1;
  wo->panSrcBands = static_cast<int*>(CPLMalloc(sizeof(int)));
  wo->panSrcBands[0] = band;
  wo->panDstBands = static_cast<int*>(CPLMalloc(sizeof(int)));
  wo->panDstBands[0] = 1;
  wo->eResampleAlg = r == Resampling::Nearest    ? GRA_NearestNeighbour
                     : r == Resampling::Bilinear ? GRA_Bilinear
                                                 : GRA_Mode;
  wo->eWorkingDataType = GDT_Float64;
  GDALRasterBandH src_band = GDALGetRasterBand(src.get(), band);
  int has_nodata = 0;
  const double nodata = GDALGetRasterNoDataValue(src_band, &has_nodata);
  if (has_nodata) {
    wo->padfSrcNoDataReal = static_cast<double*>(CPLMalloc(sizeof(double)));
    wo->padfSrcNoDataReal[0] = nodata;
  }
  wo->padfDstNoDataReal = static_cast<double*>(CPLMalloc(sizeof(double)));
  wo->padfDstNoDataReal[0] = std::numeric_limits<double>::quiet_NaN();
  wo->papszWarpOptions = CSLSetNameValue(wo->papszWarpOptions, "INIT_DEST", "NO_DATA");
  wo->pfnTransformer = GDALGenImgProjTransform;
  wo->pTransformerArg = transformer.get();

  {
    std::unique_ptr<void, DestroyWarpOperation> op(GDALCreateWarpOperation(wo.get()));
    if (!op || GDALChunkAndWarpImage(op.get(), 0, 0, nx, ny) != CE_None)
      throw InputError(fmt::format("{}: reprojecting onto the grid failed ({})", path, gdal_last_error("unknown")));
  }

  std::vector<double> north_up(static_cast<std::size_t>(nx) * ny);
  if (GDALRasterIO(GDALGetRasterBand(dst.get(), 1), GF_Read, 0, 0, nx, ny, north_up.data(), nx, ny, GDT_Float64, 0,
                   0) != CE_None)
    throw std::runtime_error(
        fmt::format("{}: reading back the warped grid failed ({})", path, gdal_last_error("unknown")));

  // Raw values -> physical values (NetCDF packing); linear, so it commutes with
  // the resampling. Rows flipped to south-first.
  int has_scale = 0, has_offset = 0;
  const double scale = GDALGetRasterScale(src_band, &has_scale), offset = GDALGetRasterOffset(src_band, &has_offset);
  RasterOnGrid out;
  out.values.resize(north_up.size());
  out.valid.resize(north_up.size());
  for (int row = 0; row < ny; ++row) {
    const double* in = &north_up[static_cast<std::size_t>(row) * nx];
    const std::size_t first = static_cast<std::size_t>(ny - 1 - row) * nx;
    for (int ix = 0; ix < nx; ++ix) {
      const bool ok = !std::isnan(in[ix]);
      out.values[first + ix] = ok ? in[ix] * (has_scale ? scale : 1.0) + (has_offset ? offset : 0.0) : in[ix];
      out.valid[first + ix] = ok;
      out.invalid_cells += !ok;
    }
  }
  out.description = describe(path, src.get(), band, src_srs, grid, r) +
                    fmt::format("; {} of {} cells without data", out.invalid_cells, north_up.size());
  return out;
}

std::vector<float> slope_from_elevation(const std::vector<float>& elevation_m, std::uint32_t nx, std::uint32_t ny,
                                        double cell_size_m) {
  if (!(cell_size_m > 0.0) || !std::isfinite(cell_size_m))
    throw InputError(fmt::format("slope: cell size {} m; expected a finite size > 0", cell_size_m));
  if (elevation_m.size() != static_cast<std::uint64_t>(nx) * ny)
    throw InputError(fmt::format("slope: the elevation grid has {} values; expected nx * ny = {} x {} = {}",
                                 elevation_m.size(), nx, ny, static_cast<std::uint64_t>(nx) * ny));
  const auto z = [&](std::uint32_t ix, std::uint32_t iy) -> double {
    return elevation_m[static_cast<std::size_t>(iy) * nx + ix];
  };
  // Neighbours lo and hi of i clamped to [0, n-1]: hi - lo = 2 inside (central
  // difference), 1 on an edge (one-sided), 0 when n = 1 (no gradient that way).
  const auto span = [](std::uint32_t i, std::uint32_t n) {
    return std::pair<std::uint32_t, std::uint32_t>{i > 0 ? i - 1 : 0, i + 1 < n ? i + 1 : i};
  };
  std::vector<float> slope(elevation_m.size());
  for (std::uint32_t iy = 0; iy < ny; ++iy) {
    const auto [y0, y1] = span(iy, ny);
    for (std::uint32_t ix = 0; ix < nx; ++ix) {
      const auto [x0, x1] = span(ix, nx);
      const double dzdx = x1 > x0 ? (z(x1, iy) - z(x0, iy)) / ((x1 - x0) * cell_size_m) : 0.0;
      const double dzdy = y1 > y0 ? (z(ix, y1) - z(ix, y0)) / ((y1 - y0) * cell_size_m) : 0.0;
      slope[static_cast<std::size_t>(iy) * nx + ix] = static_cast<float>(std::hypot(dzdx, dzdy));
    }
  }
  return slope;
}

}  // namespace remnant
