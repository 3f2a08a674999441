// The scenario fixture (tests/scenario_fixture.h) that builds the tests' and
// the benchmark's scenario texts: it writes values and keys as the scenario
// files do, and the benchmark's scenario is still the one written out for the
// NumPy reference (bench/reference/bench-mix.toml).
#include <gtest/gtest.h>
#include <toml++/toml.h>

#include <string>

#include "bench/bench_scenario.h"
#include "test_support.h"

namespace remnant {
namespace {

TEST(ScenarioFixture, WritesValuesAsTheScenarioFilesDo) {
  EXPECT_EQ(test::Value(6).text(), "6");
  EXPECT_EQ(test::Value(50.0).text(), "50.0");
  EXPECT_EQ(test::Value(0.07).text(), "0.07");
  EXPECT_EQ(test::Value(-500.0).text(), "-500.0");
  EXPECT_EQ(test::Value(3680000.0).text(), "3680000.0");
  EXPECT_EQ(test::Value({0.0, 12.0}).text(), "[0.0, 12.0]");
  EXPECT_EQ(test::beta(3.0, 22.0).text(), "{ alpha = 3.0, beta = 22.0 }");
  EXPECT_EQ(test::quoted("cropland").text(), "\"cropland\"");
}

TEST(ScenarioFixture, KeysKeepTheirPlaceWhenSetLater) {
  // A key set after the others lands where the scenario reference puts it,
  // and a key set twice keeps its line.
  const std::string ring = test::Carrier("c", "s", 7, "artillery", "ring")
                               .aim_error_cep(0.0)
                               .footprint(50.0, 10.0)
                               .ring_inner_fraction(0.5)
                               .per_carrier(8)
                               .text();
  EXPECT_EQ(ring,
            "[[carrier]]\nname = \"c\"\nsubmunition = \"s\"\nsubmunitions_per_carrier = 8\ndelivery = \"artillery\"\n"
            "pattern = \"ring\"\nsemi_major_m = 50.0\nsemi_minor_m = 10.0\nring_inner_fraction = 0.5\n"
            "aim_error_cep_m = 0.0\n");
}

TEST(ScenarioFixture, BaseScenarioParses) {
  // The base alone lacks munitions and strikes; with one of each it is a scenario.
  const Scenario sc = test::scenario_from(test::ScenarioText("base", 1, 2)
                                              .submunition(test::bomblet())
                                              .carrier(test::dispenser())
                                              .strike(test::Strike("dispenser", 1, 500.0, 500.0))
                                              .text());
  EXPECT_EQ(sc.grid.nx, 100u);
  EXPECT_EQ(sc.grid.ny, 100u);
  EXPECT_EQ(sc.grid.cell_size_m, 10.0);
  EXPECT_EQ(sc.grid.land_cover, LandCover::Cropland);
  EXPECT_EQ(sc.wind.speed_mps.hi, 0.0);
}

TEST(ScenarioFixture, BenchMixFileHoldsTheBenchmarkScenario) {
  // bench/reference/bench-mix.toml is bench_scenario.h's scenario at full size
  // (kFull) written out for `remnant run` and the NumPy reference; only the
  // name and the realization count may differ.
  toml::table built = toml::parse(remnant_bench::scenario_toml(remnant_bench::kFull));
  toml::table file = toml::parse_file(std::string(REMNANT_SOURCE_DIR) + "/bench/reference/bench-mix.toml");
  for (toml::table* t : {&built, &file}) {
    t->at("scenario").as_table()->erase("name");
    t->at("scenario").as_table()->erase("realizations");
  }
  EXPECT_TRUE(built == file) << "bench/reference/bench-mix.toml no longer holds bench/bench_scenario.h's scenario";
}

}  // namespace
}  // namespace remnant
