#include "host/evidence/sensitivity.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "host/evidence/report.h"

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

namespace {

constexpr const char* kMethodText =
    "first-order indices Var(E[Y|X])/Var(Y) from the run's realizations: Y binned by each input into floor(sqrt(R)) "
    "equal-count bins, bias-corrected correlation ratio (omega squared), negative estimates as 0; inputs drawn per "
    "strike row enter as their item-weighted mean over the rows";
constexpr const char* kRest = "not explained by these (site placement, aim, each item's scatter, interactions)";

std::vector<std::pair<std::string, double>> ranked(const Sensitivity& s, const std::vector<double>& idx) {
  std::vector<std::pair<std::string, double>> out;
  for (std::size_t i = 0; i < idx.size(); ++i) out.push_back({s.inputs[i], idx[i]});
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  const double sum = std::accumulate(idx.begin(), idx.end(), 0.0);
  if (!idx.empty()) out.push_back({kRest, std::max(0.0, 1.0 - sum)});
  return out;
}

}  // namespace

const char* const kSensitivityMethod = kMethodText;

std::string sensitivity_json(const Sensitivity& s) {
  auto object = [&](const std::vector<double>& idx) {
    std::string o;
    for (const auto& [name, v] : ranked(s, idx)) o += fmt::format(R"({}"{}": {:.4f})", o.empty() ? "" : ", ", json_escape(name), v);
    return "{" + o + "}";
  };
  return fmt::format(R"({{"method": "{}", "realizations": {}, "noise_level": {:.4f}, "total_duds": {}, "hazard_area_km2": {}}})",
                     kSensitivityMethod, s.realizations, s.noise_level, object(s.total_duds), object(s.hazard_area_km2));
}

std::string sensitivity_text(const Sensitivity& s) {
  if (s.total_duds.empty() && s.hazard_area_km2.empty())
    return s.realizations < kMinSensitivityRealizations
               ? fmt::format("  sensitivity: needs at least {} realizations\n", kMinSensitivityRealizations)
               : std::string();
  std::string out;
  auto block = [&](const char* what, const std::vector<double>& idx) {
    if (idx.empty()) return;
    out += fmt::format("  what drives {} (share of its variance between realizations):", what);
    std::size_t below = 0;
    for (const auto& [name, v] : ranked(s, idx)) {
      if (v < s.noise_level && name != kRest) ++below;
      else out += fmt::format(" {} {:.0f} %;", name, 100.0 * v);
    }
    if (below) out += fmt::format(" {} more input{} below the noise level ({:.0f} %);", below, below == 1 ? "" : "s",
                                  100.0 * s.noise_level);
    out.back() = '\n';
  };
  block("the duds", s.total_duds);
  block("the hazard area", s.hazard_area_km2);
  return out;
}

}  // namespace remnant
