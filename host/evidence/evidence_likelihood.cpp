#include "host/evidence/evidence_likelihood.h"

#include "host/evidence/hazard_areas.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace remnant {

EvidenceModel evidence_model(const Evidence& e, const ResultGrid& g, double find_radius_m) {
  if (!(find_radius_m >= 0.0) || !std::isfinite(find_radius_m))
    throw std::invalid_argument("evidence_model: the find radius must be finite and >= 0");
  EvidenceModel m;
  m.find_radius_m = find_radius_m;
  for (const EvidenceFeature& f : e.features) {
    if (f.kind == EvidenceFeature::Kind::Strike) continue;
    EvidenceTerm t;
    t.kind = f.kind;
    t.label = f.file + ": " + f.label;
    if (f.kind == EvidenceFeature::Kind::Find) {
      t.k = f.items;
      t.cells = cells_within(g, f.x_m, f.y_m, find_radius_m);
      if (t.cells.empty()) t.cells = f.cells;  // the point's own cell
    } else {
      t.cells = f.cells;
      t.k = f.kind == EvidenceFeature::Kind::Searched ? f.items_found : 0;
      t.p = f.detection_probability;
    }
    m.terms.push_back(std::move(t));
  }
  return m;
}

double log_likelihood(const EvidenceModel& m, const std::vector<std::uint64_t>& duds) {
  std::vector<std::uint64_t> items(m.terms.size(), 0);
  for (std::size_t i = 0; i < m.terms.size(); ++i)
    for (std::uint32_t c : m.terms[i].cells) items[i] += duds.at(c);
  return log_likelihood_of_counts(m, items);
}

namespace {

// The terms' log-likelihood from the items in each term's cells. With
// deficit_cost < 0 the exact one (-infinity when the evidence is impossible);
// otherwise each impossibility costs deficit_cost per item it misses by
// (relaxed_log_likelihood_of_counts).
double terms_log_likelihood(const EvidenceModel& m, const std::vector<std::uint64_t>& items, double deficit_cost) {
  const bool exact = deficit_cost < 0.0;
  const double impossible = -std::numeric_limits<double>::infinity();
  double ll = 0.0;
  for (std::size_t i = 0; i < m.terms.size(); ++i) {
    const EvidenceTerm& t = m.terms[i];
    const std::uint64_t n = items.at(i);
    const double N = static_cast<double>(n), k = static_cast<double>(t.k);
    switch (t.kind) {
      case EvidenceFeature::Kind::Searched:
        if (t.k > n) {
          if (exact) return impossible;
          // As if the k found were all there were, less the cost of the missing ones.
          ll -= deficit_cost * (k - N);
          if (t.k > 0 && t.p > 0.0) ll += k * std::log(t.p);
          break;
        }
        // log C(N, k) + k log p + (N - k) log(1 - p), with 0 log 0 = 0.
        ll += std::lgamma(N + 1) - std::lgamma(k + 1) - std::lgamma(N - k + 1);
        if (t.k > 0) {
          if (t.p <= 0.0) {
            if (exact) return impossible;
            ll -= deficit_cost * k;
          } else {
            ll += k * std::log(t.p);
          }
        }
        if (n > t.k) {
          if (t.p >= 1.0) {
            if (exact) return impossible;
            ll -= deficit_cost * (N - k);
          } else {
            ll += (N - k) * std::log1p(-t.p);
          }
        }
        break;
      case EvidenceFeature::Kind::Cancelled:
        if (n > 0) {
          if (t.p >= 1.0) {
            if (exact) return impossible;
            ll -= deficit_cost * N;
          } else {
            ll += N * std::log1p(-t.p);
          }
        }
        break;
      case EvidenceFeature::Kind::Find:
        if (n < t.k) {
          if (exact) return impossible;
          ll -= deficit_cost * (k - N);
        }
        break;
      case EvidenceFeature::Kind::Strike:
        break;
    }
  }
  return ll;
}

}  // namespace

double log_likelihood_of_counts(const EvidenceModel& m, const std::vector<std::uint64_t>& items) {
  return terms_log_likelihood(m, items, -1.0);
}

double relaxed_log_likelihood_of_counts(const EvidenceModel& m, const std::vector<std::uint64_t>& items,
                                        double deficit_cost) {
  return terms_log_likelihood(m, items, deficit_cost);
}

ImportanceWeights importance_weights(const std::vector<double>& log_likelihoods) {
  ImportanceWeights w;
  w.weight.assign(log_likelihoods.size(), 0.0);
  double top = -std::numeric_limits<double>::infinity();
  for (double l : log_likelihoods) top = std::max(top, l);
  if (!std::isfinite(top)) return w;
  double sum = 0.0;
  for (std::size_t i = 0; i < log_likelihoods.size(); ++i) sum += w.weight[i] = std::exp(log_likelihoods[i] - top);
  double sq = 0.0;
  for (double& x : w.weight) x /= sum, sq += x * x;
  w.effective_size = sq > 0.0 ? 1.0 / sq : 0.0;
  return w;
}

}  // namespace remnant
