// `remnant hazard RESULT.h5 --out FILE...`: the hazard areas of a result as
// vector layers a GIS and a mine-action database take (GeoPackage, GeoJSON,
// Shapefile, KML; host/evidence/hazard_layers.h), each area with the expected
// unexploded items inside and their 90 % interval over the result's
// realizations, which are run again from the file's seed and scenario to count
// them (host/run/replay.h; --no-intervals skips that). docs/HAZARD.md.
#pragma once

#include <string>
#include <vector>

#include "host/apps/sweep.h"
#include "host/evidence/clearance.h"
#include "host/evidence/hazard_areas.h"

namespace remnant {

struct HazardArgs {
  std::string file;                      // the result file
  std::vector<std::string> outs;         // --out, one or more
  std::string threshold = "share=0.9";   // --threshold
  bool intervals = true;                 // false: --no-intervals
  int threads = 0;                       // --threads for the replay (0: the OpenMP default)
  bool quiet = false;
  std::string ranking;      // --ranking FILE.csv: the areas in clearance order
  std::string curve;        // --curve FILE.{png,svg,pdf}: the clearance curve
  std::string localities;   // --localities FILE.csv: expected items near each town of the dataset
  double near_m = 1000.0;   // --near: the distance for --localities and --town-weight, metres
  double town_weight = 0.0; // --town-weight: an area with a town within --near counts (1 + W) x its density
  double block_m = 100.0;   // --block: the side of a clearance block of --curve, metres (whole cells)
};

struct HazardResult {
  SweepOutcome outcome = SweepOutcome::Finished;
  std::string report;                 // the text summary (Finished)
  std::vector<std::string> written;   // every file written, companions included
  HazardAreas areas;
  Localities localities;              // with --localities
};

// Checks the arguments and every output before any work (InputError), reads
// the result, traces its hazard areas, runs the realizations again for the
// intervals, writes each --out. Ctrl-C (hooks.cancel) during the replay
// writes nothing (Interrupted outcome, said through hooks.say).
HazardResult run_hazard(const HazardArgs& a, const SweepHooks& hooks = {});

// The `about` table of the layers: where every figure comes from.
std::vector<std::pair<std::string, std::string>> hazard_about(const ResultData& d, const std::string& file,
                                                              const HazardAreas& h, const std::string& sites_note);

}  // namespace remnant
