// The remnant command line, run as a user runs it: bad inputs exit with code 2,
// name what is wrong and leave no output file behind; a good run prints
// parseable JSON with the headline figures; --version names the backends.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>

#include "remnant_version.h"
#include "test_support.h"

namespace remnant {
namespace {

using test::CommandResult;
using test::run_command;
using test::shell_quote;
using test::TempDir;

constexpr const char* kCli = REMNANT_CLI_PATH;

// A small, fast, valid scenario. Line numbers matter to the tests below:
// line 1 is "[scenario]".
const std::string kGood = test::ScenarioText("cli test", 4711, 20)
                              .grid(50, 50, 10.0)
                              .wind({0.0, 5.0}, {180.0, 270.0})
                              .submunition(test::bomblet().dud_rate(test::beta(2.0, 18.0)))
                              .carrier(test::dispenser(100)
                                           .footprint({60.0, 80.0}, {30.0, 40.0})
                                           .aim_error_cep(30.0)
                                           .function_height({100.0, 300.0}))
                              .strike(test::Strike("dispenser", 2, 250.0, 250.0))
                              .text();

// Replaces one exact line of the good scenario (which must exist).
std::string with_line(const std::string& from, const std::string& to) {
  const std::string text = kGood;
  EXPECT_NE(text.find(from), std::string::npos) << "test bug: no line '" << from << "'";
  return test::replace_all(text, from, to);
}

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(kCli)) << "the remnant binary is not built: " << kCli;
    out_dir_ = std::make_unique<TempDir>();
  }

  // Runs `remnant run SCENARIO --out OUT_DIR/result.h5 ARGS`, stderr folded
  // into the output.
  CommandResult run_scenario(const std::string& scenario_path, const std::string& args) {
    const std::string out = out_dir_->file("result.h5");
    return run_command(std::string(kCli) + " run " + shell_quote(scenario_path) + " --out " + shell_quote(out) + " " +
                       args + " 2>&1");
  }
  CommandResult run_text(const std::string& toml, const std::string& args = "--backend cpu") {
    return run_scenario(in_dir_.write("bad.toml", toml), args);
  }

  // A bad input: exit code 2, every expected fragment in the message, nothing
  // left in the output directory.
  void expect_rejected(const CommandResult& r, const std::vector<std::string>& fragments) {
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find("error"), std::string::npos) << r.output;
    for (const std::string& f : fragments)
      EXPECT_NE(r.output.find(f), std::string::npos) << "message does not mention '" << f << "':\n" << r.output;
    EXPECT_TRUE(out_dir_->entries().empty()) << "a file was left behind: " << out_dir_->entries().front();
  }

  TempDir in_dir_;
  std::unique_ptr<TempDir> out_dir_;
};

TEST_F(Cli, GoodScenarioRunsAndWritesOnlyTheResultFile) {
  const CommandResult r = run_text(kGood, "--backend cpu --realizations 10");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("seed 4711"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("10 realizations"), std::string::npos) << r.output;
  EXPECT_EQ(out_dir_->entries(), std::vector<std::string>{"result.h5"}) << "temporary files left behind";
}

TEST_F(Cli, TextSummaryDoesNotRoundAContaminatedAreaToZero) {
  // 10 m cells: a few dozen contaminated cells are a few thousand m^2, i.e.
  // 0.00x km^2. The headline must not print that as "0.0 km2".
  const CommandResult r = run_text(kGood, "--backend cpu --realizations 10");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::size_t at = r.output.find("area of cells with a dud");
  ASSERT_NE(at, std::string::npos) << r.output;
  const std::string line = r.output.substr(at, r.output.find('\n', at) - at);
  std::size_t m = line.find("mean");
  ASSERT_NE(m, std::string::npos) << line;
  const double shown = std::stod(line.substr(m + 4));
  EXPECT_GT(shown, 0.0) << "a non-zero contaminated area is printed as zero: " << line;
}

TEST_F(Cli, GridWithoutCells) {
  expect_rejected(run_text(with_line("nx = 50", "nx = 0")), {"bad.toml:7:", "grid.nx", "got 0"});
}

