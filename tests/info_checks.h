// The figures `remnant info` prints (host/evidence/report.cpp result_info_text) held
// against the result file's own contents: the run line, the grid line and each
// headline line's mean, 90 % interval and median, recomputed here from the
// per-realization totals (mean = sum / R; quantile p = the ceil(p R)-th
// smallest, type 1) without the code that prints them.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "host/evidence/result_file.h"
#include "host/inputs/scenario.h"

namespace remnant::test {

// The text after the first occurrence of `label` in `text`, up to the end of
// its line ("" when the label is missing).
inline std::string line_after(const std::string& text, const std::string& label) {
  const std::size_t at = text.find(label);
  if (at == std::string::npos) return "";
  const std::size_t from = at + label.size();
  return text.substr(from, text.find('\n', from) - from);
}

// The number after `key` in `line` (NaN when the key is missing); thousands
// separators ("1,080,000") are read as such.
inline double number_after(const std::string& line, const std::string& key) {
  const std::size_t at = line.find(key);
  if (at == std::string::npos) return std::nan("");
  std::size_t i = line.find_first_not_of(' ', at + key.size());
  std::string digits;
  for (; i < line.size() && (std::isdigit(static_cast<unsigned char>(line[i])) || line[i] == ',' || line[i] == '.'); ++i)
    if (line[i] != ',') digits += line[i];
  return digits.empty() ? std::nan("") : std::stod(digits);
}

struct PrintedSummary {
  double mean, q05, q95, q50;
};

inline PrintedSummary expected_summary(const std::vector<RealizationTotals>& totals,
                                       const std::function<double(const RealizationTotals&)>& value) {
  std::vector<double> v;
  double sum = 0;
  for (const RealizationTotals& t : totals) {
    v.push_back(value(t));
    sum += v.back();
  }
  std::sort(v.begin(), v.end());
  const auto q = [&](double p) {
    const double k = std::ceil(p * double(v.size()) - 1e-9);
    return v[static_cast<std::size_t>(std::clamp(k, 1.0, double(v.size()))) - 1];
  };
  return {sum / double(v.size()), q(0.05), q(0.95), q(0.50)};
}

// Printed to three significant figures (within 5e-3 of the value; 5.01e-3
// used).
inline void expect_printed(double printed, double expected, double rel, double abs, const std::string& what) {
  EXPECT_LE(std::abs(printed - expected), std::max(rel * std::abs(expected), abs))
      << what << ": printed " << printed << ", the file's totals give " << expected;
}

inline void expect_info_matches_file(const std::string& info, const ResultData& d) {
  ASSERT_FALSE(d.totals.empty());
  const std::string run = line_after(info, "  seed ");
  ASSERT_FALSE(run.empty()) << info;
  EXPECT_EQ(std::stoull(run), d.seed) << run;
  EXPECT_EQ(number_after(run, ", "), double(d.realizations)) << run;
  EXPECT_EQ(d.realizations, d.totals.size()) << "a result file holds every realization";
  EXPECT_EQ(number_after(run, "backend " + d.backend + ", "), double(d.fired_per_realization)) << run;
  for (const RealizationTotals& t : d.totals) {
    EXPECT_EQ(t.fired, d.fired_per_realization);
    EXPECT_EQ(t.impacts + t.in_water + t.outside_grid, t.fired);
  }
  const std::string grid = line_after(info, "grid: ");
  EXPECT_EQ(std::stoul(grid), d.grid.nx) << grid;
  EXPECT_EQ(number_after(grid, " x "), double(d.grid.ny)) << grid;
  EXPECT_EQ(number_after(grid, "cells of "), d.grid.cell_size_m) << grid;
  // The headline section: what follows "headline over R realizations".
  const std::size_t head_at = info.find("headline over " + std::to_string(d.totals.size()) + " realizations");
  ASSERT_NE(head_at, std::string::npos) << info;
  const std::string head = info.substr(head_at);

  const double km2 = d.grid.cell_size_m * d.grid.cell_size_m / 1e6;
  struct Line {
    const char* label;
    std::function<double(const RealizationTotals&)> value;
  };
  std::vector<Line> lines = {
      {"unexploded (duds) on land", [](const RealizationTotals& t) { return double(t.duds); }},
      {"area of cells with a dud", [km2](const RealizationTotals& t) { return double(t.contaminated_cells) * km2; }},
      {"landed outside the grid", [](const RealizationTotals& t) { return double(t.outside_grid); }},
      {"landed in water", [](const RealizationTotals& t) { return double(t.in_water); }},
  };
  const double pixel_km2 = d.hazard_pixel_m * d.hazard_pixel_m / 1e6;
  if (d.fade_out_m > 0)
    lines.push_back({"hazard area", [pixel_km2](const RealizationTotals& t) { return double(t.hazard_pixels) * pixel_km2; }});
  for (const Line& l : lines) {
    const std::string printed = line_after(head, std::string("  ") + l.label);
    ASSERT_FALSE(printed.empty()) << "no line '" << l.label << "' in:\n" << info;
    const PrintedSummary e = expected_summary(d.totals, l.value);
    const double rel = 5.01e-3, abs = 1e-9;
    expect_printed(number_after(printed, "mean "), e.mean, rel, abs, std::string(l.label) + " mean");
    expect_printed(number_after(printed, "interval "), e.q05, rel, abs, std::string(l.label) + " q05");
    expect_printed(number_after(printed, " to "), e.q95, rel, abs, std::string(l.label) + " q95");
    expect_printed(number_after(printed, "median "), e.q50, rel, abs, std::string(l.label) + " median");
  }
  // Duds by land-cover class: a line for each class with any, none for the rest.
  for (int k = 0; k < kLandCoverClasses; ++k) {
    const std::string label = std::string("duds on ") + land_cover_name(static_cast<LandCover>(k)) + " ";
    const std::string printed = line_after(head, label);
    const PrintedSummary e =
        expected_summary(d.totals, [k](const RealizationTotals& t) { return double(t.duds_by_class[k]); });
    double most = 0;
    for (const RealizationTotals& t : d.totals) most = std::max(most, double(t.duds_by_class[k]));
    if (most == 0) {
      EXPECT_TRUE(printed.empty()) << label << "has no duds in the file but a line: " << printed;
      continue;
    }
    ASSERT_FALSE(printed.empty()) << "no line '" << label << "' in:\n" << info;
    expect_printed(number_after(printed, "mean "), e.mean, 5.01e-3, 1e-9, label + "mean");
    expect_printed(number_after(printed, "interval "), e.q05, 5.01e-3, 1e-9, label + "q05");
    expect_printed(number_after(printed, " to "), e.q95, 5.01e-3, 1e-9, label + "q95");
  }
}

}  // namespace remnant::test
