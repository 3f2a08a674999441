// A run conditioned on evidence from the ground (issue 21, docs/EVIDENCE.md):
// `remnant run SCENARIO --evidence FILE`. The realizations of the result are
// draws from the posterior of the scenario's model given the evidence, made
// by sequential Monte Carlo with likelihood tempering and
// Metropolis-Hastings rejuvenation (Del Moral, Doucet & Jasra 2006; the
// adaptive tempering of Jasra et al. 2011):
//
//  - A particle is one realization's whole state: for every strike site (a
//    "unit": the strike rows of one sampled site, or one fixed strike) its
//    position and the stream its draws come from (function height,
//    footprint, wind, and every carrier's and item's random numbers: the
//    counter word of kernels/rng.h), and for every submunition type the
//    stream of its failure rates. Particle p starts as realization p of the
//    forward run (the prior).
//  - The likelihood is evidence_likelihood.h's, of the items the engine's
//    own footprints put in each feature's cells. Each unit's items per
//    feature are kept, so a move of one unit re-simulates that unit's strike
//    rows only (Engine::count_evidence, on CPU threads or the GPU).
//  - Stages raise the likelihood's power beta from 0 to 1, each step chosen
//    so that the effective sample size of the reweighted particles is half
//    the particles; then the particles are resampled (systematic) and moved.
//    Finds (N >= n) and searched areas (found <= there) are constraints;
//    while beta < 1 a violated one costs kDeficitCost per missing item (so
//    particles can climb towards it); at beta = 1, while fewer than half the
//    particles meet every constraint, stages raise that cost 4-fold (to
//    kDeficitCost x 4^5 at most); then the exact likelihood takes over
//    (particles that still violate one weigh 0) and the final sweeps run at
//    the exact posterior.
//  - Moves, each a Metropolis-Hastings step at the stage's target: for every
//    movable unit a random walk of its position, a jump (from the sites'
//    prior or near the evidence that says items are there: finds and searched
//    areas with items found), a fresh draw of its stream; for every type a
//    fresh draw of its rates. Located strikes pin a site: its position stays
//    at the strike.
//  - Every random number is keyed by (seed, stage, sweep, particle, unit or
//    type, move): the same seed gives the same bits on a backend, for any
//    thread count or batch.
// The result is then the forward run of the final particles through the
// engine (run_ensemble with their draws): maps, totals, hazard areas as for
// any run.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "host/evidence/evidence_likelihood.h"
#include "host/evidence/result_file.h"
#include "host/inputs/evidence.h"
#include "host/inputs/scenario.h"
#include "host/run/ensemble.h"
#include "host/run/plan.h"

namespace remnant {

// Algorithm setting, not a model figure: what a violated constraint (a find
// without its items, a searched area with more found than there were) costs
// in log-likelihood per missing item while beta < 1. It only guides the
// particles; the final stage is exact.
constexpr double kDeficitCost = 5.0;

struct ConditioningStage {
  double beta = 0.0;              // the likelihood's power reached
  double effective_size = 0.0;    // of the reweighted particles, before resampling
  double acceptance_walk = 0.0, acceptance_jump = 0.0, acceptance_stream = 0.0, acceptance_rates = 0.0;
};

struct ConditionOptions {
  std::uint32_t sweeps = 4;     // move sweeps after each resampling; the final stage runs 2 x sweeps
  std::uint32_t max_stages = 40;
  double find_radius_m = kDefaultFindRadius;
  std::function<void(const ConditioningStage&)> stage_done;  // after each stage's sweeps (progress)
  // The sampler's checkpoint: after every stage but the last, the particles
  // are saved there (atomically), so that a run stopped (Ctrl-C, or killed)
  // loses at most one stage; with resume the run continues from it and gives
  // the uninterrupted run's bytes (every draw is keyed by its stage). Removed
  // once the run is complete. Empty: none.
  std::string checkpoint;
  bool resume = false;
};

struct ConditioningReport {
  std::uint32_t particles = 0;
  std::uint32_t units = 0, movable_units = 0, features = 0;  // features: likelihood terms (strikes excluded)
  std::vector<ConditioningStage> stages;  // the last is the exact posterior
  double final_effective_size = 0.0;      // of the exact reweighting at beta = 1, before the final resampling
  std::uint32_t distinct_ancestors = 0;   // prior realizations the final particles descend from
  // Gelman-Rubin R-hat of the log-likelihood over the final sweeps, each
  // particle a chain (1: the chains mix; above 1.1: poor).
  double r_hat = 0.0;
  double mean_log_likelihood = 0.0;       // of the final particles
  std::vector<std::string> pins;          // "strike S-1 pins site 4 (M26)"
  std::vector<std::string> warnings;      // poor diagnostics, said plainly
  double seconds = 0.0;
  std::uint32_t resumed_after_stages = 0; // stages the checkpoint held (resume), else 0
};

// Samples the posterior (the class comment) and runs its particles:
// opt.realizations particles, opt.seed, opt.backend, opt.threads, opt.batch,
// opt.cancel and opt.progress as for run_ensemble (progress counts the final
// run's realizations; co.stage_done is told each stage of the sampler). InputError when a located strike cannot
// pin any site, or no particle meets the evidence.
struct ConditionedRun {
  RunResult result;
  ConditioningReport report;
};
ConditionedRun condition_run(const Scenario& sc, const Plan& plan, const Evidence& evidence, const RunOptions& opt,
                             const ConditionOptions& co = {});

// What a result file and `run --json` record of a conditioned run: the
// evidence (files, hash, summary, every feature with its geometry), the
// method in words and the diagnostics as JSON.
ResultConditioning conditioning_record(const Evidence& evidence, const ConditioningReport& report,
                                       const ConditionOptions& co, double cancelled_detection);

// `run --json`'s members for it: "conditioned": false, or "conditioned": true
// and "evidence": {files, sha256, summary, features, method, diagnostics}.
std::string conditioning_json_members(const ResultConditioning& c);

// Gelman-Rubin potential scale reduction of chains of equal length (>= 2):
// sqrt(((n-1)/n W + B/n) / W); 1 when W = 0 and B = 0. Exposed for tests.
double gelman_rubin(const std::vector<std::vector<double>>& chains);

}  // namespace remnant
