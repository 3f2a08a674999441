// Calibration to a record (`remnant calibrate`, host/apps/calibrate.h): the
// statistics, as plain data and functions, so that they are tested without
// running the model. Approximate Bayesian computation on draws from the prior:
//
//   - every parameter's prior is uniform on its range [lo, hi];
//   - every draw's simulated figure of a target is its mean over the draw's
//     realizations (all draws run with the same seed: common random numbers);
//   - every target has a record y and, optionally, its standard deviation s.
//
// Two methods, chosen by the targets (docs/CALIBRATION.md says why):
//
//   "importance" (every target has an s): each draw weighs
//     exp(-1/2 sum_j ((m_j - y_j) / s_j)^2), the likelihood of the record if it
//     is the model's figure plus a Gaussian error of s. With a prior sample the
//     weighted draws are the exact posterior under that error model
//     (Wilkinson 2013, Stat. Appl. Genet. Mol. Biol. 12(2):129-141), up to
//     the sampling of the prior.
//   "rejection-regression" (some target has no s): the distance over the
//     targets, each scaled by its s or else by the median absolute deviation of
//     the simulated figures; the draws closest to the record (a fraction
//     `accept` of them) kept with Epanechnikov weights, and each kept draw's
//     parameters moved by a weighted local-linear regression on the
//     difference between its figures and the record (Beaumont, Zhang and
//     Balding 2002, Genetics 162:2025-2035), on the logit scale of the range
//     so that no value leaves its prior (Hamilton et al. 2005).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace remnant {

// --vary KEY=LO,HI: a numeric --set key and its prior range; integer when
// both bounds are written as integers (the draws are then whole numbers).
// KEY1+KEY2+...=LO,HI: one parameter set on every key alike (the aim errors
// of every carrier type, say).
struct CalibrationParameter {
  std::string key;                // as given ("KEY1+KEY2")
  std::vector<std::string> keys;  // the --set keys it sets
  double lo = 0.0, hi = 0.0;
  bool integer = false;
};

// --target METRIC=VALUE[:SD]: a headline total (headline_metric_names) or
// the duds of one submunition type ("duds_of:NAME", report.h), and the
// record's value, with its standard deviation when known.
struct CalibrationTarget {
  std::string metric;
  double value = 0.0;
  std::optional<double> sd;
};

// Parse one --vary / --target argument; InputError naming the argument and
// what was expected. A target's METRIC is what comes before its last '=', so
// that a type name may hold '=' or ':'; whether the scenario has the type is
// checked against the scenario (host/apps/calibrate.cpp).
CalibrationParameter parse_calibration_parameter(const std::string& arg);
CalibrationTarget parse_calibration_target(const std::string& arg);

// The i-th draw's value of parameter p from the prior, keyed by (seed, draw,
// parameter) only (Philox, kernels/rng.h, stream Calibration).
double prior_draw(const CalibrationParameter& p, std::uint64_t seed, std::uint32_t draw, std::uint32_t index);

extern const char* const kImportanceMethod;
extern const char* const kRegressionMethod;

// The posterior as weighted draws.
struct Posterior {
  std::string method;                      // kImportanceMethod or kRegressionMethod
  std::vector<double> weight;              // per draw, summing to 1 (0: rejected)
  std::vector<std::vector<double>> value;  // per draw, per parameter: the draw's values (adjusted by the regression)
  std::vector<double> scale;               // per target: its s, or the MAD of its simulated figures
  double tolerance = 0.0;                  // rejection: the distance kept; importance: 0
  std::size_t accepted = 0;                // draws with a weight above 0
  double effective_draws = 0.0;            // (sum w)^2 / sum w^2
};

// The posterior from the draws' parameter values theta[draw][parameter] and
// simulated figures sim[draw][target]. accept: the fraction of draws the
// rejection method keeps (0 < accept <= 1). log_prior_over_proposal: per
// draw, log(prior density / the density it was drawn from), for draws of a
// later round (importance method only); none: drawn from the prior. Throws
// InputError when no draw can be weighed (every weight 0, a target whose
// figures never vary).
Posterior abc_posterior(const std::vector<CalibrationParameter>& params, const std::vector<CalibrationTarget>& targets,
                        const std::vector<std::vector<double>>& theta, const std::vector<std::vector<double>>& sim,
                        double accept, const std::vector<double>* log_prior_over_proposal = nullptr);

