// One map page from a ResultData: colour scales, page text (provenance,
// sources, the uncertainty sentence), the layout and its drawing.
#include "host/maps/map.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <toml++/toml.h>

#include "host/maps/map_internal.h"
#include "host/evidence/report.h"
#include "host/common/errors.h"
#include "host/inputs/scenario.h"

namespace remnant {

using namespace map_detail;

namespace {

const double kInf = std::numeric_limits<double>::infinity();

// Class bounds compare with a relative tolerance (layer values are floats);
// infinite bounds exactly.
double tolerance(double x) { return std::isfinite(x) ? 1e-6 * std::max(std::fabs(x), 1e-12) : 0.0; }

// A class bound as printed: nice values need at most a few decimals.
std::string bound_text(double v) {
  if (std::fabs(v) >= 1000) return format_number(v, 0);
  std::string s = fmt::format("{:.6f}", std::fabs(v));
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return (v < 0 ? "−" : "") + s;
}

// Mantissa m times a power of ten, without the power's rounding residue.
double nice_value(double m, int power) { return std::stod(fmt::format("{:.12g}", m * std::pow(10.0, power))); }

std::vector<double> sequence(const std::vector<double>& mantissas, double lo, double hi) {
  std::vector<double> out;
  const int k0 = static_cast<int>(std::floor(std::log10(lo))) - 1, k1 = static_cast<int>(std::floor(std::log10(hi))) + 1;
  bool started = false;
  for (int k = k0; k <= k1; ++k)
    for (double m : mantissas) {
      const double v = nice_value(m, k);
      if (!started && v < lo * (1 - 1e-9)) continue;
      if (v > hi * (1 + 1e-9)) return out;
      started = true;
      out.push_back(v);
    }
  return out;
}

// The first 1-2-5 value at or above v.
double nice_at_least(double v) {
  const int k = static_cast<int>(std::floor(std::log10(v)));
  for (int p = k; p <= k + 1; ++p)
    for (double m : {1.0, 2.0, 5.0})
      if (nice_value(m, p) >= v * (1 - 1e-9)) return nice_value(m, p);
  return nice_value(1, k + 2);
}

ColourClass zero_class(const std::string& label) {
  ColourClass z;
  z.label = label;
  z.colour = kFlatGroundColour;
  z.transparent = true;
  z.exact = true;
  return z;
}

// Classes (0, b1], (b1, b2], ..., and "> bn" when some value exceeds bn; colours
// from reversed viridis (light for little, dark for much).
std::vector<ColourClass> sequential_classes(const std::vector<double>& breaks, double max_value, bool open_top) {
  std::vector<ColourClass> out;
  for (std::size_t i = 0; i < breaks.size(); ++i) {
    ColourClass k;
    k.lo = i == 0 ? 0.0 : breaks[i - 1];
    k.hi = breaks[i];
    k.label = i == 0 ? "up to " + bound_text(k.hi) : bound_text(k.lo) + " – " + bound_text(k.hi);
    out.push_back(k);
  }
  if (open_top && !breaks.empty() && max_value > breaks.back() + tolerance(breaks.back())) {
    ColourClass k;
    k.lo = breaks.back();
    k.hi = kInf;
    k.label = "> " + bound_text(k.lo);
    out.push_back(k);
  }
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i].colour = viridis(out.size() == 1 ? 0.5 : 1.0 - static_cast<double>(i) / (out.size() - 1));
  return out;
}

// Okabe and Ito (2008), "Color Universal Design", the eight-colour palette
// distinguishable with every common colour-vision deficiency; water keeps the
// map's water blue and unknown a neutral grey.
Rgb land_cover_colour(int code) {
  switch (code) {
    case 0: return kWaterColour;
    case 1: return rgb_hex(0xD55E00);  // vermillion: built-up
    case 2: return rgb_hex(0xE69F00);  // orange: bare
    case 3: return rgb_hex(0xF0E442);  // yellow: grass and shrub
    case 4: return rgb_hex(0xCC79A7);  // reddish purple: cropland
    case 5: return rgb_hex(0x009E73);  // bluish green: tree cover
    case 6: return rgb_hex(0x56B4E9);  // sky blue: wetland
    default: return rgb_hex(0xBBBBBB);  // unknown
  }
}

std::string empty_layer_note(const ResultData& d, const DisplayLayer& layer, bool any_finite) {
  if (!any_finite) return "No land cells: the grid holds no value to map.";
  std::uint64_t duds = 0, impacts = 0;
  for (const RealizationTotals& t : d.totals) duds += t.duds, impacts += t.impacts;
  if (layer.name == "impact_mean" && impacts == 0) return "No submunition landed on land in any realization.";
  if (layer.name != "impact_mean" && duds == 0) return "No unexploded submunitions in any realization.";
  return "0 in every cell (unexploded submunitions occur in some realizations: see the totals below).";
}

}  // namespace

