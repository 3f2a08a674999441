// Numbers for people: text summaries print totals to three significant
// figures with thousands separators, never in e-notation, and say when an
// interval rests on too few realizations to quote.
#include <gtest/gtest.h>

#include <string>

#include "host/common/numbers.h"
#include "host/evidence/report.h"
#include "tests/test_support.h"

namespace remnant {
namespace {

Summary summary(double mean, double q05, double q50, double q95) {
  Summary s;
  s.mean = mean, s.q05 = q05, s.q50 = q50, s.q95 = q95, s.min = q05, s.max = q95;
  return s;
}

TEST(Numbers, HeadlineTextUsesSeparatorsAndThreeFigures) {
  Headline h;
  h.total_duds = summary(922013.7, 555432, 950120, 1080321);
  h.contaminated_area_km2 = summary(0.18109, 0.1508, 0.18, 0.2012);
  h.duds_by_class[static_cast<int>(LandCover::Cropland)] = summary(20456.25, 12001, 20400, 30999);
  const std::string text = headline_text(h, 100);
  EXPECT_NE(text.find("mean     922,000   90% interval 555,000 to 1,080,000   median 950,000 items"), std::string::npos)
      << text;
  EXPECT_NE(text.find("90% interval 0.151 to 0.201   median 0.18 km2"), std::string::npos) << text;
  EXPECT_NE(text.find("duds on cropland"), std::string::npos) << text;
  EXPECT_NE(text.find("mean      20,500   90% interval 12,000 to 31,000"), std::string::npos) << text;
  EXPECT_EQ(text.find("e+"), std::string::npos) << text;
  EXPECT_EQ(text.find("note: only"), std::string::npos) << text;
}

TEST(Numbers, FiguresDropTrailingZeros) {
  EXPECT_EQ(format_figure(9.0), "9");
  EXPECT_EQ(format_figure(0.18009), "0.18");
  EXPECT_EQ(format_figure(2.5), "2.5");
  EXPECT_EQ(format_figure(1004.9), "1,000");
  EXPECT_EQ(format_figure(0.0), "0");
  EXPECT_EQ(format_figure(3.99e5), "399,000");
}

TEST(Numbers, FewRealizationsAreSaidToBeRough) {
  const Headline h;
  EXPECT_NE(headline_text(h, 2).find("note: only 2 realizations: an interval from so few is rough"), std::string::npos);
  EXPECT_NE(headline_text(h, 1).find("note: only 1 realization:"), std::string::npos);
  EXPECT_EQ(headline_text(h, kFewRealizations).find("note: only"), std::string::npos);
}

TEST(Numbers, TheRunSummaryHasNoENotation) {
  const std::string cli = REMNANT_CLI_PATH;
  const test::CommandResult r = test::run_command(cli + " run " + std::string(REMNANT_SOURCE_DIR) +
                                                  "/configs/example.toml -r 3 --threads 1 -q 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("e+"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("note: only 3 realizations"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(" submunitions per second"), std::string::npos) << r.output;
  const test::CommandResult json = test::run_command(cli + " run " + std::string(REMNANT_SOURCE_DIR) +
                                                     "/configs/example.toml -r 3 --threads 1 -q --json 2>&1");
  ASSERT_EQ(json.exit_code, 0) << json.output;
  EXPECT_NE(json.output.find("\"warnings\": [\"only 3 realizations: the 90 % intervals from so few are rough"),
            std::string::npos)
      << json.output;
  const test::CommandResult enough = test::run_command(cli + " run " + std::string(REMNANT_SOURCE_DIR) +
                                                       "/configs/example.toml -r 20 --threads 1 -q --json 2>&1");
  EXPECT_NE(enough.output.find("\"warnings\": [],"), std::string::npos) << enough.output;
}

}  // namespace
}  // namespace remnant
