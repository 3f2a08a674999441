#include "host/evidence/calibration.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "host/common/errors.h"
#include "host/common/numbers.h"
#include "host/evidence/report.h"
#include "kernels/rng.h"

namespace remnant {

const char* const kImportanceMethod =
    "approximate Bayesian computation, importance weights: draws from the uniform priors weighed by the likelihood "
    "of the record under a Gaussian error of the given SD around the draw's simulated mean (Wilkinson 2013)";
const char* const kRegressionMethod =
    "approximate Bayesian computation, rejection with local-linear regression adjustment: the draws nearest the "
    "record kept with Epanechnikov weights, their parameters adjusted on the logit scale of the prior range "
    "(Beaumont, Zhang and Balding 2002)";

namespace {

bool written_as_integer(const std::string& text) {
  return !text.empty() && text.find_first_of(".eEnN") == std::string::npos;
}

}  // namespace

CalibrationParameter parse_calibration_parameter(const std::string& arg) {
  const std::size_t eq = arg.rfind('=');
  const std::string expected = "expected KEY=LO,HI with numbers LO < HI, e.g. hazard.fade_out_m=10,100";
  if (eq == std::string::npos || eq == 0) throw InputError(fmt::format("--vary {}: {}", arg, expected));
  const std::string range = arg.substr(eq + 1);
  const std::size_t comma = range.find(',');
  if (comma == std::string::npos) throw InputError(fmt::format("--vary {}: {}", arg, expected));
  const std::string lo_text = range.substr(0, comma), hi_text = range.substr(comma + 1);
  const auto lo = parse_number(lo_text), hi = parse_number(hi_text);
  if (!lo || !hi) throw InputError(fmt::format("--vary {}: {}", arg, expected));
  if (!(*lo < *hi))
    throw InputError(fmt::format("--vary {}: the range is empty ({} is not below {}); {}", arg, lo_text, hi_text,
                                 expected));
  const std::string key = arg.substr(0, eq);
  std::vector<std::string> keys;
  char quote = 0;
  std::string cur;
  for (char ch : key) {
    if (quote) quote = ch == quote ? 0 : quote;
    else if (ch == '"' || ch == '\'') quote = ch;
    else if (ch == '+') {
      keys.push_back(cur);
      cur.clear();
      continue;
    }
    cur += ch;
  }
  keys.push_back(cur);
  for (const std::string& k : keys)
    if (k.empty()) throw InputError(fmt::format("--vary {}: an empty key in KEY1+KEY2+...; {}", arg, expected));
  return {key, keys, *lo, *hi, written_as_integer(lo_text) && written_as_integer(hi_text)};
}

CalibrationTarget parse_calibration_target(const std::string& arg) {
  const std::size_t eq = arg.rfind('=');  // a type's name may hold '='; a value does not
  const std::string expected = "expected METRIC=VALUE or METRIC=VALUE:SD, e.g. hazard_area_km2=34.2:5";
  if (eq == std::string::npos || eq == 0) throw InputError(fmt::format("--target {}: {}", arg, expected));
  CalibrationTarget t;
  t.metric = arg.substr(0, eq);
  const auto& names = headline_metric_names();
  const std::optional<std::string> type = duds_of_type(t.metric);
  if (type && type->empty())
    throw InputError(fmt::format("--target {}: {} names no submunition type; expected {}NAME with NAME a "
                                 "submunition type of the scenario, e.g. {}M85=1000:200",
                                 arg, kDudsOfPrefix, kDudsOfPrefix, kDudsOfPrefix));
  if (!type && std::find(names.begin(), names.end(), t.metric) == names.end())
    throw InputError(fmt::format("--target {}: \"{}\" is not a headline total; expected one of {}, or {}NAME (the "
                                 "duds of the scenario's submunition type NAME)",
                                 arg, t.metric, fmt::join(names, ", "), kDudsOfPrefix));
  const std::string rest = arg.substr(eq + 1);
  const std::size_t colon = rest.find(':');
  const auto value = parse_number(rest.substr(0, colon));
  if (!value) throw InputError(fmt::format("--target {}: the value is not a number; {}", arg, expected));
  t.value = *value;
  if (colon != std::string::npos) {
    const auto sd = parse_number(rest.substr(colon + 1));
    if (!sd || *sd <= 0.0)
      throw InputError(fmt::format("--target {}: the SD is not a number above 0; {}", arg, expected));
    t.sd = *sd;
  }
  return t;
}

double prior_draw(const CalibrationParameter& p, std::uint64_t seed, std::uint32_t draw, std::uint32_t index) {
  const auto w = philox(make_key(seed, Stream::Calibration), draw, index, 0, kNoSubmunition, 0);
  const double u = to_unit_open_double(w[0], w[1]);
  if (!p.integer) return p.lo + u * (p.hi - p.lo);
  // Whole numbers lo..hi, each as likely.
  const double n = p.hi - p.lo + 1.0;
  return std::min(p.hi, p.lo + std::floor(u * n));
}

WeightedSummary weighted_summary(const std::vector<double>& values, const std::vector<double>& weights) {
  std::vector<std::size_t> order;
  double total = 0.0, sum = 0.0;
  for (std::size_t i = 0; i < values.size(); ++i)
    if (weights[i] > 0.0) {
      order.push_back(i);
      total += weights[i];
      sum += weights[i] * values[i];
    }
  WeightedSummary s;
  if (order.empty() || total <= 0.0) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    return {nan, nan, nan, nan};
  }
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
  std::vector<double> at(order.size());  // each value's mid-weight position in (0, 1)
  double c = 0.0;
  for (std::size_t k = 0; k < order.size(); ++k) {
    at[k] = (c + 0.5 * weights[order[k]]) / total;
    c += weights[order[k]];
  }
  auto quantile = [&](double p) {
    if (p <= at.front()) return values[order.front()];
    if (p >= at.back()) return values[order.back()];
    const std::size_t hi = static_cast<std::size_t>(std::upper_bound(at.begin(), at.end(), p) - at.begin());
    const double f = (p - at[hi - 1]) / (at[hi] - at[hi - 1]);
    return values[order[hi - 1]] + f * (values[order[hi]] - values[order[hi - 1]]);
  };
  s.mean = sum / total;
  s.q05 = quantile(0.05);
  s.q50 = quantile(0.5);
  s.q95 = quantile(0.95);
  return s;
}

