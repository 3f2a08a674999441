// `remnant sweep`: parsing the swept --set values, the cartesian product of
// the points, checking every point before running any, running the points
// not already done (--resume) through the run pipeline (host/run/pipeline.h),
// and the summary as CSV and JSON. The figure is in host/maps/sweep_plot.cpp.
// It prints nothing: its messages go to the caller's hooks.
#include "host/apps/sweep.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <memory>

#include "host/apps/out_dir.h"
#include "host/common/atomic_output.h"
#include "host/run/checkpoint.h"
#include "host/run/ensemble.h"
#include "host/maps/map.h"
#include "host/run/pipeline.h"
#include "host/run/plan.h"
#include "host/run/progress.h"
#include "host/evidence/result_file.h"
#include "host/run/result_data.h"
#include "host/evidence/stats.h"
#include "remnant_version.h"
#include "host/maps/sweep_plot.h"

namespace remnant {

namespace fs = std::filesystem;

namespace {

const char* const kSummaryFiles[] = {"sweep.csv", "sweep.json", "sweep.png", "sweep.svg"};

std::string trim(const std::string& s) {
  const std::size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

// A value as apply_override (host/inputs/set_override.cpp) reads it: a TOML value, or
// a bare word taken as a string.
SweepValue sweep_value(const std::string& text, const std::string& set) {
  toml::table t;
  try {
    t = toml::parse("v = " + text, set);
  } catch (const toml::parse_error&) {
    try {
      t = toml::parse("v = \"" + text + "\"", set);
    } catch (const toml::parse_error& e) {
      throw InputError(fmt::format("--set {}: \"{}\" is not a TOML value ({})", set, text, e.description()));
    }
  }
  if (t.size() != 1) throw InputError(fmt::format("--set {}: \"{}\" is not one TOML value", set, text));
  SweepValue v{text, text, std::nullopt};
  const toml::node& n = *t.get("v");
  if (n.is_string()) v.label = *n.value<std::string>();
  if (n.is_integer()) v.number = static_cast<double>(*n.value<std::int64_t>());
  if (n.is_floating_point()) v.number = *n.value<double>();
  return v;
}

std::string point_name(const std::vector<SweepSet>& sets, const SweepPoint& p) {
  std::string out;
  std::size_t k = 0;
  for (const SweepSet& s : sets) {
    if (!s.swept()) continue;
    out += fmt::format("{}{}={}", out.empty() ? "" : ", ", s.key, s.values[p.choice[k++]].label);
  }
  return out;
}

// The command line that continues an interrupted sweep.
std::string resume_command(const SweepArgs& a) {
  std::string c = (a.program.empty() ? std::string("remnant") : a.program) + " sweep " + shell_word(a.scenario);
  for (const std::string& s : a.sets) c += " --set " + shell_word(s);
  c += " --out-dir " + shell_word(a.out_dir);
  if (a.run.realizations) c += fmt::format(" -r {}", *a.run.realizations);
  if (a.run.seed) c += fmt::format(" --seed {}", *a.run.seed);
  if (a.run.backend != "auto") c += " --backend " + shell_word(a.run.backend);
  if (a.run.threads) c += fmt::format(" --threads {}", a.run.threads);
  if (a.run.batch) c += fmt::format(" --batch {}", a.run.batch);
  if (a.metric != "total_duds") c += " --metric " + a.metric;
  if (a.quiet) c += " --quiet";
  return c + " --resume";
}

void check_arguments(const SweepArgs& a) {
  a.run.check();
  const auto& m = sweep_metric_names();
  if (std::find(m.begin(), m.end(), a.metric) == m.end())
    throw InputError(fmt::format("--metric {}: unknown; expected one of {}", a.metric, fmt::join(m, ", ")));
  if (a.out_dir.empty()) throw InputError("--out-dir: give the directory for the sweep's files");
}

// Whether a file name is one of a sweep's (point-*.h5, their checkpoints, sweep.*).
bool is_sweep_file(const std::string& name) {
  const bool point = name.rfind("point-", 0) == 0 && name.size() > 9 && name.compare(name.size() - 3, 3, ".h5") == 0;
  return point || std::find_if(std::begin(kSummaryFiles), std::end(kSummaryFiles),
                               [&](const char* f) { return name == f; }) != std::end(kSummaryFiles);
}

// The files a sweep writes: its summary, then its points.
std::vector<std::string> sweep_files(const std::vector<SweepPoint>& points) {
  std::vector<std::string> out(std::begin(kSummaryFiles), std::end(kSummaryFiles));
  for (const SweepPoint& p : points) out.push_back(p.file);
  return out;
}

// --resume: an existing point file is used only when it holds exactly what
// this point would compute. Throws InputError naming the file and the
// difference.
void check_resumable(const std::string& file, const ResultData& d, const Scenario& sc, const Plan& plan,
                     const RunOptions& opt, const std::string& backend) {
  std::vector<std::string> diff;
  for (const RunDifference& x : run_differences(d, sc, plan, {opt.seed, opt.realizations, backend}))
    diff.push_back(x.theirs.empty() ? "the " + x.what
                                    : fmt::format("the {} (file: {}; this sweep: {})", x.what, x.theirs, x.ours));
  if (diff.empty()) return;
  throw InputError(fmt::format("--resume: {} was not made by this sweep: it differs in {}. Remove it to recompute "
                               "the point, or give another --out-dir",
                               file, fmt::format("{}", fmt::join(diff, ", "))));
}

int metric_decimals(const std::string& metric) { return metric == "contaminated_area_km2" ? 2 : 0; }

}  // namespace

std::vector<std::string> split_sweep_values(const std::string& value, const std::string& set) {
  std::vector<std::string> out;
  std::string cur;
  int depth = 0;
  char quote = 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (quote) {
      cur += c;
      if (c == '\\' && quote == '"' && i + 1 < value.size()) cur += value[++i];
      else if (c == quote) quote = 0;
      continue;
    }
    if (c == '"' || c == '\'') quote = c;
    if (c == '[' || c == '{') ++depth;
    if ((c == ']' || c == '}') && depth > 0) --depth;
    if (c == ',' && depth == 0) {
      out.push_back(trim(cur));
      cur.clear();
      continue;
    }
    cur += c;
  }
  out.push_back(trim(cur));
  for (std::size_t i = 0; i < out.size(); ++i)
    if (out[i].empty())
      throw InputError(fmt::format("--set {}: value {} of {} is empty (a swept --set is KEY=V1,V2,...)", set, i + 1,
                                   out.size()));
  return out;
}

std::vector<SweepSet> parse_sweep_sets(const std::vector<std::string>& sets) {
  std::vector<SweepSet> out;
  for (const std::string& arg : sets) {
    const Override o = parse_override(arg);
    SweepSet s{o.key, {}};
    for (const std::string& v : split_sweep_values(o.value, arg)) {
      SweepValue x = sweep_value(v, arg);
      for (const SweepValue& y : s.values)
        if (y.toml == x.toml || (x.number && y.number && *x.number == *y.number) ||
            (!x.number && !y.number && x.label == y.label))
          throw InputError(fmt::format("--set {}: {}; each value of a swept parameter makes one point, so give "
                                       "each once",
                                       arg, x.toml == y.toml ? "the value " + x.toml + " is given twice"
                                                             : y.toml + " and " + x.toml + " are the same value"));
      s.values.push_back(std::move(x));
    }
    out.push_back(std::move(s));
  }
  std::size_t points = 1;
  std::string sizes;
  for (const SweepSet& s : out) {
    if (!s.swept()) continue;
    for (const SweepSet& t : out)
      if (&t != &s && t.key == s.key)
        throw InputError(fmt::format("--set {}: given more than once; a swept parameter takes all its values in one "
                                     "--set KEY=V1,V2,...",
                                     s.key));
    points = std::min<std::size_t>(points * s.values.size(), kMaxSweepPoints + 1);
    sizes += fmt::format("{}{} values of {}", sizes.empty() ? "" : " x ", s.values.size(), s.key);
  }
  if (sizes.empty())
    throw InputError("nothing to sweep: give at least one --set KEY=V1,V2,... with two or more values (a --set with "
                     "one value applies to every point; `remnant run` runs a single scenario)");
  if (points > kMaxSweepPoints)
    throw InputError(fmt::format("the sweep has more than {} points ({}); split it into smaller sweeps",
                                 kMaxSweepPoints, sizes));
  return out;
}

std::vector<SweepPoint> sweep_points(const std::vector<SweepSet>& sets) {
  std::vector<std::size_t> sizes;
  std::size_t n = 1;
  for (const SweepSet& s : sets)
    if (s.swept()) sizes.push_back(s.values.size()), n *= s.values.size();
  std::vector<SweepPoint> points(n);
  for (std::size_t i = 0; i < n; ++i) {
    SweepPoint& p = points[i];
    p.index = i;
    p.choice.resize(sizes.size());
    std::size_t rest = i;
    for (std::size_t k = sizes.size(); k-- > 0;) {  // the last parameter varies fastest
      p.choice[k] = rest % sizes[k];
      rest /= sizes[k];
    }
    std::size_t k = 0;
    for (const SweepSet& s : sets) p.overrides.push_back({s.key, s.values[s.swept() ? p.choice[k++] : 0].toml});
    p.file = fmt::format("point-{:03d}.h5", i);
  }
  return points;
}

// ---------------------------------------------------------------- running

namespace {

// A sweep under way: its arguments and hooks, its parameters and points, and
// what is known of every point so far.
struct Sweep {
  const SweepArgs& a;
  const SweepHooks& hooks;
  std::vector<SweepSet> sets;
  std::vector<SweepPoint> points;
  BackendChoice backend;
  SweepSummary summary;
  std::vector<bool> done;
  std::size_t finished = 0;  // point files complete

