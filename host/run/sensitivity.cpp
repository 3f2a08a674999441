#include "host/run/sensitivity.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "host/evidence/sensitivity.h"

namespace remnant {

std::vector<SensitivityInput> realization_inputs(const Scenario& sc, const Plan& plan, std::uint64_t seed,
                                                 std::uint32_t realizations) {
  const std::size_t S = plan.per_carrier.size(), T = sc.submunitions.size();
  std::vector<SensitivityInput> in;
  std::vector<bool> fired(T, false);
  for (std::size_t s = 0; s < S; ++s)
    if (plan.first_item[s + 1] > plan.first_item[s]) fired[plan.type[s]] = true;
  for (const SubmunitionType& t : sc.submunitions) in.push_back({"dud rate of " + t.name, {}});
  const std::size_t height = in.size();
  in.push_back({"function height (item-weighted mean over strike rows)", {}});
  in.push_back({"footprint area (item-weighted mean over strike rows)", {}});
  in.push_back({"wind speed (item-weighted mean over strike rows)", {}});
  std::vector<double> weight(S);
  for (std::size_t s = 0; s < S; ++s) weight[s] = double(plan.first_item[s + 1] - plan.first_item[s]);
  const double items = std::accumulate(weight.begin(), weight.end(), 0.0);
  constexpr std::uint32_t kChunk = 64;
  for (std::uint32_t first = 0; first < realizations; first += kChunk) {
    const std::uint32_t count = std::min(kChunk, realizations - first);
    const BatchDraws d = draw_batch(sc, plan, seed, first, count);
    for (std::uint32_t b = 0; b < count; ++b) {
      for (std::size_t t = 0; t < T; ++t)
        in[t].values.push_back(double(d.dud_rate[b * T + t]) * double(d.sd_failure[b * T + t]));
      double h = 0.0, area = 0.0, wind = 0.0;
      for (std::size_t s = 0; s < S; ++s) {
        const std::size_t i = b * S + s;
        h += weight[s] * d.height[i];
        area += weight[s] * double(d.semi_major[i]) * d.semi_minor[i];
        wind += weight[s] * std::hypot(double(d.wind_x[i]), double(d.wind_y[i]));
      }
      in[height].values.push_back(items > 0 ? h / items : 0.0);
      in[height + 1].values.push_back(items > 0 ? area / items : 0.0);
      in[height + 2].values.push_back(items > 0 ? wind / items : 0.0);
    }
  }
  std::vector<SensitivityInput> varying;
  for (std::size_t t = 0; t < T; ++t)
    if (!fired[t]) in[t].values.clear();  // a type the scenario does not fire cannot matter
  for (SensitivityInput& x : in) {
    const auto [lo, hi] = std::minmax_element(x.values.begin(), x.values.end());
    if (lo != x.values.end() && *lo != *hi) varying.push_back(std::move(x));
  }
  return varying;
}

Sensitivity run_sensitivity(const Scenario& sc, const Plan& plan, const RunResult& r) {
  Sensitivity s;
  s.realizations = r.totals.size();
  if (!r.complete() || r.totals.size() < kMinSensitivityRealizations) return s;
  const std::vector<SensitivityInput> in = realization_inputs(sc, plan, r.seed, r.realizations);
  for (const SensitivityInput& x : in) s.inputs.push_back(x.name);
  std::vector<double> duds, hazard;
  const double pixel_km2 = double(plan.hazard.dx) * plan.hazard.dx * 1e-6;
  for (const RealizationTotals& t : r.totals) {
    duds.push_back(double(t.duds));
    hazard.push_back(double(t.hazard_pixels) * pixel_km2);
  }
  s.total_duds = first_order_indices(in, duds);
  s.hazard_area_km2 = first_order_indices(in, hazard);
  s.noise_level = sensitivity_noise_level(r.totals.size());
  return s;
}

}  // namespace remnant
