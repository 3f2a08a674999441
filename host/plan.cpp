#include "host/plan.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "kernels/histogram.h"
#include "kernels/physics.h"

namespace remnant {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kDeg = kPi / 180.0;

double standard_normal(HostDrawStream& rng) {
  const double u0 = rng.next(), u1 = rng.next();
  return std::sqrt(-2.0 * std::log(u0)) * std::cos(2.0 * kPi * u1);
}

double uniform_in(const Range& r, double u) { return r.lo + u * (r.hi - r.lo); }

// Ground gradient (rise over run) by central differences, one-sided at edges.
std::vector<float> gradient_magnitude(const std::vector<float>& z, std::uint32_t nx, std::uint32_t ny, double dx) {
  std::vector<float> g(z.size(), 0.0f);
  for (std::uint32_t iy = 0; iy < ny; ++iy) {
    for (std::uint32_t ix = 0; ix < nx; ++ix) {
      const std::uint32_t x0 = ix > 0 ? ix - 1 : ix, x1 = ix + 1 < nx ? ix + 1 : ix;
      const std::uint32_t y0 = iy > 0 ? iy - 1 : iy, y1 = iy + 1 < ny ? iy + 1 : iy;
      const double gx = x1 > x0 ? (z[iy * nx + x1] - z[iy * nx + x0]) / ((x1 - x0) * dx) : 0.0;
      const double gy = y1 > y0 ? (z[y1 * nx + ix] - z[y0 * nx + ix]) / ((y1 - y0) * dx) : 0.0;
      g[iy * nx + ix] = static_cast<float>(std::sqrt(gx * gx + gy * gy));
    }
  }
  return g;
}

}  // namespace

// Marsaglia & Tsang (2000), "A simple method for generating gamma variables";
// shape < 1 by the boost Gamma(a) = Gamma(a+1) * U^(1/a).
double sample_gamma(HostDrawStream& rng, double shape) {
  if (shape < 1.0) {
    const double g = sample_gamma(rng, shape + 1.0);
    return g * std::pow(rng.next(), 1.0 / shape);
  }
  const double d = shape - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x, v;
    do {
      x = standard_normal(rng);
      v = 1.0 + c * x;
    } while (v <= 0.0);
    v = v * v * v;
    const double u = rng.next();
    if (u < 1.0 - 0.0331 * x * x * x * x) return d * v;
    if (std::log(u) < 0.5 * x * x + d * (1.0 - v + std::log(v))) return d * v;
  }
}

double sample_beta(HostDrawStream& rng, double alpha, double beta) {
  const double x = sample_gamma(rng, alpha);
  const double y = sample_gamma(rng, beta);
  return x / (x + y);
}

double sample_rate(HostDrawStream& rng, const RatePrior& prior) {
  return prior.fixed ? prior.value : sample_beta(rng, prior.alpha, prior.beta);
}