namespace {

double median_absolute_deviation(std::vector<double> v) {
  if (v.empty()) return 0.0;
  auto median = [](std::vector<double>& x) {
    std::sort(x.begin(), x.end());
    const std::size_t n = x.size();
    return n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
  };
  const double m = median(v);
  for (double& x : v) x = std::abs(x - m);
  return median(v);
}

// Solves the symmetric system a x = b (a is n x n, row-major) by Gaussian
// elimination with partial pivoting; false when it is singular.
bool solve(std::vector<double> a, std::vector<double>& b, std::size_t n) {
  for (std::size_t c = 0; c < n; ++c) {
    std::size_t piv = c;
    for (std::size_t r = c + 1; r < n; ++r)
      if (std::abs(a[r * n + c]) > std::abs(a[piv * n + c])) piv = r;
    if (std::abs(a[piv * n + c]) < 1e-12) return false;
    if (piv != c) {
      for (std::size_t k = 0; k < n; ++k) std::swap(a[c * n + k], a[piv * n + k]);
      std::swap(b[c], b[piv]);
    }
    for (std::size_t r = c + 1; r < n; ++r) {
      const double f = a[r * n + c] / a[c * n + c];
      for (std::size_t k = c; k < n; ++k) a[r * n + k] -= f * a[c * n + k];
      b[r] -= f * b[c];
    }
  }
  for (std::size_t c = n; c-- > 0;) {
    for (std::size_t k = c + 1; k < n; ++k) b[c] -= a[c * n + k] * b[k];
    b[c] /= a[c * n + c];
  }
  return true;
}

double logit_of(const CalibrationParameter& p, double v) {
  const double eps = 1e-6;
  const double f = std::clamp((v - p.lo) / (p.hi - p.lo), eps, 1.0 - eps);
  return std::log(f / (1.0 - f));
}

double from_logit(const CalibrationParameter& p, double z) { return p.lo + (p.hi - p.lo) / (1.0 + std::exp(-z)); }

// Beaumont et al. (2002): for each parameter, the weighted least-squares
// line of its logit on the kept draws' scaled differences x = (m - y) / s,
// and each kept draw moved to where the line says it would be had its
// figures been the record: z - beta . x. Left as drawn when the system is
// singular (too few kept draws for the targets).
void regression_adjust(Posterior& post, const std::vector<CalibrationParameter>& params,
                       const std::vector<std::vector<double>>& x) {
  const std::size_t q = x.empty() ? 0 : x[0].size(), n = q + 1;
  for (std::size_t p = 0; p < params.size(); ++p) {
    std::vector<double> a(n * n, 0.0), b(n, 0.0);
    for (std::size_t i = 0; i < x.size(); ++i) {
      const double w = post.weight[i];
      if (w <= 0.0) continue;
      const double z = logit_of(params[p], post.value[i][p]);
      for (std::size_t r = 0; r < n; ++r) {
        const double xr = r == 0 ? 1.0 : x[i][r - 1];
        b[r] += w * xr * z;
        for (std::size_t c = 0; c < n; ++c) a[r * n + c] += w * xr * (c == 0 ? 1.0 : x[i][c - 1]);
      }
    }
    if (!solve(a, b, n)) continue;
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (post.weight[i] <= 0.0) continue;
      double z = logit_of(params[p], post.value[i][p]);
      for (std::size_t j = 0; j < q; ++j) z -= b[j + 1] * x[i][j];
      post.value[i][p] = from_logit(params[p], z);
    }
  }
}

}  // namespace