TEST_F(Cli, NegativeCarrierCount) {
  expect_rejected(run_text(with_line("carriers = 2", "carriers = -3")), {"bad.toml:36:", "strike[0].carriers", "-3"});
}

TEST_F(Cli, DudRateOutsideZeroOne) {
  expect_rejected(run_text(with_line("dud_rate = { alpha = 2.0, beta = 18.0 }", "dud_rate = 1.5")),
                  {"bad.toml:21:", "submunition[0].dud_rate", "1.5"});
}

TEST_F(Cli, NegativeBetaParameter) {
  expect_rejected(run_text(with_line("dud_rate = { alpha = 2.0, beta = 18.0 }", "dud_rate = { alpha = 2.0, beta = -1.0 }")),
                  {"bad.toml:21:", "submunition[0].dud_rate.beta"});
}

TEST_F(Cli, UnknownKeyIsNamedWithItsLine) {
  // A misspelt key on line 13, in [grid].
  expect_rejected(run_text(with_line("land_cover = \"cropland\"", "land_cover = \"cropland\"\nlandcover = \"tree\"")),
                  {"bad.toml:13:", "grid.landcover", "unknown key"});
}

TEST_F(Cli, UnknownTopLevelTable) {
  expect_rejected(run_text(std::string(kGood) + "\n[winds]\nspeed_mps = 3.0\n"), {"bad.toml:", "winds", "unknown key"});
}

TEST_F(Cli, UnknownCarrierInAStrike) {
  expect_rejected(run_text(with_line("carrier = \"dispenser\"", "carrier = \"M999\"")),
                  {"bad.toml:35:", "strike[0].carrier", "M999"});
}

TEST_F(Cli, UnknownPattern) {
  expect_rejected(run_text(with_line("pattern = \"uniform_ellipse\"", "pattern = \"square\"")),
                  {"bad.toml:28:", "carrier[0].pattern", "square"});
}

TEST_F(Cli, RangeWithLowAboveHigh) {
  expect_rejected(run_text(with_line("semi_major_m = [60.0, 80.0]", "semi_major_m = [80.0, 60.0]")),
                  {"bad.toml:29:", "carrier[0].semi_major_m"});
}

TEST_F(Cli, WrongTypeIsNamed) {
  expect_rejected(run_text(with_line("seed = 4711", "seed = \"4711\"")), {"bad.toml:3:", "scenario.seed", "string"});
}

TEST_F(Cli, MissingRequiredTable) {
  const std::string text = kGood;
  const std::string no_wind = test::replace_all(text, "[wind]\nspeed_mps = [0.0, 5.0]\nfrom_deg = [180.0, 270.0]\n", "");
  ASSERT_NE(no_wind, text);
  expect_rejected(run_text(no_wind), {"bad.toml:", "wind", "missing"});
}

TEST_F(Cli, InvalidToml) {
  expect_rejected(run_text(with_line("nx = 50", "nx = = 50")), {"bad.toml:7:", "not valid TOML"});
}

TEST_F(Cli, GridTooLargeForMemory) {
  const std::string huge = test::replace_all(with_line("nx = 50", "nx = 60000"), "ny = 50", "ny = 60000");
  expect_rejected(run_text(huge), {"bad.toml", "memory"});
}

TEST_F(Cli, UnknownBackend) {
  expect_rejected(run_text(kGood, "--backend foo"), {"--backend", "foo"});
}

TEST_F(Cli, CudaBackendWithoutAGpu) {
  std::string why;
  if (cuda::device_usable(&why)) GTEST_SKIP() << "a CUDA device is usable here; --backend cuda is valid";
  expect_rejected(run_text(kGood, "--backend cuda"), {"--backend cuda", "no usable CUDA device"});
}

TEST_F(Cli, MissingScenarioFile) {
  const std::string missing = in_dir_.file("no-such-scenario.toml");
  expect_rejected(run_scenario(missing, "--backend cpu"), {missing, "cannot open"});
}