Plan make_plan(const Scenario& sc) {
  Plan p;
  const GridSpec& g = sc.grid;
  p.nx = g.nx;
  p.ny = g.ny;
  p.cell_size_m = g.cell_size_m;
  p.origin_x_m = g.origin_x_m;
  p.origin_y_m = g.origin_y_m;
  const std::size_t cells = static_cast<std::size_t>(g.nx) * g.ny;

  p.land_cover.assign(cells, static_cast<std::uint8_t>(g.land_cover));
  for (const LandCoverRegion& r : g.regions) {
    for (std::uint32_t iy = 0; iy < g.ny; ++iy) {
      const double y = g.origin_y_m + (iy + 0.5) * g.cell_size_m;
      if (y < r.y_m.lo || y > r.y_m.hi) continue;
      for (std::uint32_t ix = 0; ix < g.nx; ++ix) {
        const double x = g.origin_x_m + (ix + 0.5) * g.cell_size_m;
        if (x >= r.x_m.lo && x <= r.x_m.hi) p.land_cover[iy * g.nx + ix] = static_cast<std::uint8_t>(r.land_cover);
      }
    }
  }
  p.elevation_m.assign(cells, static_cast<float>(g.elevation_m));
  const std::vector<float> grad = gradient_magnitude(p.elevation_m, g.nx, g.ny, g.cell_size_m);
  p.failure_multiplier.resize(cells);
  for (std::size_t i = 0; i < cells; ++i)
    p.failure_multiplier[i] = static_cast<float>(sc.dud_multiplier[p.land_cover[i]]) *
                              slope_term(grad[i], static_cast<float>(sc.slope_coefficient));

  for (const SubmunitionType& t : sc.submunitions) {
    p.vt_min.push_back(static_cast<float>(t.terminal_velocity_mps.lo));
    p.vt_max.push_back(static_cast<float>(t.terminal_velocity_mps.hi));
  }

  std::uint64_t items = 0;
  p.first_item.push_back(0);
  for (const Strike& s : sc.strikes) {
    std::size_t ci = 0;
    while (sc.carriers[ci].name != s.carrier) ++ci;  // validated by the loader
    const CarrierType& c = sc.carriers[ci];
    std::size_t ti = 0;
    while (sc.submunitions[ti].name != c.submunition) ++ti;
    items += static_cast<std::uint64_t>(s.carriers) * c.submunitions_per_carrier;
    if (items > std::numeric_limits<std::uint32_t>::max())
      throw InputError(fmt::format(
          "{}:{}: strike: the scenario fires {} or more submunitions per realization; at most {} are supported "
          "(split the inventory into several scenarios)",
          sc.path, s.line, items, std::numeric_limits<std::uint32_t>::max()));
    p.first_item.push_back(static_cast<std::uint32_t>(items));
    p.per_carrier.push_back(c.submunitions_per_carrier);
    p.carrier_of_strike.push_back(static_cast<std::uint32_t>(ci));
    p.type.push_back(static_cast<std::uint16_t>(ti));
    p.pattern.push_back(static_cast<std::uint8_t>(c.pattern));
    p.site_x.push_back(static_cast<float>(s.x_m - g.origin_x_m));
    p.site_y.push_back(static_cast<float>(s.y_m - g.origin_y_m));
    p.aim_sigma.push_back(cep_to_sigma(static_cast<float>(c.aim_error_cep_m)));
    if (s.heading_deg) {
      p.heading_center.push_back(static_cast<float>(*s.heading_deg * kDeg));
      p.heading_spread.push_back(static_cast<float>(s.heading_spread_deg * kDeg));
    } else {
      p.heading_center.push_back(static_cast<float>(kPi));
      p.heading_spread.push_back(static_cast<float>(2.0 * kPi));
    }
    p.ring_inner.push_back(static_cast<float>(c.ring_inner_fraction));
  }
  p.items_per_realization = static_cast<std::uint32_t>(items);
  return p;
}

RunTables Plan::tables(std::uint64_t seed) const {
  RunTables t;
  t.grid.nx = nx;
  t.grid.ny = ny;
  t.grid.dx = static_cast<float>(cell_size_m);
  t.grid.land_cover = land_cover.data();
  t.grid.failure_multiplier = failure_multiplier.data();
  t.strikes.count = static_cast<std::uint32_t>(per_carrier.size());
  t.strikes.first_item = first_item.data();
  t.strikes.per_carrier = per_carrier.data();
  t.strikes.type = type.data();
  t.strikes.pattern = pattern.data();
  t.strikes.site_x = site_x.data();
  t.strikes.site_y = site_y.data();
  t.strikes.aim_sigma = aim_sigma.data();
  t.strikes.heading_center = heading_center.data();
  t.strikes.heading_spread = heading_spread.data();
  t.strikes.ring_inner = ring_inner.data();
  t.types.count = static_cast<std::uint32_t>(vt_min.size());
  t.types.vt_min = vt_min.data();
  t.types.vt_max = vt_max.data();
  t.items_per_realization = items_per_realization;
  t.key_aim = make_key(seed, Stream::AimPoint);
  t.key_pattern = make_key(seed, Stream::Pattern);
  t.key_fall = make_key(seed, Stream::Fall);
  t.key_failure = make_key(seed, Stream::Failure);
  return t;
}