bool ColourClass::contains(double v) const {
  if (exact) return v == lo;
  const bool above = lo_closed ? v >= lo - tolerance(lo) : v > lo + tolerance(lo);
  const bool below = hi_closed ? v <= hi + tolerance(hi) : v < hi - tolerance(hi);
  return above && below;
}

const ColourClass* ClassScheme::find(double v) const {
  if (!std::isfinite(v) || classes.empty()) return nullptr;
  for (const ColourClass& k : classes)
    if (k.exact && k.contains(v)) return &k;
  for (const ColourClass& k : classes)
    if (!k.exact && k.contains(v)) return &k;
  // Beyond the scale (a value above a closed top class): the nearest end.
  const ColourClass* lowest = nullptr;
  const ColourClass* highest = nullptr;
  for (const ColourClass& k : classes) {
    if (k.exact) continue;
    if (!lowest) lowest = &k;
    highest = &k;
  }
  if (!lowest) return nullptr;
  return v < lowest->lo ? lowest : highest;
}

std::vector<double> nice_breaks(const std::vector<float>& values, std::size_t max_breaks) {
  std::vector<double> pos;
  for (float v : values)
    if (std::isfinite(v) && v > 0) pos.push_back(v);
  if (pos.empty() || max_breaks == 0) return {};
  std::sort(pos.begin(), pos.end());
  const double lo = quantile_sorted(pos, 0.05), hi = quantile_sorted(pos, 0.99);
  std::vector<double> b;
  for (const std::vector<double>& m : {std::vector<double>{1, 2, 5}, {1, 3}, {1}}) {
    b = sequence(m, lo, hi);
    if (b.size() <= max_breaks) break;
  }
  if (b.size() > max_breaks) b.erase(b.begin(), b.end() - static_cast<long>(max_breaks));
  if (b.empty()) b.push_back(nice_at_least(lo));
  return b;
}

SeparableBreaks separable_breaks(const std::vector<double>& breaks, const std::vector<float>& values,
                                 const std::vector<double>& se) {
  SeparableBreaks out;
  out.breaks = breaks;
  if (se.size() != values.size() || breaks.empty()) return out;
  double n = 0, sum = 0, sum_sq = 0, se_sq = 0, top = 0;
  for (std::size_t i = 0; i < values.size(); ++i)
    if (std::isfinite(values[i]) && values[i] > 0 && std::isfinite(se[i])) {
      n += 1, sum += values[i], sum_sq += double(values[i]) * values[i], se_sq += se[i] * se[i];
      top = std::max(top, double(values[i]));
    }
  if (n >= 2) {
    const double var = (sum_sq - sum * sum / n) / (n - 1), noise = se_sq / n;
    if (var - noise < noise) {
      out.breaks = {nice_at_least(top)};
      out.merged = breaks.size();
      out.within_error = true;
      return out;
    }
  }
  std::size_t& merged = out.merged;
  std::vector<double> kept;
  double last = 0;
  for (double b : breaks) {
    std::vector<double> near;
    for (std::size_t i = 0; i < values.size(); ++i)
      if (std::isfinite(values[i]) && values[i] >= b / 2 && values[i] <= 2 * b && std::isfinite(se[i]))
        near.push_back(se[i]);
    double typical = 0;
    if (!near.empty()) {
      std::nth_element(near.begin(), near.begin() + near.size() / 2, near.end());
      typical = near[near.size() / 2];
    }
    if (b - last >= 2 * typical) {
      kept.push_back(b);
      last = b;
    } else {
      ++merged;
    }
  }
  if (kept.empty()) {  // one class above 0 at least
    kept.push_back(breaks.back());
    --merged;
  }
  out.breaks = kept;
  return out;
}

