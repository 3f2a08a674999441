#include "viewer/simulation.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include <fmt/format.h>

#include "host/evidence/stats.h"
#include "host/run/pipeline.h"

namespace remnant::viewer {

namespace {

bool same_overrides(const std::vector<Override>& a, const std::vector<Override>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](const Override& x, const Override& y) { return x.key == y.key && x.value == y.value; });
}

}  // namespace

bool Request::operator==(const Request& o) const {
  return scenario_path == o.scenario_path && result_file == o.result_file && same_overrides(overrides, o.overrides) &&
         realizations == o.realizations && seed == o.seed && backend == o.backend && threads == o.threads &&
         evidence == o.evidence;
}

std::uint32_t next_part_end(std::uint32_t done, std::uint32_t target) {
  const std::uint64_t next = done == 0 ? 4 : std::uint64_t(done) * 4;
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(next, target));
}

Simulation::Simulation() : worker_([this] { loop(); }) {}

Simulation::~Simulation() {
  {
    std::lock_guard<std::mutex> lk(mutex_);
    quit_ = true;
    cancel_ = true;
  }
  wake_.notify_all();
  worker_.join();
}

std::uint64_t Simulation::submit(const Request& r) {
  std::uint64_t gen = 0;
  {
    std::lock_guard<std::mutex> lk(mutex_);
    pending_ = r;
    gen = ++generation_;
    stop_ = false;
    cancel_ = true;
  }
  wake_.notify_all();
  return gen;
}

void Simulation::stop() {
  std::lock_guard<std::mutex> lk(mutex_);
  if (!pending_ && !busy_) return;
  stop_ = true;
  cancel_ = true;
}

std::shared_ptr<const Snapshot> Simulation::latest() const {
  std::lock_guard<std::mutex> lk(mutex_);
  return latest_;
}

std::string Simulation::stage() const {
  std::lock_guard<std::mutex> lk(mutex_);
  return stage_;
}

bool Simulation::idle() const {
  std::lock_guard<std::mutex> lk(mutex_);
  return !pending_ && !busy_;
}

void Simulation::publish(std::shared_ptr<const Snapshot> s) {
  std::lock_guard<std::mutex> lk(mutex_);
  latest_ = std::move(s);
}

void Simulation::add_hazard_areas(Snapshot& s) {
  set_stage("hazard areas");
  try {
    s.hazard = std::make_shared<const HazardAreas>(find_hazard_areas(*s.data, HazardThreshold{}));
  } catch (const std::exception& e) {
    s.hazard_error = e.what();  // the map and statistics stay; the panel says why there are no areas
  }
}

void Simulation::set_stage(const std::string& s) {
  std::lock_guard<std::mutex> lk(mutex_);
  stage_ = s;
}

// What the worker keeps between requests, so that a request that only asks
// for more realizations continues the run instead of starting again.
struct Simulation::State {
  std::optional<Request> request;
  std::shared_ptr<const Scenario> scenario;
  std::shared_ptr<const Plan> plan;
  std::shared_ptr<const MapContext> context;
  std::shared_ptr<const RunResult> merged;  // a complete run of [0, its realizations)
  std::uint64_t seed = 0;
  std::string note;  // Snapshot::note of the request running
  // The evidence file read onto the scenario's grid (kept while the scenario
  // and the file stay), or why it could not be read.
  std::string evidence_path;
  std::shared_ptr<const Evidence> evidence;
  std::string evidence_error;
};

namespace {

// The realizations an interrupted part finished, kept as the run so far when
// they are a prefix [0, k) longer than what it had: a complete run of them.
void keep_prefix(std::shared_ptr<const RunResult>& merged, RunResult r) {
  const auto& ranges = r.done.ranges();
  if (ranges.size() != 1 || ranges[0].first != 0) return;
  if (merged && r.done.count() <= merged->done.count()) return;
  r.realizations = static_cast<std::uint32_t>(r.done.count());
  merged = std::make_shared<const RunResult>(std::move(r));
}

}  // namespace

