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
  return test::ScenarioText("overrides", 5, 2)
             .scenario("munitions", test::quoted(kCatalogue))
             .scenario("dud_rates", test::quoted("field"))
             .grid(40, 40, 25.0)
             .origin(-500.0, -500.0)
             .land_cover("bare")
             .strike(test::Strike("M395", 4, 0.0, 0.0))
             .text() +
         overrides;
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
  std::string e = test::scenario_error(with_catalogue("\n[munition_overrides.M86]\nself_destruct_failure = 0.1\n"
                                          "self_destruct_failure_source = \"x\"\n"));
  EXPECT_NE(e.find("s.toml:"), std::string::npos) << e;
  EXPECT_NE(e.find("munition_overrides.M86: no submunition or carrier \"M86\""), std::string::npos) << e;
  EXPECT_NE(e.find("M85, BLU-97"), std::string::npos) << e;
  EXPECT_NE(e.find("M395, M396"), std::string::npos) << e;
  e = test::scenario_error(with_catalogue(""), {parse_override("munition_overrides.M86.aim_error_cep_m=1")});
  EXPECT_NE(e.find("--set munition_overrides.M86: no submunition or carrier"), std::string::npos) << e;

  // An unknown or unchangeable key: the keys are listed.
  e = test::scenario_error(with_catalogue("\n[munition_overrides.M85]\nself_destruct_failures = 0.1\n"));
  EXPECT_NE(e.find("s.toml:"), std::string::npos) << e;
  EXPECT_NE(e.find("munition_overrides.M85.self_destruct_failures: not a submunition key"), std::string::npos) << e;
  EXPECT_NE(e.find("self_destruct_failure"), std::string::npos) << e;
  e = test::scenario_error(with_catalogue(""), {parse_override("munition_overrides.M395.name=\"x\"")});
  EXPECT_NE(e.find("--set munition_overrides.M395.name: not a carrier key"), std::string::npos) << e;
  EXPECT_NE(e.find("aim_error_cep_m"), std::string::npos) << e;

  // A figure written in a file needs its source.
  const std::string unsourced = with_catalogue("\n[munition_overrides.M395]\naim_error_cep_m = 40\n");
  e = test::scenario_error(unsourced);
  const auto line = std::count(unsourced.begin(), unsourced.end(), '\n');  // the key is on the last line
  EXPECT_NE(e.find(fmt::format("s.toml:{}: munition_overrides.M395.aim_error_cep_m: an overridden catalogue figure "
                               "needs a source",
                               line)),
            std::string::npos)
      << e;
  e = test::scenario_error(with_catalogue("\n[munition_overrides.M395]\naim_error_cep_m_source = \"x\"\n"));
  EXPECT_NE(e.find("a source for \"aim_error_cep_m\", which is not there"), std::string::npos) << e;

  // Values are checked as in the catalogue.
  e = test::scenario_error(with_catalogue("\n[munition_overrides.M85]\nself_destruct_failure = 1.5\n"
                              "self_destruct_failure_source = \"x\"\n"));
  EXPECT_NE(e.find("s.toml:"), std::string::npos) << e;
  EXPECT_NE(e.find("munition_overrides.M85.self_destruct_failure: expected a probability in [0, 1], got 1.5"),
            std::string::npos)
      << e;
  e = test::scenario_error(with_catalogue(""), {parse_override("munition_overrides.M85.self_destruct_failure=1.5")});
  EXPECT_NE(e.find("--set munition_overrides.M85.self_destruct_failure: expected a probability in [0, 1], got 1.5"),
            std::string::npos)
      << e;
  e = test::scenario_error(with_catalogue(""), {parse_override("munition_overrides.M395.aim_error_cep_m=-3")});
  EXPECT_NE(e.find("--set munition_overrides.M395.aim_error_cep_m: expected a circular error probable"),
            std::string::npos)
      << e;
  // A prior moved outside its stated range.
  e = test::scenario_error(with_catalogue("\n[munition_overrides.M85]\ndud_rate_field = 0.5\ndud_rate_field_source = \"x\"\n"));
  EXPECT_NE(e.find("the prior's mean 0.5000 lies outside the stated range"), std::string::npos) << e;
  e = test::scenario_error("munition_overrides = 3\n" + with_catalogue(""));
  EXPECT_NE(e.find("s.toml:1: munition_overrides: expected a table"), std::string::npos) << e;
}

