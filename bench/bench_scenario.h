// The benchmark scenario, shared by remnant_bench and remnant_profile_case.
//
// About one million submunitions per realization at full size on a 1000 x 1000
// grid of 50 m cells (a 50 km square), fired by a mix of carriers that
// exercises all three dispersion patterns:
//   - M26 rockets, 644 M77 each, uniform ellipse      (6 strikes x 96 rockets)
//   - M483A1 shells, 88 M42 each, ring                 (6 strikes x 600 shells)
//   - CBU-87 bombs, 202 BLU-97 each, gaussian ellipse  (6 strikes x 260 bombs)
// = 370,944 + 316,800 + 315,120 = 1,002,864 submunitions per realization, with
// a river, a lake, a town and a wood painted over cropland. The carrier counts
// per strike are parameters so that a reduced case (for callgrind) keeps the
// same grid, sites and mix. The text is built by the tests' scenario fixture
// (tests/scenario_fixture.h); ScenarioFixture.BenchMixFileHoldsTheBenchmarkScenario
// (tests/scenario_fixture_test.cpp) checks that bench/reference/bench-mix.toml
// still holds it at full size.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "tests/scenario_fixture.h"

namespace remnant_bench {

struct Carriers {
  std::uint32_t m26 = 96;       // M26 rockets per strike (6 strikes)
  std::uint32_t shells = 600;   // M483A1 shells per strike (6 strikes)
  std::uint32_t cbu87 = 260;    // CBU-87 bombs per strike (6 strikes)
};

// Full size: 1,002,864 submunitions per realization.
constexpr Carriers kFull{96, 600, 260};
// Reduced (profiling): 6 x (20 x 644 + 120 x 88 + 52 x 202) = 203,664.
constexpr Carriers kReduced{20, 120, 52};

inline std::string scenario_toml(const Carriers& c) {
  using namespace remnant::test;
  ScenarioText s("benchmark: about 1e6 submunitions on a 50 km square", 20261123, 4);
  s.grid(1000, 1000, 50.0)
      .elevation(0.0)
      .region({0.0, 50000.0}, {24800.0, 25200.0}, "water")         // a river 400 m wide, west to east
      .region({30000.0, 36000.0}, {8000.0, 12000.0}, "water")       // a lake
      .region({12000.0, 16000.0}, {30000.0, 34000.0}, "built_up")   // a town
      .region({38000.0, 46000.0}, {36000.0, 44000.0}, "tree")       // woodland
      .wind({0.0, 8.0}, {225.0, 315.0});
  for (const auto& [cls, m] : {std::pair<const char*, double>{"water", 1.0}, {"built_up", 0.8}, {"bare", 1.0},
                               {"grass_shrub", 1.2}, {"cropland", 1.3}, {"tree", 1.5}, {"wetland", 1.8}})
    s.multiplier(cls, m);
  s.submunition(m77())
      .submunition(m42())
      .submunition(blu97())
      .carrier(m26())
      .carrier(m483()
                   .name("M483A1")
                   .submunition("M42")
                   .footprint({60.0, 90.0}, {40.0, 60.0})
                   .aim_error_cep(100.0)
                   .function_height({300.0, 600.0}))
      .carrier(cbu87());

  // Six strikes of each carrier, `Carriers` carriers each; a heading of -1:
  // none given (any direction).
  struct Volley {
    const char* carrier;
    std::uint32_t Carriers::*count;
    double x_m, y_m, heading_deg, spread_deg;
  };
  constexpr double kAny = -1.0;
  const Volley volleys[] = {
      {"M26", &Carriers::m26, 10000.0, 10000.0, 20.0, 10.0},      {"M26", &Carriers::m26, 20000.0, 24000.0, kAny, 0},
      {"M26", &Carriers::m26, 32000.0, 10500.0, 90.0, 20.0},      {"M26", &Carriers::m26, 41000.0, 40000.0, kAny, 0},
      {"M26", &Carriers::m26, 14000.0, 32000.0, 0.0, 30.0},       {"M26", &Carriers::m26, 49800.0, 200.0, kAny, 0},
      {"M483A1", &Carriers::shells, 8000.0, 40000.0, 45.0, 15.0}, {"M483A1", &Carriers::shells, 25000.0, 25000.0, kAny, 0},
      {"M483A1", &Carriers::shells, 35000.0, 20000.0, 300.0, 15.0}, {"M483A1", &Carriers::shells, 5000.0, 5000.0, kAny, 0},
      {"M483A1", &Carriers::shells, 44000.0, 28000.0, kAny, 0},   {"M483A1", &Carriers::shells, 26000.0, 45000.0, 180.0, 40.0},
      {"CBU-87", &Carriers::cbu87, 15000.0, 15000.0, 270.0, 5.0}, {"CBU-87", &Carriers::cbu87, 30000.0, 35000.0, kAny, 0},
      {"CBU-87", &Carriers::cbu87, 40000.0, 5000.0, 10.0, 5.0},   {"CBU-87", &Carriers::cbu87, 20000.0, 45000.0, kAny, 0},
      {"CBU-87", &Carriers::cbu87, 45000.0, 15000.0, 135.0, 20.0}, {"CBU-87", &Carriers::cbu87, 2000.0, 25000.0, kAny, 0},
  };
  for (const Volley& v : volleys) {
    Strike strike(v.carrier, c.*v.count, v.x_m, v.y_m);
    if (v.heading_deg != kAny) strike.heading(v.heading_deg, v.spread_deg);
    s.strike(strike);
  }
  return s.text();
}

}  // namespace remnant_bench
