#include "host/run/plan.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "host/common/geo.h"
#include "host/inputs/raster.h"
#include "kernels/histogram.h"
#include "kernels/physics.h"

namespace remnant {
namespace {

constexpr double kPi = 3.14159265358979323846;

double standard_normal(HostDrawStream& rng) {
  const double u0 = rng.next(), u1 = rng.next();
  return std::sqrt(-2.0 * std::log(u0)) * std::cos(2.0 * kPi * u1);
}

double uniform_in(const Range& r, double u) { return r.lo + u * (r.hi - r.lo); }

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

namespace {

GridGeometry geometry(const GridSpec& g) {
  return GridGeometry{g.crs, g.origin_x_m, g.origin_y_m, g.cell_size_m, g.nx, g.ny};
}

// A raster the scenario names under `key`, read onto the grid; an error
// names the scenario, the key and the raster.
RasterOnGrid read_named_raster(const Scenario& sc, const char* key, const std::string& path, const GridSpec& g,
                               Resampling resampling) {
  try {
    return read_raster_onto_grid(path, geometry(g), resampling);
  } catch (const InputError& e) {
    const std::string why = e.what();
    throw InputError(fmt::format("{}: {}: {}", sc.path, key, why.rfind(path, 0) == 0 ? why : path + ": " + why));
  }
}

// Land-cover classes from a raster's codes: Remnant's own (0..7) or ESA
// WorldCover's through the land-cover table. Cells without data keep the class
// they had; an unmapped code is an error.
void paint_land_cover(const Scenario& sc, const char* key, const std::string& path, const std::string& codes,
                      const GridSpec& g, Plan& p) {
  const RasterOnGrid r = read_named_raster(sc, key, path, g, Resampling::Mode);
  std::array<int, 256> map;
  map.fill(-1);
  if (codes == "remnant") {
    for (int k = 0; k < kLandCoverClasses; ++k) map[k] = k;
  } else {
    if (sc.worldcover.empty())
      throw InputError(fmt::format("{}: land_cover_codes = \"worldcover\" needs a land-cover table with worldcover_codes "
                                   "(land_cover_table in [scenario])", sc.path));
    for (const auto& [code, cls] : sc.worldcover) map[code] = static_cast<int>(cls);
  }
  for (std::size_t i = 0; i < r.values.size(); ++i) {
    if (!r.valid[i]) continue;
    const double v = r.values[i];
    const int code = v >= 0 && v <= 255 && v == std::floor(v) ? static_cast<int>(v) : -1;
    if (code < 0 || map[code] < 0)
      throw InputError(fmt::format("{}: {}: {}: land-cover code {} (at cell {}, {}) has no class in the {} mapping",
                                   sc.path, key, path, v, i % g.nx, i / g.nx,
                                   codes == "remnant" ? "Remnant (0-7)" : "land-cover table's WorldCover"));
    p.land_cover[i] = static_cast<std::uint8_t>(map[code]);
  }
  p.notes.push_back(fmt::format("land cover: {} ({} codes); {} of {} cells without data kept their class", r.description,
                                codes, r.invalid_cells, r.values.size()));
}

void read_elevation(const Scenario& sc, const char* key, const std::string& path, const GridSpec& g, Plan& p) {
  const RasterOnGrid r = read_named_raster(sc, key, path, g, Resampling::Bilinear);
  for (std::size_t i = 0; i < r.values.size(); ++i)
    if (r.valid[i]) p.elevation_m[i] = static_cast<float>(r.values[i]);
  p.notes.push_back(fmt::format("elevation: {}; {} of {} cells without data kept their previous value", r.description,
                                r.invalid_cells, r.values.size()));
}

bool inside(const Range& inner, const Range& outer) { return inner.lo >= outer.lo && inner.hi <= outer.hi; }

// The terrain: each cell's land cover (the grid's class, its regions, then
// the dataset's and [terrain]'s rasters) and elevation, and from them step
// 11's failure multiplier (kernels/physics.h): land-cover multiplier x slope
// term.
void plan_terrain(const Scenario& sc, Plan& p) {
  const GridSpec& g = sc.grid;
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
  if (sc.dataset) {
    read_elevation(sc, "grid.dataset", sc.dataset->elevation, g, p);
    paint_land_cover(sc, "grid.dataset", sc.dataset->land_cover, "remnant", g, p);
  }
  if (!sc.terrain.elevation.empty()) read_elevation(sc, "terrain.elevation", sc.terrain.elevation, g, p);
  if (!sc.terrain.land_cover.empty())
    paint_land_cover(sc, "terrain.land_cover", sc.terrain.land_cover, sc.terrain.land_cover_codes, g, p);

  const std::vector<float> grad = slope_from_elevation(p.elevation_m, g.nx, g.ny, g.cell_size_m);
  p.failure_multiplier.resize(cells);
  for (std::size_t i = 0; i < cells; ++i)
    p.failure_multiplier[i] = static_cast<float>(sc.dud_multiplier[p.land_cover[i]]) *
                              slope_term(grad[i], static_cast<float>(sc.slope_coefficient));
}

// The plan's strike rows, added one at a time, with the count of
// submunitions fired per realization so far.
class StrikeRows {
 public:
  StrikeRows(const Scenario& sc, Plan& p) : sc_(sc), p_(p) { p_.first_item.push_back(0); }