// A small inline scenario: every item lands on land, dud rate 0.2.
std::string inline_scenario(const std::string& cep_m) {
  return test::ScenarioText("inline", 41, 2)
      .grid(120, 120, 10.0)
      .origin(-600.0, -600.0)
      .land_cover("bare")
      .submunition(test::Submunition("g", 40, 0.2).self_destruct_failure(0.1))
      .carrier(test::Carrier("shell", "g", 50, "artillery", "uniform_ellipse")
                   .footprint(30.0, 20.0)
                   .aim_error_cep(cep_m)
                   .function_height(300.0))
      .strike(test::Strike("shell", 40, 0.0, 0.0))
      .text();
}

TEST(MunitionOverrides, SetTakesQuotedNamesWithSlashesAndDots) {
  // As in TOML: a name that is not a bare key is quoted; dots inside the quotes
  // do not split the key, and the bare form with a slash works too.
  for (const char* key : {"munition_overrides.\"M42/M46\".dud_rate_field", "munition_overrides.'M42/M46'.dud_rate_field",
                          "munition_overrides.M42/M46.dud_rate_field"}) {
    const Scenario sc =
        parse_scenario(with_catalogue(""), "s.toml", {parse_override(std::string(key) + "={alpha=10.0,beta=40.0}")});
    const SubmunitionType& m42 = submunition(sc, "M42/M46");
    EXPECT_FALSE(m42.dud_rate.fixed) << key;
    EXPECT_EQ(m42.dud_rate.alpha, 10.0) << key;
    EXPECT_EQ(m42.dud_rate.beta, 40.0) << key;
    EXPECT_TRUE(has_assumption(sc, "munition override: M42/M46 dud_rate_field = { alpha = 10, beta = 40 }"))
        << assumptions_of(sc);
  }
  // Every segment may be quoted.
  const Scenario q = parse_scenario(with_catalogue(""), "s.toml",
                                    {parse_override("\"munition_overrides\".\"M395\".\"aim_error_cep_m\"=75")});
  EXPECT_EQ(carrier(q, "M395").aim_error_cep_m, 75.0);

  // A name with a dot, inline.
  std::string text = with_catalogue(R"toml(
[[submunition]]
name = "g.1"
terminal_velocity_mps = 40
dud_rate = 0.2
)toml");
  const Scenario d =
      parse_scenario(text, "s.toml", {parse_override("munition_overrides.\"g.1\".terminal_velocity_mps=55")});
  EXPECT_EQ(submunition(d, "g.1").terminal_velocity_mps.lo, 55.0);
  EXPECT_TRUE(has_assumption(d, "munition override: g.1 terminal_velocity_mps = 55")) << assumptions_of(d);
  // In a file, the TOML quoted key does the same.
  const Scenario f = parse_scenario(text + "\n[munition_overrides.\"g.1\"]\nterminal_velocity_mps = 60\n"
                                           "terminal_velocity_mps_source = \"test\"\n",
                                    "s.toml");
  EXPECT_EQ(submunition(f, "g.1").terminal_velocity_mps.lo, 60.0);

  // Errors name the quoted key, as it is written.
  std::string e =
      test::scenario_error(with_catalogue(""), {parse_override("munition_overrides.\"M42/M46\".dud_rate_field=1.5")});
  EXPECT_NE(e.find("--set munition_overrides.\"M42/M46\".dud_rate_field: expected a probability"), std::string::npos)
      << e;
  // A '=' inside quotes is part of the key.
  e = test::scenario_error(with_catalogue(""), {parse_override("munition_overrides.\"a=b\".dud_rate=0.1")});
  EXPECT_NE(e.find("munition_overrides.\"a=b\": no submunition or carrier \"a=b\""), std::string::npos) << e;
  e = test::scenario_error(with_catalogue(""), {parse_override("munition_overrides.\"M42/M46.dud_rate=0.1")});
  EXPECT_NE(e.find("a quoted key segment is not closed"), std::string::npos) << e;
  e = test::scenario_error(with_catalogue(""), {parse_override("munition_overrides..M85.dud_rate=0.1")});
  EXPECT_NE(e.find("an empty segment"), std::string::npos) << e;
  // NAME[i] still picks an array entry; it cannot be the last segment.
  const Scenario i = parse_scenario(with_catalogue(""), "s.toml", {parse_override("strike[0].carriers=6")});
  EXPECT_EQ(make_plan(i).items_per_realization, 6u * 63u);
  e = test::scenario_error(with_catalogue(""), {parse_override("strike[0]=1")});
  EXPECT_NE(e.find("the last segment cannot be NAME[INDEX]"), std::string::npos) << e;
  e = test::scenario_error(with_catalogue(""), {parse_override("strike[x].carriers=1")});
  EXPECT_NE(e.find("\"strike[x]\" is not NAME[INDEX]"), std::string::npos) << e;
}