Posterior abc_posterior(const std::vector<CalibrationParameter>& params, const std::vector<CalibrationTarget>& targets,
                        const std::vector<std::vector<double>>& theta, const std::vector<std::vector<double>>& sim,
                        double accept, const std::vector<double>* log_prior_over_proposal) {
  const std::size_t n = theta.size();
  Posterior post;
  post.value = theta;
  post.weight.assign(n, 0.0);
  if (n == 0) throw InputError("calibration: no draws to weigh");
  const bool all_sd = std::all_of(targets.begin(), targets.end(), [](const CalibrationTarget& t) { return t.sd; });
  post.method = all_sd ? kImportanceMethod : kRegressionMethod;
  for (std::size_t j = 0; j < targets.size(); ++j) {
    if (targets[j].sd) {
      post.scale.push_back(*targets[j].sd);
      continue;
    }
    std::vector<double> col(n);
    for (std::size_t i = 0; i < n; ++i) col[i] = sim[i][j];
    const double mad = median_absolute_deviation(col);
    if (!(mad > 0.0))
      throw InputError(fmt::format("--target {}: its simulated figure hardly varies over the draws (median absolute "
                                   "deviation 0), so the parameters cannot be told apart by it; give its SD "
                                   "(METRIC=VALUE:SD) or vary parameters that move it",
                                   targets[j].metric));
    post.scale.push_back(mad);
  }
  std::vector<std::vector<double>> x(n, std::vector<double>(targets.size()));
  std::vector<double> d2(n, 0.0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < targets.size(); ++j) {
      x[i][j] = (sim[i][j] - targets[j].value) / post.scale[j];
      d2[i] += x[i][j] * x[i][j];
    }
  if (log_prior_over_proposal && !all_sd)
    throw InputError("calibration: draws after the first round need an SD for every target (the importance method)");
  if (all_sd) {
    std::vector<double> lw(n);
    for (std::size_t i = 0; i < n; ++i) lw[i] = -0.5 * d2[i] + (log_prior_over_proposal ? (*log_prior_over_proposal)[i] : 0.0);
    const double best = *std::max_element(lw.begin(), lw.end());
    for (std::size_t i = 0; i < n; ++i) post.weight[i] = std::exp(lw[i] - best);
  } else {
    std::vector<double> sorted = d2;
    std::sort(sorted.begin(), sorted.end());
    const std::size_t keep = std::max<std::size_t>(2, static_cast<std::size_t>(std::ceil(accept * double(n))));
    // The tolerance lies just beyond the keep-th nearest draw, so that it keeps a weight.
    const double h2 = keep >= n ? sorted.back() * (1.0 + 1e-9) + 1e-300
                                : 0.5 * (sorted[keep - 1] + sorted[keep]) + 1e-300;
    post.tolerance = std::sqrt(h2);
    for (std::size_t i = 0; i < n; ++i) post.weight[i] = d2[i] < h2 ? 1.0 - d2[i] / h2 : 0.0;
  }
  double sum = 0.0, sum2 = 0.0;
  for (double w : post.weight) sum += w;
  if (!(sum > 0.0)) throw InputError("calibration: no draw comes near the record; widen the ranges or give more draws");
  for (double& w : post.weight) {
    w /= sum;
    sum2 += w * w;
    post.accepted += w > 0.0;
  }
  post.effective_draws = 1.0 / sum2;
  if (!all_sd) regression_adjust(post, params, x);
  return post;
}