  // One row: `carriers` carriers of carrier type ci at a fixed point (x, y)
  // or at sampled site `site`; `where` names the scenario line in errors.
  void add(std::size_t ci, std::uint64_t carriers, std::int32_t site, double x, double y,
           const std::optional<double>& heading, double spread, const Range& height, const std::optional<Range>& spin,
           const std::string& where) {
    const CarrierType& c = sc_.carriers[ci];
    items_ += carriers * c.submunitions_per_carrier;
    if (items_ > std::numeric_limits<std::uint32_t>::max())
      throw InputError(fmt::format(
          "{}: the scenario fires {} or more submunitions per realization; at most {} are supported "
          "(split the inventory into several scenarios)",
          where, items_, std::numeric_limits<std::uint32_t>::max()));
    if (c.scaling && !(inside(height, c.scaling->height_m) && spin && inside(*spin, c.scaling->spin_rpm)))
      throw InputError(fmt::format(
          "{}: carrier \"{}\": function height [{}, {}] m and spin must lie inside the settings its footprint figures "
          "cover (height [{}, {}] m, spin [{}, {}] rpm, {})",
          where, c.name, height.lo, height.hi, c.scaling->height_m.lo, c.scaling->height_m.hi, c.scaling->spin_rpm.lo,
          c.scaling->spin_rpm.hi, c.defined_at));
    p_.first_item.push_back(static_cast<std::uint32_t>(items_));
    p_.per_carrier.push_back(c.submunitions_per_carrier);
    p_.carrier_of_strike.push_back(static_cast<std::uint32_t>(ci));
    p_.type.push_back(static_cast<std::uint16_t>(c.type));
    p_.pattern.push_back(static_cast<std::uint8_t>(c.pattern));
    p_.site_of_strike.push_back(site);
    p_.fixed_x.push_back(x);
    p_.fixed_y.push_back(y);
    p_.height_of_strike.push_back(height);
    p_.spin_of_strike.push_back(spin.value_or(Range{0.0, 0.0}));
    p_.aim_sigma.push_back(cep_to_sigma(static_cast<float>(c.aim_error_cep_m)));  // step 4's aim error
    if (heading) {  // step 5's heading range; any direction when none is given
      p_.heading_center.push_back(static_cast<float>(*heading * kRadiansPerDegree));
      p_.heading_spread.push_back(static_cast<float>(spread * kRadiansPerDegree));
    } else {
      p_.heading_center.push_back(static_cast<float>(kPi));
      p_.heading_spread.push_back(static_cast<float>(2.0 * kPi));
    }
    p_.ring_inner.push_back(static_cast<float>(c.ring_inner_fraction));
  }

  std::uint64_t items() const { return items_; }