TEST(MunitionOverrides, FootprintScalingIsRefusedForANonAirCarrierByName) {
  const std::string e = test::scenario_error(with_catalogue(""), {parse_override("munition_overrides.M26.footprint_scaling=1")});
  EXPECT_NE(e.find("--set munition_overrides.M26.footprint_scaling: footprint_scaling"), std::string::npos) << e;
  EXPECT_NE(e.find("applies to air-delivered carriers only"), std::string::npos) << e;
  EXPECT_NE(e.find("M26 is delivered by rocket"), std::string::npos) << e;
}

TEST(MunitionOverrides, DudRateReplacesTheTestAndFieldPriors) {
  for (const char* which : {"field", "test"}) {
    std::string text = with_catalogue("");
    text.replace(text.find("dud_rates = \"field\""), std::string("dud_rates = \"field\"").size(), fmt::format("dud_rates = \"{}\"", which));
    const Scenario sc = parse_scenario(text, "s.toml", {parse_override("munition_overrides.M77.dud_rate=0.5")});
    const SubmunitionType& m77 = submunition(sc, "M77");
    EXPECT_TRUE(m77.dud_rate.fixed) << which;
    EXPECT_EQ(m77.dud_rate.value, 0.5) << which;
    EXPECT_FALSE(m77.dud_rate_test || m77.dud_rate_field || m77.dud_rate_test_range || m77.dud_rate_field_range);
    EXPECT_TRUE(submunition(sc, "M85").dud_rate_field) << "other types keep their priors";
    EXPECT_TRUE(has_assumption(sc, "munition override: M77 dud_rate = 0.5 (source: --set munition_overrides.M77.dud_rate=0.5) "
                                   "replaces dud_rate_test = { alpha = 4.5, beta = 30.67 } in [0.05, 0.23] (source: "))
        << assumptions_of(sc);
    EXPECT_TRUE(has_assumption(sc, "and dud_rate_field = { alpha = 4.78, beta = 15.56 } in [0.1, 0.4] (source: "))
        << assumptions_of(sc);
    EXPECT_TRUE(has_assumption(sc, "both priors are removed, so [scenario] dud_rates no longer applies to M77"))
        << assumptions_of(sc);
  }
  // In a file, with a source; a prior works as a value.
  const Scenario f = parse_scenario(with_catalogue(R"toml(
[munition_overrides.M77]
dud_rate = { alpha = 2.0, beta = 8.0 }
dud_rate_source = "test: one prior"
)toml"),
                                    "s.toml");
  EXPECT_FALSE(submunition(f, "M77").dud_rate.fixed);
  EXPECT_EQ(submunition(f, "M77").dud_rate.alpha, 2.0);

  // dud_rate beside a prior of the pair: refused.
  std::string e = test::scenario_error(with_catalogue(""), {parse_override("munition_overrides.M77.dud_rate=0.5"),
                                                parse_override("munition_overrides.M77.dud_rate_field=0.3")});
  EXPECT_NE(e.find("--set munition_overrides.M77.dud_rate: give either dud_rate (which replaces the test and field "
                   "priors) or dud_rate_field, not both"),
            std::string::npos)
      << e;
  // A prior of the pair on an entry with one dud_rate: refused, pointing to dud_rate.
  const std::string text = inline_scenario("0");
  for (const char* key : {"dud_rate_field", "dud_rate_test", "dud_rate_test_range"}) {
    e = test::scenario_error(text, {parse_override(fmt::format("munition_overrides.g.{}=0.3", key))});
    EXPECT_NE(e.find(fmt::format("--set munition_overrides.g.{}: g has one dud_rate, not separate test and field "
                                 "priors; override dud_rate instead",
                                 key)),
              std::string::npos)
        << e;
  }
  const Scenario g = parse_scenario(text, "s.toml", {parse_override("munition_overrides.g.dud_rate=0.3")});
  EXPECT_EQ(submunition(g, "g").dud_rate.value, 0.3);
  EXPECT_TRUE(has_assumption(g, "g dud_rate = 0.3 (source: --set munition_overrides.g.dud_rate=0.3) replaces 0.2 from "
                                "the scenario s.toml"))
      << assumptions_of(g);
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