  std::string label(std::size_t i) const { return fmt::format("point {}/{}", i + 1, points.size()); }
  std::string file(const SweepPoint& p) const { return (fs::path(a.out_dir) / p.file).string(); }
  // An InputError of point i, saying which point it is.
  InputError point_error(std::size_t i, const std::exception& e) const {
    return InputError(
        fmt::format("sweep point {}/{} ({}): {}", i + 1, points.size(), point_name(sets, points[i]), e.what()));
  }
  // A message --quiet silences, and one always shown.
  void chatter(const std::string& line) const {
    if (hooks.chatter) hooks.chatter(line);
  }
  void say(const std::string& line) const {
    if (hooks.say) hooks.say(line);
  }
};

// The run of one point (`remnant run` with its --set values): its result
// file in --out-dir, its checkpoint beside it (continued under --resume).
RunRequest point_request(const Sweep& s, const SweepPoint& p) {
  RunRequest req;
  req.scenario = s.a.scenario;
  req.overrides = p.overrides;
  req.run = s.a.run;
  req.backend = s.backend;
  req.result_file = s.file(p);
  req.checkpoint.path = default_checkpoint_path(req.result_file, s.a.scenario);
  req.checkpoint.resume = s.a.resume && path_exists(req.checkpoint.path);
  return req;
}

// The sweep's parameters, points, backend and the summary's fixed fields;
// nothing is loaded yet.
Sweep begin_sweep(const SweepArgs& a, const SweepHooks& hooks) {
  check_arguments(a);
  if (std::error_code ec; !fs::is_regular_file(a.scenario, ec))
    throw InputError(fmt::format("{}: cannot open the scenario file (missing or not a file)", a.scenario));
  Sweep s{a, hooks, parse_sweep_sets(a.sets), {}, {}, {}, {}, 0};
  s.points = sweep_points(s.sets);
  check_out_dir(a.out_dir, "sweep", sweep_files(s.points), is_sweep_file, a.resume);
  s.backend = choose_backend(a.run.backend);  // an unusable backend fails before any work
  s.summary.backend = s.backend.name;
  s.summary.software_version = REMNANT_VERSION;
  s.summary.git_revision = REMNANT_GIT_REVISION;
  s.summary.metric = a.metric;
  for (const SweepSet& set : s.sets) {
    if (set.swept()) s.summary.swept.push_back(set);
    else s.summary.fixed.push_back(set.key + "=" + set.values[0].toml);
  }
  s.summary.points.resize(s.points.size());
  s.done.assign(s.points.size(), false);
  return s;
}

// Every point loads and plans (and, with --resume, its existing file
// matches) before anything runs: a bad value fails in seconds.
void check_points(Sweep& s) {
  for (std::size_t i = 0; i < s.points.size(); ++i) {
    const SweepPoint& p = s.points[i];
    SweepPointResult& r = s.summary.points[i];
    r.point = p;
    try {
      RunRequest req = point_request(s, p);
      req.checkpoint.enabled = false;
      const PreparedRun run = prepare_run(req);
      r.seed = run.options.seed;
      r.realizations = run.options.realizations;
      if (i == 0) s.summary.scenario_name = run.scenario->name, s.summary.scenario_path = run.scenario->path;
      if (s.a.resume && path_exists(req.result_file)) {
        const ResultData d = read_result_file(req.result_file);
        check_resumable(req.result_file, d, *run.scenario, *run.plan, run.options, s.backend.name);
        r.headline = headline(d);
        s.done[i] = true;
      }
    } catch (const InputError& e) {
      throw s.point_error(i, e);
    }
  }
  s.finished = static_cast<std::size_t>(std::count(s.done.begin(), s.done.end(), true));
}

// Runs point i through the pipeline, its progress shown through the hooks.
RunOutcome run_point(Sweep& s, std::size_t i, std::chrono::steady_clock::time_point& t0) {
  const std::string label = s.label(i);
  std::unique_ptr<Progress> progress;
  RunHooks hooks;
  hooks.cancel = s.hooks.cancel;
  hooks.starting = [&](const RunStart& start) {
    t0 = std::chrono::steady_clock::now();
    if (start.resumed)
      s.chatter(fmt::format("remnant: {}: resuming from {} ({} of {} realizations done)\n", label,
                            start.run.checkpoint, start.done.count(), start.run.options.realizations));
    if (s.hooks.progress) progress = s.hooks.progress(label, start.run.plan->items_per_realization);
  };
  hooks.progress = [&](std::uint32_t d, std::uint32_t total) {
    if (progress) progress->update(d, total);
  };
  hooks.ran = [&] {
    if (progress) progress->finish();
  };
  try {
    return run_pipeline(point_request(s, s.points[i]), hooks);
  } catch (const ResumeError& e) {  // the point's checkpoint: say which point it is
    throw s.point_error(i, e);
  }
}

// The message of a sweep stopped before point `at` finished.
std::string interrupted_text(const Sweep& s, std::size_t at) {
  const std::size_t n = s.points.size();
  return fmt::format(
      "remnant: sweep interrupted at point {}/{}; {} of {} point files are complete in {} (kept), the summary was "
      "not written. Continue with:\n  {}\n",
      at + 1, n, s.finished, n, s.a.out_dir, resume_command(s.a));
}

// Says that the sweep stopped before point `at` finished; false.
bool interrupted(const Sweep& s, std::size_t at) {
  s.say(interrupted_text(s, at));
  return false;
}

// Runs the points not already done. False: interrupted (said through the hooks).
bool run_points(Sweep& s) {
  const int decimals = metric_decimals(s.a.metric);
  const std::atomic<bool>* cancel = s.hooks.cancel;
  for (std::size_t i = 0; i < s.points.size(); ++i) {
    const SweepPoint& p = s.points[i];
    SweepPointResult& r = s.summary.points[i];
    if (s.done[i]) {
      s.chatter(fmt::format("remnant: {} ({}): {} already done, reused\n", s.label(i), point_name(s.sets, p), p.file));
      continue;
    }
    if (cancel && cancel->load()) return interrupted(s, i);
    auto t0 = std::chrono::steady_clock::now();
    const RunOutcome run = run_point(s, i, t0);
    if (run.end == RunEnd::Interrupted) {
      if (run.checkpoint_written)
        s.say(fmt::format("remnant: {}: its {} realizations done are kept in {}\n", s.label(i),
                          run.result.done.count(), run.run.checkpoint));
      return interrupted(s, i);
    }
    ++s.finished;
    r.headline = headline(run.data);
    const Summary& m = sweep_metric(r.headline, s.a.metric);
    const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    s.chatter(fmt::format("remnant: {} ({}): {} {} [90 % interval {} to {}], {}, {}\n", s.label(i),
                          point_name(s.sets, p), s.a.metric, format_number(m.mean, decimals),
                          format_number(m.q05, decimals), format_number(m.q95, decimals), p.file,
                          Progress::duration_text(sec)));
  }
  if (cancel && cancel->load()) return interrupted(s, s.points.size() - 1);
  return true;
}

// The summary files, and what the CLI prints of them.
std::string write_summary(const Sweep& s) {
  const fs::path dir(s.a.out_dir);
  write_text_file((dir / "sweep.csv").string(), sweep_csv(s.summary));
  write_text_file((dir / "sweep.json").string(), sweep_json(s.summary));
  render_sweep_plot(s.summary, (dir / "sweep.png").string());
  render_sweep_plot(s.summary, (dir / "sweep.svg").string());

  const int decimals = metric_decimals(s.a.metric);
  std::string out = fmt::format("sweep of \"{}\": {} points, {} against {}\n", s.summary.scenario_name,
                                s.points.size(), sweep_metric_label(s.a.metric), s.summary.swept[0].key);
  for (const SweepPointResult& r : s.summary.points) {
    const Summary& m = sweep_metric(r.headline, s.a.metric);
    out += fmt::format("  {}  {}: mean {} [90 % interval {} to {}]\n", r.point.file, point_name(s.sets, r.point),
                       format_number(m.mean, decimals), format_number(m.q05, decimals),
                       format_number(m.q95, decimals));
  }
  for (const char* f : kSummaryFiles) out += fmt::format("  written: {}\n", (dir / f).string());
  return out;
}

}  // namespace

SweepResult run_sweep(const SweepArgs& a, const SweepHooks& hooks) {
  Sweep s = begin_sweep(a, hooks);
  check_points(s);
  make_out_dir(a.out_dir);
  if (hooks.before_running) hooks.before_running();
  if (!run_points(s)) return {SweepOutcome::Interrupted, ""};
  return {SweepOutcome::Finished, write_summary(s)};
}

}  // namespace remnant