// Sequential rounds (adaptive importance sampling as in population Monte
// Carlo ABC, Beaumont, Cornuet, Marin and Robert 2009): a round after the
// first draws from the posterior so far, each of its weighed draws moved by a
// Gaussian kernel truncated to the prior's range (per parameter; SD sqrt(2)
// times the weighted SD). Every draw of every round is then weighed by the
// likelihood times prior / the density of all rounds' mixture (each round an
// equal share, the first round's density the prior's: the balance heuristic
// of multiple importance sampling, Veach and Guibas 1995), so the weighed
// draws are the posterior, with more of them where it lies, and the prior's
// share bounds every weight (defensive importance sampling).
struct Proposal {
  std::vector<std::vector<double>> centre;  // the previous round's draws with a weight
  std::vector<double> weight;               // their weights, summing to 1
  std::vector<double> sd;                   // the kernel's SD per parameter
};
Proposal make_proposal(const std::vector<CalibrationParameter>& params, const std::vector<std::vector<double>>& theta,
                       const std::vector<double>& weight);
// Draw `draw`'s values from the proposal, keyed by (seed, draw, parameter).
std::vector<double> proposal_draw(const Proposal& q, const std::vector<CalibrationParameter>& params,
                                  std::uint64_t seed, std::uint32_t draw);
// The proposal's density at theta (whole numbers: probability).
double proposal_density(const Proposal& q, const std::vector<CalibrationParameter>& params,
                        const std::vector<double>& theta);
// log(prior density / the rounds' mixture density) at theta, the first round
// being the prior and `later` the proposals of the rounds after it.
double log_prior_over_rounds(const std::vector<Proposal>& later, const std::vector<CalibrationParameter>& params,
                             const std::vector<double>& theta);

struct WeightedSummary {
  double mean = 0.0, q05 = 0.0, q50 = 0.0, q95 = 0.0;
};
// The weighted mean and quantiles (weights need not sum to 1; the quantile
// interpolates the weighted distribution function at the middle of each
// value's weight, the Hazen rule when the weights are equal).
WeightedSummary weighted_summary(const std::vector<double>& values, const std::vector<double>& weights);

// A finished calibration: its provenance, arguments, draws and posterior;
// what the JSON summary, the CSV of draws, the text report and the figure
// (host/maps/calibration_plot.h) are made from.
struct Calibration {
  std::string scenario_name, scenario_path, backend, software_version, git_revision, date;
  std::vector<std::string> sets;  // the fixed --set KEY=VALUE
  std::uint64_t seed = 0;
  std::uint32_t realizations = 0;  // per draw
  double accept = 0.1;
  std::uint32_t rounds = 1;  // of draws.size() / rounds draws each; the posterior weighs them all
  std::vector<CalibrationParameter> params;
  std::vector<CalibrationTarget> targets;
  std::vector<std::vector<double>> theta;  // [draw][parameter], as drawn from the prior
  // The totals recorded for every realization (run_metric_names): the
  // headline totals, then duds_of:NAME for each submunition type fired.
  std::vector<std::string> metrics;
  // [draw][metric of `metrics`][realization]; a metric the run does not
  // record is empty.
  std::vector<std::vector<std::vector<double>>> values;
  Posterior posterior;
  double seconds = 0.0;  // simulation time of the draws run by this invocation

  std::size_t round_size() const { return theta.size() / rounds; }
  std::size_t round_of(std::size_t draw) const { return draw / round_size(); }
  // 1 for the first round's draws (from the prior), 0 for the others.
  std::vector<double> prior_weights() const;
  // The position of a metric in `metrics`; InputError for one not there.
  std::size_t metric_index(const std::string& metric) const;
  // The mean over draw i's realizations of a metric.
  double draw_mean(std::size_t draw, const std::string& metric) const;
  // sim[draw][target]: what abc_posterior compares with the record.
  std::vector<std::vector<double>> simulated_targets() const;
};

// The posterior of parameter p, and the prior and posterior predictive of a
// metric: over the draws' means (`over_draws`) or pooled over every
// realization of every draw (each draw's weight shared by its realizations).
WeightedSummary parameter_posterior(const Calibration& c, std::size_t p);
WeightedSummary predictive(const Calibration& c, const std::string& metric, bool posterior, bool over_draws);

// What a reader must know before quoting the posterior: fewer than 20
// effective draws, a record beyond every draw's figure (the priors' ranges
// cannot reach it: the posterior then leans on the nearest draws only).
std::vector<std::string> calibration_warnings(const Calibration& c);

// {"method", "parameters": {KEY: {"prior": [LO, HI], "mean", "q05", "q50", "q95"}}, "targets": {METRIC:
// {"record", "sd", "prior_predictive", "posterior_predictive"}}, "outputs": {METRIC: {"prior", "posterior"}},
// "draws", "accepted", "effective_draws", ...}
std::string calibration_json(const Calibration& c);
// One row per draw: its parameters as drawn (and adjusted), its weight and
// the mean of every metric recorded.
std::string calibration_draws_csv(const Calibration& c);
// The report `remnant calibrate` prints.
std::string calibration_text(const Calibration& c);
// The `_source` of a calibrated value in the calibrated scenario.
std::string calibrated_source(const Calibration& c, std::size_t p);

}  // namespace remnant