std::uint64_t scenario_items(const Scenario& sc) {
  std::uint64_t items = 0;
  for (const Strike& s : sc.strikes)
    for (const CarrierType& c : sc.carriers)
      if (c.name == s.carrier) items += static_cast<std::uint64_t>(s.carriers) * c.submunitions_per_carrier;
  return items;
}

std::uint64_t estimate_run_bytes(std::uint64_t cells, std::uint64_t items, std::uint64_t strikes,
                                 std::uint32_t batch) {
  // The histogram grows with the largest dud count in any cell; budget for
  // counts up to 2^10 (or the items fired, if fewer).
  const std::uint64_t bins = histogram_bins_for(items < 1024 ? items : 1024);
  const std::uint64_t per_cell = 8 + 8 + 4 + 8 + 4 * bins  // accumulators
                                 + 8ull * batch                                     // impact + dud grids
                                 + 1 + 4 + 4 + 4 * 7;  // land cover, multiplier, elevation; statistics layers
  return cells * per_cell + 64ull * strikes * (batch + 1);
}

BatchView BatchDraws::view() const {
  BatchView v;
  v.first_realization = first;
  v.realizations = count;
  v.semi_major = semi_major.data();
  v.semi_minor = semi_minor.data();
  v.wind_x = wind_x.data();
  v.wind_y = wind_y.data();
  v.height = height.data();
  v.dud_rate = dud_rate.data();
  v.sd_failure = sd_failure.data();
  return v;
}

BatchDraws draw_batch(const Scenario& sc, const Plan& plan, std::uint64_t seed, std::uint32_t first,
                      std::uint32_t count) {
  const std::size_t S = plan.per_carrier.size(), T = sc.submunitions.size();
  BatchDraws d;
  d.first = first;
  d.count = count;
  for (auto* v : {&d.semi_major, &d.semi_minor, &d.wind_x, &d.wind_y, &d.height}) v->resize(count * S);
  d.dud_rate.resize(count * T);
  d.sd_failure.resize(count * T);

  const RngKey k_foot = make_key(seed, Stream::Footprint), k_wind = make_key(seed, Stream::Wind),
               k_height = make_key(seed, Stream::FunctionHeight), k_dud = make_key(seed, Stream::DudRate),
               k_sd = make_key(seed, Stream::SelfDestructRate);
  for (std::uint32_t b = 0; b < count; ++b) {
    const std::uint32_t r = first + b;
    for (std::size_t s = 0; s < S; ++s) {
      const CarrierType& c = sc.carriers[plan.carrier_of_strike[s]];
      const std::uint32_t si = static_cast<std::uint32_t>(s);
      // Footprint scale: one uniform per strike sets both semi-axes, so a
      // large footprint is large in both directions.
      HostDrawStream foot(k_foot, r, si);
      const double u = foot.next();
      d.semi_major[b * S + s] = static_cast<float>(uniform_in(c.semi_major_m, u));
      d.semi_minor[b * S + s] = static_cast<float>(uniform_in(c.semi_minor_m, u));
      HostDrawStream wind(k_wind, r, si);
      const double speed = uniform_in(sc.wind.speed_mps, wind.next());
      const double toward = (uniform_in(sc.wind.from_deg, wind.next()) + 180.0) * kDeg;
      d.wind_x[b * S + s] = static_cast<float>(speed * std::sin(toward));
      d.wind_y[b * S + s] = static_cast<float>(speed * std::cos(toward));
      HostDrawStream height(k_height, r, si);
      d.height[b * S + s] = static_cast<float>(uniform_in(c.function_height_m, height.next()));
    }
    for (std::size_t t = 0; t < T; ++t) {
      const std::uint32_t ti = static_cast<std::uint32_t>(t);
      HostDrawStream dud(k_dud, r, ti);
      d.dud_rate[b * T + t] = static_cast<float>(sample_rate(dud, sc.submunitions[t].dud_rate));
      if (sc.submunitions[t].self_destruct_failure) {
        HostDrawStream sd(k_sd, r, ti);
        d.sd_failure[b * T + t] = static_cast<float>(sample_rate(sd, *sc.submunitions[t].self_destruct_failure));
      } else {
        d.sd_failure[b * T + t] = 1.0f;
      }
    }
  }
  return d;
}

}  // namespace remnant
