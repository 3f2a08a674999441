// Bad inputs to the remnant command line, one table: scenarios that are not
// TOML or hold wrong types, NaN, infinities and absurd counts; command-line
// values out of range; unknown names and keys; rasters and points files that
// cannot be used; damaged result files and checkpoints; output paths that
// cannot be written, a full disk, an output that would overwrite an input.
//
// Every case runs the binary in a fresh directory that already holds the
// outputs a command could overwrite (out/r.h5, a real result file, and
// out/m.png, out/g.tif, out/t.csv) and checks: the exit code; the message
// names the offending input (file, line, key or column, option) and says what
// was expected; no crash (no signal, no abort or sanitizer report); and not a
// byte in the directory changed: no result, temporary file, checkpoint or
// map appeared, no existing output and no input was touched.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <map>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "host/run/checkpoint.h"
#include "test_support.h"

namespace remnant {
namespace {

using test::CommandResult;
using test::TempDir;
namespace fs = std::filesystem;

// The outputs tests' scenario (test_support.h): 80 x 50 cells of 50 m in UTM
// 36N, two M26 volleys. Line numbers matter: the messages name them (line 8
// is "nx = 80").
const std::string kGood = test::outputs_scenario();

// kGood plus an inventory dealt to sites drawn from points.csv (lines 54 to 64).
const std::string kPoints = kGood + R"toml(
[inventory]
total_submunitions = 6440

[[inventory.carrier]]
carrier = "M26"
share = 1.0

[sites]
count = 2
placement = "fixed"
points_csv = "points.csv"
)toml";

// Two points on the grid (lon/lat of UTM 36N (702000, 3681200) and (703000, 3681800)).
constexpr const char* kGoodPoints = "lon,lat,weight\n35.16833,33.25091,1\n35.17919,33.25613,2\n";

// kGood with a DEM laid over the grid.
const std::string kDem = kGood + "\n[terrain]\nelevation = \"dem.tif\"\n";

// kGood with a land-cover raster in Remnant's codes.
const std::string kLandCover = kGood + "\n[terrain]\nland_cover = \"lc.tif\"\nland_cover_codes = \"remnant\"\n";

// kGood with the catalogue's M26 and M77 instead of its own.
std::string with_catalogue(const std::string& dud_rates) {
  const std::string cat = std::string(REMNANT_SOURCE_DIR) + "/configs/munitions.toml";
  const std::string head = kGood.substr(0, kGood.find("[[submunition]]"));
  return test::replace_all(head, "seed = 31\n",
                           "seed = 31\nmunitions = \"" + cat + "\"\ndud_rates = \"" + dud_rates + "\"\n") +
         kGood.substr(kGood.find("[[strike]]"));
}

// What a case writes into its directory before the command runs.
using Inputs = std::function<void(const TempDir&)>;

struct Case {
  Case(std::string name, Inputs inputs, std::string args, std::vector<std::string> message, int exit_code = 2,
       std::string limit = "")
      : name(std::move(name)), inputs(std::move(inputs)), args(std::move(args)), message(std::move(message)),
        exit_code(exit_code), limit(std::move(limit)) {}
  std::string name;
  Inputs inputs;
  std::string args;                  // after the binary, run in the case's directory
  std::vector<std::string> message;  // each must be in the output
  int exit_code;
  std::string limit;  // a shell command run first, e.g. "ulimit -f 16"
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

// The result file and checkpoint the cases share, made once: the result by a
// real run of kGood, the checkpoint (realizations 0 and 1 of 12) through the
// library.
struct Shared {
  TempDir dir;
  std::string result, checkpoint;  // their bytes
  Shared() {
    const std::string scenario = dir.write("s.toml", kGood);
    const CommandResult r =
        test::run_command(std::string(REMNANT_CLI_PATH) + " run " + test::shell_quote(scenario) +
                          " --backend cpu -q --out " + test::shell_quote(dir.file("r.h5")) + " 2>&1");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    result = test::slurp(dir.file("r.h5"));
    const Scenario sc = load_scenario(scenario);
    const Plan plan = make_plan(sc);
    RunOptions opt;
    opt.realizations = sc.realizations;
    opt.seed = sc.seed;
    opt.backend = "cpu";
    opt.todo = RealizationSet();
    opt.todo->add(0, 2);
    write_checkpoint(dir.file("ck.h5"), sc, plan, run_ensemble(sc, plan, opt));
    checkpoint = test::slurp(dir.file("ck.h5"));
  }
};
const Shared& shared() {
  static const Shared s;
  return s;
}

// --- inputs -----------------------------------------------------------------

Inputs file(const std::string& name, const std::string& bytes) {
  return [=](const TempDir& d) { d.write(name, bytes); };
}

Inputs both(const Inputs& a, const Inputs& b) {
  return [=](const TempDir& d) {
    a(d);
    b(d);
  };
}

// `text` as s.toml, with `from` replaced by `to` and `from2` by `to2` (each
// must be there).
Inputs scenario(const std::string& text, const std::string& from = "", const std::string& to = "",
                const std::string& from2 = "", const std::string& to2 = "") {
  return [=](const TempDir& d) {
    std::string edited = text;
    for (const auto& [a, b] : {std::pair{from, to}, {from2, to2}}) {
      if (a.empty()) continue;
      EXPECT_NE(edited.find(a), std::string::npos) << "test bug: the scenario has no " << a;
      edited = test::replace_all(edited, a, b);
    }
    d.write("s.toml", edited);
  };
}
Inputs good(const std::string& from = "", const std::string& to = "", const std::string& from2 = "",
            const std::string& to2 = "") {
  return scenario(kGood, from, to, from2, to2);
}

// A GeoJSON of one evidence feature in the good scenario's CRS: its
// properties and, for a point, its coordinates (a polygon's ring in brackets).
const char* const kEvidencePoint = "[702000.0, 3681200.0]";
const char* const kEvidenceSquare =
    "[[[701500.0, 3681000.0], [702500.0, 3681000.0], [702500.0, 3681500.0], [701500.0, 3681000.0]]]";
std::string evidence_json(const std::string& properties, const std::string& coordinates) {
  const bool polygon = coordinates.rfind("[[[", 0) == 0;
  return R"({"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "EPSG:32636"}},
"features": [{"type": "Feature", "properties": {)" +
         properties + R"(}, "geometry": {"type": ")" + (polygon ? "Polygon" : "Point") + R"(", "coordinates": )" +
         coordinates + "}}]}\n";
}

// The points scenario with these points.
Inputs points(const std::string& csv, const std::string& from = "", const std::string& to = "") {
  return both(scenario(kPoints, from, to), file("points.csv", csv));
}

// A 10 x 10 raster of 100 m pixels over the grid (or at another corner).
Inputs raster(const std::string& name, const std::string& crs, double value = 100.0, double west = 700000.0,
              double north = 3681000.0, GDALDataType type = GDT_Float32) {
  return [=](const TempDir& d) {
    test::write_tiff(d, name, crs, {west, 100.0, 0.0, north, 0.0, -100.0}, 10, 10, std::vector<double>(100, value),
                     type);
  };
}

// The DEM scenario, its dem.tif made by `dem_tif`.
Inputs dem(const Inputs& dem_tif, const std::string& from = "", const std::string& to = "") {
  return both(scenario(kDem, from, to), dem_tif);
}

// The shared result file and checkpoint, whole or damaged.
Inputs result(const std::string& name) {
  return [=](const TempDir& d) { d.write(name, shared().result); };
}
Inputs checkpoint(const std::string& name) {
  return [=](const TempDir& d) { d.write(name, shared().checkpoint); };
}
Inputs truncated(const std::string& name, const std::string& bytes_of(const Shared&)) {
  return [=](const TempDir& d) {
    const std::string& bytes = bytes_of(shared());
    d.write(name, bytes.substr(0, bytes.size() / 2));
  };
}
const std::string& result_bytes(const Shared& s) { return s.result; }
const std::string& checkpoint_bytes(const Shared& s) { return s.checkpoint; }

// A copy with one bit flipped in the first chunk of `dataset`, which HDF5
// checksums (Fletcher-32): the damage a bad disk or transfer does.
Inputs flipped(const std::string& name, const std::string& bytes_of_source(const Shared&), const std::string& dataset) {
  return [=](const TempDir& d) {
    const std::string path = d.write(name, bytes_of_source(shared()));
    haddr_t address = HADDR_UNDEF;
    hsize_t size = 0;
    {
      const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
      const hid_t ds = H5Dopen2(f, dataset.c_str(), H5P_DEFAULT);
      const hid_t space = H5Dget_space(ds);
      hsize_t offset[3] = {};
      unsigned filter_mask = 0;
      EXPECT_GE(H5Dget_chunk_info(ds, space, 0, offset, &filter_mask, &address, &size), 0) << dataset;
      H5Sclose(space);
      H5Dclose(ds);
      H5Fclose(f);
    }
    ASSERT_NE(address, HADDR_UNDEF) << dataset;
    std::string bytes = test::slurp(path);
    bytes.at(address + size / 2) ^= 0x10;
    d.write(name, bytes);
  };
}

// --- the table --------------------------------------------------------------

std::vector<Case> cases() {
  const std::string run = "run s.toml --backend cpu --out out/r.h5";
  const std::string sweep = "sweep s.toml --backend cpu --set wind.speed_mps=1,2 --out-dir out/sweep";
  // Root writes into a directory whatever its mode: there, a directory no one
  // may create files in (/proc) stands in for a read-only one.
  const bool root = geteuid() == 0;
  const Inputs read_only = [](const TempDir& d) {
    fs::create_directory(d.path() / "ro");
    fs::permissions(d.path() / "ro", fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                                         fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec);
  };
  const std::string no_inventory_lines = "[[inventory.carrier]]\ncarrier = \"M26\"\nshare = 1.0\n";
  return {
      // Not TOML, not a scenario.
      {"TomlSyntaxError", good("speed_mps = [0.0, 6.0]", "speed_mps = [0.0 6.0]"), run,
       {"s.toml:22", "not valid TOML"}},
      {"ScenarioIsBinary", file("s.toml", std::string("\x7f" "ELF\x02\x01\x01\x00\xff\xfe", 10)), run,
       {"s.toml:1", "not valid TOML"}},
      {"ScenarioIsEmpty", file("s.toml", ""), run, {"s.toml:1", "scenario", "missing"}},
      {"ScenarioIsADirectory", [](const TempDir& d) { fs::create_directory(d.path() / "s.toml"); }, "validate s.toml",
       {"s.toml", "is a directory", "expected the scenario file"}},
      {"ScenarioMissing", nullptr, "validate s.toml", {"s.toml", "cannot open the scenario file"}},

      // Wrong types.
      {"StringForANumber", good("cell_size_m = 50.0", "cell_size_m = \"50\""), run,
       {"s.toml:10", "grid.cell_size_m", "expected a cell size", "got the string \"50\""}},
      {"ArrayForATable",
       scenario("wind = [3.0, 270.0]\n" + kGood, "[wind]\nspeed_mps = [0.0, 6.0]\nfrom_deg = [250.0, 290.0]\n", ""),
       run, {"s.toml:1", "wind", "expected a table", "array"}},
      {"TableForANumber", good("carriers = 4", "carriers = { n = 4 }"), run,
       {"s.toml:43", "strike[0].carriers", "expected a number of carriers", "table"}},
      {"FloatForAnInteger", good("nx = 80", "nx = 80.5"), run, {"s.toml:8", "grid.nx", "80.5"}},
      {"BooleanForAString", good("crs = \"EPSG:32636\"", "crs = true"), run, {"s.toml:13", "grid.crs", "boolean"}},

      // NaN and infinities.
      {"CellSizeNaN", good("cell_size_m = 50.0", "cell_size_m = nan"), run,
       {"s.toml:10", "grid.cell_size_m", "got nan"}},
      {"CellSizeInf", good("cell_size_m = 50.0", "cell_size_m = inf"), run,
       {"s.toml:10", "grid.cell_size_m", "got inf"}},
      {"OriginMinusInf", good("origin_y_m = 3680000.0", "origin_y_m = -inf"), run,
       {"s.toml:12", "grid.origin_y_m", "got -inf"}},
      {"WindSpeedInf", good("speed_mps = [0.0, 6.0]", "speed_mps = [0.0, inf]"), run,
       {"s.toml:22", "wind.speed_mps", "[0, 100] m/s", "got [0, inf]"}},
      {"WindDirectionNaN", good("from_deg = [250.0, 290.0]", "from_deg = nan"), run,
       {"s.toml:23", "wind.from_deg", "got nan"}},
      {"StrikeXNaN", good("x_m = 702000.0", "x_m = nan"), run, {"s.toml:44", "strike[0].x_m", "got nan"}},
      {"StrikeLatInf", good("x_m = 702000.0\ny_m = 3681200.0", "lon = 35.17\nlat = inf"), run,
       {"s.toml:45", "strike[0].lat", "latitude", "got inf"}},
      {"DudRateNaN", good("dud_rate = { alpha = 3.0, beta = 22.0 }", "dud_rate = nan"), run,
       {"s.toml:28", "submunition[0].dud_rate", "probability in [0, 1]", "got nan"}},
      {"BetaPriorInf", good("alpha = 3.0", "alpha = inf"), run,
       {"s.toml:28", "submunition[0].dud_rate.alpha", "got inf"}},
      {"FunctionHeightMinusInf", good("function_height_m = [500.0, 900.0]", "function_height_m = [-inf, 900.0]"), run,
       {"s.toml:39", "carrier[0].function_height_m", "got [-inf, 900]"}},
      {"StrikeCountNaN", good("carriers = 4", "carriers = nan"), run, {"s.toml:43", "strike[0].carriers", "nan"}},
      {"TotalSubmunitionsInf", points(kGoodPoints, "total_submunitions = 6440", "total_submunitions = inf"), run,
       {"s.toml:55", "inventory.total_submunitions", "between 1 and 4e9", "got inf"}},
      {"ShareNaN", points(kGoodPoints, "share = 1.0", "share = nan"), run,
       {"s.toml:59", "inventory.carrier[0].share", "got nan"}},
      {"LonLatOnAGridWithoutCrs",
       good("crs = \"EPSG:32636\"\n", "", "x_m = 702000.0\ny_m = 3681200.0", "lon = 35.17\nlat = 33.25"), run,
       {"s.toml:40", "strike", "lon and lat need a grid with a crs"}},

      // Negative, zero and absurd counts.
      {"SubmunitionsPerCarrierNegative", good("submunitions_per_carrier = 644", "submunitions_per_carrier = -644"), run,
       {"s.toml:33", "carrier[0].submunitions_per_carrier", "between 1 and 1000000", "got -644"}},
      {"SubmunitionsPerCarrierZero", good("submunitions_per_carrier = 644", "submunitions_per_carrier = 0"), run,
       {"s.toml:33", "carrier[0].submunitions_per_carrier", "got 0"}},
      {"SubmunitionsPerCarrierBeyond64Bits",
       good("submunitions_per_carrier = 644", "submunitions_per_carrier = 100000000000000000000000000000"), run,
       {"s.toml:33", "not valid TOML", "not representable in 64 bits"}},
      {"StrikeCarriers1e30", good("carriers = 4", "carriers = 1e30"), run,
       {"s.toml:43", "strike[0].carriers", "between 1 and 1e8", "1e+30"}},
      {"SubmunitionsPerRealizationBeyond32Bits",
       good("submunitions_per_carrier = 644", "submunitions_per_carrier = 1000000",
            "carriers = 4", "carriers = 100000"),
       run, {"s.toml:", "strike", "submunitions per realization", "at most 4294967295"}},
      {"TotalSubmunitions1e30", points(kGoodPoints, "total_submunitions = 6440", "total_submunitions = 1e30"), run,
       {"s.toml:55", "inventory.total_submunitions", "between 1 and 4e9", "got 1e+30"}},
      {"InventoryCarriersNegative", points(kGoodPoints, "share = 1.0", "carriers = -4"), run,
       {"s.toml:59", "inventory.carrier[0].carriers", "between 0 and 1e8", "got -4"}},
      {"SitesCountZero", points(kGoodPoints, "count = 2", "count = 0"), run,
       {"s.toml:62", "sites.count", "between 1 and 1e7", "got 0"}},
      {"SitesCountFractional", points(kGoodPoints, "count = 2", "count = 2.5"), run,
       {"s.toml:62", "sites.count", "not a whole number"}},
      {"RealizationsInFileBeyond32Bits", good("realizations = 12", "realizations = 4294967296"), run,
       {"s.toml:5", "scenario.realizations", "between 1 and 100000000", "got 4294967296"}},
      {"SeedInFileNegative", good("seed = 31", "seed = -1"), run, {"s.toml:4", "scenario.seed", "got -1"}},

      // The grid: beyond the format's limits, beyond memory, a CRS that is not one.
      {"GridBeyondLimits", good("nx = 80\nny = 50", "nx = 2000000\nny = 2000000"), run,
       {"s.toml:8", "grid.nx", "between 1 and 1000000", "grid.cell_size_m", "got 2000000"}},
      {"GridBeyond32BitCells", good("nx = 80\nny = 50", "nx = 100000\nny = 100000"), run,
       {"s.toml:8", "grid.nx", "100000 x 100000 cells exceeds 2^32", "grid.cell_size_m"}},
      // (On a machine with more than about 1 TB of memory these two would pass.)
      {"GridBeyondMemoryInValidate", good("nx = 80\nny = 50", "nx = 65535\nny = 65535"), "validate s.toml",
       {"s.toml", "GiB of memory", "65535 x 65535 cells", "grid.cell_size_m"}},
      {"GridBeyondMemoryInSweep", good("nx = 80\nny = 50", "nx = 65535\nny = 65535"), sweep,
       {"sweep point 1/2", "s.toml", "GiB of memory", "grid.cell_size_m"}},
      {"GridCrsUnknown", good("crs = \"EPSG:32636\"", "crs = \"EPSG:999999\""), run,
       {"s.toml:13", "grid.crs", "EPSG:999999", "expected"}},
      {"GridCrsGeographic", good("crs = \"EPSG:32636\"", "crs = \"EPSG:4326\""), run,
       {"s.toml:13", "grid.crs", "EPSG:4326", "not a projected CRS", "metres"}},

      // Unknown names and keys.
      {"UnknownLandCoverClass", good("land_cover = \"cropland\"", "land_cover = \"farmland\""), run,
       {"s.toml:14", "grid.land_cover", "farmland", "cropland, tree"}},
      {"UnknownSubmunitionInACarrier", good("submunition = \"M77\"", "submunition = \"M77A\""), run,
       {"s.toml:32", "carrier[0].submunition", "M77A", "expected one of: M77"}},
      {"UnknownCarrierInTheInventory", points(kGoodPoints, "carrier = \"M26\"\nshare", "carrier = \"M62\"\nshare"), run,
       {"s.toml:58", "inventory.carrier[0].carrier", "\"M62\"", "expected one of: M26"}},
      {"UnknownCarrierFromTheCatalogue", scenario(with_catalogue("field")), run + " --set strike[0].carrier=M26A1",
       {"--set strike[0].carrier", "M26A1", "M26, M483A1"}},
      {"UnknownDudRateChoice", scenario(with_catalogue("fields")), run,
       {"s.toml:6", "scenario.dud_rates", "\"field\" or \"test\"", "fields"}},
      {"UnknownPlacement", points(kGoodPoints, "placement = \"fixed\"", "placement = \"random\""), run,
       {"s.toml:63", "sites.placement", "\"per_realization\" or \"fixed\"", "random"}},
      {"UnknownKeyInAStrike", good("carriers = 4", "carriers = 4\nheading = 20.0"), run,
       {"s.toml:44", "strike[0].heading", "unknown key"}},
      {"MisspeltTableName", good("[[strike]]", "[[strikes]]"), run, {"s.toml:41", "strikes", "unknown key"}},
      {"MissingCatalogue", good("seed = 31\n", "seed = 31\nmunitions = \"nocat.toml\"\n"), run,
       {"nocat.toml", "cannot open the munition catalogue", "named at s.toml:5"}},
      {"MissingBaseScenario", good("seed = 31\n", "seed = 31\nbase = \"nobase.toml\"\n"), run,
       {"nobase.toml", "cannot open the base scenario", "named at s.toml:5"}},
      {"LandCoverTableNotToml", both(good("seed = 31\n", "seed = 31\nland_cover_table = \"t.csv\"\n"),
                                     file("t.csv", "class,multiplier\ncropland,1.3\n")),
       run, {"t.csv:1", "not valid TOML"}},

      // Empty strike lists and inventories.
      {"EmptyStrikeList", scenario("strike = []\n" + kGood.substr(0, kGood.find("[[strike]]"))), run,
       {"s.toml:1", "strike", "expected at least one [[strike]], or an [inventory] with [sites]"}},
      {"InventoryWithoutCarriers", points(kGoodPoints, no_inventory_lines, ""), run,
       {"s.toml:54", "inventory.carrier", "missing", "at least one [[inventory.carrier]]"}},
      {"InventoryEmptyCarrierList", points(kGoodPoints, no_inventory_lines, "carrier = []\n"), run,
       {"s.toml:57", "inventory.carrier", "at least one entry"}},
      {"SharesNotAddingUp", points(kGoodPoints, "share = 1.0", "share = 0.5"), run,
       {"s.toml:57", "inventory.carrier", "add up to 0.5, expected 1"}},

      // --set.
      {"SetWithoutEquals", good(), run + " --set grid.nx", {"--set grid.nx", "expected KEY=VALUE"}},
      {"SetWithoutValue", good(), run + " --set grid.nx=", {"--set grid.nx=", "expected KEY=VALUE"}},
      {"SetUnknownKey", good(), run + " --set grid.nxx=3", {"--set grid.nxx", "unknown key"}},
      {"SetUnknownTable", good(), "validate s.toml --set grids.nx=3", {"--set grids.nx", "no table \"grids\""}},
      {"SetEmptySegment", good(), run + " --set grid..nx=3", {"--set grid..nx", "empty segment"}},
      {"SetIndexBeyondTheArray", good(), run + " --set strike[5].carriers=3",
       {"--set strike[5].carriers", "no entry [5]"}},
      {"SetNaN", good(), run + " --set grid.cell_size_m=nan", {"--set grid.cell_size_m", "got nan"}},
      {"SetUnknownMunitionOverride", good(), run + " --set munition_overrides.M62.dud_rate=0.1",
       {"--set munition_overrides.M62", "\"M62\"", "expected one of: M77, M26"}},
      {"SweepSetWithoutValues", good(), "sweep s.toml --backend cpu --set wind.speed_mps --out-dir out/sweep",
       {"--set wind.speed_mps", "expected KEY=VALUE"}},
      {"SweepPointOutOfRange", good(), "sweep s.toml --backend cpu --set wind.speed_mps=1,200 --out-dir out/sweep",
       {"sweep point 2/2", "--set wind.speed_mps", "[0, 100] m/s", "got 200"}},

      // Command-line values.
      {"RealizationsBeyond32Bits", good(), run + " -r 4294967296",
       {"--realizations", "between 1 and 100000000", "got 4294967296"}},
      {"RealizationsBeyond64Bits", good(), run + " -r 99999999999999999999",
       {"--realizations", "expected an integer", "99999999999999999999"}},
      {"RealizationsNotANumber", good(), run + " -r abc", {"--realizations", "abc", "expected an integer"}},
      {"RealizationsNegativeInSweep", good(), sweep + " -r -1", {"--realizations", "got -1"}},
      {"RealizationsZeroInSweep", good(), sweep + " -r 0", {"--realizations", "got 0"}},
      {"SeedBeyond64Bits", good(), run + " --seed 18446744073709551616",
       {"--seed", "expected an integer", "18446744073709551616"}},
      {"SeedNotAWholeNumber", good(), run + " --seed 1.5", {"--seed", "1.5", "expected an integer"}},
      {"ThreadsNegativeInSweep", good(), sweep + " --threads -3", {"--threads", "got -3"}},
      {"ThreadsAbsurd", good(), run + " --threads 100000", {"--threads", "between 1 and 4096", "got 100000"}},
      {"BatchBeyond32Bits", good(), run + " --batch 4294967296",
       {"--batch", "between 1 and 100000000", "got 4294967296"}},
      {"CheckpointEveryNaN", good(), run + " --checkpoint-every nan", {"--checkpoint-every", "got nan"}},
      {"UnknownPaper", result("valid.h5"), "export valid.h5 --out out/m.png --paper A5",
       {"--paper A5", "a4-landscape"}},
      {"UnknownSweepMetric", good(), sweep + " --metric duds", {"--metric duds", "total_duds"}},
      {"DpiZero", result("valid.h5"), "export valid.h5 --out out/m.png --dpi 0", {"--dpi 0", "between 10 and 1200"}},

      // Rasters named by the scenario.
      {"DemWithoutCrs", dem(raster("dem.tif", "")), run,
       {"s.toml", "terrain.elevation", "dem.tif", "has no coordinate reference system"}},
      {"DemNotOverlapping", dem(raster("dem.tif", "EPSG:32636", 100.0, 100000.0, 1001000.0)), run,
       {"terrain.elevation", "dem.tif", "does not overlap the grid", "x [100000, 101000] m"}},
      {"DemNotARaster", dem(file("dem.tif", "lon,lat\n1,2\n")), run,
       {"terrain.elevation", "dem.tif", "cannot be read as a raster"}},
      {"DemMissing", scenario(kDem), run, {"terrain.elevation", "dem.tif", "no such file", "expected a raster file"}},
      {"DemTruncated",
       both(scenario(kDem),
            [](const TempDir& d) {
              test::write_tiff(d, "big.tif", "EPSG:32636", {700000.0, 10.0, 0.0, 3681000.0, 0.0, -10.0}, 100, 100,
                               std::vector<double>(10000, 50.0));
              const std::string bytes = test::slurp(d.file("big.tif"));
              d.write("dem.tif", bytes.substr(0, bytes.size() / 2));
              fs::remove(d.file("big.tif"));
            }),
       run, {"terrain.elevation", "dem.tif", "failed"}},
      {"DemOnAGridWithoutCrs", dem(raster("dem.tif", "EPSG:32636"), "crs = \"EPSG:32636\"\n", ""), run,
       {"terrain.elevation", "dem.tif", "grid.crs"}},
      {"LandCoverWithoutCrs", both(scenario(kLandCover), raster("lc.tif", "", 4.0, 700000.0, 3681000.0, GDT_Byte)), run,
       {"terrain.land_cover", "lc.tif", "has no coordinate reference system"}},
      {"LandCoverUnknownCode",
       both(scenario(kLandCover), raster("lc.tif", "EPSG:32636", 99.0, 700000.0, 3681000.0, GDT_Byte)), run,
       {"terrain.land_cover", "lc.tif", "land-cover code 99", "Remnant (0-7)"}},

      // The points file of [sites].
      {"PointsWrongColumnCount", points("lon,lat,weight\n35.16833,33.25091,1,4\n"), run,
       {"points.csv:2", "4 columns; expected 3"}},
      {"PointsNotANumber", points("lon,lat,weight\n35.16833,33.25091,1\n35.16833,north,1\n"), run,
       {"points.csv:3", "column lat", "expected a number", "\"north\""}},
      {"PointsLon200", points("lon,lat\n200,33.25091\n"), run,
       {"points.csv:2", "column lon", "[-180, 180]", "got 200"}},
      {"PointsLatMinus95", points("lat,lon\n-95,35.16833\n"), run,
       {"points.csv:2", "column lat", "[-90, 90]", "got -95"}},
      {"PointsNegativeWeight", points("lon,lat,weight\n35.16833,33.25091,-1\n"), run,
       {"points.csv:2", "column weight", "finite weight >= 0", "got -1"}},
      {"PointsNaNWeight", points("lon,lat,weight\n35.16833,33.25091,nan\n"), run,
       {"points.csv:2", "column weight", "got nan"}},
      {"PointsMissingLatColumn", points("lon,weight\n35.16833,1\n"), run,
       {"points.csv:1", "no column lat", "found: lon, weight"}},
      {"PointsEmptyFile", points(""), run, {"points.csv:1", "no header"}},
      {"PointsHeaderWithoutAPair", points("Breite,Laenge\n33.25091,35.16833\n"), run,
       {"points.csv:1", "no column lon", "longitude", "easting", "northing", "found: breite, laenge"}},
      {"PointsBothPairs", points("lon,lat,x,y\n35.16833,33.25091,702000,3681200\n"), run,
       {"points.csv:1", "both lon/lat and x/y columns"}},
      {"PointsFixedCountNotThePointsKept", points(kGoodPoints, "count = 2", "count = 3"), run,
       {"s.toml:61", "sites.count = 3", "points.csv", "keeps 2 of its 2 points", "expected count = 2"}},
      {"PointsUnknownCarrier", points("lon,lat,carrier,carriers\n35.16833,33.25091,M62,2\n"), run,
       {"points.csv:2", "column carrier", "unknown carrier \"M62\"", "M26"}},
      {"PointsCarrierWithoutCount", points("lon,lat,carrier,carriers\n35.16833,33.25091,M26,\n"), run,
       {"points.csv:2", "column carrier", "without a count", "carriers or submunitions"}},
      {"PointsCarriersFractional", points("lon,lat,carrier,carriers\n35.16833,33.25091,M26,1.5\n"), run,
       {"points.csv:2", "column carriers", "whole number", "\"1.5\""}},
      {"PointsDateNotIso", points("lon,lat,date\n35.16833,33.25091,3/4/1972\n"), run,
       {"points.csv:2", "column date", "YYYY-MM-DD", "\"3/4/1972\""}},
      {"PointsXInfinite", points("x,y\n702000,inf\n"), run, {"points.csv:2", "column y", "finite", "got inf"}},
      {"PointsOwnCarriersPerRealization",
       points("lon,lat,carrier,carriers\n35.16833,33.25091,M26,2\n", "placement = \"fixed\"",
              "placement = \"per_realization\""),
       run, {"s.toml:61", "points.csv:2", "column carrier", "placement = \"fixed\""}},
      {"PointsHeaderOnly", points("lon,lat\n"), run, {"points.csv", "no data rows"}},
      {"PointsBlankLineInside", points("lon,lat\n35.16833,33.25091\n\n35.17919,33.25613\n"), run,
       {"points.csv:3", "blank line"}},
      {"PointsUnbalancedQuote", points("lon,lat\n\"35.16833,33.25091\n"), run, {"points.csv:2", "unbalanced quotes"}},
      {"PointsAllOffTheGrid", points("lon,lat\n36.5,34.5\n"), run,
       {"s.toml:61", "sites", "points.csv", "none of its 1 points lies on the grid"}},
      {"PointsTruncatedGzip",
       both(scenario(kPoints, "points.csv\"", "points.csv.gz\""),
            [](const TempDir& d) {
              std::string rows = "lon,lat\n";
              for (int i = 0; i < 2000; ++i) rows += "35.16833,33.25091\n";
              d.write("p.csv", rows);
              ASSERT_EQ(test::run_command("gzip -n " + test::shell_quote(d.file("p.csv"))).exit_code, 0);
              const std::string gz = test::slurp(d.file("p.csv.gz"));
              fs::remove(d.file("p.csv.gz"));
              d.write("points.csv.gz", gz.substr(0, gz.size() / 2));
            }),
       run, {"points.csv.gz", "cannot read", "gzip"}},
      {"PointsMissing", scenario(kPoints), run, {"points.csv", "no such file", "expected a CSV file"}},

      // Damaged result files and checkpoints.
      {"InfoTruncatedResult", truncated("r.h5", result_bytes), "info r.h5", {"r.h5", "truncated or corrupt"}},
      {"ExportFlippedBitInALayer", flipped("r.h5", result_bytes, "dud_mean"), "export r.h5 --out out/g.tif",
       {"r.h5", "cannot read dataset dud_mean", "corrupt"}},
      {"CompareFlippedBitInTheAccumulators",
       both(result("a.h5"), flipped("b.h5", result_bytes, "accumulators/dud_sum")),
       "compare a.h5 b.h5 --out out/m.png", {"b.h5", "accumulators/dud_sum", "corrupt"}},
      {"InfoScenarioGivenForAResult", good(), "info s.toml", {"s.toml", "not an HDF5 file"}},
      {"InfoEmptyFile", file("r.h5", ""), "info r.h5", {"r.h5", "not an HDF5 file"}},
      // run --evidence (issue 21).
      {"EvidenceMissing", good(), run + " --evidence nope.geojson", {"nope.geojson"}},
      {"EvidenceUnknownKind", both(good(), file("e.geojson", evidence_json(R"("kind": "mine")", kEvidencePoint))),
       run + " --evidence e.geojson", {"e.geojson", "kind", "mine"}},
      {"EvidenceProbabilityOutOfRange",
       both(good(), file("e.geojson", evidence_json(R"("kind": "searched", "items_found": 0, "detection_probability": 1.5)",
                                                   kEvidenceSquare))),
       run + " --evidence e.geojson", {"e.geojson", "detection_probability", "1.5"}},
      {"EvidenceOffTheGrid",
       both(good(), file("e.geojson", evidence_json(R"("kind": "find")", "[690000.0, 3681000.0]"))),
       run + " --evidence e.geojson", {"e.geojson", "off the grid"}},
      {"EvidenceWithResume", both(good(), file("e.geojson", evidence_json(R"("kind": "find")", kEvidencePoint))),
       run + " --evidence e.geojson --resume", {"--resume", "no checkpoint of a conditioned run", "without --resume"}},
      {"EvidenceOneParticle", both(good(), file("e.geojson", evidence_json(R"("kind": "find")", kEvidencePoint))),
       run + " --evidence e.geojson -r 1", {"-r 1", "at least 2 realizations"}},
      {"CancelledDetectionOutOfRange", good(), run + " --cancelled-detection 2",
       {"--cancelled-detection", "from 0 to 1", "2"}},
      {"SweepsZero", good(), run + " --sweeps 0", {"--sweeps", "from 1 to 1000"}},
      // remnant hazard (issue 20).
      {"HazardOfAScenario", good(), "hazard s.toml --out out/h.gpkg", {"s.toml", "not an HDF5 file"}},
      {"HazardOfACheckpoint", checkpoint("ck.h5"), "hazard ck.h5 --out out/h.gpkg",
       {"ck.h5", "a checkpoint of an interrupted run, not a result"}},
      {"HazardUnknownFormat", result("r.h5"), "hazard r.h5 --out out/h.dxf",
       {"--out out/h.dxf", "unknown vector format '.dxf'", ".gpkg (GeoPackage, recommended)"}},
      {"HazardThresholdOutOfRange", result("r.h5"), "hazard r.h5 --out out/h.gpkg --threshold share=1.5",
       {"--threshold 'share=1.5'", "a share must lie in (0, 1]"}},
      {"HazardThresholdWithoutBasis", result("r.h5"), "hazard r.h5 --out out/h.gpkg --threshold 0.5",
       {"--threshold '0.5'", "no basis given", "share=S"}},
      {"HazardExistingOutput", both(result("r.h5"), file("h.gpkg", "mine")), "hazard r.h5 --out h.gpkg",
       {"--out h.gpkg", "exists"}},
      {"HazardMissingDirectory", result("r.h5"), "hazard r.h5 --out nowhere/h.gpkg", {"nowhere"}},
      {"HazardCurveFormat", result("r.h5"), "hazard r.h5 --out out/h.gpkg --curve out/c.bmp", {"c.bmp"}},
      {"ExportACheckpoint", checkpoint("ck.h5"), "export ck.h5 --out out/m.png",
       {"ck.h5", "a checkpoint of an interrupted run, not a result", "--resume"}},
      {"CompareWithACheckpoint", both(result("a.h5"), checkpoint("ck.h5")), "compare a.h5 ck.h5 --out out/m.png",
       {"ck.h5", "a checkpoint of an interrupted run, not a result"}},
      {"ResumeFromAResult", both(good(), result("done.h5")), run + " --resume --checkpoint done.h5",
       {"done.h5", "a finished result file, not a checkpoint"}},
      {"ResumeFromATruncatedCheckpoint", both(good(), truncated("ck.h5", checkpoint_bytes)),
       run + " --resume --checkpoint ck.h5", {"ck.h5", "truncated or corrupt"}},
      {"ResumeFromAFlippedBitInTheCheckpoint", both(good(), flipped("ck.h5", checkpoint_bytes, "realizations/duds")),
       run + " --resume --checkpoint ck.h5", {"ck.h5", "realizations/duds", "corrupt"}},
      {"ResumeFromATextFile", both(good(), file("ck.h5", "plain text\n")), run + " --resume --checkpoint ck.h5",
       {"ck.h5", "not an HDF5 file"}},

      // Output paths.
      {"MapDirectoryMissing", good(), "run s.toml --backend cpu --map out/none/m.png",
       {"--map out/none/m.png", "the directory out/none does not exist"}},
      {"ExportDirectoryMissing", result("valid.h5"), "export valid.h5 --out none/g.tif",
       {"--out none/g.tif", "the directory none does not exist"}},
      {"OutputDirectoryIsAFile", good(), "run s.toml --backend cpu --out out/t.csv/r.h5",
       {"--out out/t.csv/r.h5", "out/t.csv is not a directory"}},
      {"OutputDirectoryNotWritable", root ? good() : both(good(), read_only),
       root ? "run s.toml --backend cpu --out /proc/r.h5" : "run s.toml --backend cpu --out ro/r.h5",
       {root ? "--out /proc/r.h5" : "--out ro/r.h5",
        root ? "cannot create files in /proc" : "cannot create files in ro"}},
      {"SweepOutDirParentMissing", good(), "sweep s.toml --set wind.speed_mps=1,2 --out-dir none/sweep",
       {"--out-dir none/sweep", "not an existing directory"}},
      {"SweepOutDirIsAFile", good(), "sweep s.toml --set wind.speed_mps=1,2 --out-dir out/t.csv",
       {"--out-dir out/t.csv", "not a directory"}},

      // A full disk (a file-size limit, in KiB): exit 1, the file named, nothing left.
      {"FullDiskResultFile", good(), run, {"remnant: failed:", "out/r.h5"}, 1, "ulimit -f 16"},
      {"FullDiskMap", good(), "run s.toml --backend cpu --map out/m.png", {"remnant: failed:", "out/m.png"}, 1,
       "ulimit -f 8"},
      {"FullDiskGeoTiff", result("valid.h5"), "export valid.h5 --out out/g.tif",
       {"remnant: failed:", "cannot write the GeoTIFF out/g.tif"}, 1, "ulimit -f 1"},
      {"FullDiskCsv", result("valid.h5"), "export valid.h5 --out out/t.csv", {"remnant: failed:", "out/t.csv"}, 1,
       "ulimit -f 0"},

      // An output that would overwrite an input.
      {"CsvOverwritesThePointsFile", points(kGoodPoints), "run s.toml --backend cpu --csv points.csv",
       {"--csv points.csv", "sites.points_csv", "expected another file name"}},
      {"GeoTiffOverwritesTheDem", dem(raster("dem.tif", "EPSG:32636")), "run s.toml --backend cpu --geotiff dem.tif",
       {"--geotiff dem.tif", "terrain.elevation"}},
      {"CheckpointOverwritesTheScenario", good(), run + " --checkpoint s.toml",
       {"--checkpoint s.toml", "the scenario file"}},
  };
}

// --- the test -----------------------------------------------------------------

// Every file and directory under root with its bytes ("" for a directory).
std::map<std::string, std::string> snapshot(const fs::path& root) {
  std::map<std::string, std::string> out;
  for (const fs::directory_entry& e : fs::recursive_directory_iterator(root)) {
    const std::string rel = fs::relative(e.path(), root).string();
    out[rel + (e.is_directory() ? "/" : "")] = e.is_directory() ? "" : test::slurp(e.path().string());
  }
  return out;
}

class BadInput : public ::testing::TestWithParam<Case> {};

TEST_P(BadInput, IsRefusedCleanly) {
  const Case& c = GetParam();
  ASSERT_TRUE(fs::exists(REMNANT_CLI_PATH)) << "the remnant binary is not built: " << REMNANT_CLI_PATH;
  TempDir dir;
  // Outputs the command could overwrite, there before it runs.
  fs::create_directory(dir.path() / "out");
  dir.write("out/r.h5", shared().result);
  dir.write("out/m.png", "an earlier map\n");
  dir.write("out/g.tif", "an earlier GeoTIFF\n");
  dir.write("out/t.csv", "an earlier table\n");
  if (c.inputs) c.inputs(dir);
  if (HasFatalFailure()) return;
  const auto before = snapshot(dir.path());

#if defined(__clang__)
  // LLVM's OpenMP runtime (libomp, which clang builds such as the sanitizer
  // build link) sizes a 1 KiB registration file in /dev/shm when it starts,
  // and aborts when a file-size limit of 1 KiB or less forbids it (seen:
  // "OMP: Error #179: Function Can't set size of SHM failed: File too
  // large"). GCC's libgomp, which the shipped build uses, does not; there
  // these cases run.
  if (c.limit == "ulimit -f 0" || c.limit == "ulimit -f 1")
    GTEST_SKIP() << "clang build: libomp cannot start under '" << c.limit << "'; this case runs in the GCC build";
#endif
  // A file-size limit makes writes fail with EFBIG instead of killing the process (SIGXFSZ).
  const std::string limit = c.limit.empty() ? "" : "trap '' XFSZ; " + c.limit + " && ";
  const CommandResult r = test::run_command(limit + "cd " + test::shell_quote(dir.path().string()) + " && exec " +
                                            std::string(REMNANT_CLI_PATH) + " " + c.args + " 2>&1");

  EXPECT_EQ(r.exit_code, c.exit_code) << r.output;
  EXPECT_LT(r.exit_code, 128) << "killed by a signal:\n" << r.output;
  for (const char* crash : {"terminate called", "Segmentation", "Assertion", "AddressSanitizer", "runtime error:"})
    EXPECT_EQ(r.output.find(crash), std::string::npos) << "crashed (" << crash << "):\n" << r.output;
  for (const std::string& m : c.message)
    EXPECT_NE(r.output.find(m), std::string::npos) << "the message does not say \"" << m << "\":\n" << r.output;

  const auto after = snapshot(dir.path());
  for (const auto& [name, bytes] : after) {
    const auto was = before.find(name);
    if (was == before.end()) ADD_FAILURE() << "left behind: " << name;
    else if (was->second != bytes) ADD_FAILURE() << "changed: " << name;
  }
  for (const auto& [name, bytes] : before)
    if (!after.count(name)) ADD_FAILURE() << "removed: " << name;
}

INSTANTIATE_TEST_SUITE_P(Table, BadInput, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& info) { return info.param.name; });

}  // namespace
}  // namespace remnant