void Simulation::publish_stopped(const Request& req, std::uint64_t gen, State& st, std::uint32_t asked,
                                 std::chrono::steady_clock::time_point t0) {
  auto prev = latest();
  if (!st.merged || st.merged->done.empty()) {
    // Nothing of this request was done: the previous result stays, as it was
    // (its own request: the parameters of what the map shows).
    auto s = std::make_shared<Snapshot>();
    if (prev) *s = *prev;
    s->generation = gen;
    s->finished = true;
    s->stopped = true;
    if (prev && prev->data) {
      s->note = "Stopped before any realization of the new parameters was done: the map still shows the previous result.";
    } else {
      s->request = req;
      s->error = "stopped before any realization was done: nothing to show";
    }
    publish(std::move(s));
    return;
  }
  set_stage("statistics");
  auto d = std::make_shared<ResultData>(run_evidence(*st.scenario, *st.plan, *st.merged).data);
  const auto done = static_cast<std::uint32_t>(st.merged->done.count());
  st.note = fmt::format("Stopped at {} of {} realizations: the map, statistics and Save hold the complete run of "
                        "realizations 0-{} (as `remnant run -r {}` gives it).",
                        done, asked, done - 1, done);
  publish_part(req, gen, st, std::move(d), done, t0);
  // publish_part published it as finished (done == target); mark it stopped.
  auto s = std::make_shared<Snapshot>(*latest());
  s->stopped = true;
  s->asked = asked;
  publish(std::move(s));
}

void Simulation::loop() {
  State st;
  for (;;) {
    Request req;
    std::uint64_t gen = 0;
    {
      std::unique_lock<std::mutex> lk(mutex_);
      wake_.wait(lk, [&] { return quit_ || pending_.has_value(); });
      if (quit_) return;
      req = std::move(*pending_);
      pending_.reset();
      gen = generation_;
      cancel_ = false;
      busy_ = true;
    }
    try {
      run(req, gen, st);
    } catch (const Interrupted&) {
      // A newer request arrived; it is taken at the top of the loop.
    } catch (const std::exception& e) {
      auto s = std::make_shared<Snapshot>();
      if (auto prev = latest()) *s = *prev;  // the map stays; the panel shows the error
      s->generation = gen;
      s->error = e.what();
      s->finished = true;
      publish(std::move(s));
      st = State{};
    }
    set_stage("");
    std::lock_guard<std::mutex> lk(mutex_);
    busy_ = false;
  }
}

// remnant-viewer RESULT.h5: the file's result, as it is.
void Simulation::show_result_file(const Request& req, std::uint64_t gen, State& st) {
  set_stage("reading " + req.result_file);
  auto s = std::make_shared<Snapshot>();
  s->generation = gen;
  s->request = req;
  auto d = std::make_shared<ResultData>(read_result_file(req.result_file));
  s->context = std::make_shared<const MapContext>(load_map_context(*d, datasets_dir()));
  s->headline = headline(*d);
  s->done = s->target = s->asked = d->realizations;
  s->finished = true;
  s->backend = d->backend;
  s->backend_note = "read from " + req.result_file;
  s->data = std::move(d);
  add_hazard_areas(*s);
  publish(std::move(s));
  st = State{};
}

// The run so far (st.merged, a complete run of its realizations) and its data, published.
void Simulation::publish_part(const Request& req, std::uint64_t gen, State& st, std::shared_ptr<ResultData> d,
                              std::uint32_t target, std::chrono::steady_clock::time_point t0) {
  // A complete run of [0, done): the result file of `remnant run -r done`.
  const std::shared_ptr<const RunResult> shown = st.merged;
  const std::uint32_t done = shown->realizations;
  auto s = std::make_shared<Snapshot>();
  s->generation = gen;
  s->request = req;
  s->scenario = st.scenario;
  s->plan = st.plan;
  if (!st.context) {
    set_stage("context layers");
    st.context = std::make_shared<const MapContext>(load_map_context(*d, datasets_dir()));
  }
  s->context = st.context;
  s->headline = headline(*d);
  s->done = done;
  s->target = target;
  s->asked = target;
  s->finished = done == target;
  s->note = st.note;
  s->backend = shown->backend.name;
  s->backend_note = shown->backend.note;
  s->sim_seconds = shown->seconds;
  s->items_per_second =
      shown->seconds > 0 ? double(shown->fired_per_realization) * done / shown->seconds : 0.0;
  s->seconds_since_request = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  s->data = std::move(d);
  s->run = shown;
  s->evidence = st.evidence;
  s->evidence_error = st.evidence_error;
  if (s->finished) add_hazard_areas(*s);  // once per complete result: the parts before it go by quickly
  publish(std::move(s));
}

