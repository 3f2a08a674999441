// The output commands as a user runs them: `run --map/--geotiff/--csv` in one
// step, `info`, `export` and `compare` on result files, and their refusals:
// an unknown layer or format, or a file that is not a result file, exits 2
// before anything is written.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "host/evidence/layers.h"
#include "host/evidence/report.h"
#include "host/evidence/result_file.h"
#include "info_checks.h"
#include "test_support.h"

namespace remnant {
namespace {

using test::CommandResult;
using test::run_command;
using test::shell_quote;
using test::TempDir;

constexpr const char* kCli = REMNANT_CLI_PATH;

class OutputsCli : public ::testing::Test {
 protected:
  // A scenario with the given dud-rate prior (TOML inline table).
  std::string scenario(const std::string& name, const std::string& rate) {
    return in_.write(name, test::outputs_scenario(rate));
  }
  CommandResult cli(const std::string& args) { return run_command(std::string(kCli) + " " + args + " 2>&1"); }
  std::string low_rate() { return scenario("low.toml", "{ alpha = 2.0, beta = 98.0 }"); }
  std::string high_rate() { return scenario("high.toml", "{ alpha = 30.0, beta = 70.0 }"); }
  TempDir in_, out_;
};

TEST_F(OutputsCli, RunWritesResultMapGeoTiffAndCsvInOneStep) {
  const std::string h5 = out_.file("r.h5"), png = out_.file("map.png"), tif = out_.file("p.tif"),
                    csv = out_.file("totals.csv");
  const CommandResult r = cli("run " + shell_quote(low_rate()) + " --backend cpu --out " + shell_quote(h5) + " --map " +
                              shell_quote(png) + " --geotiff " + shell_quote(tif) + " --csv " + shell_quote(csv) +
                              " --layer dud_p_any --dpi 60");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const std::string& f : {h5, png, tif, csv}) {
    EXPECT_TRUE(std::filesystem::exists(f)) << f;
    EXPECT_NE(r.output.find(f), std::string::npos) << "the summary does not name " << f << "\n" << r.output;
  }
  std::ifstream in(png, std::ios::binary);
  char magic[8] = {};
  in.read(magic, 8);
  EXPECT_EQ(std::string(magic + 1, 3), "PNG");
  // The GeoTIFF holds the layer asked for.
  const CommandResult info = run_command("gdalinfo " + shell_quote(tif) + " 2>&1");
  EXPECT_EQ(info.exit_code, 0) << info.output;
  EXPECT_NE(info.output.find("Probability of contamination"), std::string::npos) << info.output;
}

TEST_F(OutputsCli, InfoPrintsTheHeadlineFiguresOfTheFile) {
  const std::string h5 = out_.file("r.h5");
  ASSERT_EQ(cli("run " + shell_quote(low_rate()) + " --backend cpu --out " + shell_quote(h5)).exit_code, 0);
  const CommandResult r = cli("info " + shell_quote(h5));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const ResultData d = read_result_file(h5);
  for (const std::string& part : {std::string("map test"), std::string("90%")})
    EXPECT_NE(r.output.find(part), std::string::npos) << part << "\n" << r.output;
  EXPECT_EQ(d.seed, 31u);
  EXPECT_EQ(d.grid.nx, 80u);
  EXPECT_EQ(d.grid.ny, 50u);
  // Every number printed, against the file's per-realization totals.
  test::expect_info_matches_file(r.output, d);
  // Figures other than 0 were among those checked.
  double duds = 0;
  for (const RealizationTotals& t : d.totals) duds += double(t.duds);
  EXPECT_GT(duds, 0.0);
}

TEST_F(OutputsCli, ExportWritesEveryFormatAndRefusesBadRequestsBeforeWriting) {
  const std::string h5 = out_.file("r.h5");
  ASSERT_EQ(cli("run " + shell_quote(low_rate()) + " --backend cpu --out " + shell_quote(h5)).exit_code, 0);
  const std::string svg = out_.file("m.svg"), pdf = out_.file("m.pdf"), tif = out_.file("m.tif");
  const CommandResult ok = cli("export " + shell_quote(h5) + " --layer dud_q95 --out " + shell_quote(svg) + " --out " +
                               shell_quote(pdf) + " --out " + shell_quote(tif));
  ASSERT_EQ(ok.exit_code, 0) << ok.output;
  for (const std::string& f : {svg, pdf, tif}) EXPECT_TRUE(std::filesystem::exists(f)) << f;

  TempDir clean;
  const CommandResult layer = cli("export " + shell_quote(h5) + " --layer no_such --out " + shell_quote(clean.file("x.png")));
  EXPECT_EQ(layer.exit_code, 2) << layer.output;
  EXPECT_NE(layer.output.find("no_such"), std::string::npos) << layer.output;
  EXPECT_NE(layer.output.find("dud_mean"), std::string::npos) << "the message should list the layers: " << layer.output;
  const CommandResult ext = cli("export " + shell_quote(h5) + " --out " + shell_quote(clean.file("x.docx")));
  EXPECT_EQ(ext.exit_code, 2) << ext.output;
  EXPECT_NE(ext.output.find(".docx"), std::string::npos) << ext.output;
  const std::string not_result = in_.write("not.h5", "plain text, not HDF5");
  const CommandResult bad = cli("export " + shell_quote(not_result) + " --out " + shell_quote(clean.file("x.png")));
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_NE(bad.output.find("not.h5"), std::string::npos) << bad.output;
  EXPECT_TRUE(clean.entries().empty());
}

TEST_F(OutputsCli, RunRefusesABadMapRequestBeforeSimulating) {
  const CommandResult r = cli("run " + shell_quote(low_rate()) + " --backend cpu --geotiff " +
                              shell_quote(out_.file("x.png")));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--geotiff"), std::string::npos) << r.output;
  EXPECT_TRUE(out_.entries().empty());
}

TEST_F(OutputsCli, AFullDiskFailsTheRunCleanlyWithoutACrash) {
  // A file-size limit of 16 blocks (8 or 16 KiB) stands in for a full disk:
  // writes fail with EFBIG. HDF5 1.10 writing to such a file left it open
  // inside the library and the process died of SIGSEGV at exit (code 139).
  const std::string h5 = out_.file("r.h5");
  const CommandResult r = run_command("trap '' XFSZ; ulimit -f 16 && exec " + std::string(kCli) + " run " +
                                      shell_quote(low_rate()) + " --backend cpu --out " + shell_quote(h5) + " 2>&1");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("remnant: failed:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(h5), std::string::npos) << "the message should name the file: " << r.output;
  EXPECT_TRUE(out_.entries().empty()) << "a partial or temporary file was left behind";
}

TEST_F(OutputsCli, ResultFileMustBeNamedAsHdf5) {
  // --out map.png would have written HDF5 into a file named .png.
  const CommandResult r = cli("run " + shell_quote(low_rate()) + " --backend cpu --out " + shell_quote(out_.file("map.png")));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(".h5"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("--map"), std::string::npos) << "the message should point to --map: " << r.output;
  EXPECT_TRUE(out_.entries().empty());
}

TEST_F(OutputsCli, CompareDrawsOnePageFromTwoResults) {
  const std::string a = out_.file("a.h5"), b = out_.file("b.h5"), page = out_.file("cmp.pdf");
  ASSERT_EQ(cli("run " + shell_quote(low_rate()) + " --backend cpu --out " + shell_quote(a)).exit_code, 0);
  ASSERT_EQ(cli("run " + shell_quote(high_rate()) + " --backend cpu --out " + shell_quote(b)).exit_code, 0);
  const CommandResult r = cli("compare " + shell_quote(a) + " " + shell_quote(b) + " --out " + shell_quote(page));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::ifstream in(page, std::ios::binary);
  char magic[5] = {};
  in.read(magic, 4);
  EXPECT_EQ(std::string(magic), "%PDF");
  const CommandResult csv = cli("compare " + shell_quote(a) + " " + shell_quote(b) + " --out " +
                                shell_quote(out_.file("cmp.csv")));
  EXPECT_EQ(csv.exit_code, 2) << csv.output;
}

}  // namespace
}  // namespace remnant
