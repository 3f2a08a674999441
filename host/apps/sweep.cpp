// `remnant sweep`: parsing the swept --set values, the cartesian product of
// the points, checking every point before running any, running the points
// not already done (--resume), and the summary as CSV and JSON. The figure is
// in host/maps/sweep_plot.cpp.
#include "host/apps/sweep.h"

#include <fmt/format.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "host/common/atomic_output.h"
#include "host/run/checkpoint.h"
#include "host/run/ensemble.h"
#include "host/maps/map.h"
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

// A value as apply_override (host/inputs/scenario.cpp) reads it: a TOML value, or
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

// A shell word: quoted unless it is plain.
std::string shell_word(const std::string& s) {
  const bool plain = !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("_./=:,+-@%", c);
  });
  if (plain) return s;
  std::string o = "'";
  for (char c : s) o += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return o + "'";
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

// A sweep's files in a directory (point-*.h5, their checkpoints, sweep.*),
// by name, sorted.
std::vector<std::string> sweep_files_in(const fs::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const bool point = name.rfind("point-", 0) == 0 && name.size() > 9 && name.compare(name.size() - 3, 3, ".h5") == 0;
    const bool summary = std::find_if(std::begin(kSummaryFiles), std::end(kSummaryFiles),
                                      [&](const char* f) { return name == f; }) != std::end(kSummaryFiles);
    if (point || summary) out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The output directory exists and is writable, or can be created: its parent
// is a writable directory (only the last component is created, as `run --out`
// wants its directory to exist). Without --resume, it holds no files of an
// earlier sweep (a fresh sweep would overwrite some and leave others beside
// its own). Nothing is created.
void check_out_dir(const std::string& dir, const std::vector<SweepPoint>& points, bool resume) {
  std::error_code ec;
  fs::path p = fs::absolute(fs::path(dir), ec).lexically_normal();
  if (!p.has_filename()) p = p.parent_path();
  if (fs::exists(p, ec)) {
    if (!fs::is_directory(p, ec)) throw InputError(fmt::format("--out-dir {}: exists and is not a directory", dir));
    if (access(p.c_str(), W_OK | X_OK) != 0)
      throw InputError(fmt::format("--out-dir {}: cannot write there ({})", dir, std::strerror(errno)));
    for (const char* f : kSummaryFiles) check_output_path((p / f).string(), "--out-dir");
    for (const SweepPoint& pt : points)
      if (fs::is_directory(p / pt.file, ec))
        throw InputError(fmt::format("--out-dir {}: {} is a directory; the sweep writes a file there", dir, pt.file));
    if (!resume) {
      const std::vector<std::string> old = sweep_files_in(p);
      if (!old.empty()) {
        std::vector<std::string> shown(old.begin(), old.begin() + std::min<std::size_t>(old.size(), 4));
        throw InputError(fmt::format(
            "--out-dir {}: already holds the files of a sweep ({}{}); continue that sweep with --resume, or choose "
            "an empty directory",
            dir, fmt::join(shown, ", "), old.size() > shown.size() ? fmt::format(" and {} more", old.size() - shown.size()) : ""));
      }
    }
    return;
  }
  const fs::path up = p.parent_path();
  if (!fs::is_directory(up, ec))
    throw InputError(fmt::format("--out-dir {}: cannot be created: {} is not an existing directory (only the last "
                                 "component of --out-dir is created)",
                                 dir, up.string()));
  if (access(up.c_str(), W_OK | X_OK) != 0)
    throw InputError(
        fmt::format("--out-dir {}: cannot be created in {} ({})", dir, up.string(), std::strerror(errno)));
}

RunOptions run_options(const SweepArgs& a, const Scenario& sc, const std::atomic<bool>* cancel) {
  RunOptions opt = a.run.options_for(sc);
  opt.cancel = cancel;
  return opt;
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

int run_sweep(const SweepArgs& a, const std::atomic<bool>* cancel, const std::function<void()>& before_running) {
  check_arguments(a);
  if (std::error_code ec; !fs::is_regular_file(a.scenario, ec))
    throw InputError(fmt::format("{}: cannot open the scenario file (missing or not a file)", a.scenario));
  const std::vector<SweepSet> sets = parse_sweep_sets(a.sets);
  const std::vector<SweepPoint> points = sweep_points(sets);
  const std::size_t n = points.size();
  check_out_dir(a.out_dir, points, a.resume);
  const BackendChoice backend = choose_backend(a.run.backend);  // an unusable backend fails before any work

  SweepSummary summary;
  summary.backend = backend.name;
  summary.software_version = REMNANT_VERSION;
  summary.git_revision = REMNANT_GIT_REVISION;
  summary.metric = a.metric;
  for (const SweepSet& s : sets) {
    if (s.swept()) summary.swept.push_back(s);
    else summary.fixed.push_back(s.key + "=" + s.values[0].toml);
  }
  summary.points.resize(n);
  std::vector<bool> done(n, false);

  // Every point loads and plans (and, with --resume, its existing file
  // matches) before anything runs: a bad value fails in seconds.
  for (std::size_t i = 0; i < n; ++i) {
    const SweepPoint& p = points[i];
    SweepPointResult& r = summary.points[i];
    r.point = p;
    try {
      const Scenario sc = load_scenario(a.scenario, p.overrides);
      const RunOptions opt = run_options(a, sc, cancel);
      check_fits_in_memory(sc, opt);
      const Plan plan = make_plan(sc);
      r.seed = opt.seed;
      r.realizations = opt.realizations;
      if (i == 0) summary.scenario_name = sc.name, summary.scenario_path = sc.path;
      const std::string file = (fs::path(a.out_dir) / p.file).string();
      if (a.resume && fs::exists(file)) {
        const ResultData d = read_result_file(file);
        check_resumable(file, d, sc, plan, opt, backend.name);
        r.headline = headline(d.totals, d.grid.cell_area_km2());
        done[i] = true;
      }
    } catch (const InputError& e) {
      throw InputError(fmt::format("sweep point {}/{} ({}): {}", i + 1, n, point_name(sets, p), e.what()));
    }
  }

  std::error_code ec;
  if (!fs::is_directory(a.out_dir, ec)) fs::create_directory(a.out_dir, ec);
  if (ec) throw InputError(fmt::format("--out-dir {}: cannot create it: {}", a.out_dir, ec.message()));
  if (before_running) before_running();

  std::size_t finished = static_cast<std::size_t>(std::count(done.begin(), done.end(), true));
  auto interrupted = [&](std::size_t at) {
    std::cerr << fmt::format(
        "remnant: sweep interrupted at point {}/{}; {} of {} point files are complete in {} (kept), the summary was "
        "not written. Continue with:\n  {}\n",
        at + 1, n, finished, n, a.out_dir, resume_command(a));
    return 130;
  };
  const int decimals = metric_decimals(a.metric);
  for (std::size_t i = 0; i < n; ++i) {
    const SweepPoint& p = points[i];
    SweepPointResult& r = summary.points[i];
    const std::string label = fmt::format("point {}/{}", i + 1, n);
    if (done[i]) {
      if (!a.quiet)
        std::cerr << fmt::format("remnant: {} ({}): {} already done, reused\n", label, point_name(sets, p), p.file);
      continue;
    }
    if (cancel && cancel->load()) return interrupted(i);
    const Scenario sc = load_scenario(a.scenario, p.overrides);
    const Plan plan = make_plan(sc);
    RunOptions opt = run_options(a, sc, cancel);
    const auto t0 = std::chrono::steady_clock::now();
    // A point interrupted earlier continues from its checkpoint (--resume);
    // one interrupted now keeps its realizations in one.
    const std::string checkpoint = default_checkpoint_path((fs::path(a.out_dir) / p.file).string(), a.scenario);
    const bool resuming = a.resume && fs::exists(checkpoint);
    RunResult run;
    try {
      run = run_start(resuming ? checkpoint : std::string(), sc, plan, backend, opt);
    } catch (const InputError& e) {
      throw InputError(fmt::format("sweep point {}/{} ({}): {}", i + 1, n, point_name(sets, p), e.what()));
    }
    if (resuming) {
      if (!a.quiet)
        std::cerr << fmt::format("remnant: {}: resuming from {} ({} of {} realizations done)\n", label, checkpoint,
                                 run.done.count(), opt.realizations);
    }
    {
      Progress progress(label, plan.items_per_realization, a.quiet ? ProgressMode::Quiet : ProgressMode::Auto);
      const auto before = static_cast<std::uint32_t>(run.done.count());
      opt.progress = [&](std::uint32_t d, std::uint32_t) { progress.update(before + d, opt.realizations); };
      try {
        add_run(run, run_ensemble(sc, plan, opt));
      } catch (const Interrupted& e) {
        progress.finish();
        merge_results(run, *e.partial);
        if (!run.done.empty()) {
          write_checkpoint(checkpoint, sc, plan, run);
          std::cerr << fmt::format("remnant: {}: its {} realizations done are kept in {}\n", label,
                                   run.done.count(), checkpoint);
        }
        return interrupted(i);
      }
    }
    const CellStatistics st = cell_statistics(run.accumulators, run.realizations);
    const ResultData data = make_result_data(sc, plan, run, st);
    write_result_file((fs::path(a.out_dir) / p.file).string(), data);
    fs::remove(checkpoint, ec);  // spent (or stale from an earlier sweep)
    ++finished;
    r.headline = headline(data.totals, data.grid.cell_area_km2());
    if (!a.quiet) {
      const Summary& m = sweep_metric(r.headline, a.metric);
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      std::cerr << fmt::format("remnant: {} ({}): {} {} [90 % interval {} to {}], {}, {}\n", label, point_name(sets, p),
                               a.metric, format_number(m.mean, decimals), format_number(m.q05, decimals),
                               format_number(m.q95, decimals), p.file, Progress::duration_text(s));
    }
  }
  if (cancel && cancel->load()) return interrupted(n - 1);

  const fs::path dir(a.out_dir);
  write_text_file((dir / "sweep.csv").string(), sweep_csv(summary));
  write_text_file((dir / "sweep.json").string(), sweep_json(summary));
  render_sweep_plot(summary, (dir / "sweep.png").string());
  render_sweep_plot(summary, (dir / "sweep.svg").string());

  std::cout << fmt::format("sweep of \"{}\": {} points, {} against {}\n", summary.scenario_name, n,
                           sweep_metric_label(a.metric), summary.swept[0].key);
  for (const SweepPointResult& r : summary.points) {
    const Summary& m = sweep_metric(r.headline, a.metric);
    std::cout << fmt::format("  {}  {}: mean {} [90 % interval {} to {}]\n", r.point.file, point_name(sets, r.point),
                             format_number(m.mean, decimals), format_number(m.q05, decimals),
                             format_number(m.q95, decimals));
  }
  for (const char* f : kSummaryFiles) std::cout << fmt::format("  written: {}\n", (dir / f).string());
  return 0;
}

}  // namespace remnant