void Simulation::run(const Request& req, std::uint64_t gen, State& st) {
  const auto t0 = std::chrono::steady_clock::now();
  if (!req.result_file.empty()) return show_result_file(req, gen, st);

  // The scenario and plan stay when the path and the overrides do.
  const bool same_scenario = st.request && st.scenario && st.request->scenario_path == req.scenario_path &&
                             st.request->result_file.empty() && same_overrides(st.request->overrides, req.overrides);
  if (!same_scenario) {
    st = State{};
    set_stage("loading the scenario");
    st.scenario = std::make_shared<const Scenario>(load_scenario(req.scenario_path, req.overrides));
    if (stop_) return publish_stopped(req, gen, st, req.realizations.value_or(st.scenario->realizations), t0);
    if (cancel_) throw Interrupted(nullptr, 0);
    set_stage("planning (rasters, strike sites)");
    st.plan = std::make_shared<const Plan>(make_plan(*st.scenario));
  }
  const Scenario& sc = *st.scenario;
  const Plan& plan = *st.plan;
  const std::uint32_t target = req.realizations.value_or(sc.realizations);
  const std::uint64_t seed = req.seed.value_or(sc.seed);
  // Refused here, whoever asks (the UI refuses it too): a run of none has no result to show.
  if (target == 0) throw InputError("0 realizations asked for: a run needs at least 1");
  // The evidence, read once per scenario and file: a file that cannot be read
  // is said (Snapshot::evidence_error) and the prior runs as without it.
  if (st.evidence_path != req.evidence) {
    st.evidence_path = req.evidence;
    st.evidence.reset();
    st.evidence_error.clear();
    if (!req.evidence.empty()) {
      set_stage("reading the evidence");
      try {
        st.evidence = std::make_shared<const Evidence>(read_evidence({req.evidence}, sc.grid));
      } catch (const std::exception& e) {
        st.evidence_error = e.what();
      }
    }
  }
  // The run so far continues when the realizations done are a prefix of those
  // asked for (more, or fewer but not fewer than done).
  st.note.clear();
  const bool same_run = st.merged && st.seed == seed && st.request->backend == req.backend;
  if (same_run && st.merged->done.count() > target)
    st.note = fmt::format("{} realizations were done, more than the {} asked for: the run of {} starts again "
                          "(a run of fewer cannot be cut out of the merged sums).",
                          st.merged->done.count(), target, target);
  if (!same_run || st.merged->done.count() > target)
    st.merged.reset();
  else if (st.request->realizations.value_or(sc.realizations) != target)
    st.note = fmt::format("Kept the {} realizations already done; running on to {}.", st.merged->done.count(), target);
  st.request = req;
  st.seed = seed;

  // The request as `remnant run -r target --seed seed` takes it (a seed above
  // the CLI's range goes through the int64 and back unchanged).
  RunArguments args;
  args.realizations = target;
  args.seed = static_cast<std::int64_t>(seed);
  args.backend = req.backend;
  args.threads = req.threads;
  check_fits_in_memory(sc, args.options_for(sc));
  // Each part is the pipeline run on top of the parts before it, up to `end`:
  // its outcome is the complete run of [0, end).
  RunHooks hooks;
  hooks.cancel = &cancel_;
  hooks.progress = [this](std::uint32_t d, std::uint32_t) { progress_done_ = d; };
  hooks.ran = [this] { set_stage("statistics"); };
  auto run_part = [&](std::uint32_t done, std::uint32_t end) {
    RunRequest part;
    part.scenario = req.scenario_path;
    part.overrides = req.overrides;
    part.loaded_scenario = st.scenario;
    part.loaded_plan = st.plan;
    part.run = args;
    part.run.batch = std::min<std::uint32_t>(end - done, 8);
    part.checkpoint.enabled = false;
    part.continue_from = st.merged;
    part.until = end;
    return run_pipeline(part, hooks);
  };
  std::uint32_t done = st.merged ? static_cast<std::uint32_t>(st.merged->done.count()) : 0;
  bool first = true;
  while (done < target || first) {
    if (stop_) return publish_stopped(req, gen, st, target, t0);
    if (cancel_) throw Interrupted(nullptr, 0);
    const std::uint32_t end = next_part_end(done, target);
    std::shared_ptr<ResultData> d;
    if (end > done) {
      set_stage("simulating");
      RunOutcome o = run_part(done, end);
      if (o.end != RunEnd::Finished) {
        // Cancelled between batches: what it finished is kept (a prefix), for
        // a stop and for a request that asks for fewer realizations.
        keep_prefix(st.merged, std::move(o.result));
        if (stop_) return publish_stopped(req, gen, st, target, t0);
        throw Interrupted(nullptr, 0);
      }
      st.merged = std::make_shared<const RunResult>(std::move(o.result));
      d = std::make_shared<ResultData>(std::move(o.data));
      done = end;
    } else {
      set_stage("statistics");
      d = std::make_shared<ResultData>(run_evidence(sc, plan, *st.merged).data);
    }
    first = false;

    publish_part(req, gen, st, std::move(d), target, t0);
  }
  if (st.evidence) run_posterior(req, gen, st, target, seed);
}

