// Rasters onto the grid and the CRS helpers: small GeoTIFFs written here with
// GDAL in another CRS than the grid (lon/lat, a UTM zone, Web Mercator); each
// expected value comes from transforming a cell centre by hand. Also the
// errors (no overlap, no CRS, missing file, bad band, bad grid) and the slope.
#include "host/inputs/raster.h"

#include <gdal.h>
#include <gtest/gtest.h>
#include <ogr_srs_api.h>

#include <array>
#include <cmath>
#include <functional>
#include <optional>
#include <set>
#include <thread>

#include "host/common/geo.h"
#include "test_support.h"

namespace remnant {
namespace {

// gdaltransform -s_srs EPSG:4326 -t_srs EPSG:32636 (GDAL 3.6.2, PROJ 9) of
// Tyre, 35.19389 E 33.27333 N.
constexpr double kTyreLon = 35.19389, kTyreLat = 33.27333;
constexpr double kTyreX = 704329.838388043, kTyreY = 3683735.8653793;

// The grid of most tests: 6 km x 5 km of 100 m cells in UTM 36N around Tyre.
GridGeometry tyre_grid(const std::string& crs = "EPSG:32636") { return {crs, 700000.0, 3680000.0, 100.0, 60, 50}; }

// Lon/lat source around Tyre: 0.001 degree pixels, 35.10-35.30 E, 33.20-33.35 N.
constexpr double kLon0 = 35.10, kLatTop = 33.35, kDeg = 0.001;
constexpr int kW = 200, kH = 150;
const std::array<double, 6> kLonLatGt = {kLon0, kDeg, 0.0, kLatTop, 0.0, -kDeg};

double ramp(double lon, double lat) { return 1000.0 * (lon - 35.0) + 2000.0 * (lat - 33.0); }

// Centre of cell (ix, iy) of a grid in its own CRS; iy = 0 the southern row.
void centre(const GridGeometry& g, int ix, int iy, double& x, double& y) {
  x = g.origin_x_m + (ix + 0.5) * g.cell_size_m;
  y = g.origin_y_m + (iy + 0.5) * g.cell_size_m;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(Geo, TyreMatchesGdaltransformAndRoundTrips) {
  const LonLatToGrid t("EPSG:32636");
  double x = 0, y = 0;
  t.to_grid(kTyreLon, kTyreLat, x, y);
  EXPECT_NEAR(x, kTyreX, 0.01);
  EXPECT_NEAR(y, kTyreY, 0.01);
  double lon = 0, lat = 0;
  t.to_lonlat(x, y, lon, lat);
  EXPECT_NEAR(lon, kTyreLon, 1e-9);
  EXPECT_NEAR(lat, kTyreLat, 1e-9);

  // Copies and moves carry working transformations of their own.
  LonLatToGrid copy = t;
  LonLatToGrid moved = std::move(copy);
  moved.to_grid(kTyreLon, kTyreLat, x, y);
  EXPECT_NEAR(x, kTyreX, 0.01);
  EXPECT_EQ(moved.crs(), "EPSG:32636");
  // The same CRS spelt as a PROJ string and as WKT gives the same numbers.
  for (const std::string& spelt :
       {std::string("+proj=utm +zone=36 +datum=WGS84 +units=m +no_defs"), crs_wkt("EPSG:32636")}) {
    LonLatToGrid(spelt).to_grid(kTyreLon, kTyreLat, x, y);
    EXPECT_NEAR(x, kTyreX, 0.01) << spelt;
    EXPECT_NEAR(y, kTyreY, 0.01) << spelt;
  }
}

TEST(Geo, CrsWktAndItsErrors) {
  const std::string wkt = crs_wkt("EPSG:32636");
  EXPECT_EQ(wkt.rfind("PROJCRS[\"WGS 84 / UTM zone 36N\"", 0), 0u) << wkt;  // WKT2
  EXPECT_EQ(wkt.find('\n'), std::string::npos);
  EXPECT_NE(wkt.find("ID[\"EPSG\",32636]"), std::string::npos);
  EXPECT_EQ(crs_wkt(wkt), wkt);  // WKT in, the same WKT out

  EXPECT_NE(error_of([] { crs_wkt("EPSG:999999"); }).find("CRS \"EPSG:999999\": not a coordinate reference system"),
            std::string::npos);
  EXPECT_NE(error_of([] { crs_wkt("utm 36"); }).find("\"utm 36\""), std::string::npos);
  EXPECT_NE(error_of([] { crs_wkt(""); }).find("CRS: empty"), std::string::npos);
  // A file name is not opened (GDAL would otherwise read a CRS from it).
  EXPECT_NE(error_of([] { crs_wkt("/etc/hostname"); }).find("not a coordinate reference system"), std::string::npos);

  EXPECT_NE(error_of([] { LonLatToGrid("EPSG:4326"); }).find("is not a projected CRS"), std::string::npos);
  EXPECT_NE(error_of([] { LonLatToGrid("EPSG:2263"); }).find("expected metres"), std::string::npos);  // US feet
  const LonLatToGrid t("EPSG:32636");
  double x, y;
  EXPECT_NE(error_of([&] { t.to_grid(200.0, 33.0, x, y); }).find("point (lon 200, lat 33)"), std::string::npos);
  // The antipode of an orthographic view's centre, a point 10^6 km out.
  const LonLatToGrid ortho("+proj=ortho +lat_0=33 +lon_0=35 +units=m");
  EXPECT_NE(error_of([&] { ortho.to_grid(-145.0, -33.0, x, y); }).find("cannot be transformed to +proj=ortho"),
            std::string::npos);
  EXPECT_NE(error_of([&] { t.to_lonlat(1e9, 1e9, x, y); })
                .find("point (x 1000000000 m, y 1000000000 m) in EPSG:32636: "
                      "cannot be transformed to lon/lat"),
            std::string::npos);
}

TEST(Raster, BilinearReproducesALinearRampAcrossCrs) {
  test::TempDir dir;
  std::vector<double> v(kW * kH);
  for (int r = 0; r < kH; ++r)
    for (int c = 0; c < kW; ++c) v[r * kW + c] = ramp(kLon0 + (c + 0.5) * kDeg, kLatTop - (r + 0.5) * kDeg);
  const std::string path = test::write_tiff(dir, "ramp.tif", "EPSG:4326", kLonLatGt, kW, kH, v, GDT_Float64);
  // 50 m cells: finer than the ~95 x 111 m source pixels, so plain bilinear
  // interpolation, which reproduces a linear function to rounding.
  const GridGeometry g{"EPSG:32636", 700000.0, 3680000.0, 50.0, 120, 100};
  const RasterOnGrid out = read_raster_onto_grid(path, g, Resampling::Bilinear);
  ASSERT_EQ(out.values.size(), std::size_t{g.nx} * g.ny);
  EXPECT_EQ(out.invalid_cells, 0u);
  const LonLatToGrid t(g.crs);
  const auto max_error = [&](const GridGeometry& grid, const RasterOnGrid& r) {
    double worst = 0.0;
    for (int iy = 0; iy < static_cast<int>(grid.ny); ++iy)
      for (int ix = 0; ix < static_cast<int>(grid.nx); ++ix) {
        double x, y, lon, lat;
        centre(grid, ix, iy, x, y);
        t.to_lonlat(x, y, lon, lat);
        worst = std::max(worst, std::fabs(r.values[iy * grid.nx + ix] - ramp(lon, lat)));
      }
    return worst;
  };
  EXPECT_LT(max_error(g, out), 1e-9);
  // 200 m cells: GDAL widens the kernel to a triangle filter over about two
  // source pixels each way; sampled at whole pixels it is no longer exact for a
  // linear field, but stays within a tenth of a pixel's step (1 + 2 here).
  const GridGeometry coarse{"EPSG:32636", 700000.0, 3680000.0, 200.0, 30, 25};
  EXPECT_LT(max_error(coarse, read_raster_onto_grid(path, coarse, Resampling::Bilinear)), 0.3);
  for (const char* part : {"ramp.tif", "GTiff", "200 x 150 pixels", "WGS 84 (EPSG:4326)", "bilinear",
                           "120 x 100 cells of 50 m in EPSG:32636"})
    EXPECT_NE(out.description.find(part), std::string::npos) << part << " in " << out.description;
}

TEST(Raster, NearestPutsEachSourcePixelInTheRightCells) {
  // Every pixel holds its own id; a cell must get the id of the pixel its
  // centre falls in, computed here from the centre's lon/lat.
  test::TempDir dir;
  std::vector<double> id(kW * kH);
  for (int i = 0; i < kW * kH; ++i) id[i] = i;
  const std::string path = test::write_tiff(dir, "ids.tif", "EPSG:4326", kLonLatGt, kW, kH, id, GDT_Int32);
  const GridGeometry g = tyre_grid();
  const RasterOnGrid out = read_raster_onto_grid(path, g, Resampling::Nearest);
  const LonLatToGrid t(g.crs);
  int checked = 0;
  // Corners, the middle, a few others and (43, 37), the cell holding Tyre.
  for (const auto& [ix, iy] : {std::pair{0, 0}, {59, 0}, {0, 49}, {59, 49}, {30, 25}, {43, 7}, {11, 38}, {43, 37}}) {
    double x, y, lon, lat;
    centre(g, ix, iy, x, y);
    t.to_lonlat(x, y, lon, lat);
    const double col = (lon - kLon0) / kDeg, row = (kLatTop - lat) / kDeg;
    // Skip a centre within 1e-6 pixel of a pixel edge: either side is right.
    if (std::fabs(col - std::round(col)) < 1e-6 || std::fabs(row - std::round(row)) < 1e-6) continue;
    EXPECT_EQ(out.values[iy * g.nx + ix], std::floor(row) * kW + std::floor(col)) << ix << "," << iy;
    ++checked;
  }
  EXPECT_GE(checked, 7);
}

TEST(Raster, RowZeroIsTheSouthernRow) {
  // Source and grid share CRS and pixels: output row iy is source row ny-1-iy.
  test::TempDir dir;
  const GridGeometry g = tyre_grid();
  std::vector<double> v(g.nx * g.ny);
  for (std::uint32_t r = 0; r < g.ny; ++r)
    for (std::uint32_t c = 0; c < g.nx; ++c) v[r * g.nx + c] = 1000.0 * r + c;
  const double top = g.origin_y_m + g.ny * g.cell_size_m;
  const std::string path =
      test::write_tiff(dir, "rows.tif", g.crs, {g.origin_x_m, g.cell_size_m, 0, top, 0, -g.cell_size_m}, g.nx, g.ny, v);
  for (Resampling r : {Resampling::Nearest, Resampling::Bilinear, Resampling::Mode}) {
    const RasterOnGrid out = read_raster_onto_grid(path, g, r);
    EXPECT_EQ(out.invalid_cells, 0u);
    for (std::uint32_t iy = 0; iy < g.ny; ++iy)
      for (std::uint32_t ix = 0; ix < g.nx; ++ix)
        ASSERT_DOUBLE_EQ(out.values[iy * g.nx + ix], 1000.0 * (g.ny - 1 - iy) + ix) << resampling_name(r);
  }
}

TEST(Raster, ScaleAndOffsetAreAppliedAndThreadsMayReadAtOnce) {
  // Packed values (NetCDF scale_factor/add_offset style): raw r means 0.5 r - 10.
  test::TempDir dir;
  const GridGeometry g = tyre_grid();
  std::vector<double> v(g.nx * g.ny);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(i % 200);
  const double top = g.origin_y_m + g.ny * g.cell_size_m;
  const std::string path = write_tiff(
      dir, "packed.tif", g.crs, {g.origin_x_m, g.cell_size_m, 0, top, 0, -g.cell_size_m}, g.nx, g.ny, v, GDT_Int16);
  {
    GDALDatasetH ds = GDALOpen(path.c_str(), GA_Update);
    ASSERT_NE(ds, nullptr);
    GDALSetRasterScale(GDALGetRasterBand(ds, 1), 0.5);
    GDALSetRasterOffset(GDALGetRasterBand(ds, 1), -10.0);
    GDALClose(ds);
  }
  const RasterOnGrid want = read_raster_onto_grid(path, g, Resampling::Nearest);
  EXPECT_EQ(want.values[0], 0.5 * v[(g.ny - 1) * g.nx] - 10.0);  // south-west cell: last GDAL row
  EXPECT_NE(want.description.find("scale 0.5 offset -10"), std::string::npos) << want.description;

  // Each call has its own datasets: concurrent reads give the same grid.
  std::vector<RasterOnGrid> got(4);
  std::vector<std::thread> threads;
  for (auto& out : got) threads.emplace_back([&] { out = read_raster_onto_grid(path, g, Resampling::Nearest); });
  for (auto& t : threads) t.join();
  for (const RasterOnGrid& out : got) EXPECT_EQ(out.values, want.values);
}

TEST(Raster, NearestAndModeKeepClassCodesIntoAnotherProjection) {
  // Land-cover-like classes in UTM 36N, 30 m pixels in 300 m blocks, read onto
  // a Web Mercator grid and onto UTM 37N (the neighbouring zone) of 100 m cells.
  test::TempDir dir;
  const std::set<double> classes = {1, 2, 3, 5, 7};
  const int w = 240, h = 200;
  std::vector<double> v(w * h);
  for (int r = 0; r < h; ++r)
    for (int c = 0; c < w; ++c) v[r * w + c] = *std::next(classes.begin(), (r / 10 + 2 * (c / 10)) % 5);
  const std::string path =
      test::write_tiff(dir, "classes.tif", "EPSG:32636", {699000, 30, 0, 3686000, 0, -30}, w, h, v, GDT_Byte);
  LonLatToGrid utm36("EPSG:32636");
  double lon, lat;
  utm36.to_lonlat(701000, 3683000, lon, lat);  // a corner well inside the source
  for (const char* crs : {"EPSG:3857", "EPSG:32637"}) {
    double x0, y0;
    LonLatToGrid(crs).to_grid(lon, lat, x0, y0);
    const GridGeometry g{crs, std::round(x0), std::round(y0), 100.0, 30, 25};
    for (Resampling r : {Resampling::Nearest, Resampling::Mode}) {
      const RasterOnGrid out = read_raster_onto_grid(path, g, r);
      EXPECT_EQ(out.invalid_cells, 0u) << crs;
      std::set<double> seen(out.values.begin(), out.values.end());
      for (double s : seen) EXPECT_TRUE(classes.count(s)) << s << " is no class, " << crs << " " << resampling_name(r);
      EXPECT_EQ(seen.size(), classes.size()) << crs << " " << resampling_name(r);
    }
    // Bilinear mixes classes at block edges: the check above has teeth.
    const RasterOnGrid mixed = read_raster_onto_grid(path, g, Resampling::Bilinear);
    EXPECT_GT(std::set<double>(mixed.values.begin(), mixed.values.end()).size(), classes.size());
  }
}

TEST(Raster, NodataAndUncoveredCellsAreInvalidAndCounted) {
  // Lon/lat source covering only the west of the grid (to 35.18 E), with a
  // nodata block in 35.15-35.16 E. Expectations from the cell centres.
  test::TempDir dir;
  const int w = 80;  // 35.10 - 35.18 E
  std::vector<double> v(w * kH, 42.0);
  for (int r = 0; r < kH; ++r)
    for (int c = 50; c < 60; ++c) v[r * w + c] = -9999.0;
  const std::string path = test::write_tiff(dir, "part.tif", "EPSG:4326", kLonLatGt, w, kH, v, GDT_Float32, -9999.0);
  const GridGeometry g = tyre_grid();
  const RasterOnGrid out = read_raster_onto_grid(path, g, Resampling::Nearest);
  const LonLatToGrid t(g.crs);
  std::uint64_t expected_invalid = 0, invalid = 0;
  for (std::uint32_t iy = 0; iy < g.ny; ++iy)
    for (std::uint32_t ix = 0; ix < g.nx; ++ix) {
      double x, y, lon, lat;
      centre(g, ix, iy, x, y);
      t.to_lonlat(x, y, lon, lat);
      const double col = (lon - kLon0) / kDeg;
      const std::size_t i = iy * g.nx + ix;
      invalid += !out.valid[i];
      if (std::fabs(col - 50) < 1e-6 || std::fabs(col - 60) < 1e-6 || std::fabs(col - w) < 1e-6) continue;
      const bool should_be_valid = col < 50 || (col >= 60 && col < w);
      expected_invalid += !should_be_valid;
      ASSERT_EQ(out.valid[i], should_be_valid) << ix << "," << iy << " col " << col;
      if (should_be_valid)
        EXPECT_EQ(out.values[i], 42.0);
      else
        EXPECT_TRUE(std::isnan(out.values[i]));
    }
  EXPECT_EQ(out.invalid_cells, invalid);
  EXPECT_EQ(out.invalid_cells, expected_invalid);
  EXPECT_GT(out.invalid_cells, g.nx * g.ny / 3);  // the east half and the nodata strip
  EXPECT_NE(out.description.find("nodata -9999"), std::string::npos) << out.description;
}

TEST(Raster, ErrorsNameTheFileAndWhatWasExpected) {
  test::TempDir dir;
  const GridGeometry g = tyre_grid();
  std::vector<double> v(kW * kH, 1.0);

  // Somewhere else (Lake Geneva): the message gives both extents in the grid CRS.
  const std::string far = test::write_tiff(dir, "far.tif", "EPSG:4326", {6.5, kDeg, 0, 46.5, 0, -kDeg}, kW, kH, v);
  std::string e = error_of([&] { read_raster_onto_grid(far, g, Resampling::Nearest); });
  EXPECT_NE(e.find(far + ": does not overlap the grid: in EPSG:32636 the raster covers x ["), std::string::npos) << e;
  EXPECT_NE(e.find("the grid x [700000, 706000] m, y [3680000, 3685000] m"), std::string::npos) << e;
  // A neighbour that only touches the grid's outline from outside.
  const std::string east = test::write_tiff(dir, "east.tif", g.crs, {706000, 100, 0, 3685000, 0, -100}, 10, 10, v);
  EXPECT_NE(error_of([&] { read_raster_onto_grid(east, g, Resampling::Nearest); }).find("does not overlap"),
            std::string::npos);

  const std::string no_crs = test::write_tiff(dir, "nocrs.tif", "", kLonLatGt, kW, kH, v);
  e = error_of([&] { read_raster_onto_grid(no_crs, g, Resampling::Nearest); });
  EXPECT_NE(e.find(no_crs + ": has no coordinate reference system; assign one with gdal_edit.py -a_srs"),
            std::string::npos)
      << e;

  const std::string missing = dir.file("missing.tif");
  e = error_of([&] { read_raster_onto_grid(missing, g, Resampling::Nearest); });
  EXPECT_NE(e.find(missing + ": no such file"), std::string::npos) << e;

  const std::string text = dir.write("notes.tif", "not a raster\n");
  e = error_of([&] { read_raster_onto_grid(text, g, Resampling::Nearest); });
  EXPECT_NE(e.find(text + ": cannot be read as a raster ("), std::string::npos) << e;

  const std::string ok = test::write_tiff(dir, "ok.tif", "EPSG:4326", kLonLatGt, kW, kH, v);
  e = error_of([&] { read_raster_onto_grid(ok, g, Resampling::Nearest, 2); });
  EXPECT_NE(e.find(ok + ": band 2 does not exist; the file has 1 band(s)"), std::string::npos) << e;

  GridGeometry bad = g;
  bad.crs = "EPSG:4326";
  EXPECT_NE(error_of([&] {
              read_raster_onto_grid(ok, bad, Resampling::Nearest);
            }).find("grid.crs \"EPSG:4326\": is not a projected CRS"),
            std::string::npos);
  bad = g;
  bad.crs = "";
  EXPECT_NE(error_of([&] { read_raster_onto_grid(ok, bad, Resampling::Nearest); }).find("grid: no CRS"),
            std::string::npos);
  bad = g;
  bad.cell_size_m = 0;
  EXPECT_NE(error_of([&] { read_raster_onto_grid(ok, bad, Resampling::Nearest); }).find("cell size 0 m"),
            std::string::npos);
}

TEST(Raster, SlopeOfAPlaneIsItsGradientEverywhere) {
  const std::uint32_t nx = 7, ny = 5;
  const double cell = 30.0, a = 0.12, b = -0.05;
  std::vector<float> z(nx * ny);
  for (std::uint32_t iy = 0; iy < ny; ++iy)
    for (std::uint32_t ix = 0; ix < nx; ++ix)
      z[iy * nx + ix] = static_cast<float>(100.0 + a * ix * cell + b * iy * cell);
  const std::vector<float> s = slope_from_elevation(z, nx, ny, cell);
  ASSERT_EQ(s.size(), z.size());
  for (float v : s) EXPECT_NEAR(v, std::hypot(a, b), 1e-5);  // edges and corners included

  // A single row has no north-south gradient.
  const std::vector<float> row(z.begin(), z.begin() + nx);
  for (float v : slope_from_elevation(row, nx, 1, cell)) EXPECT_NEAR(v, std::fabs(a), 1e-5);
  EXPECT_NE(error_of([&] { slope_from_elevation(z, nx, ny + 1, cell); }).find("expected nx * ny = 7 x 6 = 42"),
            std::string::npos);
  EXPECT_NE(error_of([&] { slope_from_elevation(z, nx, ny, -1.0); }).find("cell size -1 m"), std::string::npos);
}

}  // namespace
}  // namespace remnant