TEST_F(Cli, ZeroRealizations) {
  expect_rejected(run_text(kGood, "--backend cpu --realizations 0"), {"--realizations", "0"});
}

TEST_F(Cli, NegativeRealizations) {
  // Must be refused, not replaced by the scenario's own count.
  expect_rejected(run_text(kGood, "--backend cpu --realizations -5"), {"--realizations", "-5"});
}

TEST_F(Cli, NegativeSeed) {
  // Must be refused, not replaced by the scenario's own seed.
  expect_rejected(run_text(kGood, "--backend cpu --seed -7"), {"--seed", "-7"});
}

TEST_F(Cli, NegativeBatchAndThreads) {
  expect_rejected(run_text(kGood, "--backend cpu --batch -1"), {"--batch"});
  expect_rejected(run_text(kGood, "--backend cpu --threads -2"), {"--threads"});
}

TEST_F(Cli, OutputDirectoryMissing) {
  const std::string out = out_dir_->file("no/such/dir/result.h5");
  const CommandResult r = run_command(std::string(kCli) + " run " + shell_quote(in_dir_.write("good.toml", kGood)) +
                                      " --backend cpu --out " + shell_quote(out) + " 2>&1");
  expect_rejected(r, {"--out", "does not exist"});
}

TEST_F(Cli, UnknownOption) {
  const CommandResult r =
      run_command(std::string(kCli) + " run " + shell_quote(in_dir_.write("good.toml", kGood)) + " --colour red 2>&1");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--colour"), std::string::npos) << r.output;
}

// `remnant run --json` of the good scenario, 25 realizations, seed 99: the
// summary's path. Its 200 items a realization (2 carriers x 100) all land on
// cropland (leaving the 500 m grid takes an aim error of 4.7 sigma: 250 m less
// 80 m of footprint and 50 m of drift), with rate q ~ Beta(2, 18) drawn per
// realization: E[q] = 0.1, Var(q) = 36 / (400 * 21). Duds D: E[D] = 200 E[q] =
// 20, Var(D) = 200 E[q(1-q)] + 200^2 Var(q) = 17.1 + 171.4 = 188.6; the mean of
// 25 realizations is within 4 sd, 4 sqrt(188.6 / 25) = 10.99, of 20.
constexpr double kJsonMeanDuds = 20.0, kJsonMeanDudsBound = 10.99;

std::string json_summary_of_good_run(const TempDir& in_dir, const TempDir& out_dir) {
  const std::string scenario = in_dir.write("good.toml", kGood);
  const std::string json = out_dir.file("summary.json");
  const CommandResult r = run_command(std::string(kCli) + " run " + shell_quote(scenario) +
                                      " --backend cpu --json --seed 99 --realizations 25 > " + shell_quote(json) +
                                      " 2>" + shell_quote(out_dir.file("stderr.txt")));
  EXPECT_EQ(r.exit_code, 0);
  return json;
}

TEST_F(Cli, JsonSummaryIsComplete) {
  // A hand check that does not need Python.
  const std::string text = test::slurp(json_summary_of_good_run(in_dir_, *out_dir_));
  for (const char* key : {"\"submunitions_fired\"", "\"realizations\"", "\"seed\"", "\"backend\"", "\"total_duds\"",
                          "\"contaminated_area_km2\"", "\"outside_grid\"", "\"in_water\"", "\"q95\""})
    EXPECT_NE(text.find(key), std::string::npos) << "JSON lacks " << key << ":\n" << text;
  EXPECT_NE(text.find("\"submunitions_fired\": 200,"), std::string::npos) << text;
  const std::string duds = "\"total_duds\": {\"mean\": ";
  const std::size_t at = text.find(duds);
  ASSERT_NE(at, std::string::npos) << text;
  const double mean = std::stod(text.substr(at + duds.size()));
  EXPECT_LT(std::abs(mean - kJsonMeanDuds), kJsonMeanDudsBound) << "mean total duds " << mean;
}

