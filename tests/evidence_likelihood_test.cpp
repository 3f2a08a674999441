// The likelihood of evidence from the ground given one realization's items
// per cell (host/evidence/evidence_likelihood.h): each term against its
// closed form, the binomial summing to one, impossibilities, and the
// importance weights with their effective sample size.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "host/evidence/evidence_likelihood.h"

namespace remnant {
namespace {

ResultGrid grid() {
  ResultGrid g;
  g.nx = 10, g.ny = 10, g.cell_size_m = 10.0;
  return g;
}

EvidenceFeature area(EvidenceFeature::Kind kind, std::vector<std::uint32_t> cells, std::uint64_t found, double p) {
  EvidenceFeature f;
  f.kind = kind;
  f.label = "area";
  f.cells = std::move(cells);
  f.items_found = found;
  f.detection_probability = p;
  return f;
}

EvidenceFeature find(double x, double y, std::uint64_t items) {
  EvidenceFeature f;
  f.kind = EvidenceFeature::Kind::Find;
  f.label = "find";
  f.x_m = x, f.y_m = y;
  f.items = items;
  f.cells = {static_cast<std::uint32_t>(std::floor(y / 10.0) * 10 + std::floor(x / 10.0))};
  return f;
}

const double kImpossible = -std::numeric_limits<double>::infinity();

TEST(EvidenceLikelihood, SearchedAreasAreBinomialAndCancelledOnesGeometric) {
  Evidence e;
  e.features = {area(EvidenceFeature::Kind::Searched, {0, 1, 2}, 2, 0.8),
                area(EvidenceFeature::Kind::Cancelled, {50, 51}, 0, 0.5)};
  const EvidenceModel m = evidence_model(e, grid());
  std::vector<std::uint64_t> duds(100, 0);
  duds[0] = 1, duds[2] = 2;  // 3 items in the searched area
  duds[51] = 4;              // 4 in the cancelled one
  EXPECT_NEAR(log_likelihood(m, duds), std::log(3 * 0.64 * 0.2) + 4 * std::log(0.5), 1e-12);
  duds[2] = 0;  // 1 item there, 2 found: impossible
  EXPECT_EQ(log_likelihood(m, duds), kImpossible);
  // For a fixed number there, the binomial sums to one over the items found.
  duds[2] = 6;
  double sum = 0.0;
  for (std::uint64_t k = 0; k <= 7; ++k) {
    Evidence one;
    one.features = {area(EvidenceFeature::Kind::Searched, {0, 1, 2}, k, 0.3)};
    sum += std::exp(log_likelihood(evidence_model(one, grid()), duds));
  }
  EXPECT_NEAR(sum, 1.0, 1e-12);
  // Certain detection: finding fewer than were there is impossible, finding all is certain.
  Evidence sure;
  sure.features = {area(EvidenceFeature::Kind::Searched, {0}, 1, 1.0)};
  duds[0] = 1;
  EXPECT_EQ(log_likelihood(evidence_model(sure, grid()), duds), 0.0);
  duds[0] = 2;
  EXPECT_EQ(log_likelihood(evidence_model(sure, grid()), duds), kImpossible);
}

TEST(EvidenceLikelihood, AFindNeedsItsItemsWithinTheRadiusAndAStrikeIsNoTerm) {
  Evidence e;
  e.features = {find(55.0, 55.0, 2)};
  EvidenceFeature strike;
  strike.kind = EvidenceFeature::Kind::Strike;
  e.features.push_back(strike);
  const EvidenceModel m = evidence_model(e, grid(), 15.0);
  ASSERT_EQ(m.terms.size(), 1u);
  EXPECT_EQ(m.terms[0].cells.size(), 9u);  // centres within 15 m of (55, 55): the 3 x 3 block around it
  std::vector<std::uint64_t> duds(100, 0);
  duds[44] = 1;  // (45, 45): 14.1 m away
  EXPECT_EQ(log_likelihood(m, duds), kImpossible);
  duds[66] = 1;
  EXPECT_EQ(log_likelihood(m, duds), 0.0);
  duds[66] = 0, duds[77] = 1;  // (75, 75): 28 m away, outside
  EXPECT_EQ(log_likelihood(m, duds), kImpossible);
  // Radius 0: the point's own cell.
  EXPECT_EQ(evidence_model(e, grid(), 0.0).terms[0].cells, std::vector<std::uint32_t>{55});
}

TEST(EvidenceLikelihood, ImportanceWeightsAreNormalisedWithKishsEffectiveSize) {
  const ImportanceWeights even = importance_weights({-3.0, -3.0, -3.0, -3.0});
  for (double w : even.weight) EXPECT_DOUBLE_EQ(w, 0.25);
  EXPECT_NEAR(even.effective_size, 4.0, 1e-12);
  const ImportanceWeights one = importance_weights({-1000.0, 0.0, kImpossible});
  EXPECT_NEAR(one.weight[1], 1.0, 1e-12);
  EXPECT_EQ(one.weight[2], 0.0);
  EXPECT_NEAR(one.effective_size, 1.0, 1e-9);
  const ImportanceWeights none = importance_weights({kImpossible, kImpossible});
  EXPECT_EQ(none.weight, (std::vector<double>{0.0, 0.0}));
  EXPECT_EQ(none.effective_size, 0.0);
  // Large log-likelihoods do not overflow: only differences matter.
  const ImportanceWeights big = importance_weights({1e6, 1e6 + std::log(3.0)});
  EXPECT_NEAR(big.weight[1], 0.75, 1e-9);  // 1e6 + log 3 holds log 3 to about 1e-10
}

}  // namespace
}  // namespace remnant
