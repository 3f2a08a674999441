// Statistics over realizations: per-cell layers from the accumulators, and
// summaries of per-realization totals.
//
// Quantiles follow one definition everywhere (inverse of the empirical CDF,
// Hyndman & Fan type 1): q(p) is the smallest value v such that at least
// ceil(p * R) of the R realizations are <= v. Per cell they are exact for dud
// counts up to 15 and within one histogram bin (25 % of the value) above; see
// kernels/histogram.h.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/accumulators.h"

namespace remnant {

struct Summary {
  double mean = 0, sd = 0, q05 = 0, q50 = 0, q95 = 0, min = 0, max = 0;
};

// Exact summary of a sample (sd with the n-1 denominator; 0 for n < 2).
Summary summarize(std::vector<double> values);
// Type-1 quantile of sorted values.
double quantile_sorted(const std::vector<double>& sorted, double p);
// The same of values in any order.
double quantile_of(std::vector<double> values, double p);

struct CellStatistics {
  std::vector<float> mean, sd, p_any, q05, q50, q95, impact_mean;
};

CellStatistics cell_statistics(const CellAccumulators& acc, std::uint32_t realizations);
// Quantile p of one cell's dud count over the realizations.
double cell_quantile(const CellAccumulators& acc, std::uint32_t cell, std::uint32_t realizations, double p);

}  // namespace remnant
