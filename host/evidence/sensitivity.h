// First-order sensitivity of a headline total to the inputs drawn per
// realization, estimated from the realizations already run (no extra runs).
//
// For an input X (one number per realization: a type's dud rate, the mean wind
// speed over the strike rows, ...) and a total Y, the first-order index is
// S = Var(E[Y | X]) / Var(Y): the share of Y's variance that X alone explains.
// E[Y | X] is estimated by the mean of Y over K bins of equal counts of the
// realizations sorted by X (K = floor(sqrt(R))), and S by the bias-corrected
// correlation ratio of a one-way analysis of variance (omega squared):
//   S = (SS_between - (K - 1) MS_within) / (SS_total + MS_within),
// which is near 0 where X does not matter (the plain ratio of sums of squares
// is (K - 1) / (R - 1) on average then). It sees non-linear dependence too.
// Inputs drawn per strike row enter through a per-realization summary (an
// item-weighted mean), so their index is that of the summary, a lower bound
// of the group's. Negative estimates (noise) are reported as 0. What no input
// explains (site placement, aim errors, each item's scatter, interactions) is
// 1 minus the sum, when that is positive.
#pragma once

#include <string>
#include <vector>

namespace remnant {

struct SensitivityInput {
  std::string name;           // "dud rate of M77", "wind speed (mean over strike rows)"
  std::vector<double> values; // one per realization
};

// Fewer realizations than this: no indices (the bins would hold too few).
constexpr std::size_t kMinSensitivityRealizations = 20;

// Twice the standard deviation of the estimate for an input that does not
// matter, 2 sqrt(2 (K - 1)) / R (the between-bin sum of squares is then about
// Var(Y) times a chi-square with K - 1 degrees of freedom): an index below it
// is not told apart from 0.
double sensitivity_noise_level(std::size_t realizations);

// The first-order index of y on each input, in the inputs' order; empty when
// y has fewer than kMinSensitivityRealizations values or no variance.
// Throws std::invalid_argument when an input's length differs from y's.
std::vector<double> first_order_indices(const std::vector<SensitivityInput>& inputs, const std::vector<double>& y);

// A run's indices: what drives its headline totals.
struct Sensitivity {
  std::size_t realizations = 0;
  std::vector<std::string> inputs;  // the inputs that vary between realizations
  // Per headline total, one index per input; empty when the run has fewer
  // than kMinSensitivityRealizations realizations or the total does not vary.
  std::vector<double> total_duds, hazard_area_km2;
  double noise_level = 0.0;  // sensitivity_noise_level(realizations)
  bool empty() const { return total_duds.empty() && hazard_area_km2.empty(); }
};

// How the indices are estimated, in one sentence (JSON and the result file).
extern const char* const kSensitivityMethod;

// {"method": .., "realizations": R, "noise_level": .., "total_duds": {INPUT: share, ..., "not explained by these": ..}, ...}
std::string sensitivity_json(const Sensitivity& s);
// Lines for the text summary and `info`: each total's inputs by share, largest
// first, those below the noise level counted together.
std::string sensitivity_text(const Sensitivity& s);

}  // namespace remnant
