// The viewer's simulation, off the UI thread: one worker thread loads the
// scenario (load_scenario with the --set overrides, exactly as `remnant run`
// does), plans it and runs its realizations with progressive refinement: a few
// first, then more, each part the run pipeline (host/run/pipeline.h) on top of
// the run so far (RunRequest::continue_from, until; a run split into parts
// equals the run in one piece, to the bit). After every part
// it publishes a Snapshot; the UI thread takes the latest one under a mutex and
// never waits for the simulation. A new request cancels the running part
// (RunOptions::cancel, checked between batches).
//
// With evidence (Request::evidence, `remnant run --evidence`'s file) the
// evidence is read onto the scenario's grid as soon as the scenario is loaded
// (a bad file: Snapshot::evidence_error, the prior still runs), and once the
// prior is complete the posterior runs as one more request to the pipeline:
// the conditioned run of the same scenario, overrides, seed and realizations,
// in one piece (a conditioned run is not split into parts: its particles move
// together). It is published as Snapshot::posterior of the prior's snapshot.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "host/evidence/hazard_areas.h"
#include "host/run/ensemble.h"
#include "host/maps/map_layers.h"
#include "host/run/plan.h"
#include "host/evidence/report.h"
#include "host/evidence/result_file.h"
#include "host/inputs/evidence.h"
#include "host/inputs/scenario.h"

namespace remnant::viewer {

// What to simulate: the CLI's `remnant run SCENARIO --set ... -r N --seed S`.
struct Request {
  std::string scenario_path;
  std::string result_file;  // instead: show this result file (remnant-viewer RESULT.h5)
  std::vector<Override> overrides;
  std::optional<std::uint32_t> realizations;  // none: the scenario's
  std::optional<std::uint64_t> seed;          // none: the scenario's
  std::string backend = "auto";
  int threads = 0;
  std::string evidence;  // an evidence file (docs/EVIDENCE.md): also run the posterior; "": none
  bool operator==(const Request& o) const;
};

// One state of the simulation, immutable once published.
struct Snapshot {
  std::uint64_t generation = 0;  // of the request it answers
  Request request;               // the request it answers (its parameters: what the map shows)
  std::string error;             // the scenario could not be loaded or run (nothing else is set)
  std::shared_ptr<const Scenario> scenario;
  std::shared_ptr<const Plan> plan;
  std::shared_ptr<const MapContext> context;  // border, coast, rivers, towns
  // A complete run of realizations [0, done): what the map and the statistics
  // show and what "Save" writes. Null until the first part is done.
  std::shared_ptr<const ResultData> data;
  std::shared_ptr<const RunResult> run;  // the same realizations, for make_result_data
  Headline headline;
  // The hazard areas of data at `remnant hazard`'s default threshold
  // (HazardThreshold{}), computed on the worker once per complete result
  // (finished; a result file as read), never for the parts before it: null
  // until then, or where they could not be drawn (hazard_error says why).
  std::shared_ptr<const HazardAreas> hazard;
  std::string hazard_error;
  std::uint32_t done = 0, target = 0;
  bool finished = false;  // done == target, or stopped
  // Stopped by Simulation::stop(): done < the target asked for; data is the
  // complete run of [0, done), saveable as `remnant run -r done` writes it.
  bool stopped = false;
  std::uint32_t asked = 0;  // the realizations the request asked for (target, unless stopped)
  // A plain note on how this snapshot came about (a stop before anything was
  // done, realizations kept or run again), or "".
  std::string note;
  std::string backend, backend_note;
  double sim_seconds = 0;      // engine time of the realizations done
  double items_per_second = 0; // submunitions simulated per second of engine time
  double seconds_since_request = 0;  // wall time from the request to this snapshot
  // Evidence (Request::evidence): read onto the grid (null: none, or it could
  // not be read: evidence_error says why, as read_evidence put it).
  std::shared_ptr<const Evidence> evidence;
  std::string evidence_error;
  // The run conditioned on the evidence (same scenario, overrides, seed and
  // realizations), complete: a snapshot of its own (is_posterior; its data's
  // conditioning holds the diagnostics). Null until it is done, or when it
  // failed (posterior_error) or was stopped.
  std::shared_ptr<const Snapshot> posterior;
  std::string posterior_error;
  bool is_posterior = false;
};

// The part sizes of the refinement: [0, 4), [4, 16), [16, 64), ... up to target.
std::uint32_t next_part_end(std::uint32_t done, std::uint32_t target);

class Simulation {
 public:
  Simulation();
  ~Simulation();
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  // Starts simulating r, cancelling whatever runs. When only the realizations
  // grow (same scenario, overrides, seed), the run continues from what it has.
  // Returns the request's generation (its snapshots carry it).
  std::uint64_t submit(const Request& r);
  // Ends the running request at the next batch: the realizations done so far
  // (a prefix [0, done)) become its final snapshot, marked stopped.
  void stop();
  std::shared_ptr<const Snapshot> latest() const;
  // While a part runs: realizations done of target, and what it is doing.
  std::uint32_t progress_done() const { return progress_done_.load(); }
  bool busy() const { return busy_.load(); }
  // Nothing pending and nothing running.
  bool idle() const;
  std::string stage() const;

 private:
  struct State;
  void loop();
  void run(const Request& req, std::uint64_t gen, State& st);
  void show_result_file(const Request& req, std::uint64_t gen, State& st);
  void publish_part(const Request& req, std::uint64_t gen, State& st, std::shared_ptr<ResultData> d,
                    std::uint32_t target, std::chrono::steady_clock::time_point t0);
  // The run so far as the request's final snapshot (stop() was called).
  void publish_stopped(const Request& req, std::uint64_t gen, State& st, std::uint32_t asked,
                       std::chrono::steady_clock::time_point t0);
  void publish(std::shared_ptr<const Snapshot> s);
  // After the prior is complete: the run conditioned on st.evidence, in one
  // piece, published as the posterior of the latest snapshot.
  void run_posterior(const Request& req, std::uint64_t gen, State& st, std::uint32_t target, std::uint64_t seed);
  // Sets s.hazard (or s.hazard_error) from s.data.
  void add_hazard_areas(Snapshot& s);
  void set_stage(const std::string& s);

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::optional<Request> pending_;
  std::uint64_t generation_ = 0;
  bool quit_ = false;
  std::shared_ptr<const Snapshot> latest_;
  std::string stage_;
  std::atomic<bool> cancel_{false};
  std::atomic<bool> stop_{false};  // the cancel is a stop: keep and publish what is done
  std::atomic<bool> busy_{false};
  std::atomic<std::uint32_t> progress_done_{0};
  std::thread worker_;
};

}  // namespace remnant::viewer