namespace {

// Each cell's standard error of the mean of a count layer, in its display
// units (per hectare): sd / sqrt(R); empty when the run has no per-cell sd or
// fewer than 2 realizations (one realization has no error to speak of).
std::vector<double> mean_standard_errors(const ResultData& d, const DisplayLayer& layer) {
  if (layer.name != "dud_mean" || d.realizations < 2 || d.stats.sd.size() != layer.values.size()) return {};
  const double scale = 1.0 / d.grid.cell_area_ha() / std::sqrt(double(d.realizations));
  std::vector<double> se(d.stats.sd.size());
  for (std::size_t i = 0; i < se.size(); ++i) se[i] = d.stats.sd[i] * scale;
  return se;
}

}  // namespace

ClassScheme layer_classes(const ResultData& d, const DisplayLayer& layer, const std::vector<float>& all_values) {
  const std::vector<float>& values = all_values.empty() ? layer.values : all_values;
  ClassScheme s;
  double lo = kInf, hi = -kInf;
  for (float v : values)
    if (std::isfinite(v)) lo = std::min<double>(lo, v), hi = std::max<double>(hi, v);
  const bool any_finite = hi >= lo;
  switch (layer.kind) {
    case LayerKind::Density:
    case LayerKind::Probability: {
      s.classes.push_back(zero_class("0 / none"));
      if (!any_finite || hi <= 0) {
        s.empty_note = empty_layer_note(d, layer, any_finite);
        return s;
      }
      const bool density = layer.kind == LayerKind::Density;
      std::vector<double> breaks = density ? nice_breaks(values) : std::vector<double>{0.1, 0.25, 0.5, 0.75, 0.9, 1.0};
      // The mean layer's classes are held against its Monte Carlo error (the
      // layer's own cells: a comparison sheet's shared scale is A's and B's).
      const std::vector<double> se = all_values.empty() ? mean_standard_errors(d, layer) : std::vector<double>{};
      if (density && !se.empty()) {
        const SeparableBreaks sb = separable_breaks(breaks, layer.values, se);
        breaks = sb.breaks;
        if (sb.within_error)
          s.note = fmt::format("One class: the differences between cells are within Monte Carlo error (their spread "
                               "is no larger than the cells' own standard errors over {} realizations)",
                               d.realizations);
        else if (sb.merged > 0)
          s.note = fmt::format("Classes at least two standard errors of the cell means apart: {} finer break{} "
                               "within Monte Carlo error not shown ({} realizations; more resolve more)",
                               sb.merged, sb.merged == 1 ? "" : "s", d.realizations);
      }
      for (ColourClass& k : sequential_classes(breaks, hi, density)) s.classes.push_back(k);
      return s;
    }
    case LayerKind::Elevation: {
      if (!any_finite) {
        s.empty_note = "No elevation values.";
        return s;
      }
      if (hi - lo < 1e-6) {
        ColourClass k;
        k.lo = -kInf, k.hi = kInf;
        k.label = fmt::format("{} m everywhere (flat)", bound_text(std::round(lo)));
        k.colour = viridis(0.5);
        s.classes.push_back(k);
        return s;
      }
      const double raw = (hi - lo) / 6.0, p = std::pow(10.0, std::floor(std::log10(raw)));
      double step = 10 * p;
      for (double m : {1.0, 2.0, 5.0})
        if (m * p >= raw) {
          step = m * p;
          break;
        }
      std::vector<double> b;
      for (double v = std::floor(lo / step + 1) * step; v < hi - 1e-9; v += step) b.push_back(nice_value(v / step, 0) * step);
      for (std::size_t i = 0; i <= b.size(); ++i) {
        ColourClass k;
        k.lo = i == 0 ? -kInf : b[i - 1];
        k.hi = i == b.size() ? kInf : b[i];
        k.label = i == 0 ? "below " + bound_text(k.hi)
                  : i == b.size() ? "above " + bound_text(k.lo)
                                  : bound_text(k.lo) + " – " + bound_text(k.hi);
        k.colour = viridis(b.empty() ? 0.5 : static_cast<double>(i) / b.size());
        s.classes.push_back(k);
      }
      return s;
    }
    case LayerKind::Categorical: {
      std::vector<bool> present(kLandCoverClasses, false);
      for (float v : values)
        if (std::isfinite(v) && v >= 0 && v < kLandCoverClasses) present[static_cast<int>(v)] = true;
      for (int c = 0; c < kLandCoverClasses; ++c) {
        if (!present[c]) continue;
        ColourClass k;
        k.lo = k.hi = c;
        k.exact = true;
        std::string name = land_cover_name(static_cast<LandCover>(c));
        std::replace(name.begin(), name.end(), '_', ' ');
        k.label = name;
        k.colour = land_cover_colour(c);
        s.classes.push_back(k);
      }
      if (s.classes.empty()) s.empty_note = "No land-cover values.";
      return s;
    }
  }
  return s;
}

