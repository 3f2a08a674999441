// [munition_overrides.NAME]: a scenario (or --set) changes a catalogue or
// inline entry. The values are checked as in the catalogue, need a source in a
// file (the --set argument is its own), are recorded in the assumptions, and
// move the results in the expected direction.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>

#include "test_support.h"

namespace remnant {
namespace {

using namespace remnant::test;

const std::string kCatalogue = std::string(REMNANT_SOURCE_DIR) + "/configs/munitions.toml";

// A small scenario on the catalogue: M395 shells (M85 grenades) at one point.
std::string with_catalogue(const std::string& overrides) {
  return R"toml([scenario]
name = "overrides"
seed = 5
realizations = 2
munitions = ")toml" + kCatalogue + R"toml("
dud_rates = "field"

[grid]
nx = 40
ny = 40
cell_size_m = 25.0
origin_x_m = -500.0
origin_y_m = -500.0
land_cover = "bare"

[wind]
speed_mps = 0.0
from_deg = 0.0

[[strike]]
carrier = "M395"
carriers = 4
x_m = 0.0
y_m = 0.0
)toml" + overrides;
}

std::string error_of(const std::string& text, const std::vector<Override>& set = {}) {
  try {
    parse_scenario(text, "s.toml", set);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

const SubmunitionType& submunition(const Scenario& sc, const std::string& name) {
  const auto it = std::find_if(sc.submunitions.begin(), sc.submunitions.end(),
                               [&](const SubmunitionType& t) { return t.name == name; });
  EXPECT_NE(it, sc.submunitions.end()) << name;
  return *it;
}

const CarrierType& carrier(const Scenario& sc, const std::string& name) {
  const auto it = std::find_if(sc.carriers.begin(), sc.carriers.end(), [&](const CarrierType& c) { return c.name == name; });
  EXPECT_NE(it, sc.carriers.end()) << name;
  return *it;
}

bool has_assumption(const Scenario& sc, const std::string& part) {
  return std::any_of(sc.assumptions.begin(), sc.assumptions.end(),
                     [&](const std::string& a) { return a.find(part) != std::string::npos; });
}

std::string assumptions_of(const Scenario& sc) {
  std::string s;
  for (const std::string& a : sc.assumptions) s += a + "\n";
  return s;
}

TEST(MunitionOverrides, ReplaceCatalogueValuesAndAreRecorded) {
  const Scenario sc = parse_scenario(with_catalogue(R"toml(
[munition_overrides.M85]
self_destruct_failure = { alpha = 2.0, beta = 8.0 }
self_destruct_failure_source = "test: a prior"
dud_rate_field = 0.15
dud_rate_field_source = "test: a fixed rate"

[munition_overrides.M395]
aim_error_cep_m = 40
aim_error_cep_m_source = "test: a tighter aim"
)toml"),
                                     "s.toml");
  const SubmunitionType& m85 = submunition(sc, "M85");
  ASSERT_TRUE(m85.self_destruct_failure);
  EXPECT_FALSE(m85.self_destruct_failure->fixed);
  EXPECT_EQ(m85.self_destruct_failure->alpha, 2.0);
  EXPECT_TRUE(m85.dud_rate.fixed) << "the field prior the run uses is the override";
  EXPECT_EQ(m85.dud_rate.value, 0.15);
  EXPECT_EQ(carrier(sc, "M395").aim_error_cep_m, 40.0);
  EXPECT_EQ(carrier(sc, "M396").aim_error_cep_m, 150.0) << "other entries keep the catalogue's values";
  EXPECT_FALSE(submunition(sc, "M42/M46").self_destruct_failure);
  EXPECT_TRUE(has_assumption(sc, "munition override: M395 aim_error_cep_m = 40 (source: test: a tighter aim) replaces 150 "
                                 "from the catalogue " + kCatalogue + " (source: assumption:"))
      << assumptions_of(sc);
  EXPECT_TRUE(has_assumption(sc, "M85 self_destruct_failure = { alpha = 2, beta = 8 } (source: test: a prior)"))
      << assumptions_of(sc);
  EXPECT_TRUE(has_assumption(sc, "M85 dud_rate_field = 0.15")) << assumptions_of(sc);
  const Plan plan = make_plan(sc);
  EXPECT_EQ(plan.items_per_realization, 4u * 63u);
}

TEST(MunitionOverrides, SetReachesTheCatalogueOfTheLebanonScenario) {
  // --set creates [munition_overrides.NAME], absent from the file; the
  // argument itself is the value's source.
  const Scenario sc = load_scenario(std::string(REMNANT_SOURCE_DIR) + "/configs/lebanon-2006.toml",
                                    {parse_override("munition_overrides.M85.self_destruct_failure=0.2"),
                                     parse_override("munition_overrides.M26.aim_error_cep_m=150")});
  const SubmunitionType& m85 = submunition(sc, "M85");
  ASSERT_TRUE(m85.self_destruct_failure);
  EXPECT_TRUE(m85.self_destruct_failure->fixed);
  EXPECT_EQ(m85.self_destruct_failure->value, 0.2);
  EXPECT_EQ(carrier(sc, "M26").aim_error_cep_m, 150.0);
  EXPECT_TRUE(has_assumption(sc, "M85 self_destruct_failure = 0.2 (source: --set munition_overrides.M85.self_destruct_failure=0.2)"))
      << assumptions_of(sc);
  EXPECT_TRUE(has_assumption(sc, "M26 aim_error_cep_m = 150 (source: --set munition_overrides.M26.aim_error_cep_m=150) "
                                 "replaces 350 from the catalogue"))
      << assumptions_of(sc);
  EXPECT_EQ(sc.overrides.size(), 2u);
}

TEST(MunitionOverrides, SetReplacesAFileOverrideAndItsSource) {
  const Scenario sc = parse_scenario(with_catalogue(R"toml(
[munition_overrides.M395]
aim_error_cep_m = 40
aim_error_cep_m_source = "test: a tighter aim"
)toml"),
                                     "s.toml", {parse_override("munition_overrides.M395.aim_error_cep_m=75")});
  EXPECT_EQ(carrier(sc, "M395").aim_error_cep_m, 75.0);
  EXPECT_TRUE(has_assumption(sc, "aim_error_cep_m = 75 (source: --set munition_overrides.M395.aim_error_cep_m=75)"))
      << assumptions_of(sc);
  EXPECT_FALSE(has_assumption(sc, "a tighter aim")) << assumptions_of(sc);
}

TEST(MunitionOverrides, MistakesAreRefusedWithFileLineAndKey) {
  // An unknown name: the valid names are listed.
  std::string e = error_of(with_catalogue("\n[munition_overrides.M86]\nself_destruct_failure = 0.1\n"
                                          "self_destruct_failure_source = \"x\"\n"));
  EXPECT_NE(e.find("s.toml:"), std::string::npos) << e;
  EXPECT_NE(e.find("munition_overrides.M86: no submunition or carrier \"M86\""), std::string::npos) << e;
  EXPECT_NE(e.find("M85, BLU-97"), std::string::npos) << e;
  EXPECT_NE(e.find("M395, M396"), std::string::npos) << e;
  e = error_of(with_catalogue(""), {parse_override("munition_overrides.M86.aim_error_cep_m=1")});
  EXPECT_NE(e.find("--set munition_overrides.M86: no submunition or carrier"), std::string::npos) << e;

  // An unknown or unchangeable key: the keys are listed.
  e = error_of(with_catalogue("\n[munition_overrides.M85]\nself_destruct_failures = 0.1\n"));
  EXPECT_NE(e.find("s.toml:"), std::string::npos) << e;
  EXPECT_NE(e.find("munition_overrides.M85.self_destruct_failures: not a submunition key"), std::string::npos) << e;
  EXPECT_NE(e.find("self_destruct_failure"), std::string::npos) << e;
  e = error_of(with_catalogue(""), {parse_override("munition_overrides.M395.name=\"x\"")});
  EXPECT_NE(e.find("--set munition_overrides.M395.name: not a carrier key"), std::string::npos) << e;
  EXPECT_NE(e.find("aim_error_cep_m"), std::string::npos) << e;

  // A figure written in a file needs its source.
  const std::string unsourced = with_catalogue("\n[munition_overrides.M395]\naim_error_cep_m = 40\n");
  e = error_of(unsourced);
  const auto line = std::count(unsourced.begin(), unsourced.end(), '\n');  // the key is on the last line
  EXPECT_NE(e.find(fmt::format("s.toml:{}: munition_overrides.M395.aim_error_cep_m: an overridden catalogue figure "
                               "needs a source",
                               line)),
            std::string::npos)
      << e;
  e = error_of(with_catalogue("\n[munition_overrides.M395]\naim_error_cep_m_source = \"x\"\n"));
  EXPECT_NE(e.find("a source for \"aim_error_cep_m\", which is not there"), std::string::npos) << e;

  // Values are checked as in the catalogue.
  e = error_of(with_catalogue("\n[munition_overrides.M85]\nself_destruct_failure = 1.5\n"
                              "self_destruct_failure_source = \"x\"\n"));
  EXPECT_NE(e.find("s.toml:"), std::string::npos) << e;
  EXPECT_NE(e.find("munition_overrides.M85.self_destruct_failure: expected a probability in [0, 1], got 1.5"),
            std::string::npos)
      << e;
  e = error_of(with_catalogue(""), {parse_override("munition_overrides.M85.self_destruct_failure=1.5")});
  EXPECT_NE(e.find("--set munition_overrides.M85.self_destruct_failure: expected a probability in [0, 1], got 1.5"),
            std::string::npos)
      << e;
  e = error_of(with_catalogue(""), {parse_override("munition_overrides.M395.aim_error_cep_m=-3")});
  EXPECT_NE(e.find("--set munition_overrides.M395.aim_error_cep_m: expected a circular error probable"),
            std::string::npos)
      << e;
  // A prior moved outside its stated range.
  e = error_of(with_catalogue("\n[munition_overrides.M85]\ndud_rate_field = 0.5\ndud_rate_field_source = \"x\"\n"));
  EXPECT_NE(e.find("the prior's mean 0.5000 lies outside the stated range"), std::string::npos) << e;
  e = error_of("munition_overrides = 3\n" + with_catalogue(""));
  EXPECT_NE(e.find("s.toml:1: munition_overrides: expected a table"), std::string::npos) << e;
}

// A small inline scenario: every item lands on land, dud rate 0.2.
std::string inline_scenario(const std::string& cep_m) {
  return R"toml([scenario]
name = "inline"
seed = 41
realizations = 2

[grid]
nx = 120
ny = 120
cell_size_m = 10.0
origin_x_m = -600.0
origin_y_m = -600.0
land_cover = "bare"

[wind]
speed_mps = 0.0
from_deg = 0.0

[[submunition]]
name = "g"
terminal_velocity_mps = 40
dud_rate = 0.2
self_destruct_failure = 0.1

[[carrier]]
name = "shell"
submunition = "g"
submunitions_per_carrier = 50
delivery = "artillery"
pattern = "uniform_ellipse"
semi_major_m = 30.0
semi_minor_m = 20.0
aim_error_cep_m = )toml" + cep_m + R"toml(
function_height_m = 300.0

[[strike]]
carrier = "shell"
carriers = 40
x_m = 0.0
y_m = 0.0
)toml";
}

Moments duds(const Scenario& sc, std::uint64_t (*f)(const RealizationTotals&)) {
  const Plan plan = make_plan(sc);
  const RunResult r = test::run(sc, plan, 12, 7);
  return moments(test::column(r, f));
}

TEST(MunitionOverrides, HigherSelfDestructFailureGivesMoreDuds) {
  // 2000 items: p = 0.2 x 0.1 = 0.02 (about 40 duds) against 0.2 x 0.6 = 0.12 (about 240).
  const std::string text = inline_scenario("0");
  const Scenario base = parse_scenario(text, "s.toml");
  const Scenario worse =
      parse_scenario(text, "s.toml", {parse_override("munition_overrides.g.self_destruct_failure=0.6")});
  ASSERT_EQ(submunition(worse, "g").self_destruct_failure->value, 0.6);
  EXPECT_TRUE(has_assumption(worse, "munition override: g self_destruct_failure = 0.6")) << assumptions_of(worse);
  EXPECT_TRUE(has_assumption(worse, "replaces 0.1 from the scenario s.toml")) << assumptions_of(worse);
  auto count = [](const RealizationTotals& t) { return t.duds; };
  const Moments a = duds(base, count), b = duds(worse, count);
  EXPECT_GT(a.mean, 10.0);
  EXPECT_GT(b.mean, 3.0 * a.mean) << "self_destruct_failure 0.1: " << a.mean << " duds, 0.6: " << b.mean;
}

TEST(MunitionOverrides, LargerAimErrorSpreadsTheImpacts) {
  // An inline entry is overridden like a catalogue one, with a source.
  const Scenario tight = parse_scenario(inline_scenario("0"), "s.toml");
  const Scenario spread = parse_scenario(inline_scenario("0") + R"toml(
[munition_overrides.shell]
aim_error_cep_m = 150
aim_error_cep_m_source = "test: a wide aim error"
)toml",
                                         "s.toml");
  ASSERT_EQ(carrier(spread, "shell").aim_error_cep_m, 150.0);
  auto cells = [](const RealizationTotals& t) { return t.contaminated_cells; };
  const Moments a = duds(tight, cells), b = duds(spread, cells);
  EXPECT_GT(a.mean, 5.0);
  EXPECT_GT(b.mean, 2.0 * a.mean) << "contaminated cells, CEP 0: " << a.mean << ", CEP 150 m: " << b.mean;
}

}  // namespace
}  // namespace remnant
