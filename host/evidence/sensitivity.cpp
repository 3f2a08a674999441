#include "host/evidence/sensitivity.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace remnant {
namespace {

double first_order_index(const std::vector<double>& x, const std::vector<double>& y) {
  const std::size_t R = y.size();
  const std::size_t K = static_cast<std::size_t>(std::floor(std::sqrt(double(R))));
  std::vector<std::size_t> order(R);
  std::iota(order.begin(), order.end(), std::size_t{0});
  // Ties broken by realization index: the bins do not depend on the sort's implementation.
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return x[a] < x[b]; });
  const double mean = std::accumulate(y.begin(), y.end(), 0.0) / double(R);
  double ss_total = 0.0, ss_between = 0.0, ss_within = 0.0;
  for (const double v : y) ss_total += (v - mean) * (v - mean);
  for (std::size_t k = 0; k < K; ++k) {
    const std::size_t lo = k * R / K, hi = (k + 1) * R / K;
    double m = 0.0;
    for (std::size_t i = lo; i < hi; ++i) m += y[order[i]];
    m /= double(hi - lo);
    ss_between += double(hi - lo) * (m - mean) * (m - mean);
    for (std::size_t i = lo; i < hi; ++i) ss_within += (y[order[i]] - m) * (y[order[i]] - m);
  }
  const double ms_within = ss_within / double(R - K);
  const double s = (ss_between - double(K - 1) * ms_within) / (ss_total + ms_within);
  return std::clamp(s, 0.0, 1.0);
}

}  // namespace

double sensitivity_noise_level(std::size_t realizations) {
  if (realizations < kMinSensitivityRealizations) return 1.0;
  const double K = std::floor(std::sqrt(double(realizations)));
  return 2.0 * std::sqrt(2.0 * (K - 1.0)) / double(realizations);
}

std::vector<double> first_order_indices(const std::vector<SensitivityInput>& inputs, const std::vector<double>& y) {
  for (const SensitivityInput& in : inputs)
    if (in.values.size() != y.size())
      throw std::invalid_argument("sensitivity input \"" + in.name + "\" has " + std::to_string(in.values.size()) +
                                  " values for " + std::to_string(y.size()) + " realizations");
  if (y.size() < kMinSensitivityRealizations) return {};
  const auto [lo, hi] = std::minmax_element(y.begin(), y.end());
  if (*lo == *hi) return {};
  std::vector<double> out;
  for (const SensitivityInput& in : inputs) out.push_back(first_order_index(in.values, y));
  return out;
}

}  // namespace remnant
