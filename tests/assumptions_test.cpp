// Assumptions tied to the inputs they describe: an assumption that names the
// keys it rests on (about) is dropped when a --set, or a scenario building on
// the file that states it, replaces one of them; the run then no longer claims it.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "host/common/errors.h"
#include "host/inputs/scenario.h"
#include "host/run/summary.h"
#include "tests/scenario_fixture.h"
#include "tests/test_support.h"

namespace remnant {
namespace {

const std::string kAssumptions =
    "[\"the strikes are invented\", "
    "{ text = \"a sea breeze\", about = [\"wind.speed_mps\", \"wind.from_deg\"] }, "
    "{ text = \"two volleys\", about = [\"strike\"] }]";

std::string scenario_with_assumptions() {
  return test::ScenarioText("assumed", 3, 2)
      .scenario("assumptions", kAssumptions)
      .wind({0.0, 8.0}, {200.0, 320.0})
      .submunition(test::m77())
      .carrier(test::m26())
      .strike(test::Strike("M26", 2, 500.0, 500.0))
      .strike(test::Strike("M26", 1, 300.0, 300.0))
      .text();
}

// The scenario's own assumptions, without the defaults the loader adds for a
// scenario without a land-cover table or a [hazard] table.
std::vector<std::string> stated(const Scenario& sc) {
  std::vector<std::string> out;
  for (const std::string& a : sc.assumptions)
    if (a.rfind("no land-cover table", 0) != 0 && a.rfind("hazard area: a fade-out distance", 0) != 0)
      out.push_back(a);
  return out;
}

TEST(Assumptions, AScenarioWithoutAFadeOutDistanceSaysItTakesTheDefault) {
  const Scenario sc = parse_scenario(scenario_with_assumptions(), "s.toml");
  EXPECT_FALSE(sc.hazard.stated);
  EXPECT_EQ(sc.hazard.fade_out_m, kDefaultFadeOutM);
  bool said = false;
  for (const std::string& a : sc.assumptions) said = said || a.find("fade-out distance of 50 m") != std::string::npos;
  EXPECT_TRUE(said) << "the default fade-out distance is not among the assumptions";
}

TEST(Assumptions, AllHoldWhileNothingTheyRestOnIsReplaced) {
  const Scenario sc = parse_scenario(scenario_with_assumptions(), "s.toml");
  EXPECT_EQ(stated(sc), (std::vector<std::string>{"the strikes are invented", "a sea breeze", "two volleys"}));
  EXPECT_TRUE(sc.dropped_assumptions.empty());
  // A --set of a key no assumption rests on drops none.
  const Scenario other = parse_scenario(scenario_with_assumptions(), "s.toml", {parse_override("scenario.seed=9")});
  EXPECT_EQ(stated(other).size(), 3u);
}

TEST(Assumptions, ASetOfAKeyOneRestsOnDropsItAndSaysWhy) {
  const Scenario sc =
      parse_scenario(scenario_with_assumptions(), "s.toml", {parse_override("wind.speed_mps=[1.0, 2.0]")});
  EXPECT_EQ(stated(sc), (std::vector<std::string>{"the strikes are invented", "two volleys"}));
  ASSERT_EQ(sc.dropped_assumptions.size(), 1u);
  EXPECT_EQ(sc.dropped_assumptions[0], "a sea breeze (rests on wind.speed_mps, replaced by --set wind.speed_mps=[1.0, 2.0])");
  // A key inside a table an assumption rests on drops it too.
  const Scenario inside = parse_scenario(scenario_with_assumptions(), "s.toml", {parse_override("strike[1].carriers=5")});
  EXPECT_EQ(stated(inside), (std::vector<std::string>{"the strikes are invented", "a sea breeze"}));
  const Plan plan = make_plan(inside);
  const std::string text = validation_text(inside, plan);
  EXPECT_NE(text.find("dropped assumption: two volleys (rests on strike, replaced by --set strike[1].carriers=5)"),
            std::string::npos)
      << text;
}

TEST(Assumptions, AScenarioBuildingOnAnotherDropsTheBasesAssumptionsOnWhatItSets) {
  test::TempDir dir;
  dir.write("base.toml", scenario_with_assumptions());
  const std::string derived = "[scenario]\nbase = \"base.toml\"\nname = \"calm\"\n\n[wind]\nspeed_mps = 0.0\n";
  const Scenario sc = parse_scenario(derived, dir.file("derived.toml"));
  EXPECT_EQ(stated(sc), (std::vector<std::string>{"the strikes are invented", "two volleys"}));
  ASSERT_EQ(sc.dropped_assumptions.size(), 1u);
  EXPECT_NE(sc.dropped_assumptions[0].find("replaced by " + dir.file("derived.toml") + " (building on"), std::string::npos)
      << sc.dropped_assumptions[0];
  // The derived file's own assumptions rest on what it sets itself: they hold.
  const std::string own = "[scenario]\nbase = \"base.toml\"\nname = \"calm\"\nassumptions = [{ text = \"calm\", about = "
                          "[\"wind.speed_mps\"] }]\n\n[wind]\nspeed_mps = 0.0\n";
  EXPECT_EQ(stated(parse_scenario(own, dir.file("own.toml"))), (std::vector<std::string>{"calm"}));
}

TEST(Assumptions, LebanonsSitesAssumptionGoesWithItsSites) {
  test::TempDir dir;
  const std::string csv = dir.write("points.csv", "lon,lat\n35.30,33.20\n35.40,33.25\n");
  const std::string path = std::string(REMNANT_SOURCE_DIR) + "/configs/lebanon-2006.toml";
  const Scenario as_written = load_scenario(path);
  auto has = [](const std::vector<std::string>& v, const std::string& s) {
    for (const std::string& a : v)
      if (a.find(s) != std::string::npos) return true;
    return false;
  };
  EXPECT_TRUE(has(as_written.assumptions, "strike sites uniformly over Lebanese land"));
  const Scenario own_points =
      load_scenario(path, {parse_override("sites.area=[]"), parse_override("sites.points_csv=\"" + csv + "\"")});
  EXPECT_FALSE(has(own_points.assumptions, "strike sites uniformly over Lebanese land"));
  EXPECT_TRUE(has(own_points.dropped_assumptions, "strike sites uniformly over Lebanese land"));
  EXPECT_TRUE(has(own_points.assumptions, "the split of the total between carrier types"));
}

TEST(Assumptions, ABadAssumptionNamesItsPlace) {
  auto with = [](const std::string& assumptions) {
    return test::replace_all(scenario_with_assumptions(), kAssumptions, assumptions);
  };
  EXPECT_NE(test::scenario_error(with("[{ about = [\"wind\"] }]")).find("scenario.assumptions[0].text"), std::string::npos);
  EXPECT_NE(test::scenario_error(with("[{ text = \"t\" }]")).find("scenario.assumptions[0].about"), std::string::npos);
  EXPECT_NE(test::scenario_error(with("[{ text = \"t\", about = [1] }]")).find("expected scenario keys as strings"),
            std::string::npos);
  EXPECT_NE(test::scenario_error(with("[{ text = \"t\", about = [\"wind\"], because = \"x\" }]")).find("because: unknown key"),
            std::string::npos);
  EXPECT_NE(test::scenario_error(with("[3]")).find("scenario.assumptions"), std::string::npos);
}

}  // namespace
}  // namespace remnant