ClassScheme difference_classes(const std::vector<float>& differences) {
  // ColorBrewer RdBu, 9 classes (Cynthia Brewer, colorbrewer2.org; Apache-2.0),
  // red for B above A, blue for B below: marked colour-blind safe by ColorBrewer.
  static constexpr unsigned kRdBu[9] = {0xb2182b, 0xd6604d, 0xf4a582, 0xfddbc7, 0xf7f7f7,
                                        0xd1e5f0, 0x92c5de, 0x4393c3, 0x2166ac};
  ClassScheme s;
  s.classes.push_back(zero_class("0 / no difference"));
  std::vector<float> mag;
  for (float v : differences)
    if (std::isfinite(v) && v != 0) mag.push_back(std::fabs(v));
  const std::vector<double> b = nice_breaks(mag, 4);
  if (b.empty()) {
    s.empty_note = "No difference: B equals A in every cell.";
    return s;
  }
  const int k = static_cast<int>(b.size());
  auto colour = [&](int j, bool above) {  // j = 1..k steps away from the middle
    const int step = static_cast<int>(std::lround(4.0 * j / k));
    return rgb_hex(kRdBu[above ? 4 - step : 4 + step]);
  };
  for (int j = k; j >= 1; --j) {  // B below A: [-b_{j+1}, -b_j)
    ColourClass c;
    c.lo = j == k ? -kInf : -b[j];
    c.hi = -b[j - 1];
    c.lo_closed = true, c.hi_closed = false;
    c.label = j == k ? "< " + bound_text(c.hi) : bound_text(c.lo) + " to " + bound_text(c.hi);
    c.colour = colour(j, false);
    s.classes.push_back(c);
  }
  ColourClass mid;
  mid.lo = -b[0], mid.hi = b[0];
  mid.lo_closed = true;
  mid.label = bound_text(mid.lo) + " to " + bound_text(mid.hi);
  mid.colour = rgb_hex(kRdBu[4]);
  s.classes.push_back(mid);
  for (int j = 1; j <= k; ++j) {  // B above A: (b_j, b_{j+1}]
    ColourClass c;
    c.lo = b[j - 1];
    c.hi = j == k ? kInf : b[j];
    c.label = j == k ? "> " + bound_text(c.lo) : bound_text(c.lo) + " to " + bound_text(c.hi);
    c.colour = colour(j, true);
    s.classes.push_back(c);
  }
  return s;
}

// ---------------------------------------------------------------- page text

