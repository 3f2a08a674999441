// Clearance priority (`remnant hazard --ranking, --curve, --localities`):
// the ranking is ordered and its cumulative shares add up; towns move areas
// up; the curve is measured on fresh realizations and clearing the densest
// blocks first beats clearing south to north where strikes are fixed; the
// items near a town are those of the cells within the distance.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "host/common/errors.h"
#include "host/evidence/clearance.h"
#include "host/evidence/hazard_areas.h"
#include "host/maps/clearance_plot.h"
#include "host/run/replay.h"
#include "test_support.h"

namespace remnant {
namespace {

struct Fixture {
  test::TempDir dir;
  std::string result;
  ResultData d;
  Fixture() {
    const std::string scenario = dir.write("s.toml", test::outputs_scenario());
    result = dir.file("r.h5");
    const test::CommandResult r = test::run_command(std::string(REMNANT_CLI_PATH) + " run " +
                                                    test::shell_quote(scenario) + " -r 30 --seed 5 --backend cpu --out " +
                                                    test::shell_quote(result) + " >/dev/null 2>&1");
    EXPECT_EQ(r.exit_code, 0);
    d = read_result_file(result);
  }
};

std::vector<std::vector<std::string>> csv_rows(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::string cell;
    std::istringstream l(line);
    while (std::getline(l, cell, ',')) f.push_back(cell);
    if (!line.empty() && line.back() == ',') f.push_back("");
    rows.push_back(f);
  }
  return rows;
}

TEST(Clearance, RankingIsOrderedAndItsCumulativeSharesAddUp) {
  Fixture f;
  HazardAreas h = find_hazard_areas(f.d, parse_hazard_threshold("share=0.9"));
  const Replay rp = prepare_replay(f.d, f.result);
  replay_realizations(f.d, f.result, rp, {}, [&](std::uint32_t, const std::vector<std::uint64_t>& duds) {
    add_realization(h, duds);
  });
  finish_intervals(h);
  const std::vector<std::string> near = rank_areas(h, {}, {});
  const auto rows = csv_rows(ranking_csv(h, near));
  ASSERT_EQ(rows.size(), h.areas.size() + 1);
  ASSERT_EQ(rows[0].size(), 13u);
  EXPECT_EQ(rows[0][0], "rank");
  double inside = 0.0, last_density = 1e300, last_share = 0.0;
  for (std::size_t k = 1; k < rows.size(); ++k) {
    EXPECT_EQ(std::stoul(rows[k][0]), k);
    const double density = std::stod(rows[k][6]);
    EXPECT_LE(density, last_density + 1e-9);
    last_density = density;
    inside += std::stod(rows[k][3]);
    const double share = std::stod(rows[k][10]);
    EXPECT_GE(share, last_share);
    last_share = share;
    EXPECT_LE(std::stod(rows[k][11]), std::stod(rows[k][12]));
  }
  EXPECT_NEAR(last_share, inside / h.total_mean, 1e-8);
}

TEST(Clearance, ATownNearAnAreaMovesItUp) {
  Fixture f;
  HazardAreas h = find_hazard_areas(f.d, parse_hazard_threshold("density=0.5"));
  ASSERT_GE(h.areas.size(), 2u);
  const std::vector<std::size_t> order = by_rank(h);
  const HazardArea& last = h.areas[order.back()];
  const auto& p = last.rings[0][0];
  const NamedPoint town{"Town", p[0] + 10.0, p[1] + 10.0, 1000};
  EXPECT_EQ(rank_areas(h, {town}, {0.0, 20.0}).at(order.back()), "Town");
  EXPECT_EQ(h.areas[order.back()].rank, h.areas.size());  // weight 0: density alone
  rank_areas(h, {town}, {1e9, 20.0});
  EXPECT_EQ(h.areas[order.back()].rank, 1u);
  EXPECT_LT(distance_to_area(last, p[0] + 10.0, p[1] + 10.0), 20.0);
}

TEST(Clearance, TheCurveIsMeasuredOnFreshRealizationsAndTheDensestFirstBeatsSouthToNorth) {
  Fixture f;
  const HazardAreas h = find_hazard_areas(f.d, parse_hazard_threshold("share=0.9"));
  ClearanceCurve c = clearance_curve(f.d, h, 100.0);
  EXPECT_EQ(c.block_cells, 2u);  // 100 m blocks of 50 m cells
  const Replay rp = prepare_replay(f.d, f.result);
  std::vector<std::uint32_t> seen;
  fresh_realizations(f.d, rp, {}, f.d.realizations, f.d.realizations,
                     [&](std::uint32_t r, const std::vector<std::uint64_t>& duds) {
                       seen.push_back(r);
                       add_realization(c, duds);
                     });
  ASSERT_EQ(seen.size(), f.d.realizations);
  EXPECT_EQ(seen.front(), f.d.realizations);  // none of the file's
  EXPECT_THROW(fresh_realizations(f.d, rp, {}, 0, 3, [](std::uint32_t, const std::vector<std::uint64_t>&) {}),
               std::logic_error);
  finish_intervals(c);
  ASSERT_EQ(c.ranked.area_ha.size(), c.naive.area_ha.size());
  const std::size_t n = c.ranked.area_ha.size();
  // Both orders clear the same blocks: the same end.
  EXPECT_NEAR(c.ranked.mean.back(), c.naive.mean.back(), 1e-12);
  EXPECT_NEAR(c.ranked.area_ha.back(), c.naive.area_ha.back(), 1e-9);
  // Where strikes are fixed the densest blocks first remove more, early on.
  EXPECT_GT(c.ranked.mean[n / 4], c.naive.mean[n / 4] + 0.05);
  for (std::size_t p = 0; p < n; ++p) {
    EXPECT_LE(c.ranked.q05[p], c.ranked.q95[p]);
    if (p) {
      EXPECT_GE(c.ranked.mean[p], c.ranked.mean[p - 1]);
    }
  }
}

TEST(Clearance, ItemsNearATownAreThoseOfTheCellsWithinTheDistance) {
  Fixture f;
  const HazardAreas h = find_hazard_areas(f.d, parse_hazard_threshold("share=0.9"));
  const ResultGrid& g = f.d.grid;
  const NamedPoint near{"Near", 702000.0, 3681200.0, 500}, far{"Far", 690000.0, 3600000.0, 900};
  Localities l = localities_near(f.d, h, {near, far}, 600.0);
  ASSERT_EQ(l.places.size(), 1u);  // the far town is off the grid by more than the distance
  double want = 0.0;
  std::size_t cells = 0;
  for (std::uint32_t c = 0; c < g.cells(); ++c) {
    const double x = g.origin_x_m + (c % g.nx + 0.5) * g.cell_size_m, y = g.origin_y_m + (c / g.nx + 0.5) * g.cell_size_m;
    if (std::hypot(x - near.x_m, y - near.y_m) <= 600.0) want += f.d.accumulators.dud_sum[c], ++cells;
  }
  EXPECT_EQ(l.places[0].cells.size(), cells);
  EXPECT_NEAR(l.places[0].items_mean, want / f.d.realizations, 1e-9);
  EXPECT_GT(l.places[0].items_mean, 0.0);
  const Replay rp = prepare_replay(f.d, f.result);
  replay_realizations(f.d, f.result, rp, {}, [&](std::uint32_t, const std::vector<std::uint64_t>& duds) {
    add_realization(l, duds);
  });
  finish_intervals(l);
  double sum = 0.0;
  for (double v : l.places[0].by_realization) sum += v;
  EXPECT_NEAR(sum / f.d.realizations, l.places[0].items_mean, 1e-9);
  const auto rows = csv_rows(localities_csv(l));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1][0], "Near");
}

