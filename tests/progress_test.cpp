// Progress on stderr: plain lines when the stream is not a terminal (with the
// realizations done, the rate and the time left), a bar redrawn in place with
// "\r" on a terminal, nothing when quiet; a resumed run's rate counts only the
// realizations it ran itself.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <thread>

#include "host/run/progress.h"

namespace remnant {
namespace {

// What a Progress wrote to a temporary stream.
std::string written(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string s;
  char buf[512];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
  return s;
}

TEST(Progress, LinesWhenNotATerminal) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    Progress p("test scenario", 1'000'000, ProgressMode::Auto, f, 0.0);  // a file: Lines, every update
    EXPECT_EQ(p.mode(), ProgressMode::Lines);
    p.update(0, 10);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    p.update(4, 10);
    p.update(10, 10);
  }  // the destructor prints the last line
  const std::string s = written(f);
  std::fclose(f);
  EXPECT_EQ(s.find('\r'), std::string::npos) << s;
  EXPECT_NE(s.find("remnant: test scenario: 4/10 realizations (40 %)"), std::string::npos) << s;
  EXPECT_NE(s.find("submunitions/s"), std::string::npos) << s;
  EXPECT_NE(s.find(" left"), std::string::npos) << s;
  EXPECT_NE(s.find("10/10 realizations (100 %)"), std::string::npos) << s;
}

TEST(Progress, LinesOnlyAtTheIntervalAndAtTheEnd) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    Progress p("quiet-ish", 10, ProgressMode::Lines, f, 3600.0);
    for (std::uint32_t d = 0; d <= 50; ++d) p.update(d, 50);
    p.finish();
    p.finish();  // harmless twice
  }
  const std::string s = written(f);
  std::fclose(f);
  std::size_t lines = 0;
  for (char c : s) lines += c == '\n';
  EXPECT_EQ(lines, 1u) << s;
  EXPECT_NE(s.find("50/50"), std::string::npos) << s;
}

TEST(Progress, BarRedrawsInPlaceAndResumedRunsCountTheirOwnRate) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    Progress p("a scenario with a long name that would not fit on one terminal line beside the figures", 1000,
               ProgressMode::Bar, f);
    p.update(30, 100);  // resumed with 30 done: the starting point
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    p.update(65, 100);
  }
  const std::string s = written(f);
  std::fclose(f);
  EXPECT_EQ(s[0], '\r') << s;
  EXPECT_NE(s.find("[######"), std::string::npos) << s;
  EXPECT_NE(s.find("65/100 (65 %)"), std::string::npos) << s;
  EXPECT_EQ(s.back(), '\n') << "the bar's line is ended";
  // Never longer than a terminal line (80 columns when it is not a terminal).
  for (std::size_t from = 0; from < s.size();) {
    const std::size_t next = s.find('\r', from + 1);
    const std::string one = s.substr(from, next == std::string::npos ? std::string::npos : next - from);
    EXPECT_LE(one.size(), 1 + 79 + 3 + 1) << one;  // \r, text, \x1b[K, \n
    from = next == std::string::npos ? s.size() : next;
  }
  // 35 realizations x 1000 items in about 0.25 s: of the order of 1e5/s, not
  // 65 x 1000 (which would count the resumed ones).
  const std::size_t at = s.rfind("/s,");
  ASSERT_NE(at, std::string::npos) << s;
  const std::size_t from = s.rfind(' ', at) + 1;
  const double rate = std::stod(s.substr(from, at - from));
  EXPECT_GT(rate, 35'000.0 / 2.0) << s;
  EXPECT_LT(rate, 35'000.0 / 0.25 * 1.01) << s;
}

TEST(Progress, QuietWritesNothing) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    Progress p("q", 10, ProgressMode::Quiet, f, 0.0);
    p.update(0, 5);
    p.update(5, 5);
  }
  EXPECT_EQ(written(f), "");
  std::fclose(f);
}

TEST(Progress, DurationsReadLikeAPerson) {
  EXPECT_EQ(Progress::duration_text(8.44), "8.4 s");
  EXPECT_EQ(Progress::duration_text(192), "3 min 12 s");
  EXPECT_EQ(Progress::duration_text(3720), "1 h 02 min");
  EXPECT_EQ(Progress::duration_text(-1), "?");
}

}  // namespace
}  // namespace remnant
