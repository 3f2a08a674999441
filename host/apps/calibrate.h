// `remnant calibrate`: narrows the ranges of a scenario's uncertain inputs to
// what a record (a hazard area, a count of items) allows. Draws parameter
// values from uniform priors (--vary KEY=LO,HI), runs the scenario at each
// (every draw with the same seed and -r realizations, through the run
// pipeline's prepare_run), and weighs the draws by how near their mean
// headline totals come to the record (--target METRIC=VALUE[:SD]); the
// statistics are host/evidence/calibration.h's, the method is explained in
// docs/CALIBRATION.md.
//
// --out-dir receives:
//   realizations.csv  every realization's headline totals, draw by draw, as
//                     they finish (what --resume continues from)
//   draws.csv         one row per draw: its parameters, weight, mean totals
//   calibration.json  the summary (`--json` prints it)
//   calibrated.toml   a scenario building on the original ([scenario] base)
//                     with each parameter at its posterior mean and a _source
//   calibration.png/.svg  the figure: each parameter's prior and posterior,
//                     each target's prior and posterior predictive with the record
// Ctrl-C keeps the draws finished; --resume continues them (and may change the
// targets: they do not enter the simulations).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "host/apps/sweep.h"
#include "host/evidence/calibration.h"
#include "host/run/ensemble.h"

namespace remnant {

constexpr std::uint32_t kDefaultCalibrationDraws = 200;
constexpr std::uint32_t kMinCalibrationDraws = 10;
constexpr std::uint32_t kMaxCalibrationDraws = 100000;
constexpr std::uint32_t kMaxCalibrationRounds = 20;
// Realizations per draw unless -r says otherwise: each draw's figure is a mean
// over them (assumption: ten keep its Monte Carlo error well below the spread
// between draws for the bundled cases; the CSV of draws shows it).
constexpr std::uint32_t kDefaultCalibrationRealizations = 10;

struct CalibrateArgs {
  std::string scenario;
  std::vector<std::string> vary, targets, sets;
  std::string out_dir;
  RunArguments run;  // -r: realizations per draw; --seed: the seed of every draw and of the prior draws
  std::uint32_t draws = kDefaultCalibrationDraws;  // in all, over the rounds
  std::uint32_t rounds = 1;  // sequential rounds (docs/CALIBRATION.md); draws must be a multiple
  double accept = 0.1;  // the rejection method's fraction of draws kept
  bool json = false, quiet = false, resume = false;
  std::string program = "remnant";  // as invoked: the resume hint starts with it
};

struct CalibrateResult {
  SweepOutcome outcome = SweepOutcome::Finished;
  std::string report;  // Finished: the text report, or the JSON summary with --json
  Calibration calibration;
};

// The files a calibration writes in --out-dir.
const std::vector<std::string>& calibration_files();

// Checks every argument and the scenario at both ends of every range before
// anything runs, then runs the draws not already in --out-dir, then writes
// the files. The hooks are a sweep's (cancel, before_running, say, chatter,
// progress). Throws InputError for bad input, before any file is written.
CalibrateResult run_calibration(const CalibrateArgs& a, const SweepHooks& hooks = {});

}  // namespace remnant