namespace map_detail {

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

std::string software_line(const ResultData& d) {
  return fmt::format("Remnant {} (git {})", d.software_version.empty() ? "?" : d.software_version,
                     d.git_revision.empty() ? "unknown" : d.git_revision);
}

std::string variant_line(const ResultData& d) {
  std::vector<std::string> sets;
  for (const std::string& o : d.overrides) sets.push_back("--set " + o);
  return (d.dud_rates.empty() ? std::string("the scenario's own dud-rate priors")
                              : d.dud_rates + "-figure dud-rate priors") +
         "; " + (sets.empty() ? std::string("no --set overrides") : join(sets, ", ")) +
         (d.conditioning.empty() ? std::string()
                                 : "; conditioned on evidence: " + d.conditioning.summary + " (" +
                                       join(d.conditioning.files, ", ") + ")");
}

std::string provenance_line(const ResultData& d) {
  std::string scenario = fmt::format("Scenario \"{}\" ({}", d.scenario_name, d.scenario_path);
  if (!d.base_scenario_path.empty()) scenario += ", built on " + d.base_scenario_path;
  scenario += ")";
  const std::string evidence =
      d.conditioning.empty() ? std::string()
                             : fmt::format(" (draws of the posterior given the evidence, SHA-256 {}; drawn: searched areas green, cancelled "
                    "areas grey dashed, finds red crosses, located strikes black triangles)",
                    d.conditioning.sha256.substr(0, 16));
  return fmt::format("{}; {}; {} realizations{}, seed {}, backend {}; {}; created {}.", scenario, variant_line(d),
                     d.realizations, evidence, d.seed, d.backend, software_line(d), d.creation_time_utc);
}

namespace {

// A source up to its first comma outside parentheses: the name of the data
// without the processing steps (the result file keeps the full text).
std::string short_source(const std::string& s) {
  int depth = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '(') ++depth;
    if (s[i] == ')') --depth;
    if (s[i] == ',' && depth == 0 && i + 1 < s.size() && s[i + 1] == ' ') return s.substr(0, i);
  }
  return s;
}

std::string dataset_sources(const ResultData& d) {
  if (d.dataset.empty()) return "";
  std::vector<std::string> parts;
  std::string title;
  try {
    const toml::table root = toml::parse(d.dataset_text);
    if (const toml::table* ds = root["dataset"].as_table()) {
      title = (*ds)["title"].value_or(std::string());
      if (auto e = (*ds)["elevation_source"].value<std::string>()) parts.push_back("elevation: " + short_source(*e));
      if (auto l = (*ds)["land_cover_source"].value<std::string>()) parts.push_back("land cover: " + short_source(*l));
    }
    if (const toml::array* layers = root["layer"].as_array())
      for (const toml::node& n : *layers) {
        const toml::table* l = n.as_table();
        if (!l) continue;
        std::string text = (*l)["name"].value_or(std::string("layer")) + ": " +
                           short_source((*l)["source"].value_or(std::string("?")));
        const std::string licence = (*l)["licence"].value_or(std::string());
        if (!licence.empty()) text += " [" + licence.substr(0, licence.find(" (")) + "]";
        parts.push_back(text);
      }
  } catch (const std::exception&) {
  }
  std::string out = "Dataset " + d.dataset + (title.empty() ? "" : " (" + title + ")");
  return parts.empty() ? out + "." : out + ": " + join(parts, "; ") + ".";
}

}  // namespace

std::string sources_line(const ResultData& d) {
  std::string s = "Sources: " + (d.sources.empty() ? std::string("none stated by the scenario") : join(d.sources, "; ")) + ".";
  if (!d.references.empty()) s += " References: " + join(d.references, "; ") + ".";
  const std::string ds = dataset_sources(d);
  if (ds.empty()) return s;
  return s + " " + ds +
         " Dataset sources shortened here; in full in the dataset's dataset.toml and in the run's result file.";
}

std::string map_notes(const ResultData& d, const MapContext& ctx) {
  const ResultGrid& g = d.grid;
  std::string s = fmt::format("Grid: {} × {} cells of {:g} m, {}. ", g.nx, g.ny, g.cell_size_m,
                              g.crs.empty() ? "local metres (no CRS)" : g.crs);
  const double gamma = grid_convergence_deg(g);
  if (std::isfinite(gamma)) {
    s += std::fabs(gamma) < 0.05 ? "The north arrow shows grid north (true north within 0.1° of it); "
                                 : fmt::format("The north arrow shows grid north; true north is {:.1f}° {} of it; ",
                                               std::fabs(gamma), gamma > 0 ? "east" : "west");
    s += "graticule in WGS84 degrees. ";
  } else {
    s += "The north arrow shows grid north; axis labels in km of the grid's coordinates. ";
  }
  if (has_water(d)) {
    const Headline h = headline(d);
    s += fmt::format("Light blue: water; submunitions landing there are counted apart (mean {} per realization), "
                     "not mapped. ",
                     format_3sig(h.in_water.mean));
  }
  const auto [lo, hi] = std::minmax_element(d.elevation_m.begin(), d.elevation_m.end());
  s += lo != d.elevation_m.end() && *hi > *lo ? "Shading: hillshade of the grid's elevation."
                                              : "The grid's elevation is flat: no hillshade.";
  if (!ctx.note.empty()) {
    std::string note = ctx.note;
    note[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(note[0])));
    s += " " + note + ".";
  }
  return s;
}

}  // namespace map_detail

