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

// A number as the whole argument, or nothing.
std::optional<double> number_of(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

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
  const auto lo = number_of(lo_text), hi = number_of(hi_text);
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
  const std::size_t eq = arg.find('=');
  const std::string expected = "expected METRIC=VALUE or METRIC=VALUE:SD, e.g. hazard_area_km2=34.2:5";
  if (eq == std::string::npos || eq == 0) throw InputError(fmt::format("--target {}: {}", arg, expected));
  CalibrationTarget t;
  t.metric = arg.substr(0, eq);
  const auto& names = headline_metric_names();
  if (std::find(names.begin(), names.end(), t.metric) == names.end())
    throw InputError(fmt::format("--target {}: \"{}\" is not a headline total; expected one of {}", arg, t.metric,
                                 fmt::join(names, ", ")));
  const std::string rest = arg.substr(eq + 1);
  const std::size_t colon = rest.find(':');
  const auto value = number_of(rest.substr(0, colon));
  if (!value) throw InputError(fmt::format("--target {}: the value is not a number; {}", arg, expected));
  t.value = *value;
  if (colon != std::string::npos) {
    const auto sd = number_of(rest.substr(colon + 1));
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
                        double accept) {
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
  if (all_sd) {
    const double best = *std::min_element(d2.begin(), d2.end());
    for (std::size_t i = 0; i < n; ++i) post.weight[i] = std::exp(-0.5 * (d2[i] - best));
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

// ---------------------------------------------------------------- reports

double Calibration::draw_mean(std::size_t draw, const std::string& metric) const {
  const auto& names = headline_metric_names();
  const std::size_t m = static_cast<std::size_t>(std::find(names.begin(), names.end(), metric) - names.begin());
  const std::vector<double>& v = values[draw][m];
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
  const auto& names = headline_metric_names();
  const std::size_t m = static_cast<std::size_t>(std::find(names.begin(), names.end(), metric) - names.begin());
  std::vector<double> v, w;
  for (std::size_t i = 0; i < c.values.size(); ++i) {
    const double wi = posterior ? c.posterior.weight[i] : 1.0;
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
  const auto& names = headline_metric_names();
  const std::size_t m = static_cast<std::size_t>(std::find(names.begin(), names.end(), metric) - names.begin());
  return !c.values.empty() && !c.values[0][m].empty();
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
        j ? ",\n" : "", t.metric, json_number(t.value), t.sd ? json_number(*t.sd) : "null",
        json_number(c.posterior.scale[j]), json_summary(predictive(c, t.metric, false, true)),
        json_summary(predictive(c, t.metric, true, true)));
  }
  for (const std::string& m : headline_metric_names()) {
    if (!recorded(c, m)) continue;
    outputs += fmt::format(R"({}    "{}": {{"prior": {}, "posterior": {}}})", outputs.empty() ? "" : ",\n", m,
                           json_summary(predictive(c, m, false, false)), json_summary(predictive(c, m, true, false)));
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
      "  \"outputs_note\": \"each headline total over every realization of every draw, the draws weighed by the "
      "posterior (prior: equal weights)\",\n"
      "  \"draws\": {},\n"
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
      c.realizations, json_number(c.accept),
      c.posterior.method == kImportanceMethod ? std::string("null") : json_number(c.posterior.tolerance),
      c.posterior.accepted, json_number(c.posterior.effective_draws), json_strings(calibration_warnings(c)),
      json_number(c.seconds));
}

std::string calibration_draws_csv(const Calibration& c) {
  std::string out = "draw";
  for (const CalibrationParameter& p : c.params) out += "," + csv_field(p.key);
  if (c.posterior.method == kRegressionMethod)
    for (const CalibrationParameter& p : c.params) out += "," + csv_field(p.key + " (adjusted)");
  out += ",weight";
  for (const std::string& m : headline_metric_names())
    if (recorded(c, m)) out += "," + m + "_mean";
  out += "\n";
  for (std::size_t i = 0; i < c.theta.size(); ++i) {
    out += fmt::format("{}", i);
    for (double v : c.theta[i]) out += fmt::format(",{}", v);
    if (c.posterior.method == kRegressionMethod)
      for (double v : c.posterior.value[i]) out += c.posterior.weight[i] > 0 ? fmt::format(",{}", v) : ",";
    out += fmt::format(",{}", c.posterior.weight[i]);
    for (const std::string& m : headline_metric_names())
      if (recorded(c, m)) out += fmt::format(",{}", c.draw_mean(i, m));
    out += "\n";
  }
  return out;
}

std::string calibration_text(const Calibration& c) {
  std::string s = fmt::format("calibration of \"{}\" ({}): {} draws of {} realizations, seed {}, backend {}\n",
                              c.scenario_name, c.scenario_path, c.theta.size(), c.realizations, c.seed, c.backend);
  s += fmt::format("  method: {}\n", c.posterior.method);
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
  s += "  headline totals over every realization (prior -> posterior [90 % interval]):\n";
  for (const std::string& m : headline_metric_names()) {
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