TEST(ClearanceCli, FilesAreWrittenAndBadOptionsExit2) {
  Fixture f;
  const std::string cli = std::string(REMNANT_CLI_PATH) + " hazard " + test::shell_quote(f.result) + " -q ";
  const test::CommandResult ok =
      test::run_command(cli + "--out " + test::shell_quote(f.dir.file("h.gpkg")) + " --ranking " +
                        test::shell_quote(f.dir.file("rank.csv")) + " --curve " +
                        test::shell_quote(f.dir.file("curve.svg")) + " 2>&1");
  ASSERT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_NE(test::slurp(f.dir.file("curve.svg")).find("fresh realizations"), std::string::npos);
  EXPECT_EQ(csv_rows(test::slurp(f.dir.file("rank.csv")))[0][0], "rank");
  struct Case {
    std::string args, message;
  };
  for (const Case& c : std::vector<Case>{
           {"--localities " + test::shell_quote(f.dir.file("l.csv")), "--localities needs the towns of the result's dataset"},
           {"--ranking " + test::shell_quote(f.dir.file("r.txt")), "--ranking"},
           {"--curve " + test::shell_quote(f.dir.file("c.doc")), "c.doc"},
           {"--curve " + test::shell_quote(f.dir.file("c.png")) + " --block 0", "--block: expected a side in metres > 0"},
           {"--ranking " + test::shell_quote(f.dir.file("rank.csv")), "rank.csv: the file exists"},
           {"--town-weight -1", "--town-weight: expected a weight >= 0"},
       }) {
    const test::CommandResult r = test::run_command(cli + "--out " + test::shell_quote(f.dir.file("x.gpkg")) + " " +
                                                    c.args + " 2>&1");
    EXPECT_EQ(r.exit_code, 2) << c.args << "\n" << r.output;
    EXPECT_NE(r.output.find(c.message), std::string::npos) << c.args << "\n" << r.output;
    EXPECT_FALSE(std::filesystem::exists(f.dir.file("x.gpkg"))) << c.args;
  }
}

}  // namespace
}  // namespace remnant