std::string uncertainty_sentence(const ResultData& d, const std::string& layer) {
  static const std::pair<const char*, const char*> kWhat[] = {
      {"dud_mean", "the mean per hectare"},
      {"dud_p_any", "the share of realizations in which each cell holds at least one"},
      {"dud_q05", "each cell's own 5th percentile per hectare (a cell-by-cell figure, not one realization)"},
      {"dud_q50", "each cell's own median per hectare (a cell-by-cell figure, not one realization)"},
      {"dud_q95", "each cell's own 95th percentile per hectare (a cell-by-cell figure, not one realization)"},
      {"dud_sd", "the standard deviation per hectare between realizations"},
      {"impact_mean", "the mean number of submunitions landed per hectare, exploded or not"},
      {"elevation", "ground elevation, an input of the model"},
      {"land_cover", "land cover, an input of the model"},
  };
  std::string what = "the layer " + layer;
  for (const auto& [name, text] : kWhat)
    if (layer == name) what = text;
  if (d.totals.empty()) return "No realization was run; the map shows no result.";
  const Headline h = headline(d);
  const Summary& t = h.total_duds;
  const std::size_t r = d.totals.size();
  if (r == 1)
    return fmt::format("A single simulated realization left {} unexploded submunitions on land; with one realization "
                       "the map cannot show any uncertainty. The map shows {}.",
                       format_3sig(t.mean), what);
  if (t.max == 0)
    return fmt::format("In none of {} simulated realizations did an unexploded submunition remain on land; the map "
                       "shows {}.",
                       r, what);
  std::string hazard;
  if (h.hazard.recorded())
    hazard = fmt::format("; the hazard area, {}, was {} to {} km² (mean {})", hazard_definition_text(h.hazard),
                         format_3sig(h.hazard_area_km2.q05), format_3sig(h.hazard_area_km2.q95),
                         format_3sig(h.hazard_area_km2.mean));
  return fmt::format("Across {} simulated realizations, the total of unexploded submunitions on land ranged from {} to "
                     "{} (90 % interval; mean {}){}{}; the map shows {}.",
                     r, format_3sig(t.q05), format_3sig(t.q95), format_3sig(t.mean), hazard,
                     r < kFewRealizations ? fmt::format(" – only {} realizations, so the interval itself is rough", r) : "",
                     what);
}

// ---------------------------------------------------------------- the map page

std::string units_line(const DisplayLayer& l) {
  if (l.name == "impact_mean") return "submunitions landed per hectare (exploded or not)";
  if (l.kind == LayerKind::Density) return "unexploded submunitions per hectare";
  if (l.kind == LayerKind::Probability) return "probability of at least one unexploded submunition in the cell";
  if (l.kind == LayerKind::Elevation) return "metres above sea level";
  return "";
}

bool has_water(const ResultData& d) {
  return std::any_of(d.land_cover.begin(), d.land_cover.end(),
                     [](std::uint8_t c) { return c == static_cast<std::uint8_t>(LandCover::Water); });
}