TEST_F(Cli, JsonSummaryParsesAsJson) {
  if (!std::filesystem::exists("/usr/bin/python3")) GTEST_SKIP() << "/usr/bin/python3 missing: JSON not parsed";
  const std::string json = json_summary_of_good_run(in_dir_, *out_dir_);
  const std::string text = test::slurp(json);
  const std::string check = R"py(
import json, sys
d = json.load(open(sys.argv[1]))
def need(obj, keys, where):
    for k in keys:
        if k not in obj:
            sys.exit("missing %s%s" % (where, k))
need(d, ["submunitions_fired", "realizations", "seed", "backend", "total_duds", "contaminated_area_km2",
         "outside_grid", "in_water"], "")
need(d["total_duds"], ["mean", "sd", "q05", "q50", "q95"], "total_duds.")
need(d["contaminated_area_km2"], ["mean", "q05", "q95"], "contaminated_area_km2.")
for k in ["outside_grid", "in_water"]:
    need(d[k], ["mean", "q05", "q95"], k + ".")
assert d["submunitions_fired"] == 200, d["submunitions_fired"]
assert d["realizations"] == 25 and d["seed"] == 99 and d["backend"] == "cpu"
t = d["total_duds"]
assert abs(t["mean"] - float(sys.argv[2])) < float(sys.argv[3]) and t["sd"] > 0, t  # kJsonMeanDuds
assert t["q05"] <= t["q50"] <= t["q95"], t
a = d["contaminated_area_km2"]
assert 0 < a["mean"] and a["q05"] <= a["q95"], a
print("ok")
)py";
  const std::string script = in_dir_.write("check.py", check);
  const CommandResult py = run_command("/usr/bin/python3 " + shell_quote(script) + " " + shell_quote(json) + " " +
                                       std::to_string(kJsonMeanDuds) + " " + std::to_string(kJsonMeanDudsBound) + " 2>&1");
  EXPECT_EQ(py.exit_code, 0) << py.output << "\n" << text;
  EXPECT_EQ(py.output, "ok\n");
}

TEST_F(Cli, VersionNamesVersionAndBackends) {
  const CommandResult r = run_command(std::string(kCli) + " --version 2>&1");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.output.find(REMNANT_VERSION), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("backends"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("cpu"), std::string::npos) << r.output;
}

TEST_F(Cli, InterruptWritesNoResultButKeepsWhatWasDone) {
  // A run far too long to finish: SIGINT after it has started must stop it
  // between batches with exit code 130, write no result file, and keep the
  // realizations done in a checkpoint (tests/checkpoint_test.cpp resumes one).
  const std::string scenario = in_dir_.write("long.toml", with_line("realizations = 20", "realizations = 50000000"));
  const std::string out = out_dir_->file("result.h5");
  const CommandResult r = run_command(
      "timeout -s KILL 60 " + std::string(kCli) + " run " + shell_quote(scenario) + " --backend cpu --out " +
      shell_quote(out) + " > /dev/null 2>" + shell_quote(in_dir_.file("stderr.txt")) + " & pid=$!; sleep 1; kill -INT $pid; wait $pid; echo $?");
  EXPECT_EQ(r.output, "130\n");
  std::ifstream err(in_dir_.file("stderr.txt"));
  const std::string message((std::istreambuf_iterator<char>(err)), std::istreambuf_iterator<char>());
  EXPECT_NE(message.find("interrupted"), std::string::npos) << message;
  EXPECT_FALSE(std::filesystem::exists(out)) << "a result file from an interrupted run";
  const std::string checkpoint = out_dir_->file("result.checkpoint.h5");
  if (std::filesystem::exists(checkpoint)) {
    EXPECT_EQ(out_dir_->entries(), std::vector<std::string>{"result.checkpoint.h5"});
    EXPECT_NE(message.find("--resume"), std::string::npos) << message;
    EXPECT_NE(message.find(checkpoint), std::string::npos) << message;
  } else {  // stopped before the first batch finished
    EXPECT_NE(message.find("nothing was computed"), std::string::npos) << message;
    EXPECT_TRUE(out_dir_->entries().empty());
  }
}

}  // namespace
}  // namespace remnant
