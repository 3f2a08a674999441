// The likelihood of evidence from the ground (host/inputs/evidence.h) given
// one realization's unexploded items per cell: the building block of
// conditioning a run on survey and clearance evidence (issue 21; the sampler
// that uses it is not built yet, docs/EVIDENCE.md).
//
// With N the realization's items in the cells of a feature:
//   searched  (k found, detection p):  Binomial(k; N, p)  -- each of the N
//             items there was found with probability p, independently;
//   cancelled (detection q):           (1 - q)^N          -- none was noticed;
//   find      (n items at a point):    1 when N >= n within the find radius of
//             the point, else 0         -- the items were there to be found
//             (how likely a chance find was is not modelled: an assumption);
//   strike    (a located strike):      not a function of the items; the
//             sampler pins a site there instead.
// Features are taken as independent given the realization (overlapping
// searched areas count their common items twice: docs/EVIDENCE.md says so).
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "host/evidence/result_file.h"
#include "host/inputs/evidence.h"

namespace remnant {

// ASSUMPTION: how far from its recorded point a find's items may have lain
// (position error of the record and the item's own spread), metres.
constexpr double kDefaultFindRadius = 25.0;

struct EvidenceTerm {
  EvidenceFeature::Kind kind;
  std::string label;
  std::vector<std::uint32_t> cells;  // searched/cancelled: the polygon's; find: within the radius
  std::uint64_t k = 0;               // searched: items found; find: items
  double p = 0.0;                    // searched: detection; cancelled: detection
};

struct EvidenceModel {
  std::vector<EvidenceTerm> terms;  // strikes are not terms (see above)
  double find_radius_m = kDefaultFindRadius;
};

// The terms of the evidence on a grid (cells of the grid: nx, ny, origin,
// cell size). A find whose radius holds no cell centre takes its own cell.
EvidenceModel evidence_model(const Evidence& e, const ResultGrid& g, double find_radius_m = kDefaultFindRadius);

// log L(evidence | duds per cell); -infinity when the realization cannot have
// produced the evidence (more found than there were, a find with too few items).
double log_likelihood(const EvidenceModel& m, const std::vector<std::uint64_t>& duds);

// The same from the items N in each term's cells (items[i] for terms[i]):
// what a sampler that keeps counts per feature computes.
double log_likelihood_of_counts(const EvidenceModel& m, const std::vector<std::uint64_t>& items);

// The same where the evidence is possible; where it is not, finite: each
// impossibility (a find with N < n, a searched area with k > N, items where
// detection is certain and none was found) costs deficit_cost (> 0) per item
// it misses by. A conditioned run's tempering stages climb on it
// (host/run/conditioning.h); its final stage is exact.
double relaxed_log_likelihood_of_counts(const EvidenceModel& m, const std::vector<std::uint64_t>& items,
                                        double deficit_cost);

// Normalised importance weights from log-likelihoods (max subtracted first;
// all -infinity: all zero) and Kish's effective sample size (sum w)^2 / sum w^2
// (0 when every weight is 0).
struct ImportanceWeights {
  std::vector<double> weight;
  double effective_size = 0.0;
};
ImportanceWeights importance_weights(const std::vector<double>& log_likelihoods);

}  // namespace remnant