namespace map_detail {

TitleBlock layout_title(Canvas& c, const std::string& title, const std::string& subtitle, double width) {
  TitleBlock t;
  t.title = title;
  t.title_lines = c.wrap(title, kTitleFont, width);
  if (t.title_lines.empty()) t.title_lines.emplace_back();
  t.subtitle = c.wrap(subtitle, kSubtitleFont, width);
  t.bottom = kMargin + kTitleFont.size + (t.title_lines.size() - 1) * kTitleLeading + 4 +
             t.subtitle.size() * kSubtitleFont.size * 1.25 + 8;
  return t;
}

void draw_title(Canvas& c, const TitleBlock& t) {
  double y = kMargin + kTitleFont.size;
  for (std::size_t i = 0; i < t.title_lines.size(); ++i, y += kTitleLeading)
    c.text(kMargin, y, t.title_lines[i], kTitleFont, Align::Left, Rgb{0.05, 0.05, 0.05});
  y = kMargin + kTitleFont.size + (t.title_lines.size() - 1) * kTitleLeading + 4;
  for (const std::string& line : t.subtitle) {
    y += kSubtitleFont.size * 1.25;
    c.text(kMargin, y, line, kSubtitleFont, Align::Left, Rgb{0.2, 0.2, 0.2});
  }
}

}  // namespace map_detail