 private:
  const Scenario& sc_;
  Plan& p_;
  std::uint64_t items_ = 0;
};

// One row per [[strike]], at its fixed point (x, y or lon, lat).
void plan_fixed_strikes(const Scenario& sc, StrikeRows& rows) {
  const GridSpec& g = sc.grid;
  std::optional<LonLatToGrid> to_grid;
  for (const Strike& s : sc.strikes) {
    const std::string where = fmt::format("{}:{}: strike", sc.path, s.line);
    double x = s.x_m, y = s.y_m;
    if (s.lon) {
      if (g.crs.empty()) throw InputError(where + ": lon and lat need a grid with a crs");
      if (!to_grid) to_grid.emplace(g.crs);
      to_grid->to_grid(*s.lon, *s.lat, x, y);
    }
    const CarrierType& c = sc.carriers[s.carrier];
    rows.add(s.carrier, s.carriers, -1, x - g.origin_x_m, y - g.origin_y_m, s.heading_deg, s.heading_spread_deg,
             c.function_height_m, c.spin_rpm, where);
  }
}

// The sites' strike rows. A fixed point that names its carrier and count is
// a strike as given: one row of those carriers. The inventory is dealt to the
// other sites: its carriers, line after line, go to them in contiguous runs
// of near-equal size (dealt site j of S gets carriers [j*N/S, (j+1)*N/S) of
// the list), so a site mostly holds one carrier type, as a real strike does.
// A row is the share of one line at one site. Rows follow the sites' order.
void deal_inventory(const Scenario& sc, Plan& p, StrikeRows& rows) {
  p.sites = make_site_sampler(sc, sc.grid, p.land_cover);
  p.notes.insert(p.notes.end(), p.sites.notes.begin(), p.sites.notes.end());
  p.site_count = p.sites.count;
  const std::vector<FixedSite>& fixed = p.sites.fixed_sites;
  const auto own = [&](std::uint32_t k) { return !fixed.empty() && fixed[k].carrier >= 0; };
  std::uint64_t S = 0;  // sites dealt from the inventory
  std::uint32_t first_dealt = 0;
  for (std::uint32_t k = p.site_count; k-- > 0;)
    if (!own(k)) ++S, first_dealt = k;
  const std::string at = fmt::format("{}:{}: sites: points_csv {}", sc.path, sc.sites.line, sc.sites.points_csv);
  if (S && !sc.inventory.present)
    throw InputError(fmt::format("{}:{}: the point names no carrier and the scenario has no [inventory] to deal "
                                 "carriers from; expected columns carrier and carriers (or submunitions) filled, or an "
                                 "[inventory]",
                                 sc.sites.points_csv, fixed[first_dealt].line));
  if (!S && sc.inventory.present)
    throw InputError(fmt::format("{}: every point kept names its own carriers, so [inventory] has no site to fall on; "
                                 "expected no [inventory], or points without carrier and count to deal it to",
                                 at));
  const std::vector<ResolvedLine> lines = sc.inventory.present ? resolve_inventory(sc) : std::vector<ResolvedLine>();
  std::uint64_t total = 0;
  for (const ResolvedLine& l : lines) total += l.carriers;
  std::size_t li = 0;
  std::uint64_t line_start = 0;  // index of the current line's first carrier in the list
  std::uint64_t j = 0;           // dealt sites so far
  for (std::uint32_t k = 0; k < p.site_count; ++k) {
    if (own(k)) {
      const FixedSite& f = fixed[k];
      const CarrierType& c = sc.carriers[f.carrier];
      rows.add(f.carrier, f.carriers, static_cast<std::int32_t>(k), 0.0, 0.0, sc.sites.heading_deg,
               sc.sites.heading_spread_deg, c.function_height_m, c.spin_rpm,
               fmt::format("{}:{}: point", sc.sites.points_csv, f.line));
      continue;
    }
    std::uint64_t from = j * total / S;
    const std::uint64_t to = (j + 1) * total / S;
    ++j;
    while (from < to) {
      while (li < lines.size() && from >= line_start + lines[li].carriers) line_start += lines[li++].carriers;
      const std::uint64_t upto = std::min(to, line_start + lines[li].carriers);
      const InventoryLine& il = sc.inventory.lines[li];
      const CarrierType& c = sc.carriers[lines[li].carrier];
      rows.add(lines[li].carrier, upto - from, static_cast<std::int32_t>(k), 0.0, 0.0, sc.sites.heading_deg,
               sc.sites.heading_spread_deg, il.function_height_m.value_or(c.function_height_m),
               il.spin_rpm ? il.spin_rpm : c.spin_rpm, fmt::format("{}:{}: inventory.carrier", sc.path, il.line));
      from = upto;
    }
  }
}

}  // namespace

Plan make_plan(const Scenario& sc) {
  Plan p;
  const GridSpec& g = sc.grid;
  p.nx = g.nx;
  p.ny = g.ny;
  p.cell_size_m = g.cell_size_m;
  p.origin_x_m = g.origin_x_m;
  p.origin_y_m = g.origin_y_m;
  p.crs = g.crs;
  plan_terrain(sc, p);
  for (const SubmunitionType& t : sc.submunitions) {
    p.vt_min.push_back(static_cast<float>(t.terminal_velocity_mps.lo));
    p.vt_max.push_back(static_cast<float>(t.terminal_velocity_mps.hi));
  }
  StrikeRows rows(sc, p);
  plan_fixed_strikes(sc, rows);
  if (sc.sites.present) deal_inventory(sc, p, rows);
  p.items_per_realization = static_cast<std::uint32_t>(rows.items());
  p.fade_out_m = sc.hazard.fade_out_m;
  p.hazard = hazard_raster(p.nx, p.ny, p.cell_size_m, p.fade_out_m);
  return p;
}

HazardRaster hazard_raster(std::uint32_t nx, std::uint32_t ny, double cell_size_m, double fade_out_m) {
  HazardRaster h;
  const double width = nx * cell_size_m, height = ny * cell_size_m;
  double dx = fade_out_m / 4.0;
  auto padded_pixels = [&](double side) {
    const double px = std::ceil(width / side), py = std::ceil(height / side);
    return std::ceil(px / 64.0) * 64.0 * py;
  };
  if (padded_pixels(dx) > double(kMaxHazardPixels)) {
    dx = std::sqrt(width * height / double(kMaxHazardPixels));
    while (padded_pixels(dx) > double(kMaxHazardPixels)) dx *= 1.01;
  }
  h.dx = static_cast<float>(dx);
  h.nx = static_cast<std::uint32_t>(std::ceil(width / dx));
  h.ny = static_cast<std::uint32_t>(std::ceil(height / dx));
  h.words = (h.nx + 63u) / 64u;
  const double r = fade_out_m / double(h.dx);
  h.reach = static_cast<std::uint32_t>(std::min(std::floor(r), double(kMaxHazardReach)));
  for (std::uint32_t dy = 0; dy <= h.reach; ++dy)
    h.width[dy] = static_cast<std::uint8_t>(std::min(std::floor(std::sqrt(r * r - double(dy) * dy)), 63.0));
  return h;
}

std::size_t Plan::strike_sites() const {
  std::size_t fixed = 0;
  for (const std::int32_t k : site_of_strike) fixed += k < 0 ? 1 : 0;
  return site_count + fixed;
}

std::uint64_t hazard_raster_bytes(const HazardRaster& h) { return std::uint64_t(h.ny) * h.words * 8u; }

std::vector<std::uint64_t> Plan::items_by_type() const {
  std::vector<std::uint64_t> out(vt_min.size(), 0);
  for (std::size_t row = 0; row < per_carrier.size(); ++row) out[type[row]] += first_item[row + 1] - first_item[row];
  return out;
}

RunTables Plan::tables(std::uint64_t seed) const {
  RunTables t;
  t.grid.nx = nx;
  t.grid.ny = ny;
  t.grid.dx = static_cast<float>(cell_size_m);
  t.grid.land_cover = land_cover.data();
  t.grid.failure_multiplier = failure_multiplier.data();
  t.grid.hazard = hazard;
  t.strikes.count = static_cast<std::uint32_t>(per_carrier.size());
  t.strikes.first_item = first_item.data();
#define REMNANT_STRIKE_VIEW(Type, name) t.strikes.name = name.data();
  REMNANT_STRIKE_COLUMNS(REMNANT_STRIKE_VIEW)
#undef REMNANT_STRIKE_VIEW
  t.types.count = static_cast<std::uint32_t>(vt_min.size());
#define REMNANT_TYPE_VIEW(Type, name) t.types.name = name.data();
  REMNANT_TYPE_COLUMNS(REMNANT_TYPE_VIEW)
#undef REMNANT_TYPE_VIEW
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
    items += static_cast<std::uint64_t>(s.carriers) * sc.carriers[s.carrier].submunitions_per_carrier;
  if (sc.inventory.present)
    for (const ResolvedLine& l : resolve_inventory(sc)) items += l.submunitions;
  const FixedPoints& f = sc.sites.fixed_points;
  for (std::size_t i = 0; i < f.carrier.size(); ++i)
    if (f.carrier[i] >= 0) items += f.carriers[i] * sc.carriers[f.carrier[i]].submunitions_per_carrier;
  return items;
}

std::uint64_t scenario_strike_rows(const Scenario& sc) {
  const std::uint64_t sites = sc.sites.fixed_points.table.points.empty() ? sc.sites.count
                                                                          : sc.sites.fixed_points.table.points.size();
  return sc.strikes.size() + (sc.sites.present ? sites + sc.inventory.lines.size() : 0);
}

std::uint64_t estimate_scenario_bytes(const Scenario& sc, std::uint32_t batch) {
  const std::uint64_t cells = std::uint64_t(sc.grid.nx) * sc.grid.ny;
  const HazardRaster h = hazard_raster(sc.grid.nx, sc.grid.ny, sc.grid.cell_size_m, sc.hazard.fade_out_m);
  return estimate_run_bytes(cells, scenario_items(sc), scenario_strike_rows(sc), batch, hazard_raster_bytes(h));
}

std::uint64_t estimate_run_bytes(std::uint64_t cells, std::uint64_t items, std::uint64_t strikes,
                                 std::uint32_t batch, std::uint64_t hazard_bytes) {
  // The histogram grows with the largest dud count in any cell; the engines
  // reserve bins for counts up to 2^10 (or the items fired, if fewer) when a
  // run is prepared: on the GPU that memory is allocated up front.
  const std::uint64_t bins = histogram_reserved_bins(items);
  const std::uint64_t per_cell = 8 + 8 + 4 + 8 + 4 * bins  // accumulators
                                 + 8ull * batch                                     // impact + dud grids
                                 + 1 + 4 + 4 + 4 * 7;  // land cover, multiplier, elevation; statistics layers
  // Per realization of the batch, its totals and deposit counters (96 bytes
  // on the GPU); once, the GPU's temporary storage of the largest-count
  // reduction (a few KiB).
  // Per realization of the batch, its hazard raster (kernels/tables.h).
  return cells * per_cell + 64ull * strikes * (batch + 1) + (128ull + hazard_bytes) * batch + 65536;
}

BatchView BatchDraws::view() const {
  BatchView v;
  v.first_realization = first;
  v.realizations = count;
#define REMNANT_BATCH_VIEW(Type, name) v.name = name.data();
  REMNANT_BATCH_STRIKE_COLUMNS(REMNANT_BATCH_VIEW)
  REMNANT_BATCH_TYPE_COLUMNS(REMNANT_BATCH_VIEW)
#undef REMNANT_BATCH_VIEW
  return v;
}

DrawKeys::DrawKeys(std::uint64_t seed)
    : foot(make_key(seed, Stream::Footprint)), wind(make_key(seed, Stream::Wind)),
      height(make_key(seed, Stream::FunctionHeight)), dud(make_key(seed, Stream::DudRate)),
      sd(make_key(seed, Stream::SelfDestructRate)), site(make_key(seed, Stream::Site)),
      spin(make_key(seed, Stream::Spin)) {}

StrikeDraw draw_strike(const Scenario& sc, const Plan& plan, const DrawKeys& keys, std::uint32_t r, std::size_t s) {
  const CarrierType& c = sc.carriers[plan.carrier_of_strike[s]];
  const std::uint32_t si = static_cast<std::uint32_t>(s);
  StrikeDraw d;
  // Step 1 (kernels/physics.h): function height.
  HostDrawStream height(keys.height, r, si);
  const Range& hs = plan.height_of_strike[s];
  const double h = function_height(hs.lo, hs.hi, height.next());
  d.height = static_cast<float>(h);
  // Step 2: footprint, from the function height and spin where the
  // carrier's footprint figures follow them, else a uniform draw.
  double u;
  if (c.scaling) {
    HostDrawStream spin(keys.spin, r, si);
    const double rpm = uniform_in(plan.spin_of_strike[s], spin.next());
    const Range& hr = c.scaling->height_m;
    const Range& sr = c.scaling->spin_rpm;
    u = footprint_scale(h, hr.lo, hr.hi, rpm, sr.lo, sr.hi);
  } else {
    HostDrawStream foot(keys.foot, r, si);
    u = foot.next();
  }
  d.semi_major = static_cast<float>(footprint_semi_axis(c.semi_major_m.lo, c.semi_major_m.hi, u));
  d.semi_minor = static_cast<float>(footprint_semi_axis(c.semi_minor_m.lo, c.semi_minor_m.hi, u));
  // Step 3: wind.
  HostDrawStream wind(keys.wind, r, si);
  const double speed = uniform_in(sc.wind.speed_mps, wind.next());
  const Vec2 w = wind_toward(speed, uniform_in(sc.wind.from_deg, wind.next()));
  d.wind_x = w.x;
  d.wind_y = w.y;
  return d;
}

TypeDraw draw_type(const Scenario& sc, const DrawKeys& keys, std::uint32_t r, std::size_t t) {
  const std::uint32_t ti = static_cast<std::uint32_t>(t);
  TypeDraw d;
  HostDrawStream dud(keys.dud, r, ti);
  d.dud_rate = static_cast<float>(sample_rate(dud, sc.submunitions[t].dud_rate));
  if (sc.submunitions[t].self_destruct_failure) {
    HostDrawStream sd(keys.sd, r, ti);
    d.sd_failure = static_cast<float>(sample_rate(sd, *sc.submunitions[t].self_destruct_failure));
  }
  return d;
}

BatchDraws draw_batch(const Scenario& sc, const Plan& plan, std::uint64_t seed, std::uint32_t first,
                      std::uint32_t count) {
  const std::size_t S = plan.per_carrier.size(), T = sc.submunitions.size();
  BatchDraws d;
  d.first = first;
  d.count = count;
#define REMNANT_SIZE_STRIKE_COLUMN(Type, name) d.name.resize(count * S);
#define REMNANT_SIZE_TYPE_COLUMN(Type, name) d.name.resize(count * T);
  REMNANT_BATCH_STRIKE_COLUMNS(REMNANT_SIZE_STRIKE_COLUMN)
  REMNANT_BATCH_TYPE_COLUMNS(REMNANT_SIZE_TYPE_COLUMN)
#undef REMNANT_SIZE_STRIKE_COLUMN
#undef REMNANT_SIZE_TYPE_COLUMN

  const DrawKeys keys(seed);
  std::vector<std::array<double, 2>> site(plan.site_count);
  for (std::uint32_t b = 0; b < count; ++b) {
    const std::uint32_t r = first + b;
    for (std::uint32_t k = 0; k < plan.site_count; ++k) site[k] = plan.sites.sample(keys.site, r, k);
    for (std::size_t s = 0; s < S; ++s) {
      const std::int32_t k = plan.site_of_strike[s];
      const std::size_t row = b * S + s;
      d.stream[row] = r;
      d.site_x[row] = static_cast<float>(k < 0 ? plan.fixed_x[s] : site[k][0]);
      d.site_y[row] = static_cast<float>(k < 0 ? plan.fixed_y[s] : site[k][1]);
      const StrikeDraw sd = draw_strike(sc, plan, keys, r, s);
      d.height[row] = sd.height;
      d.semi_major[row] = sd.semi_major;
      d.semi_minor[row] = sd.semi_minor;
      d.wind_x[row] = sd.wind_x;
      d.wind_y[row] = sd.wind_y;
    }
    for (std::size_t t = 0; t < T; ++t) {
      const TypeDraw td = draw_type(sc, keys, r, t);
      d.dud_rate[b * T + t] = td.dud_rate;
      d.sd_failure[b * T + t] = td.sd_failure;
    }
  }
  return d;
}

}  // namespace remnant