namespace remnant {
namespace {

// A result without a single unexploded item: no area, an empty ranking, a
// curve of its start point alone, localities at zero; nothing throws.
TEST(Clearance, AResultWithoutDudsGivesNoAreasAndEmptyFiles) {
  test::TempDir dir;
  const ResultData d = test::result_data(test::outputs_scenario("0.0"), 4, 3);
  ASSERT_EQ(test::slurp(dir.file("none")), "");
  const HazardAreas h = find_hazard_areas(d, HazardThreshold{});
  EXPECT_TRUE(h.areas.empty());
  EXPECT_EQ(h.total_mean, 0.0);
  EXPECT_EQ(h.outside_mean, 0.0);
  HazardAreas hh = h;
  EXPECT_EQ(csv_rows(ranking_csv(hh, rank_areas(hh, {}, {}))).size(), 1u);
  ClearanceCurve c = clearance_curve(d, h, 100.0);
  EXPECT_EQ(c.ranked.area_ha.size(), 1u);
  add_realization(c, std::vector<std::uint64_t>(d.grid.cells(), 0));
  finish_intervals(c);
  EXPECT_EQ(c.ranked.mean.back(), 0.0);
  render_clearance_curve(c, d, "r.h5", dir.file("c.svg"));
  EXPECT_NE(test::slurp(dir.file("c.svg")).find("Clearance curve"), std::string::npos);
  Localities l = localities_near(d, h, {{"Town", 702000.0, 3681200.0, 10}}, 500.0);
  ASSERT_EQ(l.places.size(), 1u);
  EXPECT_EQ(l.places[0].items_mean, 0.0);
  EXPECT_LT(l.places[0].nearest_area_m, 0.0);  // no area to be near
  EXPECT_EQ(csv_rows(localities_csv(l))[1][8], "");
}

}  // namespace
}  // namespace remnant
