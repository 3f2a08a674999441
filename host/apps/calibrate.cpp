// `remnant calibrate`: the arguments checked, the draws run through the run
// pipeline (prepare_run, then the ensemble), each draw's realizations appended
// to realizations.csv as it finishes, the posterior and the files. It prints
// nothing: its messages go to the caller's hooks.
#include "host/apps/calibrate.h"

#include <fmt/format.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <set>
#include <sstream>

#include "host/apps/out_dir.h"
#include "host/common/atomic_output.h"
#include "host/common/numbers.h"
#include "host/evidence/report.h"
#include "host/inputs/scenario_parts.h"
#include "host/inputs/toml_section.h"
#include "host/maps/calibration_plot.h"
#include "host/run/pipeline.h"
#include "host/run/progress.h"
#include "host/run/summary.h"
#include "remnant_version.h"

namespace remnant {

namespace fs = std::filesystem;

const std::vector<std::string>& calibration_files() {
  static const std::vector<std::string> files = {"realizations.csv", "draws.csv",       "calibration.json",
                                                 "calibrated.toml",  "calibration.png", "calibration.svg"};
  return files;
}

namespace {

constexpr const char* kRealizationsFile = "realizations.csv";

// FNV-1a, 64 bits: the fingerprint of what a draw's simulations depend on.
std::uint64_t fnv1a(const std::string& s, std::uint64_t h = 0xcbf29ce484222325ull) {
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

std::string today_utc() {
  if (const char* e = std::getenv("SOURCE_DATE_EPOCH"); e && *e) {
    const std::time_t t = static_cast<std::time_t>(std::strtoll(e, nullptr, 10));
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", std::gmtime(&t));
    return buf;
  }
  const std::time_t t = std::time(nullptr);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", std::gmtime(&t));
  return buf;
}

// A calibration under way.
struct Run {
  const CalibrateArgs& a;
  const SweepHooks& hooks;
  std::vector<CalibrationParameter> params;
  std::vector<CalibrationTarget> targets;
  std::vector<Override> fixed;
  BackendChoice backend;
  std::uint64_t seed = 0;
  std::uint32_t realizations = 0;
  std::string scenario_text, scenario_name, fingerprint;
  Calibration c;
  bool duds_only = true;          // no target counts landings: the dud-only pass (RunOptions::duds_only)
  std::vector<Proposal> proposals;  // of the rounds after the first
  std::unique_ptr<Progress> progress;

  std::string file(const std::string& name) const { return (fs::path(a.out_dir) / name).string(); }
  void chatter(const std::string& line) const {
    if (hooks.chatter) hooks.chatter(line);
  }
};

std::string value_text(const CalibrationParameter& p, double v) {
  return p.integer ? fmt::format("{}", static_cast<long long>(std::llround(v))) : fmt::format("{}", v);
}

// The overrides of draw i: the fixed --set, then each parameter's value.
std::vector<Override> draw_overrides(const Run& r, const std::vector<double>& theta) {
  std::vector<Override> o = r.fixed;
  for (std::size_t p = 0; p < r.params.size(); ++p)
    for (const std::string& key : r.params[p].keys) o.push_back({key, value_text(r.params[p], theta[p])});
  return o;
}

RunRequest draw_request(const Run& r, const std::vector<double>& theta) {
  RunRequest req;
  req.scenario = r.a.scenario;
  req.overrides = draw_overrides(r, theta);
  req.run = r.a.run;
  req.run.realizations = r.realizations;
  req.run.seed = static_cast<std::int64_t>(r.seed);
  req.run.duds_only = r.duds_only;
  req.backend = r.backend;
  req.checkpoint.enabled = false;
  return req;
}

std::string resume_command(const CalibrateArgs& a) {
  std::string c = (a.program.empty() ? std::string("remnant") : a.program) + " calibrate " + shell_word(a.scenario);
  for (const std::string& v : a.vary) c += " --vary " + shell_word(v);
  for (const std::string& t : a.targets) c += " --target " + shell_word(t);
  for (const std::string& s : a.sets) c += " --set " + shell_word(s);
  c += " --out-dir " + shell_word(a.out_dir) + fmt::format(" --draws {}", a.draws);
  if (a.run.realizations) c += fmt::format(" -r {}", *a.run.realizations);
  if (a.run.seed) c += fmt::format(" --seed {}", *a.run.seed);
  if (a.run.backend != "auto") c += " --backend " + shell_word(a.run.backend);
  if (a.run.threads) c += fmt::format(" --threads {}", a.run.threads);
  if (a.run.batch) c += fmt::format(" --batch {}", a.run.batch);
  if (a.accept != 0.1) c += fmt::format(" --accept {}", a.accept);
  if (a.rounds != 1) c += fmt::format(" --rounds {}", a.rounds);
  if (a.json) c += " --json";
  if (a.quiet) c += " --quiet";
  return c + " --resume";
}

// ---------------------------------------------------------------- checks

void check_arguments(Run& r) {
  const CalibrateArgs& a = r.a;
  a.run.check();
  if (a.out_dir.empty()) throw InputError("--out-dir: give the directory for the calibration's files");
  if (a.draws < kMinCalibrationDraws || a.draws > kMaxCalibrationDraws)
    throw InputError(fmt::format("--draws {}: expected {} to {}", a.draws, kMinCalibrationDraws, kMaxCalibrationDraws));
  if (a.rounds < 1 || a.rounds > kMaxCalibrationRounds)
    throw InputError(fmt::format("--rounds {}: expected 1 to {}", a.rounds, kMaxCalibrationRounds));
  if (a.draws % a.rounds != 0 || a.draws / a.rounds < kMinCalibrationDraws)
    throw InputError(fmt::format("--draws {} --rounds {}: the draws must split into rounds of equal size, at least {} "
                                 "each",
                                 a.draws, a.rounds, kMinCalibrationDraws));
  if (!(a.accept > 0.0 && a.accept <= 1.0))
    throw InputError(fmt::format("--accept {}: expected a fraction above 0, at most 1", a.accept));
  if (a.vary.empty()) throw InputError("nothing to calibrate: give at least one --vary KEY=LO,HI");
  if (a.targets.empty()) throw InputError("nothing to calibrate to: give at least one --target METRIC=VALUE[:SD]");
  for (const std::string& v : a.vary) {
    CalibrationParameter p = parse_calibration_parameter(v);
    for (const CalibrationParameter& q : r.params)
      for (const std::string& k : q.keys)
        if (std::find(p.keys.begin(), p.keys.end(), k) != p.keys.end())
          throw InputError(fmt::format("--vary {}: {} is varied twice", v, k));
    r.params.push_back(std::move(p));
  }
  for (const std::string& t : a.targets) {
    CalibrationTarget x = parse_calibration_target(t);
    for (const CalibrationTarget& y : r.targets)
      if (y.metric == x.metric) throw InputError(fmt::format("--target {}: {} is a target twice", t, x.metric));
    if (counts_landings(x.metric)) r.duds_only = false;  // per-type duds are counted by the dud-only pass
    if (a.rounds > 1 && !x.sd)
      throw InputError(fmt::format("--target {}: --rounds {} needs an SD for every target (METRIC=VALUE:SD): the "
                                   "later rounds are weighed by the record's likelihood",
                                   t, a.rounds));
    r.targets.push_back(std::move(x));
  }
  for (const std::string& s : a.sets) {
    Override o = parse_override(s);
    for (const CalibrationParameter& p : r.params)
      if (std::find(p.keys.begin(), p.keys.end(), o.key) != p.keys.end())
        throw InputError(fmt::format("--set {}: {} is also varied (--vary); a key is either fixed or varied", s, o.key));
    r.fixed.push_back(std::move(o));
  }
}

// The scenario's text, and no base of its own (the calibrated scenario builds
// on it, and a base cannot have a base).
void read_scenario(Run& r) {
  const std::string& path = r.a.scenario;
  if (std::error_code ec; !fs::is_regular_file(path, ec))
    throw InputError(fmt::format("{}: cannot open the scenario file (missing or not a file)", path));
  r.scenario_text = inputs_detail::read_text(path, "scenario", "");
  const toml::table root = inputs_detail::parse_toml(r.scenario_text, path);
  if (root.at_path("scenario.base"))
    throw InputError(fmt::format("{}: builds on another scenario (scenario.base); calibrate that one with this file's "
                                 "changes given as --set, since the calibrated scenario builds on the one calibrated "
                                 "and a base cannot itself have a base",
                                 path));
}

// A target is a total the run records: a hazard total one the plan records
// (headline_values throws for one it does not), duds_of:NAME one of the
// types fired (`metrics`). A type the scenario has but no strike fires is
// refused: its duds are 0 in every draw, so a record of them says nothing
// about the parameters (and a record above 0 means the scenario is not the
// record's).
void check_target(const Run& r, std::size_t j, const Scenario& sc, const Plan& plan) {
  const CalibrationTarget& t = r.targets[j];
  const std::optional<std::string> type = duds_of_type(t.metric);
  if (!type) {
    headline_values({}, 1.0, hazard_definition(plan), t.metric);
    return;
  }
  const std::vector<std::string>& metrics = r.c.metrics;
  if (std::find(metrics.begin(), metrics.end(), t.metric) != metrics.end()) return;
  std::vector<std::string> fired;
  for (const std::string& m : metrics)
    if (duds_of_type(m)) fired.push_back(m);
  const bool has = std::any_of(sc.submunitions.begin(), sc.submunitions.end(),
                               [&](const SubmunitionType& s) { return s.name == *type; });
  const std::string expected =
      fired.empty() ? std::string("the scenario fires no submunition type")
                    : fmt::format("expected one of {}", fmt::join(fired, ", "));
  if (has)
    throw InputError(fmt::format("--target {}: the scenario's submunition type \"{}\" fires no item (no strike "
                                 "carries it at either end of the --vary ranges), so its duds are 0 in every draw; {}",
                                 r.a.targets[j], *type, expected));
  throw InputError(fmt::format("--target {}: \"{}\" is not a submunition type of {} ({}); {}", r.a.targets[j], *type,
                               r.a.scenario, sc.name, expected));
}

// Every parameter at both ends of its range loads and plans, and every
// target is a total the run records: a bad key or value fails in seconds.
// The totals recorded per realization: the headline ones and the duds of
// every type fired at either end.
void check_scenario(Run& r) {
  std::vector<std::uint64_t> items;
  PreparedRun low;
  for (int end = 0; end < 2; ++end) {
    std::vector<double> theta;
    for (const CalibrationParameter& p : r.params) theta.push_back(end ? p.hi : p.lo);
    const PreparedRun run = prepare_run(draw_request(r, theta));
    const std::vector<std::uint64_t> by_type = run.plan->items_by_type();
    items.resize(std::max(items.size(), by_type.size()), 0);
    for (std::size_t t = 0; t < by_type.size(); ++t) items[t] += by_type[t];
    if (end == 0) low = run;
  }
  r.scenario_name = low.scenario->name;
  r.c.metrics = run_metric_names(*low.scenario, items);
  for (std::size_t j = 0; j < r.targets.size(); ++j) check_target(r, j, *low.scenario, *low.plan);
}

// How the draws are made (prior draws, proposals): a change to it changes
// the draws a realizations.csv holds, so --resume must not take an older one.
constexpr int kDrawScheme = 2;

std::string fingerprint_of(const Run& r) {
  std::string what = fmt::format("draw scheme {}\n", kDrawScheme) + r.scenario_text;
  for (const Override& o : r.fixed) what += "\n--set " + o.key + "=" + o.value;
  for (const CalibrationParameter& p : r.params)
    what += fmt::format("\n--vary {}={},{} {}", p.key, p.lo, p.hi, p.integer ? "integer" : "real");
  what += fmt::format("\nseed {} realizations {} backend {}{}", r.seed, r.realizations, r.backend.name,
                      r.duds_only ? " duds-only" : "");
  // Draws after the first round depend on the records (they follow the posterior so far).
  if (r.a.rounds > 1) {
    what += fmt::format("\nrounds {} of {}", r.a.rounds, r.a.draws / r.a.rounds);
    for (const CalibrationTarget& t : r.targets) what += fmt::format("\n--target {}={}:{}", t.metric, t.value, *t.sd);
  }
  return fmt::format("{:016x}", fnv1a(what));
}

// The columns of realizations.csv after draw and realization: the totals recorded.
std::string metric_columns(const std::vector<std::string>& metrics) {
  std::string s;
  for (const std::string& m : metrics) s += (s.empty() ? "" : ",") + csv_field(m);
  return s;
}

std::string realizations_header(const Run& r) {
  return fmt::format("# remnant calibrate: realizations of each draw; fingerprint {}; --resume continues from this "
                     "file\ndraw,realization,{}\n",
                     r.fingerprint, metric_columns(r.c.metrics));
}

// Draw i's rows of realizations.csv: draw, realization, every total recorded
// (empty where the run does not record it).
std::string draw_rows(const Run& r, std::size_t i) {
  std::string text;
  for (std::uint32_t k = 0; k < r.realizations; ++k) {
    text += fmt::format("{},{}", i, k);
    for (const std::vector<double>& m : r.c.values[i]) text += m.empty() ? std::string(",") : fmt::format(",{}", m[k]);
    text += "\n";
  }
  return text;
}

// --resume: the complete draws realizations.csv holds, when it was written by
// this calibration (same scenario, --set, --vary, seed, -r, backend) with the
// same totals (a file of a version that recorded others is refused). The file is rewritten with those only (a draw cut
// short by a kill is dropped).
void read_done_draws(Run& r) {
  const std::string path = r.file(kRealizationsFile);
  if (!r.a.resume || !path_exists(path)) return;
  std::ifstream in(path);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string first = text.substr(0, text.find('\n'));
  if (first.find("fingerprint " + r.fingerprint) == std::string::npos)
    throw InputError(fmt::format("--resume: {} was not written by this calibration (its scenario, --set, --vary, "
                                 "seed, -r or backend differ). Remove it to start afresh, or give another --out-dir",
                                 path));
  const std::string header = realizations_header(r);
  if (text.compare(0, header.size(), header) != 0) {
    const std::size_t at = std::min(text.size(), first.size() + 1);
    std::string columns = text.substr(at, text.find('\n', at) - at);
    if (columns.rfind("draw,realization,", 0) == 0) columns = columns.substr(17);
    throw InputError(fmt::format("--resume: {} records the totals {} and this calibration records {} (it was "
                                 "written by another version of Remnant). Remove it to start afresh, or give another "
                                 "--out-dir",
                                 path, columns, metric_columns(r.c.metrics)));
  }
  const std::size_t metrics = r.c.metrics.size();
  std::vector<std::vector<std::vector<double>>> draws;
  std::vector<std::vector<double>> current(metrics);
  std::uint32_t expect_draw = 0, expect_real = 0;
  std::stringstream rows(text.substr(header.size()));
  for (std::string line; std::getline(rows, line);) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    for (std::string x; std::getline(ss, x, ',');) f.push_back(x);
    if (!line.empty() && line.back() == ',') f.push_back("");
    if (f.size() != metrics + 2 || f[0] != std::to_string(expect_draw) || f[1] != std::to_string(expect_real)) break;
    bool ok = true;
    std::vector<double> v(metrics);
    for (std::size_t m = 0; m < metrics && ok; ++m) {
      if (f[m + 2].empty()) continue;
      char* end = nullptr;
      v[m] = std::strtod(f[m + 2].c_str(), &end);
      ok = end == f[m + 2].c_str() + f[m + 2].size();
      current[m].push_back(v[m]);
    }
    if (!ok) break;
    if (++expect_real == r.realizations) {
      draws.push_back(current);
      current.assign(metrics, {});
      expect_real = 0;
      if (++expect_draw == r.a.draws) break;
    }
  }
  r.c.values = std::move(draws);
  std::string kept = header;
  for (std::size_t i = 0; i < r.c.values.size(); ++i) kept += draw_rows(r, i);
  write_text_file(path, kept);
}

// Appends a finished draw's realizations to realizations.csv and flushes it
// to the disk: a kill after this keeps the draw.
void append_draw(const Run& r, std::size_t i) {
  const std::string path = r.file(kRealizationsFile);
  const std::string text = (path_exists(path) ? std::string() : realizations_header(r)) + draw_rows(r, i);
  std::FILE* f = std::fopen(path.c_str(), "ab");
  if (!f) throw std::runtime_error(fmt::format("{}: cannot append to it: {}", path, std::strerror(errno)));
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size() && std::fflush(f) == 0 &&
                  fsync(fileno(f)) == 0;
  std::fclose(f);
  if (!ok) throw std::runtime_error(fmt::format("{}: could not write draw {}: {}", path, i, std::strerror(errno)));
}

// ---------------------------------------------------------------- running

// Runs draw i; false when interrupted (nothing of it is kept).
bool run_draw(Run& r, std::size_t i) {
  const std::vector<double>& theta = r.c.theta[i];
  const PreparedRun run = prepare_run(draw_request(r, theta));
  RunOptions opt = run.options;
  opt.cancel = r.hooks.cancel;
  const std::uint32_t before = static_cast<std::uint32_t>(i) * r.realizations,
                      total = r.a.draws * r.realizations;
  if (!r.progress && r.hooks.progress) {
    r.progress = r.hooks.progress("calibration", run.plan->items_per_realization);
    r.progress->update(before, total);
  }
  if (r.progress) opt.progress = [&](std::uint32_t d, std::uint32_t) { r.progress->update(before + d, total); };
  RunResult result;
  try {
    result = run_ensemble(*run.scenario, *run.plan, opt);
  } catch (const Interrupted&) {
    return false;
  }
  r.c.seconds += result.seconds;
  std::vector<std::vector<double>> values;
  for (const std::string& m : r.c.metrics) {
    try {
      values.push_back(run_metric_values(*run.scenario, *run.plan, result, m));
    } catch (const InputError&) {
      values.emplace_back();  // a total this run does not record (landings of the dud-only pass, say)
    }
  }
  r.c.values.push_back(std::move(values));
  append_draw(r, i);
  std::string set;
  for (std::size_t p = 0; p < r.params.size(); ++p)
    set += fmt::format("{}{}={}", p ? ", " : "", r.params[p].key,
                       r.params[p].integer ? value_text(r.params[p], theta[p]) : format_figure(theta[p]));
  std::string got;
  for (const CalibrationTarget& t : r.targets)
    got += fmt::format("{}{} {}", got.empty() ? "" : ", ", t.metric, format_figure(r.c.draw_mean(i, t.metric)));
  if (!r.progress || r.progress->mode() != ProgressMode::Bar)
    r.chatter(fmt::format("remnant: draw {}/{} ({}): {}\n", i + 1, r.a.draws, set, got));
  return true;
}

// The posterior from the draws of the first `rounds` rounds, each weighed by
// prior / the rounds' mixture density when there is more than one.
Posterior posterior_of_rounds(const Run& r, std::uint32_t rounds) {
  const std::size_t count = rounds * (r.a.draws / r.a.rounds);
  const std::vector<std::vector<double>> sim = r.c.simulated_targets();
  const std::vector<std::vector<double>> theta(r.c.theta.begin(), r.c.theta.begin() + count),
      s(sim.begin(), sim.begin() + count);
  if (rounds == 1) return abc_posterior(r.params, r.targets, theta, s, r.a.accept);
  const std::vector<Proposal> later(r.proposals.begin(), r.proposals.begin() + (rounds - 1));
  std::vector<double> lr;
  for (const std::vector<double>& t : theta) lr.push_back(log_prior_over_rounds(later, r.params, t));
  return abc_posterior(r.params, r.targets, theta, s, r.a.accept, &lr);
}

// Round t's parameter values: from the priors (t = 0), else from the
// proposal made of the posterior of the rounds before it.
void draw_round(Run& r, std::uint32_t t) {
  const std::size_t n = r.a.draws / r.a.rounds;
  if (t > 0) {
    const std::vector<std::vector<double>> before(r.c.theta.begin(), r.c.theta.begin() + t * n);
    r.proposals.push_back(make_proposal(r.params, before, posterior_of_rounds(r, t).weight));
  }
  for (std::size_t i = t * n; i < (t + 1) * n; ++i) {
    std::vector<double> theta;
    if (t > 0) theta = proposal_draw(r.proposals.back(), r.params, r.seed, static_cast<std::uint32_t>(i));
    else
      for (std::uint32_t p = 0; p < r.params.size(); ++p)
        theta.push_back(prior_draw(r.params[p], r.seed, static_cast<std::uint32_t>(i), p));
    r.c.theta.push_back(std::move(theta));
  }
}

// The calibrated scenario: the original as its base, each parameter at its
// posterior mean (rounded when whole) with a _source; a key inside an array
// ("inventory.carrier[1].share") carries the whole array, the base's with the
// value changed (arrays are replaced whole when a file builds on a base).
std::string calibrated_toml(const Run& r) {
  const toml::table original = inputs_detail::parse_toml(r.scenario_text, r.a.scenario);
  toml::table out;
  const std::string rel = fs::relative(fs::absolute(r.a.scenario), fs::absolute(r.a.out_dir)).string();
  std::string keys;
  for (std::size_t p = 0; p < r.params.size(); ++p) {
    const CalibrationParameter& q = r.params[p];
    keys += (p ? ", " : "") + q.key;
    const double mean = parameter_posterior(r.c, p).mean;
    std::ostringstream quoted;
    quoted << toml::value<std::string>(calibrated_source(r.c, p));
    for (const std::string& key : q.keys) {
      if (key.find('[') != std::string::npos) {
        const std::string top = key.substr(0, key.find_first_of(".["));
        if (!out.contains(top))
          if (const toml::node* n = original.get(top)) out.insert(top, *n);
      }
      inputs_detail::apply_override(out, {key, value_text(q, mean)}, r.a.scenario, true);
      inputs_detail::apply_override(out, {key + "_source", quoted.str()}, r.a.scenario, true);
    }
  }
  toml::table scenario;
  scenario.insert("base", rel);
  scenario.insert("name", r.scenario_name + " (calibrated)");
  if (out.contains("scenario") && out["scenario"].is_table())
    for (auto&& [k, v] : *out["scenario"].as_table()) scenario.insert(k, v);
  out.insert_or_assign("scenario", std::move(scenario));
  std::vector<std::string> t;
  for (const CalibrationTarget& x : r.targets)
    t.push_back(x.sd ? fmt::format("{}={}:{}", x.metric, x.value, *x.sd) : fmt::format("{}={}", x.metric, x.value));
  std::ostringstream s;
  s << fmt::format("# {} calibrated by remnant calibrate (Remnant {}, git {}) on {}:\n", r.scenario_name,
                   REMNANT_VERSION, REMNANT_GIT_REVISION, r.c.date)
    << fmt::format("# {} to the record {} ({} draws of {} realizations, seed {}).\n", keys, fmt::join(t, ", "),
                   r.a.draws, r.realizations, r.seed)
    << "# Each value is its posterior mean; calibration.json and draws.csv beside this file hold the rest.\n\n"
    << out << "\n";
  return s.str();
}

// The files, once every draw is done; the calibrated scenario is loaded back
// before it is kept (it must run).
void write_files(Run& r) {
  Calibration& c = r.c;
  c.posterior = posterior_of_rounds(r, r.a.rounds);
  write_text_file(r.file("draws.csv"), calibration_draws_csv(c));
  write_text_file(r.file("calibration.json"), calibration_json(c));
  const std::string toml_text = calibrated_toml(r);
  {
    const std::string path = r.file("calibrated.toml");
    try {
      (void)parse_scenario(toml_text, path, {});
    } catch (const InputError& e) {
      throw std::runtime_error(fmt::format("the calibrated scenario does not load ({}); this is a bug", e.what()));
    }
    write_text_file(path, toml_text);
  }
  render_calibration_plot(c, r.file("calibration.png"));
  render_calibration_plot(c, r.file("calibration.svg"));
}

}  // namespace

CalibrateResult run_calibration(const CalibrateArgs& a, const SweepHooks& hooks) {
  Run r{a, hooks, {}, {}, {}, {}, 0, 0, {}, {}, {}, {}, true, {}, {}};
  check_arguments(r);
  read_scenario(r);
  check_out_dir(a.out_dir, "calibration", calibration_files(),
                [](const std::string& n) {
                  const auto& f = calibration_files();
                  return std::find(f.begin(), f.end(), n) != f.end();
                },
                a.resume);
  r.backend = choose_backend(a.run.backend);
  {
    const Scenario sc = load_scenario(a.scenario, r.fixed);
    r.seed = a.run.seed ? static_cast<std::uint64_t>(*a.run.seed) : sc.seed;
    r.realizations =
        a.run.realizations ? static_cast<std::uint32_t>(*a.run.realizations) : kDefaultCalibrationRealizations;
  }
  check_scenario(r);
  r.fingerprint = fingerprint_of(r);
  Calibration& c = r.c;
  c.scenario_name = r.scenario_name;
  c.scenario_path = a.scenario;
  c.backend = r.backend.name;
  c.software_version = REMNANT_VERSION;
  c.git_revision = REMNANT_GIT_REVISION;
  c.date = today_utc();
  c.sets = a.sets;
  c.seed = r.seed;
  c.realizations = r.realizations;
  c.accept = a.accept;
  c.params = r.params;
  c.targets = r.targets;
  c.rounds = a.rounds;
  make_out_dir(a.out_dir);
  read_done_draws(r);
  if (!c.values.empty())
    r.chatter(fmt::format("remnant: {} of {} draws already done in {}, reused\n", c.values.size(), a.draws,
                          r.file(kRealizationsFile)));
  if (hooks.before_running) hooks.before_running();
  for (std::uint32_t t = 0; t < a.rounds; ++t) {
    draw_round(r, t);
    const std::size_t n = a.draws / a.rounds;
    for (std::size_t i = std::max<std::size_t>(t * n, c.values.size()); i < (t + 1) * n; ++i) {
      if ((hooks.cancel && hooks.cancel->load()) || !run_draw(r, i)) {
        if (r.progress) r.progress->finish();
        if (hooks.say)
          hooks.say(fmt::format("remnant: calibration interrupted at draw {}/{}; the {} draws done are kept in {}. "
                                "Continue with:\n  {}\n",
                                i + 1, a.draws, c.values.size(), r.file(kRealizationsFile), resume_command(a)));
        return {SweepOutcome::Interrupted, "", std::move(c)};
      }
    }
  }
  if (r.progress) r.progress->finish();
  write_files(r);
  std::string report = a.json ? calibration_json(c) : calibration_text(c);
  if (!a.json)
    for (const std::string& f : calibration_files()) report += fmt::format("  written: {}\n", r.file(f));
  return {SweepOutcome::Finished, std::move(report), std::move(c)};
}

}  // namespace remnant