void Simulation::run_posterior(const Request& req, std::uint64_t gen, State& st, std::uint32_t target,
                               std::uint64_t seed) {
  const auto t0 = std::chrono::steady_clock::now();
  set_stage("conditioning on the evidence");
  progress_done_ = 0;
  // `remnant run SCENARIO --set ... -r target --seed seed --evidence FILE`, in one piece.
  RunRequest r;
  r.scenario = req.scenario_path;
  r.overrides = req.overrides;
  r.loaded_scenario = st.scenario;
  r.loaded_plan = st.plan;
  r.run.realizations = target;
  r.run.seed = static_cast<std::int64_t>(seed);
  r.run.backend = req.backend;
  r.run.threads = req.threads;
  r.checkpoint.enabled = false;
  r.evidence = {req.evidence};
  int stages = 0;
  r.conditioning.stage_done = [this, &stages](const ConditioningStage& c) {
    ++stages;
    set_stage(fmt::format("conditioning: stage {} done (beta {:.3g}, effective size {:.0f})", stages, c.beta,
                          c.effective_size));
  };
  RunHooks hooks;
  hooks.cancel = &cancel_;
  hooks.ran = [this] { set_stage("posterior statistics"); };
  auto prior = latest();  // the prior's final snapshot, published just before
  auto with_prior = [&](const std::string& error, const std::string& note) {
    auto s = std::make_shared<Snapshot>(*prior);
    s->generation = gen;
    s->posterior_error = error;
    if (!note.empty()) s->note = note;
    publish(std::move(s));
  };
  RunOutcome o;
  try {
    o = run_pipeline(r, hooks);
  } catch (const Interrupted&) {
    throw;
  } catch (const std::exception& e) {
    // No particle meets the evidence, a strike that pins no site, ...: the
    // prior stays on the map; the panel says why there is no posterior.
    return with_prior(e.what(), "");
  }
  if (o.end != RunEnd::Finished) {
    if (stop_)
      return with_prior("stopped before the posterior was complete",
                        "Stopped while conditioning on the evidence: the map shows the prior, complete.");
    throw Interrupted(nullptr, 0);
  }
  auto post = std::make_shared<Snapshot>(*prior);
  post->is_posterior = true;
  post->posterior.reset();
  post->run = std::make_shared<const RunResult>(std::move(o.result));
  post->data = std::make_shared<const ResultData>(std::move(o.data));
  post->headline = headline(*post->data);
  post->hazard.reset();
  post->hazard_error.clear();
  post->sim_seconds = o.seconds;
  post->items_per_second =
      o.seconds > 0 ? double(post->data->fired_per_realization) * post->data->realizations / o.seconds : 0.0;
  post->seconds_since_request = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  post->note.clear();
  add_hazard_areas(*post);
  auto s = std::make_shared<Snapshot>(*prior);
  s->generation = gen;
  s->posterior = std::move(post);
  publish(std::move(s));
}

}  // namespace remnant::viewer
