// `remnant sweep`: how --set values split into points, the files a sweep
// writes (point results, CSV, JSON, PNG, SVG), a headline total that rises
// with the dud rate, refusals of bad input before anything is written, and
// Ctrl-C then --resume giving the same summary as an uninterrupted sweep.
#include <cairo.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

#include "host/maps/map.h"
#include "host/evidence/result_file.h"
#include "host/apps/sweep.h"
#include "host/maps/sweep_plot.h"
#include "test_support.h"

namespace remnant {
namespace {

using test::CommandResult;
using test::shell_quote;

namespace fs = std::filesystem;

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

// The CSV as rows of fields (no field of these tests holds a quoted comma).
std::vector<std::vector<std::string>> csv_rows(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> row;
    std::istringstream fields(line);
    for (std::string f; std::getline(fields, f, ',');) row.push_back(f);
    rows.push_back(row);
  }
  return rows;
}

std::size_t column(const std::vector<std::string>& header, const std::string& name) {
  const auto at = std::find(header.begin(), header.end(), name);
  EXPECT_NE(at, header.end()) << "no column " << name;
  return static_cast<std::size_t>(at - header.begin());
}

using test::DrawnText;
using test::drawn_texts;

// The PNG's last column and last row are white (the page's background covers
// every pixel, though the page in points times dpi/72 is not whole pixels).
void expect_white_edges(const std::string& png) {
  cairo_surface_t* img = cairo_image_surface_create_from_png(png.c_str());
  ASSERT_EQ(cairo_surface_status(img), CAIRO_STATUS_SUCCESS) << png;
  cairo_surface_flush(img);
  const int w = cairo_image_surface_get_width(img), h = cairo_image_surface_get_height(img);
  const int stride = cairo_image_surface_get_stride(img);
  const unsigned char* data = cairo_image_surface_get_data(img);
  auto pixel = [&](int x, int y) { return *reinterpret_cast<const std::uint32_t*>(data + y * stride + 4 * x) & 0xFFFFFFu; };
  int grey = 0;
  for (int y = 0; y < h; ++y) grey += pixel(w - 1, y) != 0xFFFFFFu;
  for (int x = 0; x < w; ++x) grey += pixel(x, h - 1) != 0xFFFFFFu;
  EXPECT_EQ(grey, 0) << png << " (" << w << " x " << h << "): pixels of the last column and row not white";
  cairo_surface_destroy(img);
}

// The values of one CSV column as numbers, in point order.
std::vector<double> numbers(const std::string& csv, const std::string& name) {
  const auto rows = csv_rows(csv);
  std::vector<double> out;
  const std::size_t c = column(rows.at(0), name);
  for (std::size_t i = 1; i < rows.size(); ++i) out.push_back(std::stod(rows[i].at(c)));
  return out;
}

TEST(Sweep, SplitsValuesOnlyAtTopLevelCommas) {
  using V = std::vector<std::string>;
  EXPECT_EQ(split_sweep_values("1, 2,3", "k=1, 2,3"), (V{"1", "2", "3"}));
  EXPECT_EQ(split_sweep_values("[0.5,0.5]", "k"), (V{"[0.5,0.5]"}));
  EXPECT_EQ(split_sweep_values("[300,300],[900,900]", "k"), (V{"[300,300]", "[900,900]"}));
  EXPECT_EQ(split_sweep_values("\"test\",\"field\"", "k"), (V{"\"test\"", "\"field\""}));
  EXPECT_EQ(split_sweep_values("\"a,b\",'c,d',e", "k"), (V{"\"a,b\"", "'c,d'", "e"}));
  EXPECT_EQ(split_sweep_values("{ alpha = 2.0, beta = 98.0 },{ alpha = 5.0, beta = 95.0 }", "k").size(), 2u);
  for (const char* bad : {"1,,2", "1,", ",1", " , "}) {
    try {
      split_sweep_values(bad, std::string("k=") + bad);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("empty"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(std::string("k=") + bad), std::string::npos) << e.what();
    }
  }
}

TEST(Sweep, PointsAreTheCartesianProductWithFixedSetsInEveryPoint) {
  const std::vector<SweepSet> sets =
      parse_sweep_sets({"sites.count=1,2,3", "scenario.dud_rates=\"field\"", "inventory.carrier[0].share=[0.5,0.5]",
                        "strike[0].function_height_m=[300,300],[900,900]"});
  ASSERT_EQ(sets.size(), 4u);
  EXPECT_TRUE(sets[0].swept());
  EXPECT_FALSE(sets[1].swept());
  EXPECT_FALSE(sets[2].swept());
  EXPECT_EQ(sets[1].values[0].label, "field");
  EXPECT_EQ(*sets[0].values[2].number, 3.0);
  EXPECT_FALSE(sets[3].values[0].number);
  const std::vector<SweepPoint> points = sweep_points(sets);
  ASSERT_EQ(points.size(), 6u);
  // The first swept parameter varies slowest; every --set in the order given.
  EXPECT_EQ(points[3].file, "point-003.h5");
  EXPECT_EQ(points[3].choice, (std::vector<std::size_t>{1, 1}));
  ASSERT_EQ(points[3].overrides.size(), 4u);
  EXPECT_EQ(points[3].overrides[0].key, "sites.count");
  EXPECT_EQ(points[3].overrides[0].value, "2");
  EXPECT_EQ(points[3].overrides[1].value, "\"field\"");
  EXPECT_EQ(points[3].overrides[2].value, "[0.5,0.5]");
  EXPECT_EQ(points[3].overrides[3].value, "[900,900]");
}

TEST(Sweep, RefusesSetsThatMakeNoSweepOrTooBigAOne) {
  auto message = [](const std::vector<std::string>& sets) {
    try {
      parse_sweep_sets(sets);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(message({"sites.count=3"}).find("nothing to sweep"), std::string::npos);
  EXPECT_NE(message({"sites.count=1,2", "sites.count=3"}).find("more than once"), std::string::npos);
  std::string many = "a=0";
  for (int i = 1; i < 40; ++i) many += "," + std::to_string(i);
  std::string more = "b=0";
  for (int i = 1; i < 30; ++i) more += "," + std::to_string(i);
  EXPECT_NE(message({many, more}).find("more than 1000 points"), std::string::npos) << message({many, more});
  const std::string not_toml = message({"sites.count=1,\"abc"});
  EXPECT_NE(not_toml.find("not a TOML value"), std::string::npos) << not_toml;
  EXPECT_NE(not_toml.find("\"abc"), std::string::npos) << not_toml;
  EXPECT_NE(message({"no-equals-sign"}).find("KEY=VALUE"), std::string::npos);
}

// A summary for the figure alone: two swept parameters, the second with a
// long key, and its two series equal at every point.
SweepSummary figure_summary(const std::string& second_key) {
  SweepSummary s;
  s.scenario_name = "Figure test";
  s.scenario_path = "configs/figure-test.toml";
  s.backend = "cpu";
  s.software_version = "0.0.0";
  s.git_revision = "abc";
  s.swept = parse_sweep_sets({"sites.count=200,500,962,1500", second_key + "=[300,300],[900,900]"});
  for (const SweepPoint& p : sweep_points(s.swept)) {
    SweepPointResult r;
    r.point = p;
    r.seed = 1;
    r.realizations = 4;
    const double v = 1000.0 * (p.choice[0] + 1);
    r.headline.total_duds = Summary{v, 10, v - 50, v, v + 50, v - 60, v + 60};
    s.points.push_back(r);
  }
  return s;
}

TEST(SweepFigure, EveryTextLiesOnThePageWithALongKey) {
  test::TempDir dir;
  const std::string key = "inventory.carrier[0].function_height_m";
  for (const std::string& k : {key, key + ".and_a_much_longer_name_without_any_break_at_all_to_cut_at_in_the_legend"}) {
    const SweepSummary s = figure_summary(k);
    render_sweep_plot(s, dir.file("sweep.svg"));
    const std::string svg = read_file(dir.file("sweep.svg"));
    const std::vector<DrawnText> texts = drawn_texts(svg);
    ASSERT_GT(texts.size(), 10u);
    const double page_w = 200 * 72.0 / 25.4;
    for (const DrawnText& t : texts) {
      EXPECT_GE(t.x, -0.5) << "\"" << t.text << "\" starts left of the page";
      EXPECT_LE(t.x + t.w, page_w + 0.5) << "\"" << t.text << "\" runs off the page";
    }
    for (std::size_t i = 0; i < texts.size(); ++i)
      for (std::size_t j = i + 1; j < texts.size(); ++j) {
        const DrawnText &a = texts[i], &b = texts[j];
        if (std::fabs(a.y - b.y) > 0.5) continue;
        EXPECT_TRUE(a.x + a.w <= b.x + 0.5 || b.x + b.w <= a.x + 0.5)
            << "\"" << a.text << "\" and \"" << b.text << "\" overlap at y " << a.y;
      }
    // The legend's title is all there, broken at a dot or bracket.
    std::string legend;
    for (const DrawnText& t : texts)
      if (k.find(t.text) != std::string::npos && t.text.size() > 3) legend += t.text;
    EXPECT_NE(legend.find(k), std::string::npos) << legend;
    // The second series equals the first at every point: the legend says so.
    EXPECT_NE(svg.find("(same as"), std::string::npos);
  }
}

TEST(SweepFigure, PngIsWhiteToItsLastPixel) {
  test::TempDir dir;
  render_sweep_plot(figure_summary("strike[0].function_height_m"), dir.file("sweep.png"));
  expect_white_edges(dir.file("sweep.png"));
}

class SweepCli : public ::testing::Test {
 protected:
  std::string scenario() { return in_.write("sweep.toml", test::outputs_scenario()); }
  CommandResult cli(const std::string& args) {
    return test::run_command(std::string(REMNANT_CLI_PATH) + " " + args + " 2>&1");
  }
  // `remnant sweep` of the test scenario over three dud rates (and more).
  CommandResult sweep(const std::string& dir, const std::string& more = "") {
    return cli("sweep " + shell_quote(scenario()) + " --set 'submunition[0].dud_rate=0.02,0.08,0.2' --out-dir " +
               shell_quote(dir) + " -r 10 --backend cpu --threads 2 " + more);
  }
  test::TempDir in_, out_;
};

TEST_F(SweepCli, WritesPointFilesSummaryAndFigure) {
  const std::string dir = out_.file("s");
  const CommandResult r = sweep(dir, "--set 'strike[1].carriers=1,3' --set 'strike[0].heading_deg=30.0'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir)) files.push_back(e.path().filename().string());
  std::sort(files.begin(), files.end());
  EXPECT_EQ(files, (std::vector<std::string>{"point-000.h5", "point-001.h5", "point-002.h5", "point-003.h5",
                                             "point-004.h5", "point-005.h5", "sweep.csv", "sweep.json", "sweep.png",
                                             "sweep.svg"}));
  // Each point file holds its own overrides, in --set order, and the same seed.
  const ResultData p3 = read_result_file(dir + "/point-003.h5");
  EXPECT_EQ(p3.overrides, (std::vector<std::string>{"submunition[0].dud_rate=0.08", "strike[1].carriers=3",
                                                    "strike[0].heading_deg=30.0"}));
  EXPECT_EQ(p3.realizations, 10u);
  EXPECT_EQ(read_result_file(dir + "/point-000.h5").seed, p3.seed);

  const std::string csv = read_file(dir + "/sweep.csv");
  const auto rows = csv_rows(csv);
  ASSERT_EQ(rows.size(), 7u) << csv;
  const auto& head = rows[0];
  EXPECT_EQ(head.at(0), "point");
  EXPECT_EQ(head.at(1), "submunition[0].dud_rate");
  EXPECT_EQ(head.at(2), "strike[1].carriers");
  EXPECT_EQ(rows[4].at(1), "0.08");
  EXPECT_EQ(rows[4].at(2), "3");
  EXPECT_EQ(rows[4].at(column(head, "file")), "point-003.h5");
  EXPECT_EQ(rows[4].at(column(head, "seed")), "31");
  EXPECT_EQ(rows[4].at(column(head, "fixed_overrides")), "strike[0].heading_deg=30.0");
  for (const char* c : {"total_duds_q05", "total_duds_q50", "total_duds_q95", "impacts_mean",
                        "contaminated_area_km2_mean", "in_water_mean", "git_revision", "scenario_file"})
    column(head, c);
  // The CSV's figures are the point files' own.
  const Headline h3 = headline(p3);
  EXPECT_DOUBLE_EQ(numbers(csv, "total_duds_mean").at(3), h3.total_duds.mean);
  EXPECT_DOUBLE_EQ(numbers(csv, "total_duds_q95").at(3), h3.total_duds.q95);

  const std::string json = read_file(dir + "/sweep.json");
  for (const char* part : {"\"filetype\": \"remnant-sweep\"", "\"point\": 5", "\"file\": \"point-005.h5\"",
                           "\"submunition[0].dud_rate\": 0.2", "\"strike[1].carriers\": 3", "\"fixed_overrides\": "
                           "[\"strike[0].heading_deg=30.0\"]", "\"q05\": ", "\"git_revision\""})
    EXPECT_NE(json.find(part), std::string::npos) << part << "\n" << json;

  cairo_surface_t* img = cairo_image_surface_create_from_png((dir + "/sweep.png").c_str());
  ASSERT_EQ(cairo_surface_status(img), CAIRO_STATUS_SUCCESS);
  EXPECT_GT(cairo_image_surface_get_width(img), 1000);
  EXPECT_GT(cairo_image_surface_get_height(img), 600);
  cairo_surface_destroy(img);
  expect_white_edges(dir + "/sweep.png");
  // A point file's map (the same page writer) is white to its last pixel too.
  render_map(p3, MapOptions{}, out_.file("map.png"));
  expect_white_edges(out_.file("map.png"));
  const std::string svg = read_file(dir + "/sweep.svg");
  const std::size_t layer = svg.find("<g id=\"text-layer\"");
  ASSERT_NE(layer, std::string::npos);
  for (const char* text : {"Unexploded submunitions on land, count per realization",
                           "submunition[0].dud_rate (probability of failure)", "strike[1].carriers",
                           "90 % interval over 10 realizations", "Seed 31 for every point", "git"})
    EXPECT_NE(svg.find(text, layer), std::string::npos) << text;
  // The document's description holds the footer unwrapped.
  EXPECT_NE(svg.find("Seed 31 for every point (common random numbers)"), std::string::npos);
}

TEST_F(SweepCli, UnexplodedTotalRisesWithTheDudRate) {
  const std::string dir = out_.file("rise");
  const CommandResult r = sweep(dir, "--quiet");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string csv = read_file(dir + "/sweep.csv");
  const std::vector<double> mean = numbers(csv, "total_duds_mean"), q05 = numbers(csv, "total_duds_q05"),
                            q95 = numbers(csv, "total_duds_q95");
  ASSERT_EQ(mean.size(), 3u);
  for (std::size_t i = 0; i + 1 < mean.size(); ++i) {
    EXPECT_LT(mean[i], mean[i + 1]) << csv;
    EXPECT_LT(q95[i], q05[i + 1]) << "the 90 % intervals of dud rates 0.02, 0.08, 0.2 should not overlap\n" << csv;
  }
  // The impacts do not depend on the dud rate (same seed, same fall).
  const std::vector<double> impacts = numbers(csv, "impacts_mean");
  EXPECT_EQ(impacts[0], impacts[2]);
}

TEST_F(SweepCli, BadInputExitsTwoAndWritesNothing) {
  const std::string dir = out_.file("never");
  const std::string blocker = out_.write("a-file", "x");
  struct Case {
    std::string args, expect;
  };
  const std::string scen = shell_quote(scenario());
  const std::string tail = " --out-dir " + shell_quote(dir) + " -r 4 --backend cpu";
  const std::vector<Case> cases = {
      {"--set 'submunition[0].dud_rate=0.1,\"abc'" + tail, "not a TOML value"},
      {"--set 'no_such.key=1,2'" + tail, "no_such"},
      {"--set 'strike[1].carriers=1,,3'" + tail, "empty"},
      {"--set 'submunition[0].dud_rate=0.1,0.2,1.5'" + tail, "sweep point 3/3"},
      {"--set 'strike[1].carriers=1,2' --out-dir " + shell_quote(blocker + "/sub") + " -r 4", "--out-dir"},
      {"--set 'strike[1].carriers=1,2' --metric nonsense" + tail, "--metric"},
      {"--set 'strike[1].carriers=1,2' -r 0" + tail, "--realizations"},
      {"--set 'strike[1].carriers=1,2' --set 'strike[1].carriers=3'" + tail, "more than once"},
      {"--set 'strike[1].carriers=4,4'" + tail, "the value 4 is given twice"},
      {"--set 'submunition[0].dud_rate=0.1,0.10'" + tail, "0.1 and 0.10 are the same value"},
      {"--set 'strike[1].carriers=1,2' --out-dir " + shell_quote(out_.file("no-parent") + "/sub") + " -r 4",
       "only the last"},
  };
  for (const Case& c : cases) {
    const CommandResult r = cli("sweep " + scen + " " + c.args);
    EXPECT_EQ(r.exit_code, 2) << c.args << "\n" << r.output;
    EXPECT_NE(r.output.find(c.expect), std::string::npos) << c.args << "\n" << r.output;
    EXPECT_FALSE(fs::exists(dir)) << c.args;
    EXPECT_EQ(out_.entries(), std::vector<std::string>{"a-file"}) << c.args;
  }
  const CommandResult missing = cli("sweep " + shell_quote(in_.file("missing.toml")) + " --set 'sites.count=1,2'" + tail);
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  EXPECT_NE(missing.output.find("missing.toml"), std::string::npos) << missing.output;
  EXPECT_FALSE(fs::exists(dir));
}

TEST_F(SweepCli, AFreshSweepRefusesADirectoryWithAnotherSweepsFiles) {
  for (const char* old : {"point-002.h5", "point-000.checkpoint.h5", "sweep.csv", "sweep.png"}) {
    test::TempDir d;
    d.write(old, "x");
    d.write("notes.txt", "kept");
    const CommandResult r = sweep(d.path().string());
    EXPECT_EQ(r.exit_code, 2) << old << "\n" << r.output;
    EXPECT_NE(r.output.find(old), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("--resume"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("empty directory"), std::string::npos) << r.output;
    std::vector<std::string> left = d.entries();
    std::sort(left.begin(), left.end());
    EXPECT_EQ(left, (std::vector<std::string>{"notes.txt", old})) << "a point ran although the sweep was refused";
  }
  // Other files do not stop it; a missing last component is created.
  test::TempDir d;
  d.write("notes.txt", "kept");
  EXPECT_EQ(sweep(d.path().string(), "--quiet").exit_code, 0);
  EXPECT_EQ(sweep(d.file("new"), "--quiet").exit_code, 0);
  EXPECT_TRUE(fs::exists(d.file("new/sweep.csv")));
}

TEST_F(SweepCli, ResumeRerunsOnlyTheMissingPointAndGivesTheSameSummary) {
  const std::string dir = out_.file("s");
  ASSERT_EQ(sweep(dir).exit_code, 0);
  const std::string csv = read_file(dir + "/sweep.csv"), json = read_file(dir + "/sweep.json");
  const auto kept = fs::last_write_time(dir + "/point-000.h5");
  fs::remove(dir + "/point-001.h5");
  fs::remove(dir + "/sweep.csv");
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const CommandResult r = sweep(dir, "--resume");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("point-000.h5 already done, reused"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("point-002.h5 already done, reused"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("point-001.h5 already done"), std::string::npos) << r.output;
  EXPECT_TRUE(fs::exists(dir + "/point-001.h5"));
  EXPECT_EQ(fs::last_write_time(dir + "/point-000.h5"), kept) << "a reused point file was rewritten";
  EXPECT_EQ(read_file(dir + "/sweep.csv"), csv);
  EXPECT_EQ(read_file(dir + "/sweep.json"), json);
}

TEST_F(SweepCli, ResumeRefusesAPointFileOfAnotherSweep) {
  const std::string dir = out_.file("s");
  ASSERT_EQ(sweep(dir, "--seed 5").exit_code, 0);
  fs::remove(dir + "/point-002.h5");
  const auto before = fs::last_write_time(dir + "/point-001.h5");
  const CommandResult r = sweep(dir, "--seed 6 --resume");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("point-000.h5"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("the seed (file: 5; this sweep: 6)"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir + "/point-002.h5")) << "a point ran although the sweep was refused";
  EXPECT_EQ(fs::last_write_time(dir + "/point-001.h5"), before);
}

// Ctrl-C (the CLI's flag) during the second point: the first point file
// stays, no summary is written, the run says how to go on; --resume then
// finishes with the summary of an uninterrupted sweep.
TEST_F(SweepCli, InterruptedSweepKeepsFinishedPointsAndResumesToTheSameSummary) {
  const std::string dir = out_.file("s");
  SweepArgs a;
  a.scenario = scenario();
  a.sets = {"submunition[0].dud_rate=0.02,0.08"};
  a.out_dir = dir;
  a.run.realizations = 3000;
  a.run.batch = 1;
  a.run.backend = "cpu";
  a.quiet = true;
  std::atomic<bool> stop{false}, finished{false};
  std::thread watcher([&] {
    while (!finished.load() && !fs::exists(dir + "/point-000.h5")) std::this_thread::sleep_for(std::chrono::microseconds(200));
    stop.store(true);
  });
  testing::internal::CaptureStderr();
  const SweepOutcome rc = run_sweep(a, {&stop, [](const std::string& m) { std::fputs(m.c_str(), stderr); }}).outcome;
  const std::string err = testing::internal::GetCapturedStderr();
  finished.store(true);
  watcher.join();
  ASSERT_EQ(rc, SweepOutcome::Interrupted) << err;
  EXPECT_TRUE(fs::exists(dir + "/point-000.h5"));
  EXPECT_FALSE(fs::exists(dir + "/point-001.h5"));
  EXPECT_FALSE(fs::exists(dir + "/sweep.csv"));
  EXPECT_NE(err.find("--resume"), std::string::npos) << err;
  EXPECT_NE(err.find("1 of 2 point files are complete"), std::string::npos) << err;
  EXPECT_NE(err.find("\n  remnant sweep "), std::string::npos) << err;  // SweepArgs::program's default

  a.resume = true;
  stop.store(false);
  testing::internal::CaptureStdout();
  ASSERT_EQ(run_sweep(a, {&stop}).outcome, SweepOutcome::Finished);
  testing::internal::GetCapturedStdout();
  const std::string other = out_.file("whole");
  a.out_dir = other;
  a.resume = false;
  testing::internal::CaptureStdout();
  ASSERT_EQ(run_sweep(a, {&stop}).outcome, SweepOutcome::Finished);
  testing::internal::GetCapturedStdout();
  EXPECT_EQ(read_file(dir + "/sweep.csv"), read_file(other + "/sweep.csv"));
  EXPECT_EQ(read_file(dir + "/sweep.json"), read_file(other + "/sweep.json"));
}

}  // namespace
}  // namespace remnant
