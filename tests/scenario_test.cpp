// The scenario loader through the library: the shipped example parses, values
// land where they belong, defaults are recorded as assumptions, and mistakes
// throw InputError naming file, line and key.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>

#include "test_support.h"

namespace remnant {
namespace {

constexpr const char* kMinimal = R"toml([scenario]
name = "minimal"
seed = 12
realizations = 3

[grid]
nx = 10
ny = 8
cell_size_m = 5.0
origin_x_m = -20.0
origin_y_m = 40.0
land_cover = "bare"

[wind]
speed_mps = 4.0
from_deg = [90.0, 180.0]

[[submunition]]
name = "s"
terminal_velocity_mps = 30
dud_rate = 0.05

[[carrier]]
name = "c"
submunition = "s"
submunitions_per_carrier = 7
delivery = "artillery"
pattern = "ring"
ring_inner_fraction = 0.5
semi_major_m = 50.0
semi_minor_m = [10, 20]
aim_error_cep_m = 0
function_height_m = [100.0, 200.0]

[[strike]]
carrier = "c"
carriers = 2
x_m = 0.0
y_m = 60.0
)toml";

// The message of the InputError that parsing text throws ("" if none).

std::string with(const std::string& from, const std::string& to) {
  const std::string t = kMinimal;
  EXPECT_NE(t.find(from), std::string::npos) << "test bug: no '" << from << "'";
  return test::replace_all(t, from, to);
}

TEST(Scenario, ShippedExamplesLoadAndPlan) {
  // Every scenario shipped in configs/ must load and flatten (the tests do not
  // pin their contents, which belong to their authors).
  int loaded = 0;
  for (const auto& e : std::filesystem::directory_iterator(std::string(REMNANT_SOURCE_DIR) + "/configs")) {
    if (e.path().extension() != ".toml") continue;
    const std::string text = [&] {
      std::ifstream in(e.path());
      return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    }();
    if (text.rfind("[scenario]", 0) != 0 && text.find("\n[scenario]") == std::string::npos)
      continue;  // a catalogue or a table, not a scenario
    if (text.find("../shared/data/") != std::string::npos &&
        !std::filesystem::exists(std::string(REMNANT_SOURCE_DIR) + "/../shared/data"))
      continue;  // reads public data beside the project (cases_test skips it visibly)
    SCOPED_TRACE(e.path().string());
    const Scenario sc = load_scenario(e.path().string());
    const Plan plan = make_plan(sc);
    EXPECT_EQ(plan.items_per_realization, scenario_items(sc));
    EXPECT_EQ(plan.cells(), std::uint64_t{sc.grid.nx} * sc.grid.ny);
    EXPECT_LE(plan.per_carrier.size(), scenario_strike_rows(sc));
    ++loaded;
  }
  EXPECT_GE(loaded, 1) << "configs/example.toml should be there";
}

TEST(Scenario, ValuesAndDefaults) {
  const Scenario sc = parse_scenario(kMinimal, "s.toml");
  EXPECT_EQ(sc.name, "minimal");
  EXPECT_EQ(sc.seed, 12u);
  EXPECT_EQ(sc.realizations, 3u);
  EXPECT_EQ(sc.grid.nx, 10u);
  EXPECT_EQ(sc.grid.ny, 8u);
  EXPECT_EQ(sc.grid.land_cover, LandCover::Bare);
  EXPECT_EQ(sc.grid.elevation_m, 0.0);
  EXPECT_DOUBLE_EQ(sc.wind.speed_mps.lo, 4.0);  // a single number is a point range
  EXPECT_DOUBLE_EQ(sc.wind.speed_mps.hi, 4.0);
  EXPECT_DOUBLE_EQ(sc.submunitions[0].terminal_velocity_mps.lo, 30.0);  // integers are numbers
  EXPECT_TRUE(sc.submunitions[0].dud_rate.fixed);
  EXPECT_DOUBLE_EQ(sc.submunitions[0].dud_rate.value, 0.05);
  EXPECT_FALSE(sc.submunitions[0].self_destruct_failure.has_value());
  EXPECT_EQ(sc.carriers[0].pattern, Pattern::Ring);
  EXPECT_DOUBLE_EQ(sc.carriers[0].ring_inner_fraction, 0.5);
  EXPECT_DOUBLE_EQ(sc.carriers[0].semi_minor_m.hi, 20.0);
  EXPECT_FALSE(sc.strikes[0].heading_deg.has_value());
  EXPECT_EQ(sc.strikes[0].line, 35u);
  for (double m : sc.dud_multiplier) EXPECT_EQ(m, 1.0);
  EXPECT_FALSE(sc.assumptions.empty()) << "missing [land_cover] must be recorded as an assumption";
  EXPECT_EQ(sc.text, kMinimal);

  const Plan plan = make_plan(sc);
  EXPECT_EQ(plan.items_per_realization, 14u);
  EXPECT_EQ(plan.cells(), 80u);
  // Site relative to the origin; no heading given: any direction.
  EXPECT_DOUBLE_EQ(plan.fixed_x[0], 20.0);
  EXPECT_DOUBLE_EQ(plan.fixed_y[0], 20.0);
  EXPECT_EQ(plan.site_of_strike[0], -1);
  EXPECT_NEAR(plan.heading_spread[0], 2 * 3.14159265f, 1e-5f);
  EXPECT_FLOAT_EQ(plan.aim_sigma[0], 0.0f);
}

TEST(Scenario, AimSigmaIsCepOver1_1774) {
  // CEP = sigma sqrt(2 ln 2) = 1.17741 sigma for a circular normal: the plan's
  // per-axis sigma (kernels/physics.h aim_point) is CEP / 1.17741.
  for (const double cep : {1.0, 30.0, 117.741002251547, 2000.0}) {
    const Plan plan = make_plan(parse_scenario(with("aim_error_cep_m = 0", fmt::format("aim_error_cep_m = {}", cep)), "s.toml"));
    ASSERT_EQ(plan.aim_sigma.size(), 1u);
    EXPECT_NEAR(plan.aim_sigma[0], cep / std::sqrt(2.0 * std::log(2.0)), 1e-6 * cep) << "CEP " << cep << " m";
  }
}

TEST(Scenario, ErrorsNameFileLineAndKey) {
  struct Case {
    std::string text;
    std::vector<std::string> fragments;
  };
  const std::vector<Case> cases = {
      {with("nx = 10", "nx = 0"), {"s.toml:7:", "grid.nx"}},
      {with("nx = 10", "nx = 10.5"), {"s.toml:7:", "grid.nx", "10.5"}},
      {with("cell_size_m = 5.0", "cell_size_m = -5.0"), {"s.toml:9:", "grid.cell_size_m"}},
      {with("land_cover = \"bare\"", "land_cover = \"desert\""), {"s.toml:12:", "grid.land_cover", "desert"}},
      {with("realizations = 3", "realizations = 0"), {"s.toml:4:", "scenario.realizations"}},
      {with("seed = 12", "seed = -1"), {"s.toml:3:", "scenario.seed"}},
      {with("dud_rate = 0.05", "dud_rate = 1.5"), {"s.toml:21:", "submunition[0].dud_rate", "1.5"}},
      {with("dud_rate = 0.05", "dud_rate = -0.1"), {"s.toml:21:", "submunition[0].dud_rate"}},
      {with("dud_rate = 0.05", "dud_rate = { alpha = 2.0 }"), {"submunition[0].dud_rate.beta", "missing"}},
      {with("dud_rate = 0.05", "dud_rate = { alpha = 2.0, beta = 3.0, gamma = 1.0 }"),
       {"s.toml:21:", "submunition[0].dud_rate.gamma", "unknown key"}},
      {with("carriers = 2", "carriers = -3"), {"s.toml:37:", "strike[0].carriers", "-3"}},
      {with("carrier = \"c\"", "carrier = \"nope\""), {"s.toml:36:", "strike[0].carrier", "nope"}},
      {with("submunition = \"s\"", "submunition = \"t\""), {"s.toml:25:", "carrier[0].submunition", "\"t\""}},
      {with("delivery = \"artillery\"", "delivery = \"mortar\""), {"s.toml:27:", "carrier[0].delivery", "mortar"}},
      {with("ring_inner_fraction = 0.5\n", ""), {"carrier[0].ring_inner_fraction", "missing"}},
      {with("ring_inner_fraction = 0.5", "ring_inner_fraction = 1.5"), {"s.toml:29:", "carrier[0].ring_inner_fraction"}},
      {with("semi_minor_m = [10, 20]", "semi_minor_m = [20, 10]"), {"s.toml:31:", "carrier[0].semi_minor_m"}},
      {with("semi_minor_m = [10, 20]", "semi_minor_m = [10, 20, 30]"), {"s.toml:31:", "carrier[0].semi_minor_m"}},
      {with("speed_mps = 4.0", "speed_mps = 400.0"), {"s.toml:15:", "wind.speed_mps"}},
      {with("y_m = 60.0", "y_m = 60.0\nz_m = 1.0"), {"s.toml:40:", "strike[0].z_m", "unknown key"}},
      {with("[wind]", "[wind]\ngusts = true"), {"s.toml:15:", "wind.gusts", "unknown key"}},
      {with("[[strike]]", "[[bombing]]\nx = 1\n\n[[strike]]"), {"s.toml:35:", "bombing", "unknown key"}},
      {with("seed = 12", "seed = 12\nseed = 13"), {"s.toml:4:", "not valid TOML"}},
      {std::string(kMinimal) + "\n[land_cover.dud_rate_multiplier]\npaddy = 2.0\n",
       {"land_cover.dud_rate_multiplier.paddy", "unknown key"}},
      {std::string(kMinimal) + "\n[land_cover.dud_rate_multiplier]\nwetland = -1.0\n",
       {"land_cover.dud_rate_multiplier.wetland"}},
  };
  for (const Case& c : cases) {
    const std::string msg = test::scenario_error(c.text);
    ASSERT_FALSE(msg.empty()) << "accepted:\n" << c.text;
    for (const std::string& f : c.fragments)
      EXPECT_NE(msg.find(f), std::string::npos) << "message '" << msg << "' does not mention '" << f << "'";
  }
}

TEST(Scenario, DuplicateNamesAreRejected) {
  const std::string dup_sub = with("[[carrier]]", "[[submunition]]\nname = \"s\"\nterminal_velocity_mps = 30\ndud_rate = 0.1\n\n[[carrier]]");
  EXPECT_NE(test::scenario_error(dup_sub).find("duplicate submunition"), std::string::npos) << test::scenario_error(dup_sub);
  const std::string dup_car = std::string(kMinimal) + R"toml(
[[carrier]]
name = "c"
submunition = "s"
submunitions_per_carrier = 7
delivery = "air"
pattern = "uniform_ellipse"
semi_major_m = 50.0
semi_minor_m = 10.0
aim_error_cep_m = 0
function_height_m = 100.0
)toml";
  EXPECT_NE(test::scenario_error(dup_car).find("duplicate carrier"), std::string::npos) << test::scenario_error(dup_car);
}

TEST(Scenario, MissingFileIsAnInputError) {
  EXPECT_THROW(load_scenario("/nonexistent/dir/scenario.toml"), InputError);
}

}  // namespace
}  // namespace remnant