// ---------------------------------------------------------------- sequential rounds

namespace {

double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

// The inverse of the standard normal distribution function (Acklam's rational
// approximation, relative error below 1.2e-9, then one Newton step).
double normal_quantile(double p) {
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                             1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                             6.680131188771972e+01,  -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                             -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                             3.754408661907416e+00};
  p = std::clamp(p, 1e-300, 1.0 - 1e-16);
  double x;
  if (p < 0.02425) {
    const double q = std::sqrt(-2 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p > 1 - 0.02425) {
    const double q = std::sqrt(-2 * std::log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else {
    const double q = p - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  }
  const double e = normal_cdf(x) - p;
  const double u = e * std::sqrt(2 * M_PI) * std::exp(0.5 * x * x);
  return x - u / (1 + 0.5 * x * u);
}

// The range a parameter's kernel is truncated to: [lo, hi], widened by half a
// unit for whole numbers (the kernel's value is then rounded).
std::pair<double, double> support(const CalibrationParameter& p) {
  return p.integer ? std::make_pair(p.lo - 0.5, p.hi + 0.5) : std::make_pair(p.lo, p.hi);
}

// The kernel's density (whole numbers: probability) at v, centred on mu.
double kernel_density(const CalibrationParameter& p, double mu, double sd, double v) {
  const auto [lo, hi] = support(p);
  const double z = normal_cdf((hi - mu) / sd) - normal_cdf((lo - mu) / sd);
  if (!(z > 0.0)) return 0.0;
  if (p.integer) return (normal_cdf((v + 0.5 - mu) / sd) - normal_cdf((v - 0.5 - mu) / sd)) / z;
  const double t = (v - mu) / sd;
  return std::exp(-0.5 * t * t) / (sd * std::sqrt(2 * M_PI) * z);
}

double prior_density(const CalibrationParameter& p) { return p.integer ? 1.0 / (p.hi - p.lo + 1.0) : 1.0 / (p.hi - p.lo); }

}  // namespace

Proposal make_proposal(const std::vector<CalibrationParameter>& params, const std::vector<std::vector<double>>& theta,
                       const std::vector<double>& weight) {
  Proposal q;
  double total = 0.0;
  for (std::size_t i = 0; i < theta.size(); ++i)
    if (weight[i] > 0.0) {
      q.centre.push_back(theta[i]);
      q.weight.push_back(weight[i]);
      total += weight[i];
    }
  for (double& w : q.weight) w /= total;
  for (std::size_t p = 0; p < params.size(); ++p) {
    double mean = 0.0, var = 0.0;
    for (std::size_t j = 0; j < q.centre.size(); ++j) mean += q.weight[j] * q.centre[j][p];
    for (std::size_t j = 0; j < q.centre.size(); ++j) var += q.weight[j] * (q.centre[j][p] - mean) * (q.centre[j][p] - mean);
    // Twice the weighted variance (Beaumont et al. 2009); not below a
    // thousandth of the range (or half a unit), so that one kept draw still moves.
    const double floor = params[p].integer ? 0.5 : 1e-3 * (params[p].hi - params[p].lo);
    q.sd.push_back(std::max(std::sqrt(2.0 * var), floor));
  }
  return q;
}

std::vector<double> proposal_draw(const Proposal& q, const std::vector<CalibrationParameter>& params,
                                  std::uint64_t seed, std::uint32_t draw) {
  const RngKey key = make_key(seed, Stream::Calibration);
  const auto pick = philox(key, draw, 0, 1, kNoSubmunition, 0);
  const double u = to_unit_open_double(pick[0], pick[1]);
  std::size_t j = 0;
  for (double c = q.weight[0]; j + 1 < q.weight.size() && u > c; c += q.weight[++j]) {
  }
  std::vector<double> out;
  for (std::uint32_t p = 0; p < params.size(); ++p) {
    const auto w = philox(key, draw, p, 2, kNoSubmunition, 0);
    const double mu = q.centre[j][p], sd = q.sd[p];
    const auto [lo, hi] = support(params[p]);
    const double a = normal_cdf((lo - mu) / sd), b = normal_cdf((hi - mu) / sd);
    double v = mu + sd * normal_quantile(a + to_unit_open_double(w[0], w[1]) * (b - a));
    v = std::clamp(v, lo, hi);
    if (params[p].integer) v = std::clamp(std::round(v), params[p].lo, params[p].hi);
    out.push_back(v);
  }
  return out;
}

double proposal_density(const Proposal& q, const std::vector<CalibrationParameter>& params,
                        const std::vector<double>& theta) {
  double mix = 0.0;
  for (std::size_t j = 0; j < q.centre.size(); ++j) {
    double k = q.weight[j];
    for (std::size_t p = 0; p < params.size() && k > 0.0; ++p) k *= kernel_density(params[p], q.centre[j][p], q.sd[p], theta[p]);
    mix += k;
  }
  return mix;
}

double log_prior_over_rounds(const std::vector<Proposal>& later, const std::vector<CalibrationParameter>& params,
                             const std::vector<double>& theta) {
  double prior = 1.0;
  for (const CalibrationParameter& p : params) prior *= prior_density(p);
  double mix = prior;
  for (const Proposal& q : later) mix += proposal_density(q, params, theta);
  mix /= double(later.size() + 1);
  return std::log(prior) - std::log(mix);
}

// ---------------------------------------------------------------- reports

std::vector<double> Calibration::prior_weights() const {
  std::vector<double> w(theta.size(), 0.0);
  for (std::size_t i = 0; i < std::min(theta.size(), round_size()); ++i) w[i] = 1.0;
  return w;
}

std::size_t Calibration::metric_index(const std::string& metric) const {
  const auto at = std::find(metrics.begin(), metrics.end(), metric);
  if (at == metrics.end())
    throw InputError(fmt::format("{}: not a total this calibration recorded; it recorded {}", metric,
                                 fmt::join(metrics, ", ")));
  return static_cast<std::size_t>(at - metrics.begin());
}

double Calibration::draw_mean(std::size_t draw, const std::string& metric) const {
  const std::vector<double>& v = values[draw][metric_index(metric)];
  if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
  return std::accumulate(v.begin(), v.end(), 0.0) / double(v.size());
}

std::vector<std::vector<double>> Calibration::simulated_targets() const {
  std::vector<std::vector<double>> sim(values.size());
  for (std::size_t i = 0; i < values.size(); ++i)
    for (const CalibrationTarget& t : targets) sim[i].push_back(draw_mean(i, t.metric));
  return sim;
}

WeightedSummary parameter_posterior(const Calibration& c, std::size_t p) {
  std::vector<double> v;
  for (const auto& row : c.posterior.value) v.push_back(row[p]);
  return weighted_summary(v, c.posterior.weight);
}

WeightedSummary predictive(const Calibration& c, const std::string& metric, bool posterior, bool over_draws) {
  const std::size_t m = c.metric_index(metric);
  std::vector<double> v, w;
  const std::vector<double> prior = c.prior_weights();
  for (std::size_t i = 0; i < c.values.size(); ++i) {
    const double wi = posterior ? c.posterior.weight[i] : prior[i];
    if (over_draws) {
      v.push_back(c.draw_mean(i, metric));
      w.push_back(wi);
      continue;
    }
    const std::vector<double>& r = c.values[i][m];
    for (double x : r) {
      v.push_back(x);
      w.push_back(wi / double(r.size()));
    }
  }
  return weighted_summary(v, w);
}

namespace {

std::string json_number(double v) { return std::isfinite(v) ? fmt::format("{}", v) : std::string("null"); }

std::string json_summary(const WeightedSummary& s) {
  return fmt::format(R"({{"mean": {}, "q05": {}, "q50": {}, "q95": {}}})", json_number(s.mean), json_number(s.q05),
                     json_number(s.q50), json_number(s.q95));
}

std::string target_text(const CalibrationTarget& t) {
  return t.sd ? fmt::format("{} = {:g} (SD {:g})", t.metric, t.value, *t.sd) : fmt::format("{} = {:g}", t.metric, t.value);
}

bool recorded(const Calibration& c, const std::string& metric) {
  return !c.values.empty() && !c.values[0][c.metric_index(metric)].empty();
}

}  // namespace

std::vector<std::string> calibration_warnings(const Calibration& c) {
  std::vector<std::string> out;
  if (c.posterior.effective_draws < 20)
    out.push_back(fmt::format("only {:.1f} effective draws: the posterior rests on a handful of draws; run more draws "
                              "(--draws, with --resume to keep these) or narrow the ranges",
                              c.posterior.effective_draws));
  for (const CalibrationTarget& t : c.targets) {
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (std::size_t i = 0; i < c.values.size(); ++i) {
      lo = std::min(lo, c.draw_mean(i, t.metric));
      hi = std::max(hi, c.draw_mean(i, t.metric));
    }
    if (t.value < lo || t.value > hi)
      out.push_back(fmt::format("the record {} = {} lies {} every draw's figure ({} to {}): the priors' ranges do not "
                                "reach it, and the posterior leans on the nearest draws; widen the ranges or vary "
                                "other inputs",
                                t.metric, format_figure(t.value), t.value < lo ? "below" : "above", format_figure(lo),
                                format_figure(hi)));
  }
  return out;
}

std::string calibration_json(const Calibration& c) {
  std::string params, targets, outputs;
  for (std::size_t p = 0; p < c.params.size(); ++p) {
    const CalibrationParameter& q = c.params[p];
    const WeightedSummary s = parameter_posterior(c, p);
    params += fmt::format(R"({}    "{}": {{"prior": [{}, {}], "integer": {}, "mean": {}, "q05": {}, "q50": {}, "q95": {}}})",
                          p ? ",\n" : "", json_escape(q.key), json_number(q.lo), json_number(q.hi),
                          q.integer ? "true" : "false", json_number(s.mean), json_number(s.q05), json_number(s.q50),
                          json_number(s.q95));
  }
  for (std::size_t j = 0; j < c.targets.size(); ++j) {
    const CalibrationTarget& t = c.targets[j];
    targets += fmt::format(
        R"({}    "{}": {{"record": {}, "sd": {}, "scale": {}, "prior_predictive": {}, "posterior_predictive": {}}})",
        j ? ",\n" : "", json_escape(t.metric), json_number(t.value), t.sd ? json_number(*t.sd) : "null",
        json_number(c.posterior.scale[j]), json_summary(predictive(c, t.metric, false, true)),
        json_summary(predictive(c, t.metric, true, true)));
  }
  for (const std::string& m : c.metrics) {
    if (!recorded(c, m)) continue;
    outputs += fmt::format(R"({}    "{}": {{"prior": {}, "posterior": {}}})", outputs.empty() ? "" : ",\n",
                           json_escape(m), json_summary(predictive(c, m, false, false)),
                           json_summary(predictive(c, m, true, false)));
  }
  return fmt::format(
      "{{\n"
      "  \"software_version\": \"{}\",\n"
      "  \"git_revision\": \"{}\",\n"
      "  \"date\": \"{}\",\n"
      "  \"scenario\": \"{}\",\n"
      "  \"scenario_file\": \"{}\",\n"
      "  \"fixed_overrides\": {},\n"
      "  \"seed\": {},\n"
      "  \"backend\": \"{}\",\n"
      "  \"method\": \"{}\",\n"
      "  \"compared\": \"each target's mean over a draw's {} realizations, every draw run with seed {} (common random "
      "numbers)\",\n"
      "  \"parameters\": {{\n{}\n  }},\n"
      "  \"targets\": {{\n{}\n  }},\n"
      "  \"outputs\": {{\n{}\n  }},\n"
      "  \"outputs_note\": \"each headline total, and the duds of each submunition type fired (duds_of:NAME), over "
      "every realization of every draw, the draws weighed by the posterior (prior: equal weights)\",\n"
      "  \"draws\": {},\n"
      "  \"rounds\": {},\n"
      "  \"realizations_per_draw\": {},\n"
      "  \"accept_fraction\": {},\n"
      "  \"tolerance\": {},\n"
      "  \"accepted\": {},\n"
      "  \"effective_draws\": {},\n"
      "  \"warnings\": {},\n"
      "  \"seconds\": {}\n"
      "}}\n",
      json_escape(c.software_version), json_escape(c.git_revision), json_escape(c.date), json_escape(c.scenario_name),
      json_escape(c.scenario_path), json_strings(c.sets), c.seed, json_escape(c.backend),
      json_escape(c.posterior.method), c.realizations, c.seed, params, targets, outputs, c.theta.size(),
      c.rounds, c.realizations, json_number(c.accept),
      c.posterior.method == kImportanceMethod ? std::string("null") : json_number(c.posterior.tolerance),
      c.posterior.accepted, json_number(c.posterior.effective_draws), json_strings(calibration_warnings(c)),
      json_number(c.seconds));
}

std::string calibration_draws_csv(const Calibration& c) {
  std::string out = "draw,round";
  for (const CalibrationParameter& p : c.params) out += "," + csv_field(p.key);
  if (c.posterior.method == kRegressionMethod)
    for (const CalibrationParameter& p : c.params) out += "," + csv_field(p.key + " (adjusted)");
  out += ",weight";
  for (const std::string& m : c.metrics)
    if (recorded(c, m)) out += "," + csv_field(m + "_mean");
  out += "\n";
  for (std::size_t i = 0; i < c.theta.size(); ++i) {
    out += fmt::format("{},{}", i, c.round_of(i) + 1);
    for (double v : c.theta[i]) out += fmt::format(",{}", v);
    if (c.posterior.method == kRegressionMethod)
      for (double v : c.posterior.value[i]) out += c.posterior.weight[i] > 0 ? fmt::format(",{}", v) : ",";
    out += fmt::format(",{}", c.posterior.weight[i]);
    for (const std::string& m : c.metrics)
      if (recorded(c, m)) out += fmt::format(",{}", c.draw_mean(i, m));
    out += "\n";
  }
  return out;
}

std::string calibration_text(const Calibration& c) {
  std::string s = fmt::format("calibration of \"{}\" ({}): {} draws of {} realizations, seed {}, backend {}\n",
                              c.scenario_name, c.scenario_path, c.theta.size(), c.realizations, c.seed, c.backend);
  s += fmt::format("  method: {}\n", c.posterior.method);
  if (c.rounds > 1)
    s += fmt::format("  {} rounds of {} draws: the first from the priors, each next one where the rounds before found "
                     "the posterior; every draw weighed against the rounds' mixture\n",
                     c.rounds, c.round_size());
  s += fmt::format("  draws kept: {} (effective {:.1f})\n", c.posterior.accepted, c.posterior.effective_draws);
  for (const std::string& w : calibration_warnings(c)) s += "  warning: " + w + "\n";
  s += "  parameters (prior -> posterior mean [90 % interval]):\n";
  for (std::size_t p = 0; p < c.params.size(); ++p) {
    const WeightedSummary w = parameter_posterior(c, p);
    s += fmt::format("    {}: uniform {:g}-{:g} -> {} [{} to {}]\n", c.params[p].key, c.params[p].lo, c.params[p].hi,
                     format_figure(w.mean), format_figure(w.q05), format_figure(w.q95));
  }
  s += "  targets (record; simulated mean under the prior -> under the posterior [90 % interval]):\n";
  for (const CalibrationTarget& t : c.targets) {
    const WeightedSummary a = predictive(c, t.metric, false, true), b = predictive(c, t.metric, true, true);
    s += fmt::format("    {}: prior {} [{} to {}] -> posterior {} [{} to {}]\n", target_text(t), format_figure(a.mean),
                     format_figure(a.q05), format_figure(a.q95), format_figure(b.mean), format_figure(b.q05),
                     format_figure(b.q95));
  }
  s += "  totals over every realization (prior -> posterior [90 % interval]):\n";
  for (const std::string& m : c.metrics) {
    if (!recorded(c, m)) continue;
    const WeightedSummary a = predictive(c, m, false, false), b = predictive(c, m, true, false);
    s += fmt::format("    {}: {} [{} to {}] -> {} [{} to {}]\n", m, format_figure(a.mean), format_figure(a.q05),
                     format_figure(a.q95), format_figure(b.mean), format_figure(b.q05), format_figure(b.q95));
  }
  return s;
}

std::string calibrated_source(const Calibration& c, std::size_t p) {
  std::vector<std::string> t;
  for (const CalibrationTarget& x : c.targets) t.push_back(target_text(x));
  const WeightedSummary w = parameter_posterior(c, p);
  return fmt::format("calibrated to {} by remnant calibrate on {} (Remnant {}): posterior mean of {} draws from a "
                     "uniform prior {:g}-{:g}, 90 % interval {} to {}; scenario {}",
                     fmt::join(t, " and "), c.date, c.software_version, c.theta.size(), c.params[p].lo, c.params[p].hi,
                     format_figure(w.q05), format_figure(w.q95), c.scenario_path);
}

}  // namespace remnant
