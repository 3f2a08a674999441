// Failure of submunitions: the failure probability, the Bernoulli draw, the
// per-realization dud-rate draws (Beta priors) and the dud counts of whole
// runs against binomial bounds.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kernels/physics.h"
#include "kernels/rng.h"
#include "test_support.h"

namespace remnant {
namespace {

using test::Moments;
using test::moments;

// Every item lands on cropland inside the grid: 1 km x 1 km, the strike in the
// middle, footprint at most 100 m, aim error CEP 20 m, released at ground
// level in calm air. 10 carriers x 200 = 2000 items per realization. The
// arguments: the dud rate (a probability or a prior), the cropland multiplier,
// the self-destruct failure probability ("": none).
Scenario on_land(const std::string& rate, const std::string& mult = "1.0", const std::string& sd = "") {
  test::Submunition bomblet = test::bomblet().dud_rate(rate);
  if (!sd.empty()) bomblet.self_destruct_failure(sd);
  return test::scenario_from(test::ScenarioText("failure test: everything on cropland", 1, 10)
                                 .wind(0.0, 270.0)
                                 .multiplier("cropland", mult)
                                 .submunition(bomblet)
                                 .carrier(test::dispenser())
                                 .strike(test::Strike("dispenser", 10, 500.0, 500.0))
                                 .text(),
                             "failure.toml");
}

TEST(FailureProbability, MultipliesCapsAndAppliesSelfDestruct) {
  EXPECT_FLOAT_EQ(failure_probability(0.1f, 1.0f, 1.0f), 0.1f);
  EXPECT_FLOAT_EQ(failure_probability(0.1f, 2.0f, 1.0f), 0.2f);
  EXPECT_FLOAT_EQ(failure_probability(0.1f, 2.0f, 0.5f), 0.1f);   // self-destruct also has to fail
  EXPECT_FLOAT_EQ(failure_probability(0.5f, 3.0f, 1.0f), 1.0f);   // capped at 1
  EXPECT_FLOAT_EQ(failure_probability(0.5f, 3.0f, 0.25f), 0.25f); // cap before the self-destruct factor
  EXPECT_FLOAT_EQ(failure_probability(0.3f, 0.0f, 1.0f), 0.0f);
  EXPECT_FLOAT_EQ(failure_probability(0.0f, 5.0f, 1.0f), 0.0f);
  EXPECT_FLOAT_EQ(failure_probability(1.0f, 1.0f, 0.0f), 0.0f);
}

TEST(FailureProbability, BernoulliDrawIsFairAtTheEnds) {
  // With the engine's uniforms (never 0 or 1): p = 0 never fails, p = 1 always.
  for (std::uint32_t w : {0u, 1u, 0x80000000u, 0xFFFFFFFFu}) {
    EXPECT_FALSE(is_dud(0.0f, to_unit_open(w))) << w;
    EXPECT_TRUE(is_dud(1.0f, to_unit_open(w))) << w;
  }
  EXPECT_TRUE(is_dud(0.5f, 0.49f));
  EXPECT_FALSE(is_dud(0.5f, 0.51f));
}

// Beta(alpha, beta) through sample_beta, one independent stream per
// realization as draw_batch uses them.
void check_beta(double alpha, double beta, std::uint64_t seed) {
  constexpr int kStreams = 100'000;
  const RngKey key = make_key(seed, Stream::DudRate);
  std::vector<double> v;
  v.reserve(kStreams);
  for (int r = 0; r < kStreams; ++r) {
    HostDrawStream rng(key, static_cast<std::uint32_t>(r), 0);
    const double x = sample_beta(rng, alpha, beta);
    ASSERT_GT(x, 0.0);
    ASSERT_LT(x, 1.0);
    v.push_back(x);
  }
  const Moments m = moments(v);
  const double ab = alpha + beta;
  const double mean = alpha / ab, var = alpha * beta / (ab * ab * (ab + 1.0));
  // Standard error of the mean from the analytic variance.
  const double se_mean = std::sqrt(var / kStreams);
  EXPECT_LT(std::abs(m.mean - mean), 4.0 * se_mean)
      << "Beta(" << alpha << ", " << beta << ") mean " << m.mean << ", expected " << mean;
  // Conservative standard error of the variance: the larger of the sample-based
  // one and the analytic one (fourth central moment of the Beta distribution).
  const double excess_kurtosis = 6.0 * ((alpha - beta) * (alpha - beta) * (ab + 1.0) - alpha * beta * (ab + 2.0)) /
                                 (alpha * beta * (ab + 2.0) * (ab + 3.0));
  const double mu4 = (3.0 + excess_kurtosis) * var * var;
  const double se_var = std::max(m.se_var(), std::sqrt((mu4 - var * var) / kStreams));
  EXPECT_LT(std::abs(m.var - var), 4.0 * se_var)
      << "Beta(" << alpha << ", " << beta << ") variance " << m.var << ", expected " << var;
}

TEST(BetaPrior, SampleBetaMatchesMeanAndVariance) { check_beta(2.0, 8.0, 101); }
TEST(BetaPrior, SampleBetaWithShapesBelowOne) { check_beta(0.5, 0.7, 102); }
TEST(BetaPrior, SampleBetaWithLargeShapes) { check_beta(30.0, 270.0, 103); }

TEST(BetaPrior, SampleGammaMatchesMeanAndVariance) {
  for (double shape : {0.4, 1.0, 3.0}) {
    const RngKey key = make_key(104, Stream::DudRate);
    std::vector<double> v;
    for (int r = 0; r < 100'000; ++r) {
      HostDrawStream rng(key, static_cast<std::uint32_t>(r), 1);
      v.push_back(sample_gamma(rng, shape));
    }
    const Moments m = moments(v);
    // Gamma(k, 1): mean k, variance k.
    EXPECT_LT(std::abs(m.mean - shape), 4.0 * std::sqrt(shape / m.n)) << "shape " << shape;
    EXPECT_LT(std::abs(m.var - shape), 4.0 * m.se_var()) << "shape " << shape;
  }
}

TEST(BetaPrior, FixedRateIsReturnedAsIs) {
  HostDrawStream rng(make_key(1, Stream::DudRate), 0, 0);
  RatePrior p;
  p.fixed = true;
  p.value = 0.137;
  EXPECT_EQ(sample_rate(rng, p), 0.137);
}

TEST(BetaPrior, DrawBatchUsesOneStreamPerRealizationAndType) {
  const Scenario sc = on_land("{ alpha = 2.0, beta = 8.0 }");
  const Plan plan = make_plan(sc);
  const std::uint64_t seed = 77;
  const BatchDraws d = draw_batch(sc, plan, seed, 5, 20);
  ASSERT_EQ(d.dud_rate.size(), 20u);
  for (std::uint32_t b = 0; b < 20; ++b) {
    HostDrawStream rng(make_key(seed, Stream::DudRate), 5 + b, 0);
    EXPECT_EQ(d.dud_rate[b], static_cast<float>(sample_beta(rng, 2.0, 8.0))) << "realization " << 5 + b;
    EXPECT_EQ(d.sd_failure[b], 1.0f);  // no self-destruct given
  }
  // Draws do not depend on the batch they come in.
  const BatchDraws one = draw_batch(sc, plan, seed, 12, 1);
  EXPECT_EQ(one.dud_rate[0], d.dud_rate[7]);
  EXPECT_EQ(one.semi_major[0], d.semi_major[7]);
  EXPECT_EQ(one.wind_x[0], d.wind_x[7]);
}

// Mean dud count of R realizations of N items that each fail with
// probability p: within 4 sd of N p, sd = sqrt(N p (1 - p) / R). The tests
// below choose R so that this band is at most +-1.6 % of N p: a failure
// probability 3 % too low or high is then at least 7.5 sd away.
void expect_mean_duds(const RunResult& r, double N, double p) {
  const double R = double(r.totals.size());
  const Moments m = moments(test::column(r, [](const RealizationTotals& t) { return t.duds; }));
  EXPECT_LT(std::abs(m.mean - N * p), 4.0 * std::sqrt(N * p * (1 - p) / R))
      << "mean duds " << m.mean << " over " << R << " realizations, expected " << N * p << " (ratio "
      << m.mean / (N * p) << ")";
}

TEST(DudCount, FixedRateIsBinomialInEveryRealization) {
  const double p = 0.1;
  const Scenario sc = on_land("0.1");
  const Plan plan = make_plan(sc);
  const std::uint32_t R = 2000;
  const RunResult r = test::run(sc, plan, R, 2024);
  const double N = 2000;
  ASSERT_EQ(plan.items_per_realization, 2000u);
  const double sigma = std::sqrt(N * p * (1 - p));
  // Every realization within 5.5 sd: a binomial count (near normal here) falls
  // outside with probability 3.8e-8, in any of 2000 realizations 8e-5.
  for (std::uint32_t i = 0; i < R; ++i) {
    const RealizationTotals& t = r.totals[i];
    ASSERT_EQ(t.impacts, 2000u) << "the scenario is built so that every item lands on land";
    EXPECT_LT(std::abs(double(t.duds) - N * p), 5.5 * sigma) << "realization " << i << ": " << t.duds << " duds";
  }
  // Mean: sd 0.15 % of N p.
  expect_mean_duds(r, N, p);
  // The spread is binomial too, not more (a rate that varied between
  // realizations, or items failing together), not less. The sample variance s^2
  // of R counts has sd sigma^2 sqrt((kappa - 1) / R + 2 / (R (R - 1))), kappa
  // the binomial's kurtosis 3 + (1 - 6 p (1 - p)) / (N p (1 - p)): +-12.7 % at
  // 4 sd. (A rate jittered uniformly by +-10 % per realization adds
  // N^2 (0.02^2 / 12) = 133 to sigma^2 = 180: +74 %.)
  const Moments m = moments(test::column(r, [](const RealizationTotals& t) { return t.duds; }));
  const double kappa = 3.0 + (1.0 - 6.0 * p * (1 - p)) / (N * p * (1 - p));
  const double sd_var = sigma * sigma * std::sqrt((kappa - 1.0) / R + 2.0 / (R * (R - 1.0)));
  EXPECT_LT(std::abs(m.var - sigma * sigma), 4.0 * sd_var)
      << "variance of the dud count " << m.var << ", binomial " << sigma * sigma;
}

TEST(DudCount, LandCoverMultiplierScalesTheRate) {
  const Scenario sc = on_land("0.1", "2.5");  // p = 0.25
  const Plan plan = make_plan(sc);
  // sd of the mean 0.32 % of N p.
  expect_mean_duds(test::run(sc, plan, 150, 9), 2000, 0.25);
}

TEST(DudCount, SelfDestructFailureScalesTheRate) {
  const Scenario sc = on_land("0.4", "1.0", "0.25");  // p = 0.1
  const Plan plan = make_plan(sc);
  // sd of the mean 0.39 % of N p.
  expect_mean_duds(test::run(sc, plan, 300, 10), 2000, 0.1);
}

TEST(DudCount, CappedProbabilityMakesEveryItemADud) {
  const Scenario sc = on_land("0.1", "20.0");  // 0.1 x 20 = 2, capped at 1
  const Plan plan = make_plan(sc);
  const RunResult r = test::run(sc, plan, 8, 3);
  for (const RealizationTotals& t : r.totals) {
    EXPECT_EQ(t.duds, t.impacts);
    EXPECT_EQ(t.duds, 2000u);
  }
}

TEST(DudCount, ZeroRateOrZeroMultiplierGivesNoDuds) {
  for (const Scenario& sc : {on_land("0.0"), on_land("0.3", "0.0")}) {
    const Plan plan = make_plan(sc);
    const RunResult r = test::run(sc, plan, 8, 4);
    for (const RealizationTotals& t : r.totals) {
      EXPECT_EQ(t.duds, 0u);
      EXPECT_EQ(t.contaminated_cells, 0u);
      EXPECT_EQ(t.impacts, 2000u);
    }
  }
}

TEST(DudCount, BetaPriorRateIsDrawnPerRealizationAndUsedByTheEngine) {
  const Scenario sc = on_land("{ alpha = 2.0, beta = 8.0 }");
  const Plan plan = make_plan(sc);
  const std::uint32_t R = 200;
  const std::uint64_t seed = 555;
  const RunResult r = test::run(sc, plan, R, seed);
  const BatchDraws d = draw_batch(sc, plan, seed, 0, R);
  // Given its drawn rate q_r, realization r's duds are Binomial(impacts_r, q_r):
  // the standardised sum over realizations is about N(0, 1).
  double dev = 0, var = 0;
  for (std::uint32_t i = 0; i < R; ++i) {
    const double q = d.dud_rate[i], n = double(r.totals[i].impacts);
    dev += double(r.totals[i].duds) - n * q;
    var += n * q * (1 - q);
  }
  EXPECT_LT(std::abs(dev / std::sqrt(var)), 4.0) << "duds do not follow the per-realization rates";
  // And the per-realization rates spread the totals far beyond a binomial:
  // Var(duds) = N E[q(1-q)] + N^2 Var(q).
  const double N = 2000, mq = 0.2, vq = 16.0 / (100.0 * 11.0);
  const double expected_var = N * (mq - vq - mq * mq) + N * N * vq;
  const Moments m = moments(test::column(r, [](const RealizationTotals& t) { return t.duds; }));
  EXPECT_LT(std::abs(m.mean - N * mq), 4.0 * std::sqrt(expected_var / R)) << "mean duds " << m.mean;
  EXPECT_LT(std::abs(m.var - expected_var), 4.0 * m.se_var()) << "var of duds " << m.var << " expected " << expected_var;
}

}  // namespace
}  // namespace remnant
