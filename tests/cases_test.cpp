// The catalogue, the land-cover table and the three case scenarios: every
// figure sourced, priors inside their ranges, bad scenario files rejected with
// a message that names the file, line and key, inventories dealt to sampled
// strike sites, and each case run end to end with its inventory fired.
#include <gtest/gtest.h>
#include <toml++/toml.h>

#include <fstream>
#include <set>

#include "host/common/geo.h"
#include "host/inputs/sites.h"
#include "test_support.h"

namespace remnant {
namespace {

const std::string kConfigs = std::string(REMNANT_SOURCE_DIR) + "/configs/";

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// A scenario (written into dir) that uses the shipped catalogue and table.
const std::string kCatalogueScenario =
    test::ScenarioText("t", 5, 2)
        .scenario("munitions", test::quoted("@CONFIGS@munitions.toml"))
        .scenario("land_cover_table", test::quoted("@CONFIGS@landcover.toml"))
        .scenario("dud_rates", test::quoted("field"))
        .grid(100, 100, 50.0)
        .origin(700000.0, 3680000.0)
        .crs("EPSG:32636")
        .wind({0.0, 5.0}, {0.0, 360.0})
        .inventory_total(100000)
        .inventory_carrier("M26", "share", 0.5)
        .inventory_carrier("M483A1", "share", 0.5)
        .inventory_carrier("CBU-87", "carriers", 10)
        .sites(40, "per_realization")
        .site_area("east half", {702500.0, 705000.0}, {3680000.0, 3685000.0}, 1.0)
        .text();

std::string catalogue_scenario() { return test::replace_all(kCatalogueScenario, "@CONFIGS@", kConfigs); }

TEST(Catalogue, EveryFactsCarrierAndSubmunitionIsThereWithBothPriorsInsideTheirRanges) {
  const Scenario sc = parse_scenario(catalogue_scenario(), "t.toml");
  std::set<std::string> carriers, types;
  for (const CarrierType& c : sc.carriers) carriers.insert(c.name);
  for (const SubmunitionType& t : sc.submunitions) types.insert(t.name);
  for (const char* c : {"CBU-87", "RBL755", "M26", "M483A1", "M395", "M396", "CBU-58B", "CBU-24", "ADU-253"})
    EXPECT_TRUE(carriers.count(c)) << c;
  for (const char* t : {"BLU-97", "RBL755-bomblet", "M77", "M42/M46", "M85", "BLU-63", "BLU-26", "BLU-3"})
    EXPECT_TRUE(types.count(t)) << t;
  for (const SubmunitionType& t : sc.submunitions) {
    SCOPED_TRACE(t.name);
    ASSERT_TRUE(t.dud_rate_test && t.dud_rate_field && t.dud_rate_test_range && t.dud_rate_field_range);
    EXPECT_GE(t.dud_rate_test->mean(), t.dud_rate_test_range->lo);
    EXPECT_LE(t.dud_rate_test->mean(), t.dud_rate_test_range->hi);
    EXPECT_GE(t.dud_rate_field->mean(), t.dud_rate_field_range->lo);
    EXPECT_LE(t.dud_rate_field->mean(), t.dud_rate_field_range->hi);
    // The argument the project makes: field failure exceeds test failure.
    EXPECT_GT(t.dud_rate_field->mean(), t.dud_rate_test->mean());
    EXPECT_EQ(t.dud_rate.alpha, t.dud_rate_field->alpha) << "dud_rates = \"field\" selects the field prior";
  }
  EXPECT_TRUE(sc.submunitions.end() !=
              std::find_if(sc.submunitions.begin(), sc.submunitions.end(),
                           [](const SubmunitionType& t) { return t.name == "M85" && t.self_destruct; }));
}

// Walks both catalogue files: every figure has a "<key>_source" that cites a
// source or says "assumption".
void expect_sourced(const toml::table& t, const std::string& where) {
  for (auto&& [k, v] : t) {
    const std::string key(k.str());
    if (const toml::array* a = v.as_array()) {
      std::size_t i = 0;
      for (const toml::node& e : *a)
        if (const toml::table* sub = e.as_table()) expect_sourced(*sub, where + "." + key + "[" + std::to_string(i++) + "]");
    }
    const bool figure = v.is_number() || (v.is_array() && !v.as_array()->empty() && (*v.as_array())[0].is_number()) ||
                        (v.is_table() && v.as_table()->contains("alpha")) ||
                        (v.is_table() && key == "footprint_scaling");
    if (!figure || where == "catalogue") continue;
    const toml::node* src = t.get(key + "_source");
    ASSERT_TRUE(src && src->is_string()) << where << "." << key << " has no source";
    const std::string s = *src->value<std::string>();
    EXPECT_GT(s.size(), 10u) << where << "." << key << ": \"" << s << "\" is not a citation or an assumption";
  }
}

TEST(Catalogue, EveryFigureHasASourceOrAnAssumptionLabel) {
  for (const char* f : {"munitions.toml", "landcover.toml"}) {
    SCOPED_TRACE(f);
    const toml::table root = toml::parse_file(kConfigs + f);
    for (auto&& [k, v] : root) {
      if (const toml::array* a = v.as_array()) {
        std::size_t i = 0;
        for (const toml::node& e : *a) expect_sourced(*e.as_table(), std::string(k.str()) + "[" + std::to_string(i++) + "]");
      }
    }
    expect_sourced(root, "");
  }
}

TEST(Catalogue, TheLoaderRefusesAFigureWithoutASource) {
  test::TempDir dir;
  std::string cat = read(kConfigs + "munitions.toml");
  const std::string line = "submunitions_per_carrier_source = \"HRW 2006 [HRW-2006] (H)\"\n";
  ASSERT_NE(cat.find(line), std::string::npos);
  cat = test::replace_all(cat, line, "");
  dir.write("munitions.toml", cat);
  const std::string text = test::replace_all(catalogue_scenario(), kConfigs + "munitions.toml", dir.file("munitions.toml"));
  const std::string msg = test::scenario_error(text);
  EXPECT_NE(msg.find(dir.file("munitions.toml")), std::string::npos) << msg;
  EXPECT_NE(msg.find("submunitions_per_carrier: a catalogue figure needs a source"), std::string::npos) << msg;
}

TEST(Scenario, BadFilesGetMessagesNamingFileLineAndKey) {
  const std::string good = catalogue_scenario();
  ASSERT_EQ(test::scenario_error(good), "");
  struct Case {
    std::string from, to, message;
  };
  const std::vector<Case> cases = {
      {"count = 40", "count = 40\ncolour = \"red\"", "s.toml:39: sites.colour: unknown key"},
      {"carrier = \"M26\"", "carrier = \"M99\"", "inventory.carrier[0].carrier: unknown carrier \"M99\"; expected one of"},
      {"share = 0.5\n\n[[inventory.carrier]]\ncarrier = \"M483A1\"\nshare = 0.5",
       "share = 0.5\n\n[[inventory.carrier]]\ncarrier = \"M483A1\"\nshare = 0.4", "the shares add up to 0.9, expected 1"},
      {"total_submunitions = 100000", "total_submunitions = 1000.5", "not a whole number"},
      {"total_submunitions = 100000", "total_submunitions = -3", "inventory.total_submunitions: expected a number of submunitions"},
      {"carriers = 10", "carriers = 10\nshare = 0.1", "give exactly one of carriers = N (a count) or share = F"},
      {"placement = \"per_realization\"", "placement = \"sometimes\"", "sites.placement: expected \"per_realization\" or \"fixed\""},
      {"dud_rates = \"field\"\n", "", "say which to use: dud_rates = \"field\" or \"test\""},
      {"dud_rates = \"field\"", "dud_rates = \"claimed\"", "scenario.dud_rates: expected \"field\" or \"test\", got \"claimed\""},
      {"x_m = [702500.0, 705000.0]\ny_m = [3680000.0, 3685000.0]", "polygon_lonlat = [[35.2, 33.2], [35.3, 33.2]]",
       "sites.area[0].polygon_lonlat: expected an array of at least 3 [lon, lat] pairs"},
      {"x_m = [702500.0, 705000.0]\ny_m = [3680000.0, 3685000.0]", "polygon_lonlat = [[35.2, 33.2], [35.3, 33.2], [200, 33.3]]",
       "[200, 33.3] is not a WGS84 longitude, latitude"},
      {"[[sites.area]]\nname = \"east half\"\nx_m = [702500.0, 705000.0]\ny_m = [3680000.0, 3685000.0]\nweight = 1.0\n", "",
       "expected either [[sites.area]] tables or points_csv"},
      {"munitions = \"" + kConfigs + "munitions.toml\"", "munitions = \"nowhere.toml\"",
       "nowhere.toml: cannot open the munition catalogue (missing or unreadable); named at s.toml:"},
      {"nx = 100\nny = 100\ncell_size_m = 50.0\norigin_x_m = 700000.0\norigin_y_m = 3680000.0\ncrs = \"EPSG:32636\"\nland_cover = \"cropland\"",
       "dataset = \"atlantis\"", "dataset \"atlantis\" not found"},
      {"land_cover = \"cropland\"", "land_cover = \"orchard\"", "unknown land-cover class \"orchard\"; expected one of water"},
      {"[sites]", "[sitez]", "sites.count: missing; expected a number of strike sites"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.message);
    ASSERT_NE(good.find(c.from), std::string::npos) << c.from;
    const std::string msg = test::scenario_error(test::replace_all(good, c.from, c.to));
    EXPECT_NE(msg.find(c.message), std::string::npos) << "got: " << msg;
    EXPECT_EQ(msg.rfind("s.toml", 0) == 0 || msg.find(".toml") != std::string::npos, true) << "names no file: " << msg;
  }
}

TEST(Scenario, SetOverridesValuesAndNamesItselfInErrors) {
  const std::string good = catalogue_scenario();
  const Scenario sc = parse_scenario(good, "s.toml", {parse_override("inventory.total_submunitions=200000"),
                                                      parse_override("scenario.dud_rates=test"),
                                                      parse_override("inventory.carrier[2].carriers=3")});
  EXPECT_EQ(*sc.inventory.total_submunitions, 200000u);
  EXPECT_EQ(sc.dud_rates, "test");
  EXPECT_EQ(*sc.inventory.lines[2].carriers, 3u);
  EXPECT_EQ(sc.overrides.size(), 3u);
  EXPECT_NE(test::scenario_error(good, {parse_override("sites.count=-1")}).find("--set sites.count: expected a number of strike sites between 1 and 1e7, got -1"),
            std::string::npos)
      << test::scenario_error(good, {parse_override("sites.count=-1")});
  EXPECT_NE(test::scenario_error(good, {parse_override("nothing.here=1")}).find("has no table \"nothing\""), std::string::npos);
  EXPECT_NE(test::scenario_error(good, {parse_override("inventory.carrier[7].share=1")}).find("has no entry [7]"), std::string::npos);
  EXPECT_THROW(parse_override("no-equals-sign"), InputError);
}

TEST(Scenario, InventoryIsDealtToSitesAndEverySubmunitionIsFired) {
  const Scenario sc = parse_scenario(catalogue_scenario(), "t.toml");
  const std::vector<ResolvedLine> lines = resolve_inventory(sc);
  // 10 CBU-87 counted (2020); the rest shared half and half, in whole carriers.
  EXPECT_EQ(lines[2].submunitions, 2020u);
  EXPECT_EQ(lines[0].carriers, std::uint64_t(std::llround((100000.0 - 2020) * 0.5 / 644)));
  EXPECT_EQ(lines[1].carriers, std::uint64_t(std::llround((100000.0 - 2020) * 0.5 / 88)));
  const Plan plan = make_plan(sc);
  EXPECT_EQ(plan.items_per_realization, lines[0].submunitions + lines[1].submunitions + lines[2].submunitions);
  EXPECT_EQ(plan.items_per_realization, scenario_items(sc));
  // Every site gets carriers; rows of one site are contiguous; a site holds at
  // most two carrier types when there are fewer lines than sites.
  std::vector<int> rows_of(40, 0);
  std::int32_t last = -1;
  for (std::size_t r = 0; r < plan.site_of_strike.size(); ++r) {
    const std::int32_t k = plan.site_of_strike[r];
    ASSERT_GE(k, last);
    last = k;
    ++rows_of[k];
  }
  for (int n : rows_of) {
    EXPECT_GE(n, 1);
    EXPECT_LE(n, 2);
  }
}

TEST(Sites, DrawsFallInsideTheAreaOnLandAndDependOnlyOnSeedRealizationAndSite) {
  std::string text = catalogue_scenario();
  text = test::replace_all(text, "land_cover = \"cropland\"",
                           "land_cover = \"cropland\"\n[[grid.region]]\nx_m = [703000.0, 704000.0]\ny_m = [3680000.0, "
                           "3685000.0]\nland_cover = \"water\"");
  const Scenario sc = parse_scenario(text, "t.toml");
  const Plan plan = make_plan(sc);
  ASSERT_EQ(plan.sites.area_cells.size(), 1u);
  EXPECT_EQ(plan.sites.area_cells[0].size(), 50u * 100 - 20u * 100) << "the east half less the water strip";
  const RngKey key = make_key(sc.seed, Stream::Site);
  for (std::uint32_t r = 0; r < 5; ++r)
    for (std::uint32_t k = 0; k < 200; ++k) {
      const auto p = plan.sites.sample(key, r, k);
      EXPECT_GE(p[0], 2500.0);
      EXPECT_LT(p[0], 5000.0);
      EXPECT_FALSE(p[0] >= 3000.0 && p[0] < 4000.0) << "a site in water";
      EXPECT_EQ(plan.sites.sample(key, r, k), p);
    }
  EXPECT_NE(plan.sites.sample(key, 0, 1), plan.sites.sample(key, 1, 1)) << "per_realization: sites move";
  const Scenario fixed = parse_scenario(test::replace_all(text, "\"per_realization\"", "\"fixed\""), "t.toml");
  const Plan fplan = make_plan(fixed);
  EXPECT_EQ(fplan.sites.sample(key, 0, 1), fplan.sites.sample(key, 1, 1)) << "fixed: the same in every realization";
}

TEST(Sites, CellsInsideAPolygonFollowTheCellCentres) {
  GridSpec g;
  g.nx = 10;
  g.ny = 10;
  g.cell_size_m = 10.0;
  // A right triangle with legs of 100 m: cells whose centre is below the diagonal.
  const std::vector<std::uint32_t> cells = cells_inside({{{0.0, 0.0}, {100.0, 0.0}, {0.0, 100.0}}}, g);
  std::size_t expected = 0;
  for (int iy = 0; iy < 10; ++iy)
    for (int ix = 0; ix < 10; ++ix) expected += (ix + 0.5) + (iy + 0.5) < 10.0;
  EXPECT_EQ(cells.size(), expected);
  // A hole (second ring) is left out.
  const auto holed = cells_inside({{{0, 0}, {100, 0}, {100, 100}, {0, 100}}, {{20, 20}, {40, 20}, {40, 40}, {20, 40}}}, g);
  EXPECT_EQ(holed.size(), 100u - 4u);
}

TEST(Sites, PointsFromACsvOffTheGridAreLeftOutAndSaidSo) {
  test::TempDir dir;
  dir.write("pts.csv", "lat,lon,weight\n33.26,35.18,1\n33.27,35.19,3\n40.0,10.0,1\n");
  std::string text = catalogue_scenario();
  text = test::replace_all(text, "[[sites.area]]\nname = \"east half\"\nx_m = [702500.0, 705000.0]\ny_m = [3680000.0, 3685000.0]\nweight = 1.0\n",
                           "points_csv = \"" + dir.file("pts.csv") + "\"\n");
  const Scenario sc = parse_scenario(text, "t.toml");
  const Plan plan = make_plan(sc);
  ASSERT_EQ(plan.sites.point_x.size(), 2u);
  ASSERT_FALSE(plan.notes.empty());
  EXPECT_NE(plan.notes[0].find("1 of 3 site points lie outside the grid"), std::string::npos) << plan.notes[0];
  int heavy = 0;
  const RngKey key = make_key(1, Stream::Site);
  for (std::uint32_t k = 0; k < 4000; ++k) heavy += plan.sites.sample(key, 0, k)[0] == plan.sites.point_x[1];
  EXPECT_NEAR(heavy / 4000.0, 0.75, 0.03) << "drawn by weight";
}

TEST(Scenario, WorldCoverRasterInAnotherCrsIsMappedThroughTheTable) {
  test::TempDir dir;
  // WorldCover-coded raster in lon/lat covering the grid: west half tree (10), east half paddy (90).
  const int w = 80, h = 60;
  std::vector<double> v(w * h);
  for (int r = 0; r < h; ++r)
    for (int c = 0; c < w; ++c) v[r * w + c] = c < w / 2 ? 10 : 90;
  double lon0, lat0, lon1, lat1;
  LonLatToGrid t("EPSG:32636");
  t.to_lonlat(700000.0, 3680000.0, lon0, lat0);
  t.to_lonlat(705000.0, 3685000.0, lon1, lat1);
  const double dlon = (lon1 - lon0) / w, dlat = (lat1 - lat0) / h;
  const std::string tif = test::write_tiff(dir, "wc.tif", "EPSG:4326", {lon0, dlon, 0, lat1, 0, -dlat}, w, h, v, GDT_Byte);
  std::string text = catalogue_scenario();
  text = test::replace_all(text, "[wind]", "[terrain]\nland_cover = \"" + tif + "\"\nland_cover_codes = \"worldcover\"\n\n[wind]");
  const Plan plan = make_plan(parse_scenario(text, "t.toml"));
  EXPECT_EQ(plan.land_cover[50 * 100 + 5], static_cast<std::uint8_t>(LandCover::Tree));
  EXPECT_EQ(plan.land_cover[50 * 100 + 95], static_cast<std::uint8_t>(LandCover::Wetland));
  EXPECT_FLOAT_EQ(plan.failure_multiplier[50 * 100 + 95], 1.8f);
  // A code the table does not map is an error naming the raster.
  for (int r = 25; r < 35; ++r)
    for (int c = 10; c < 20; ++c) v[r * w + c] = 123;
  const std::string bad = test::write_tiff(dir, "bad.tif", "EPSG:4326", {lon0, dlon, 0, lat1, 0, -dlat}, w, h, v, GDT_Byte);
  try {
    make_plan(parse_scenario(test::replace_all(text, tif, bad), "t.toml"));
    ADD_FAILURE() << "no error for an unmapped code";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.tif: land-cover code 123"), std::string::npos) << e.what();
  }
}

// ---------------------------------------------------------------- the three cases

void run_case(const std::string& file, std::uint32_t realizations, const std::vector<Override>& o = {}) {
  SCOPED_TRACE(file);
  const Scenario sc = load_scenario(kConfigs + file, o);
  const Plan plan = make_plan(sc);
  EXPECT_EQ(plan.items_per_realization, scenario_items(sc));
  if (sc.inventory.total_submunitions) {
    // Rounded to whole carriers: within one carrier per inventory line.
    const double total = static_cast<double>(*sc.inventory.total_submunitions);
    EXPECT_NEAR(plan.items_per_realization, total, 700.0 * sc.inventory.lines.size());
  }
  const RunResult r = test::run(sc, plan, realizations, sc.seed);
  ASSERT_EQ(r.totals.size(), realizations);
  for (const RealizationTotals& t : r.totals) {
    EXPECT_EQ(t.fired, plan.items_per_realization);
    EXPECT_EQ(t.impacts + t.in_water + t.outside_grid, t.fired);
    EXPECT_GT(t.duds, 0u);
    EXPECT_LT(t.duds, t.impacts);
  }
}

TEST(Cases, Lebanon2006RunsAndFiresItsInventory) { run_case("lebanon-2006.toml", 2); }
TEST(Cases, Kosovo1999RunsAndFiresItsInventory) { run_case("kosovo-1999.toml", 2); }
TEST(Cases, Laos1964To1973RunsAndFiresItsInventory) { run_case("laos-1964-1973.toml", 1); }

TEST(Cases, LebanonAlternativesAreOneFlagOrOneFileAway) {
  const Scenario hrw = load_scenario(kConfigs + "lebanon-2006-hrw.toml");
  EXPECT_EQ(*hrw.inventory.total_submunitions, 4'600'000u);
  EXPECT_EQ(hrw.sites.count, 962u) << "the rest comes from the base file";
  EXPECT_FALSE(hrw.base_text.empty());
  const Scenario israel = load_scenario(kConfigs + "lebanon-2006.toml", {parse_override("inventory.total_submunitions=1200000")});
  EXPECT_NEAR(static_cast<double>(scenario_items(israel)), 1.2e6, 3000.0);
}

TEST(Cases, LaosWithThorTargetPoints) {
  const std::string thor = std::string(REMNANT_SOURCE_DIR) + "/../shared/data/strikes/thor_us_kinetic_targets_laos_1965_1973.csv.gz";
  if (!std::filesystem::exists(thor)) GTEST_SKIP() << "THOR data absent: " << thor << " does not exist";
  const Scenario sc = load_scenario(kConfigs + "laos-1964-1973-thor.toml");
  EXPECT_TRUE(sc.sites.areas.empty());
  const Plan plan = make_plan(sc);
  EXPECT_GT(plan.sites.point_x.size(), 860'000u);
  EXPECT_EQ(plan.items_per_realization, scenario_items(sc));
  // The Plain of Jars (19.2-19.7 N, 102.9-103.5 E) draws far more sites than
  // its share of Laos' area (~0.25 %).
  const LonLatToGrid t(plan.crs);
  const RngKey key = make_key(sc.seed, Stream::Site);
  int in_box = 0;
  for (std::uint32_t k = 0; k < 5000; ++k) {
    const auto p = plan.sites.sample(key, 0, k);
    double lon, lat;
    t.to_lonlat(p[0] + plan.origin_x_m, p[1] + plan.origin_y_m, lon, lat);
    in_box += lat > 19.2 && lat < 19.7 && lon > 102.9 && lon < 103.5;
  }
  EXPECT_GT(in_box / 5000.0, 0.05);
}

TEST(Validate, PrintsTheResolvedInventoryAndRefusesBadFiles) {
  const auto ok = test::run_command(std::string(REMNANT_CLI_PATH) + " validate " + kConfigs + "lebanon-2006.toml 2>&1");
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  for (const char* s : {"valid", "M483A1", "M42/M46", "strike sites: 962", "EPSG:32636", "Beta(", "UN: ~4 million"})
    EXPECT_NE(ok.output.find(s), std::string::npos) << s << "\n" << ok.output;
  const auto set = test::run_command(std::string(REMNANT_CLI_PATH) + " validate " + kConfigs +
                                     "lebanon-2006.toml --set inventory.total_submunitions=4600000 2>&1");
  EXPECT_NE(set.output.find("stated total 4600000"), std::string::npos) << set.output;
  test::TempDir dir;
  const std::string bad = dir.write("bad.toml", "[scenario]\nname = \"x\"\nseed = 1\nrealizations = 0\n");
  const auto err = test::run_command(std::string(REMNANT_CLI_PATH) + " validate " + bad + " 2>&1");
  EXPECT_EQ(err.exit_code, 2);
  EXPECT_NE(err.output.find("bad.toml:4: scenario.realizations: expected"), std::string::npos) << err.output;
}

}  // namespace
}  // namespace remnant
