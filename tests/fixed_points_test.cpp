// Strike points used as given (issue 20 item 3): with placement = "fixed"
// every point of points_csv kept is one site in every realization; header
// variants (lon/lat names, grid x/y); per-point carrier, carriers or
// submunitions, date and name; points off the grid or in water named; a
// count that disagrees with the points refused.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "host/common/geo.h"
#include "host/inputs/sites.h"
#include "host/run/summary.h"
#include "test_support.h"

namespace remnant {
namespace {

const std::string kConfigs = std::string(REMNANT_SOURCE_DIR) + "/configs/";
constexpr double kOriginX = 700000.0, kOriginY = 3680000.0;  // 100 x 100 cells of 50 m in UTM 36N

// A scenario on the shipped catalogue whose [sites] take `csv` with
// placement `placement`; `count` 0 leaves count out. With `inventory` false
// there is no [inventory].
std::string scenario(const std::string& csv, const std::string& placement = "fixed", int count = 0,
                     bool inventory = true) {
  test::ScenarioText t("fixed points", 5, 2);
  t.scenario("munitions", test::quoted(kConfigs + "munitions.toml"))
      .scenario("land_cover_table", test::quoted(kConfigs + "landcover.toml"))
      .scenario("dud_rates", test::quoted("field"))
      .grid(100, 100, 50.0)
      .origin(kOriginX, kOriginY)
      .crs("EPSG:32636")
      .region({kOriginX + 4000.0, kOriginX + 5000.0}, {kOriginY + 4000.0, kOriginY + 5000.0}, "water");
  if (inventory) t.inventory_carrier("M26", "carriers", 30).inventory_carrier("M483A1", "carriers", 10);
  t.site("placement", test::quoted(placement)).site("points_csv", test::quoted(csv));
  if (count) t.site("count", count);
  return t.text();
}

// Eight points inside the grid, on land, apart from each other: grid-CRS
// metres and their WGS84 lon/lat (to 9 decimals, as the CSV writes them).
struct Points {
  std::vector<std::array<double, 2>> xy, lonlat;
  Points() {
    const LonLatToGrid to("EPSG:32636");
    for (int i = 0; i < 8; ++i) {
      xy.push_back({kOriginX + 250.0 + 450.0 * i, kOriginY + 300.0 + 400.0 * (i % 5)});
      double lon, lat;
      to.to_lonlat(xy.back()[0], xy.back()[1], lon, lat);
      lonlat.push_back({std::stod(fmt::format("{:.9f}", lon)), std::stod(fmt::format("{:.9f}", lat))});  // as written
    }
  }
  std::string lonlat_csv(const std::string& header = "lon,lat") const {
    std::string s = header + "\n";
    for (const auto& p : lonlat) s += fmt::format("{:.9f},{:.9f}\n", p[0], p[1]);
    return s;
  }
  std::string xy_csv(const std::string& header = "x,y") const {
    std::string s = header + "\n";
    for (const auto& p : xy) s += fmt::format("{},{}\n", p[0], p[1]);
    return s;
  }
};

std::string plan_error(const std::string& text) {
  try {
    make_plan(parse_scenario(text, "s.toml"));
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

std::string contains(const std::string& text, const std::vector<std::string>& parts) {
  std::string missing;
  for (const std::string& p : parts)
    if (text.find(p) == std::string::npos) missing += " [" + p + "]";
  return missing;
}

TEST(Sites, FixedPointsAreEachOneSiteUsedInEveryRealization) {
  test::TempDir dir;
  const Points pts;
  const std::string csv = dir.write("p.csv", pts.lonlat_csv());
  const LonLatToGrid to("EPSG:32636");
  for (const int count : {8, 0}) {  // count given (it must be 8) or left out
    SCOPED_TRACE(count);
    const Scenario sc = parse_scenario(scenario(csv, "fixed", count), "s.toml");
    const Plan plan = make_plan(sc);
    ASSERT_EQ(plan.site_count, 8u);
    const RngKey key = make_key(sc.seed, Stream::Site);
    std::set<std::array<double, 2>> distinct;
    for (std::uint32_t k = 0; k < 8; ++k) {
      double x, y;
      to.to_grid(pts.lonlat[k][0], pts.lonlat[k][1], x, y);
      for (std::uint32_t r = 0; r < 5; ++r) {
        const auto p = plan.sites.sample(key, r, k);
        EXPECT_DOUBLE_EQ(p[0], x - kOriginX) << "site " << k << " realization " << r;
        EXPECT_DOUBLE_EQ(p[1], y - kOriginY) << "site " << k << " realization " << r;
        distinct.insert(p);
      }
      EXPECT_NEAR(x, pts.xy[k][0], 1e-3);
      EXPECT_NEAR(y, pts.xy[k][1], 1e-3);
    }
    EXPECT_EQ(distinct.size(), 8u) << "8 points give 8 distinct sites, the same in every realization";
    // Each site is used: it holds carriers (40 dealt to 8 sites: 5 each).
    std::vector<std::uint64_t> carriers(8, 0);
    for (std::size_t row = 0; row < plan.site_of_strike.size(); ++row) {
      ASSERT_GE(plan.site_of_strike[row], 0);
      carriers[plan.site_of_strike[row]] += (plan.first_item[row + 1] - plan.first_item[row]) / plan.per_carrier[row];
    }
    for (std::uint32_t k = 0; k < 8; ++k) EXPECT_EQ(carriers[k], 5u) << "site " << k;
    // The rows' positions in a batch are the points.
    const BatchDraws d = draw_batch(sc, plan, sc.seed, 3, 1);
    for (std::size_t row = 0; row < plan.site_of_strike.size(); ++row)
      EXPECT_FLOAT_EQ(d.site_x[row], static_cast<float>(plan.sites.sample(key, 0, plan.site_of_strike[row])[0]));
    // What a fixed site is, for a strike_sites layer.
    ASSERT_EQ(plan.sites.fixed_sites.size(), 8u);
    EXPECT_EQ(plan.sites.fixed_sites[3].line, 5u);
    EXPECT_EQ(plan.sites.fixed_sites[3].lon, pts.lonlat[3][0]);
    EXPECT_EQ(plan.sites.fixed_sites[3].carrier, -1) << "dealt from [inventory]";
  }
}

TEST(Sites, FixedPointsCountMustEqualThePointsKept) {
  test::TempDir dir;
  const std::string csv = dir.write("p.csv", Points().lonlat_csv());
  const std::string e = plan_error(scenario(csv, "fixed", 5));
  EXPECT_EQ(contains(e, {"s.toml:", "sites.count = 5", csv, "keeps 8 of its 8 points", "expected count = 8"}), "") << e;
  // One point off the grid: 7 kept, so count = 8 is refused too.
  const std::string off = dir.write("off.csv", Points().lonlat_csv() + "10.0,40.0\n");
  EXPECT_EQ(contains(plan_error(scenario(off, "fixed", 9)), {"sites.count = 9", "keeps 8 of its 9 points"}), "");
  EXPECT_EQ(plan_error(scenario(off, "fixed", 8)), "");
  // per_realization keeps needing a count.
  EXPECT_NE(test::scenario_error(scenario(csv, "per_realization", 0)).find("sites.count: missing"), std::string::npos);
}

TEST(Sites, GridXyPointsEqualLonLatPointsAfterProjection) {
  test::TempDir dir;
  const Points pts;
  const Plan a = make_plan(parse_scenario(scenario(dir.write("ll.csv", pts.lonlat_csv("Longitude,Latitude"))), "s.toml"));
  for (const std::string header : {"x,y", "X_M,Y_M", "Easting,Northing"}) {
    SCOPED_TRACE(header);
    const Plan b = make_plan(parse_scenario(scenario(dir.write("xy.csv", pts.xy_csv(header))), "s.toml"));
    ASSERT_EQ(b.sites.fixed_sites.size(), 8u);
    for (std::size_t k = 0; k < 8; ++k) {
      const FixedSite &p = a.sites.fixed_sites[k], &q = b.sites.fixed_sites[k];
      EXPECT_NEAR(p.x_m, q.x_m, 1e-3);
      EXPECT_NEAR(p.y_m, q.y_m, 1e-3);
      EXPECT_NEAR(p.lon, q.lon, 1e-8) << "lon/lat of a grid x/y point, by the inverse projection";
      EXPECT_NEAR(p.lat, q.lat, 1e-8);
      EXPECT_DOUBLE_EQ(q.x_m, pts.xy[k][0] - kOriginX);
    }
  }
}

TEST(Sites, PointsThatNameTheirCarriersAreStrikesAsGiven) {
  test::TempDir dir;
  const Points pts;
  std::string text = "name,lon,lat,carrier,carriers,submunitions,date,note\n";
  const char* rows[] = {"A1,{},{},M26,3,,1972-06-01,x", "A2,{},{},,,,,",           "A3,{},{},M483A1,,1000,1972-06-02,",
                        "A4,{},{},,,,1972-06-03,",     "A5,{},{},CBU-87,7,,,",     "A6,{},{},,,,,",
                        "A7,{},{},,,,,",              "A8,{},{},M26,,1288,,"};
  for (int i = 0; i < 8; ++i)
    text += fmt::format(fmt::runtime(rows[i]), fmt::format("{:.9f}", pts.lonlat[i][0]),
                        fmt::format("{:.9f}", pts.lonlat[i][1])) + "\n";
  const std::string csv = dir.write("p.csv", text);
  const Scenario sc = parse_scenario(scenario(csv), "s.toml");
  const Plan plan = make_plan(sc);
  ASSERT_EQ(plan.site_count, 8u);
  // Rows per site: carrier name and carriers.
  std::vector<std::vector<std::pair<std::string, std::uint64_t>>> at(8);
  for (std::size_t row = 0; row < plan.site_of_strike.size(); ++row)
    at[plan.site_of_strike[row]].push_back({sc.carriers[plan.carrier_of_strike[row]].name,
                                            (plan.first_item[row + 1] - plan.first_item[row]) / plan.per_carrier[row]});
  using Rows = std::vector<std::pair<std::string, std::uint64_t>>;
  EXPECT_EQ(at[0], (Rows{{"M26", 3}}));
  EXPECT_EQ(at[2], (Rows{{"M483A1", 12}})) << "1000 submunitions of 88: rounded up to 12 carriers";
  EXPECT_EQ(at[4], (Rows{{"CBU-87", 7}}));
  EXPECT_EQ(at[7], (Rows{{"M26", 2}})) << "1288 = 2 x 644";
  // The inventory (30 M26, 10 M483A1) is dealt to the other four sites.
  EXPECT_EQ(at[1], (Rows{{"M26", 10}}));
  EXPECT_EQ(at[3], (Rows{{"M26", 10}}));
  EXPECT_EQ(at[5], (Rows{{"M26", 10}}));
  EXPECT_EQ(at[6], (Rows{{"M483A1", 10}}));
  EXPECT_EQ(plan.items_per_realization, scenario_items(sc));
  const FixedSite& a3 = plan.sites.fixed_sites[2];
  EXPECT_EQ(a3.name, "A3");
  EXPECT_EQ(a3.date, "1972-06-02");
  EXPECT_EQ(a3.carriers, 12u);
  EXPECT_EQ(plan.sites.fixed_sites[3].date, "1972-06-03");
  std::string notes;
  for (const std::string& n : plan.notes) notes += n + "\n";
  EXPECT_EQ(contains(notes, {"1 site points give submunitions that are not whole carriers",
                             "\"A3\" (line 4, lon", "1000 submunitions -> 12 M483A1 (1056 submunitions)"}),
            "")
      << notes;

  // Every point with its carriers: no [inventory] needed, and one would have nowhere to go.
  std::string all = "lon,lat,carrier,carriers\n";
  for (const auto& p : pts.lonlat) all += fmt::format("{:.9f},{:.9f},M26,2\n", p[0], p[1]);
  const std::string all_csv = dir.write("all.csv", all);
  const Plan own = make_plan(parse_scenario(scenario(all_csv, "fixed", 0, false), "s.toml"));
  EXPECT_EQ(own.per_carrier.size(), 8u);
  EXPECT_EQ(own.items_per_realization, 8u * 2u * 644u);
  EXPECT_EQ(contains(plan_error(scenario(all_csv)), {"every point kept names its own carriers", "[inventory]"}), "");
  // A point without carriers and no [inventory] to deal from.
  const std::string e = plan_error(scenario(csv, "fixed", 0, false));
  EXPECT_EQ(contains(e, {csv + ":3:", "no [inventory] to deal carriers from", "carrier and carriers"}), "") << e;
  // Per-point carriers need placement = "fixed".
  const std::string pr = plan_error(scenario(csv, "per_realization", 8));
  EXPECT_EQ(contains(pr, {csv + ":2: column carrier", "placement = \"fixed\""}), "") << pr;
  // An unknown carrier, named with file:line and column.
  const std::string unknown = test::scenario_error(scenario(dir.write("u.csv", "lon,lat,carrier,carriers\n" +
                                                                                   fmt::format("{:.9f},{:.9f},M62,2\n",
                                                                                               pts.lonlat[0][0],
                                                                                               pts.lonlat[0][1]))));
  EXPECT_EQ(contains(unknown, {"u.csv:2: column carrier: unknown carrier \"M62\"; expected one of", "M26"}), "")
      << unknown;
}

TEST(Sites, PointsOffTheGridOrInWaterAreNamed) {
  test::TempDir dir;
  const Points pts;
  const LonLatToGrid to("EPSG:32636");
  double wlon, wlat, olon, olat;
  to.to_lonlat(kOriginX + 4500.0, kOriginY + 4500.0, wlon, wlat);  // in the water region
  to.to_lonlat(kOriginX - 500.0, kOriginY + 100.0, olon, olat);    // west of the grid
  std::string text = "id,lon,lat\n";
  for (int i = 0; i < 8; ++i) text += fmt::format("P{},{:.9f},{:.9f}\n", i, pts.lonlat[i][0], pts.lonlat[i][1]);
  text += fmt::format("Lake,{:.6f},{:.6f}\n", wlon, wlat);   // line 10
  text += fmt::format(",{:.6f},{:.6f}\n", olon, olat);       // line 11, no name
  for (int i = 0; i < 12; ++i) text += fmt::format("far{},10.5,{}\n", i, 40 + i);  // lines 12 to 23
  const std::string csv = dir.write("p.csv", text);
  const Scenario sc = parse_scenario(scenario(csv), "s.toml");
  const Plan plan = make_plan(sc);
  EXPECT_EQ(plan.site_count, 9u) << "the water point is kept";
  ASSERT_EQ(plan.sites.warnings.size(), 2u);
  const std::string& off = plan.sites.warnings[0];
  EXPECT_EQ(contains(off, {"13 of 22 site points lie outside the grid and were left out",
                           fmt::format("line 11 (lon {}, lat {})", std::stod(fmt::format("{:.6f}", olon)),
                                       std::stod(fmt::format("{:.6f}", olat))), "\"far0\" (line 12, lon 10.5, lat 40)",
                           "\"far8\" (line 20", "; and 3 more"}),
            "")
      << off;
  EXPECT_EQ(off.find("far9"), std::string::npos) << "at most ten named";
  const std::string& water = plan.sites.warnings[1];
  EXPECT_EQ(contains(water, {"1 of 22 site points lie in water cells", "\"Lake\" (line 10, lon"}), "") << water;
  // validate prints them (the plan's notes), and so does run (summary_text).
  const std::string v = validation_text(sc, plan);
  EXPECT_EQ(contains(v, {"\"far0\" (line 12", "\"Lake\" (line 10"}), "") << v;
  RunResult r = test::run(sc, plan, 2, 1);
  const std::string s = summary_text(sc, plan, r, Sensitivity());
  EXPECT_EQ(contains(s, {"warning: 13 of 22 site points lie outside the grid", "warning: 1 of 22 site points lie in water"}), "")
      << s;
  // per_realization names them too (the points drawn by weight).
  const Plan pr = make_plan(parse_scenario(scenario(csv, "per_realization", 4), "s.toml"));
  ASSERT_EQ(pr.sites.warnings.size(), 2u);
  EXPECT_EQ(pr.sites.warnings, plan.sites.warnings);
}

}  // namespace
}  // namespace remnant
