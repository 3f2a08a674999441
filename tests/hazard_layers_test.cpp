// `remnant hazard`: hazard areas of a result as vector layers (issue 20).
// The areas' items and the items outside them add up to the result's total,
// realization by realization once replayed; every format opens in OGR with
// its geometry type, CRS and fields; bad arguments exit 2 and write nothing.
#include <fmt/format.h>
#include <gdal.h>
#include <gtest/gtest.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include <cmath>
#include <filesystem>
#include <numeric>

#include "host/apps/hazard.h"
#include "host/common/errors.h"
#include "host/evidence/hazard_areas.h"
#include "host/evidence/hazard_layers.h"
#include "host/run/replay.h"
#include "test_support.h"

namespace remnant {
namespace {

std::uint64_t file_total(const ResultData& d) {
  std::uint64_t t = 0;
  for (const RealizationTotals& r : d.totals) t += r.duds;
  return t;
}

// A result file written by `remnant run` of the outputs scenario (UTM 36N).
struct ResultFixture {
  test::TempDir dir;
  std::string scenario, result;
  explicit ResultFixture(const std::string& crs = "EPSG:32636", int realizations = 24) {
    scenario = dir.write("s.toml", test::outputs_scenario("{ alpha = 3.0, beta = 22.0 }", crs));
    result = dir.file("r.h5");
    const test::CommandResult r =
        test::run_command(std::string(REMNANT_CLI_PATH) + " run " + test::shell_quote(scenario) + " -r " +
                          std::to_string(realizations) + " --seed 11 --backend cpu --out " +
                          test::shell_quote(result) + " >/dev/null 2>&1");
    EXPECT_EQ(r.exit_code, 0);
  }
};

TEST(HazardAreas, ItemsInsideAndOutsideAddUpToTheTotalRealizationByRealization) {
  ResultFixture f;
  const ResultData d = read_result_file(f.result);
  for (const char* t : {"share=0.9", "share=0.5", "density=2", "p_any=0.3"}) {
    HazardAreas h = find_hazard_areas(d, parse_hazard_threshold(t));
    ASSERT_FALSE(h.areas.empty()) << t;
    double inside = 0.0;
    for (const HazardArea& a : h.areas) inside += a.items_mean;
    EXPECT_NEAR(inside + h.outside_mean, static_cast<double>(file_total(d)) / d.realizations, 1e-6) << t;
    if (std::string(t) == "share=0.9") {
      EXPECT_GE(inside, 0.9 * h.total_mean - 1e-9);
    }
    // Every cell of an area has its centre in that area's polygon, and no
    // polygon holds the centre of a cell that is not its own.
    for (std::size_t c = 0; c < h.cell_area.size(); c += 7) {
      const double x = d.grid.origin_x_m + (c % d.grid.nx + 0.5) * d.grid.cell_size_m;
      const double y = d.grid.origin_y_m + (c / d.grid.nx + 0.5) * d.grid.cell_size_m;
      for (std::size_t a = 0; a < h.areas.size(); ++a) {
        OGRGeometryH poly = OGR_G_CreateGeometry(wkbPolygon);
        for (const HazardRing& r : h.areas[a].rings) {
          OGRGeometryH ring = OGR_G_CreateGeometry(wkbLinearRing);
          for (const auto& p : r) OGR_G_AddPoint_2D(ring, p[0], p[1]);
          OGR_G_AddGeometryDirectly(poly, ring);
        }
        OGRGeometryH pt = OGR_G_CreateGeometry(wkbPoint);
        OGR_G_SetPoint_2D(pt, 0, x, y);
        EXPECT_EQ(OGR_G_Contains(poly, pt) != 0, h.cell_area[c] == static_cast<std::int32_t>(a))
            << t << " cell " << c << " area " << a;
        OGR_G_DestroyGeometry(pt);
        OGR_G_DestroyGeometry(poly);
      }
    }
    // Ranks follow density.
    for (std::size_t i = 0; i + 1 < h.areas.size(); ++i)
      for (std::size_t j = 0; j < h.areas.size(); ++j)
        if (h.areas[i].rank < h.areas[j].rank) {
          EXPECT_GE(h.areas[i].density_per_ha(), h.areas[j].density_per_ha());
        }

    const Replay rp = prepare_replay(d, f.result);
    replay_realizations(d, f.result, rp, {}, [&](std::uint32_t, const std::vector<std::uint64_t>& duds) {
      add_realization(h, duds);
    });
    finish_intervals(h);
    for (std::size_t r = 0; r < d.realizations; ++r) {
      double sum = h.outside_by_realization[r];
      for (std::size_t a = 0; a < h.areas.size(); ++a) sum += h.items_by_realization[a][r];
      EXPECT_EQ(sum, static_cast<double>(d.totals[r].duds)) << t << " realization " << r;
    }
    for (const HazardArea& a : h.areas) EXPECT_LE(a.items_q05, a.items_q95);
  }
}

TEST(HazardAreas, OutlinesCutCornersInsteadOfStaircases) {
  ResultFixture f;
  const ResultData d = read_result_file(f.result);
  const HazardAreas h = find_hazard_areas(d, parse_hazard_threshold("share=0.9"));
  // A staircase of cells has only axis-parallel edges; the outline has
  // diagonal ones and lies within half a cell of its cells' edges.
  std::size_t diagonal = 0;
  for (const HazardArea& a : h.areas)
    for (const HazardRing& r : a.rings)
      for (std::size_t i = 0; i + 1 < r.size(); ++i)
        if (r[i][0] != r[i + 1][0] && r[i][1] != r[i + 1][1]) ++diagonal;
  EXPECT_GT(diagonal, 0u);
  double cells_area = 0.0, polygons = 0.0;
  for (const HazardArea& a : h.areas) cells_area += a.cells * d.grid.cell_size_m * d.grid.cell_size_m, polygons += a.area_m2;
  EXPECT_GT(polygons, 0.8 * cells_area);
  EXPECT_LT(polygons, 1.2 * cells_area);
}

TEST(HazardAreas, ReplayRefusesAFileWhoseRealizationsItCannotReproduce) {
  ResultFixture f;
  ResultData d = read_result_file(f.result);
  d.totals[3].duds += 1;
  const Replay rp = prepare_replay(d, f.result);
  try {
    replay_realizations(d, f.result, rp, {}, [](std::uint32_t, const std::vector<std::uint64_t>&) {});
    FAIL() << "a tampered total was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("realization 3 run again gives"), std::string::npos) << e.what();
  }
  ResultData other = read_result_file(f.result);
  other.fired_per_realization += 1;
  EXPECT_THROW(prepare_replay(other, f.result), InputError);
}

TEST(HazardAreas, InfoListsWhatHazardWouldWrite) {
  ResultFixture f;
  const ResultData d = read_result_file(f.result);
  const HazardAreas h = find_hazard_areas(d, HazardThreshold{});
  const test::CommandResult r = test::run_command(std::string(REMNANT_CLI_PATH) + " info " + test::shell_quote(f.result));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("what `remnant hazard` would write (default threshold: " + h.threshold.text() + "):"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find(fmt::format("layer hazard_areas: {} polygon", h.areas.size())), std::string::npos)
      << r.output;
}

TEST(HazardAreas, ThresholdsAreCheckedAndNamed) {
  EXPECT_EQ(parse_hazard_threshold("p_any=0.5").basis, HazardThreshold::Basis::PAny);
  EXPECT_EQ(parse_hazard_threshold("density=2.5").value, 2.5);
  EXPECT_EQ(parse_hazard_threshold("share=1").basis, HazardThreshold::Basis::Share);
  for (const char* bad : {"share=0", "share=1.5", "p_any=0", "p_any=2", "density=0", "density=-1", "density=x",
                          "foo=1", "0.5", ""}) {
    try {
      parse_hazard_threshold(bad);
      ADD_FAILURE() << bad << " accepted";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("--threshold"), std::string::npos) << e.what();
    }
  }
}

// What OGR reads back of one layer.
struct LayerRead {
  std::string geometry, authority;
  std::vector<std::string> fields;
  long long features = 0;
  double items_mean = 0.0;
};

LayerRead read_layer(const std::string& path, const std::string& layer) {
  GDALAllRegister();
  LayerRead out;
  GDALDatasetH ds = GDALOpenEx(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr, nullptr, nullptr);
  if (!ds) return out;
  OGRLayerH l = layer.empty() ? GDALDatasetGetLayer(ds, 0) : GDALDatasetGetLayerByName(ds, layer.c_str());
  if (l) {
    out.geometry = OGRGeometryTypeToName(wkbFlatten(OGR_L_GetGeomType(l)));
    if (OGRSpatialReferenceH srs = OGR_L_GetSpatialRef(l)) {
      OSRAutoIdentifyEPSG(srs);
      const char* code = OSRGetAuthorityCode(srs, nullptr);
      out.authority = code ? code : "";
    }
    OGRFeatureDefnH def = OGR_L_GetLayerDefn(l);
    for (int i = 0; i < OGR_FD_GetFieldCount(def); ++i) out.fields.push_back(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(def, i)));
    const int items = OGR_FD_GetFieldIndex(def, "items_mean");
    OGR_L_ResetReading(l);
    while (OGRFeatureH f = OGR_L_GetNextFeature(l)) {
      ++out.features;
      // KML declares no geometry type per layer: take the features'.
      if (out.geometry == "Unknown (any)" && OGR_F_GetGeometryRef(f))
        out.geometry = OGRGeometryTypeToName(wkbFlatten(OGR_G_GetGeometryType(OGR_F_GetGeometryRef(f))));
      if (items >= 0) out.items_mean += OGR_F_GetFieldAsDouble(f, items);
      OGR_F_Destroy(f);
    }
  }
  GDALClose(ds);
  return out;
}

