#include "host/evidence/stats.h"

#include <algorithm>
#include <cmath>

#include "kernels/histogram.h"

namespace remnant {
namespace {

// Rank (1-based) of the type-1 quantile p among n values.
std::uint64_t quantile_rank(std::uint64_t n, double p) {
  const double k = std::ceil(p * static_cast<double>(n) - 1e-9);
  return std::clamp<std::uint64_t>(static_cast<std::uint64_t>(k < 1.0 ? 1.0 : k), 1, n);
}

}  // namespace

double quantile_of(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  return quantile_sorted(values, p);
}

double quantile_sorted(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0.0;
  return sorted[quantile_rank(sorted.size(), p) - 1];
}

Summary summarize(std::vector<double> v) {
  Summary s;
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  long double sum = 0;
  for (double x : v) sum += x;
  const long double mean = sum / v.size();
  long double ss = 0;
  for (double x : v) ss += (x - mean) * (x - mean);
  s.mean = static_cast<double>(mean);
  s.sd = v.size() > 1 ? static_cast<double>(std::sqrt(ss / (v.size() - 1))) : 0.0;
  s.q05 = quantile_sorted(v, 0.05);
  s.q50 = quantile_sorted(v, 0.50);
  s.q95 = quantile_sorted(v, 0.95);
  s.min = v.front();
  s.max = v.back();
  return s;
}

double cell_quantile(const CellAccumulators& acc, std::uint32_t cell, std::uint32_t realizations, double p) {
  if (realizations == 0) return 0.0;
  const std::uint64_t rank = quantile_rank(realizations, p);
  std::uint64_t below = realizations - acc.dud_nonzero[cell];  // the zeros come first
  if (rank <= below) return 0.0;
  for (std::uint32_t bin = 0; bin < acc.histogram_bins; ++bin) {
    const std::uint64_t n = acc.histogram[static_cast<std::size_t>(bin) * acc.cells + cell];
    if (n == 0) continue;
    if (rank <= below + n) {
      const std::uint64_t width = histogram_bin_width(bin);
      const std::uint64_t low = histogram_bin_low(bin);
      if (width == 1) return static_cast<double>(low);
      // Spread the bin's n values evenly over its width; take the rank's share.
      const double j = static_cast<double>(rank - below) - 0.5;
      return static_cast<double>(low) + std::floor(j / static_cast<double>(n) * static_cast<double>(width));
    }
    below += n;
  }
  return 0.0;  // unreachable when the accumulators are consistent
}

CellStatistics cell_statistics(const CellAccumulators& acc, std::uint32_t realizations) {
  CellStatistics st;
  const std::uint32_t n = acc.cells;
  for (auto* v : {&st.mean, &st.sd, &st.p_any, &st.q05, &st.q50, &st.q95, &st.impact_mean}) v->assign(n, 0.0f);
  if (realizations == 0) return st;
  const double R = realizations;
  for (std::uint32_t c = 0; c < n; ++c) {
    const std::uint64_t sum = acc.dud_sum[c];
    st.mean[c] = static_cast<float>(sum / R);
    st.impact_mean[c] = static_cast<float>(acc.impact_sum[c] / R);
    st.p_any[c] = static_cast<float>(acc.dud_nonzero[c] / R);
    if (realizations > 1) {
      // Exact integer numerator: R * sum_sq - sum^2 = R var.
      const unsigned __int128 num = static_cast<unsigned __int128>(acc.dud_sum_sq[c]) * realizations -
                                    static_cast<unsigned __int128>(sum) * sum;
      st.sd[c] = static_cast<float>(std::sqrt(static_cast<double>(num) / (R * (R - 1.0))));
    }
    if (acc.dud_nonzero[c] == 0) continue;
    st.q05[c] = static_cast<float>(cell_quantile(acc, c, realizations, 0.05));
    st.q50[c] = static_cast<float>(cell_quantile(acc, c, realizations, 0.50));
    st.q95[c] = static_cast<float>(cell_quantile(acc, c, realizations, 0.95));
  }
  return st;
}

}  // namespace remnant