namespace {


struct MapPage {
  PageSize page;
  DisplayLayer layer;
  ClassScheme scheme;
  MapContext ctx;
  std::string sites;  // the strike sites' markers (site_markers)
  TitleBlock title;
  WrappedText footer;
  double footer_top = 0;
  std::vector<LegendBlock> legends;
  ScaleBar bar;
  MapLayout layout;
};


MapPage plan_map_page(const ResultData& d, const MapOptions& o, Canvas& m) {
  if (d.grid.nx == 0 || d.grid.ny == 0 || !(d.grid.cell_size_m > 0))
    throw InputError(fmt::format("cannot map \"{}\": the result holds no grid", d.scenario_name));
  MapPage p;
  p.page = paper_size(o.paper);
  p.layer = display_layer(d, o.layer);
  if (p.layer.kind == LayerKind::Elevation && d.land_cover.size() == p.layer.values.size())
    for (std::size_t i = 0; i < p.layer.values.size(); ++i)  // the sea floor is not what the map is about
      if (d.land_cover[i] == static_cast<std::uint8_t>(LandCover::Water)) p.layer.values[i] = NAN;
  p.scheme = layer_classes(d, p.layer);
  p.ctx = load_map_context(d, o.datasets_dir);
  const double W = p.page.w, H = p.page.h, inner = W - 2 * kMargin;
  p.title = layout_title(m, o.title.empty() ? d.scenario_name : o.title,
                         o.subtitle.empty() ? p.layer.long_name : o.subtitle, inner);
  const double y = p.title.bottom;

  const Font small{6.5, false, false};
  p.footer = wrap_paragraphs(m,
                             {{uncertainty_sentence(d, o.layer), Font{7.5, true, false}},
                              {provenance_line(d), small},
                              {sources_line(d), small},
                              {d.assumptions.empty() ? "" : "Assumptions: " + join(d.assumptions, "; ") + ".", small},
                              {map_notes(d, p.ctx), small}},
                             inner);

  std::vector<LegendItem> scheme_items = scheme_legend(p.layer.title, units_line(p.layer), p.scheme,
                                                       p.layer.kind != LayerKind::Categorical && has_water(d));
  p.sites = site_markers(d, o.sites);
  const std::vector<LegendItem> context_items = context_legend(p.ctx, d, p.sites);
  const double left_labels = 36, bottom_labels = 14;
  const double lowest_footer = H - kMargin - p.footer.height;
  MapLayout& L = p.layout;
  L.page_w = W, L.page_h = H;
  if (H <= W) {
    // Landscape: the legend, north arrow and scale bar in a panel beside the map.
    const double panel_w = std::clamp(0.25 * W, 150.0, 230.0);
    L.frame = fit_frame(d.grid, {kMargin + left_labels, y, inner - left_labels - panel_w - 14,
                                 lowest_footer - 10 - bottom_labels - y});
    const double panel_x = L.frame.x + L.frame.w + 14, panel_w_used = W - kMargin - panel_x;
    std::vector<LegendItem> items = scheme_items;
    if (!context_items.empty()) {
      items.push_back({LegendItem::Text, "", Font{}, {}, {}, 0});
      items.insert(items.end(), context_items.begin(), context_items.end());
    }
    p.legends.push_back(layout_legend(m, items, panel_x, L.frame.y, panel_w_used));
    // North arrow above the scale bar at the foot of the panel (below the
    // legend when the legend reaches further down).
    p.bar = scale_bar_for(d.grid, L.frame.w, 0.22, panel_w_used - 24);
    const double top = std::max(L.frame.y + p.legends[0].height + 10, L.frame.y + L.frame.h - 62);
    L.north_arrow = {panel_x, top, 14, 30};
    L.scale_bar = {panel_x + 4, top + 42, p.bar.width_pt, 4};
  } else {
    // Portrait: the map across the page, under it three columns: the
    // layer's legend, the context symbols, north arrow and scale bar.
    const double col = 0.4 * inner;
    const double h1 = layout_legend(m, scheme_items, 0, 0, col - 10).height;
    const double h2 = layout_legend(m, context_items, 0, 0, col - 10).height;
    const double block_h = std::max({h1, h2, 66.0});
    L.frame = fit_frame(d.grid, {kMargin + left_labels, y, inner - left_labels,
                                 lowest_footer - 10 - block_h - 10 - bottom_labels - y});
    const double top = L.frame.y + L.frame.h + bottom_labels + 10;
    p.legends.push_back(layout_legend(m, scheme_items, kMargin, top, col - 10));
    p.legends.push_back(layout_legend(m, context_items, kMargin + col, top, col - 10));
    p.bar = scale_bar_for(d.grid, L.frame.w, 0.22, inner - 2 * col - 8);
    L.north_arrow = {kMargin + 2 * col, top, 14, 30};
    L.scale_bar = {kMargin + 2 * col + 4, top + 42, p.bar.width_pt, 4};
  }
  L.scale_bar_km = p.bar.km;
  double legends_bottom = 0;
  for (const LegendBlock& b : p.legends) {
    for (const PlacedLegendItem& it : b.items)
      if (it.item.kind == LegendItem::Swatch) L.swatches.push_back({it.item.cls, it.symbol});
    legends_bottom = std::max(legends_bottom, b.bottom());
  }
  // The footer follows the map and its legend rather than the page's foot: a
  // wide grid leaves the space at the bottom of the page.
  p.footer_top = std::min(lowest_footer, std::max({L.frame.y + L.frame.h + bottom_labels + 12,
                                                   L.scale_bar.y + L.scale_bar.h + 20, legends_bottom + 8}));
  for (const auto& line : p.footer.lines) L.footer_lines.push_back(line.first);
  return p;
}

void draw_map_page(Canvas& c, const ResultData& d, const MapPage& p) {
  const MapLayout& L = p.layout;
  draw_title(c, p.title);
  const FrameMap f{&d.grid, L.frame};
  draw_background(c, d, L.frame);
  draw_cells(c, d.grid, p.layer.values, p.scheme, L.frame);
  draw_graticule(c, d.grid, L.frame, true, true);
  draw_context_lines(c, p.ctx, f);
  draw_sites(c, d, L.frame, 0.9, p.sites);
  draw_evidence(c, d, L.frame);
  draw_place_names(c, p.ctx, f, 14);
  draw_frame_border(c, L.frame);
  for (const LegendBlock& b : p.legends) draw_legend(c, b);
  draw_north_arrow(c, L.north_arrow);
  c.text(L.north_arrow.x + L.north_arrow.w + 5, L.north_arrow.y + 20, "grid north", Font{6.5, false, true},
         Align::Left, Rgb{0.25, 0.25, 0.25});
  draw_scale_bar(c, L.scale_bar, p.bar);
  draw_wrapped(c, p.footer, kMargin, p.footer_top);
}

}  // namespace

MapLayout map_layout(const ResultData& d, const MapOptions& o) {
  MeasuringCanvas m;
  return plan_map_page(d, o, m.canvas()).layout;
}

void render_map(const ResultData& d, const MapOptions& o, const std::string& path) {
  check_page_format(path, o.dpi);
  MeasuringCanvas m;
  const MapPage p = plan_map_page(d, o, m.canvas());
  write_page(path, p.page, o.dpi,
             PageInfo{p.title.title, p.layer.long_name + ". " + uncertainty_sentence(d, o.layer), software_line(d),
                      d.creation_time_utc},
             [&](Canvas& c) { draw_map_page(c, d, p); });
}

}  // namespace remnant