TEST(HazardCli, EveryFormatOpensInOgrWithItsGeometryCrsAndFields) {
  ResultFixture f;
  const std::string gpkg = f.dir.file("h.gpkg"), geojson = f.dir.file("h.geojson"), shp = f.dir.file("h.shp"),
                    kml = f.dir.file("h.kml");
  const test::CommandResult r = test::run_command(
      std::string(REMNANT_CLI_PATH) + " hazard " + test::shell_quote(f.result) + " -q --out " +
      test::shell_quote(gpkg) + " --out " + test::shell_quote(geojson) + " --out " + test::shell_quote(shp) +
      " --out " + test::shell_quote(kml) + " 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("Model-derived areas, not survey results."), std::string::npos) << r.output;

  const ResultData d = read_result_file(f.result);
  const HazardAreas h = find_hazard_areas(d, parse_hazard_threshold("share=0.9"));
  const std::vector<std::string> fields = {"id",   "area_m2", "items_mean", "items_q05", "items_q95", "p_any_max",
                                           "density_per_ha", "rank", "basis", "scenario", "seed",
                                           "software_version"};
  for (const auto& [path, layer, crs] : {std::tuple<std::string, std::string, std::string>{gpkg, "hazard_areas", "32636"},
                                         {geojson, "", "32636"},
                                         {shp, "", "32636"},
                                         {kml, "hazard_areas", "4326"}}) {
    const LayerRead l = read_layer(path, layer);
    EXPECT_EQ(l.geometry, "Polygon") << path;
    EXPECT_EQ(l.authority, crs) << path;
    EXPECT_EQ(l.features, static_cast<long long>(h.areas.size())) << path;
    EXPECT_NEAR(l.items_mean + h.outside_mean, static_cast<double>(file_total(d)) / d.realizations, 1e-6) << path;
    std::vector<std::string> want = fields;
    if (path == shp) want[6] = "density_ha", want[11] = "sw_version";
    for (const std::string& name : want)
      EXPECT_NE(std::find(l.fields.begin(), l.fields.end(), name), l.fields.end()) << path << ": " << name;
  }
  const LayerRead sites = read_layer(gpkg, "strike_sites");
  EXPECT_EQ(sites.geometry, "Point");
  EXPECT_EQ(sites.features, 2);  // the two [[strike]]s of the scenario
  EXPECT_EQ(read_layer(f.dir.file("h_strike_sites.shp"), "").features, 2);
  const LayerRead about = read_layer(gpkg, "about");
  EXPECT_GT(about.features, 10);
  EXPECT_GT(read_layer(f.dir.file("h_about.json"), "").features, 10);
}

TEST(HazardCli, BadArgumentsExit2AndWriteNothing) {
  ResultFixture f("", 6);
  const std::string cli = std::string(REMNANT_CLI_PATH) + " hazard ";
  const std::string existing = f.dir.write("there.gpkg", "x");
  const std::string not_result = f.dir.write("n.h5", "not hdf5");
  struct Case {
    std::string args, message;
  };
  const std::vector<Case> cases = {
      {test::shell_quote(f.result) + " --out " + test::shell_quote(f.dir.file("a.txt")),
       "unknown vector format '.txt'; expected .gpkg"},
      {test::shell_quote(f.result) + " --out " + test::shell_quote(existing), "there.gpkg exists"},
      {test::shell_quote(f.result) + " --out " + test::shell_quote(f.dir.file("b.gpkg")) + " --threshold p_any=3",
       "--threshold 'p_any=3': a probability must lie in (0, 1]"},
      {test::shell_quote(not_result) + " --out " + test::shell_quote(f.dir.file("c.gpkg")), "n.h5"},
      {test::shell_quote(f.result) + " --out " + test::shell_quote(f.dir.file("d.kml")),
       "KML is written in longitude and latitude, and this result's grid has no CRS"},
      {test::shell_quote(f.result) + " --out " + test::shell_quote(f.dir.file("nodir/e.gpkg")), "nodir"},
  };
  for (const Case& c : cases) {
    const test::CommandResult r = test::run_command(cli + c.args + " -q 2>&1");
    EXPECT_EQ(r.exit_code, 2) << c.args << "\n" << r.output;
    EXPECT_NE(r.output.find(c.message), std::string::npos) << c.args << "\n" << r.output;
  }
  std::vector<std::string> entries = f.dir.entries();
  std::sort(entries.begin(), entries.end());
  EXPECT_EQ(entries, (std::vector<std::string>{"n.h5", "r.h5", "s.toml", "there.gpkg"}));
  // Without a CRS the layers are in local metres, never taken for degrees.
  const test::CommandResult ok =
      test::run_command(cli + test::shell_quote(f.result) + " -q --out " + test::shell_quote(f.dir.file("l.gpkg")));
  ASSERT_EQ(ok.exit_code, 0) << ok.output;
  GDALAllRegister();
  GDALDatasetH ds = GDALOpenEx(f.dir.file("l.gpkg").c_str(), GDAL_OF_VECTOR, nullptr, nullptr, nullptr);
  ASSERT_NE(ds, nullptr);
  OGRSpatialReferenceH srs = OGR_L_GetSpatialRef(GDALDatasetGetLayerByName(ds, "hazard_areas"));
  ASSERT_NE(srs, nullptr);
  EXPECT_FALSE(OSRIsGeographic(srs));
  EXPECT_TRUE(OSRIsLocal(srs));
  GDALClose(ds);
}

}  // namespace
}  // namespace remnant
