// The figure of a sweep: one headline total against the first swept
// parameter, the mean as a line with markers and the 5-95 % interval as a
// band (categorical values: a bar per value), one colour per combination of
// the other swept parameters (Okabe-Ito, readable with the common forms of
// colour blindness), axis titles with units, and a footer with the
// provenance. Drawn with the map pages' canvas (host/maps/map_internal.h): DejaVu
// Sans, PNG/SVG/PDF written atomically, SVG with a searchable text layer.
#include "host/maps/sweep_plot.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "host/maps/map_internal.h"

namespace remnant {

using namespace map_detail;

namespace {

constexpr double kMm = 72.0 / 25.4;
constexpr double kPlotDpi = 200;
const Font kAxisTitleFont{8.5, true, false};
const Font kTickFont{7.5, false, false};
const Font kLegendFont{7.5, false, false};
const Font kFooterFont{6.5, false, false};

// Okabe and Ito (2008), in the order that keeps neighbours apart; yellow last
// (faint on white).
constexpr unsigned kPalette[] = {0x0072B2, 0xD55E00, 0x009E73, 0xE69F00, 0xCC79A7, 0x56B4E9, 0x000000, 0xF0E442};
constexpr std::size_t kColours = sizeof kPalette / sizeof kPalette[0];

// One line of the figure: the points sharing the values of the other swept
// parameters, in the order of the first parameter's values.
struct Series {
  std::string label;  // the other parameters' values, "3, field" ("" when only one parameter is swept)
  std::vector<const SweepPointResult*> points;
  Rgb colour;
  bool dashed = false;
  int shape = 0;        // marker: circle, square, triangle, diamond, inverted triangle
  std::string same_as;  // the label of an earlier series this one hides: (nearly) the same figures at every point
  bool exactly = false;  // ... the very same figures
};

std::vector<Series> series_of(const SweepSummary& s) {
  std::vector<Series> out;
  std::vector<std::vector<std::size_t>> keys;
  for (const SweepPointResult& r : s.points) {
    const std::vector<std::size_t> key(r.point.choice.begin() + 1, r.point.choice.end());
    auto at = std::find(keys.begin(), keys.end(), key);
    if (at == keys.end()) {
      Series ser;
      for (std::size_t k = 1; k < s.swept.size(); ++k)
        ser.label += (k > 1 ? ", " : "") + s.swept[k].values[key[k - 1]].label;
      ser.colour = rgb_hex(kPalette[out.size() % kColours]);
      ser.dashed = out.size() >= kColours;
      ser.shape = static_cast<int>(out.size() % 5);
      out.push_back(ser);
      keys.push_back(key);
      at = keys.end() - 1;
    }
    out[static_cast<std::size_t>(at - keys.begin())].points.push_back(&r);
  }
  return out;
}

// Marks a series whose figures (mean, 5 % and 95 %) are within `tol` of an
// earlier one's at every point: drawn over it, the earlier one would be
// hidden, so the legend says so.
void mark_coinciding(std::vector<Series>& series, const std::string& metric, double tol) {
  for (std::size_t k = 1; k < series.size(); ++k)
    for (std::size_t j = 0; j < k && series[k].same_as.empty(); ++j) {
      const auto &a = series[j].points, &b = series[k].points;
      bool near = a.size() == b.size(), same = near;
      for (std::size_t i = 0; near && i < a.size(); ++i) {
        const Summary &x = sweep_metric(a[i]->headline, metric), &y = sweep_metric(b[i]->headline, metric);
        near = a[i]->point.choice[0] == b[i]->point.choice[0] && std::abs(x.mean - y.mean) <= tol &&
               std::abs(x.q05 - y.q05) <= tol && std::abs(x.q95 - y.q95) <= tol;
        same = same && near && x.mean == y.mean && x.q05 == y.q05 && x.q95 == y.q95;
      }
      if (near) series[k].same_as = series[j].label, series[k].exactly = same;
    }
}

// Lines of at most `width`: wrapped at spaces, then a line still too wide
// (a long --set key) broken after dots, commas and underscores and before
// brackets, and a piece still too wide broken between characters.
std::vector<std::string> fit_lines(Canvas& c, const std::string& s, const Font& f, double width) {
  std::vector<std::string> out;
  for (const std::string& line : c.wrap(s, f, width)) {
    if (c.width(line, f) <= width) {
      out.push_back(line);
      continue;
    }
    std::vector<std::string> pieces{""};
    for (std::size_t i = 0; i < line.size(); ++i) {
      const char ch = line[i];
      if (ch == '[' && !pieces.back().empty()) pieces.emplace_back();
      pieces.back() += ch;
      if ((ch == '.' || ch == ',' || ch == '_' || ch == ' ') && i + 1 < line.size()) pieces.emplace_back();
    }
    std::string cur;
    auto flush = [&] {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    };
    for (const std::string& piece : pieces) {
      if (c.width(cur + piece, f) <= width) {
        cur += piece;
        continue;
      }
      flush();
      if (c.width(piece, f) <= width) {
        cur = piece;
        continue;
      }
      for (std::size_t i = 0; i < piece.size();) {  // by characters (UTF-8 sequences kept whole)
        std::size_t n = 1;
        while (i + n < piece.size() && (static_cast<unsigned char>(piece[i + n]) & 0xC0) == 0x80) ++n;
        const std::string ch = piece.substr(i, n);
        if (!cur.empty() && c.width(cur + ch, f) > width) flush();
        cur += ch;
        i += n;
      }
    }
    flush();
  }
  return out;
}

// Units of a --set key, from its last name where the scenario's naming says
// them; "" when unknown.
std::string key_units(const std::string& key) {
  std::string last = key.substr(key.rfind('.') == std::string::npos ? 0 : key.rfind('.') + 1);
  last = last.substr(0, last.find('['));
  auto ends = [&](const std::string& e) { return last.size() >= e.size() && last.compare(last.size() - e.size(), e.size(), e) == 0; };
  if (ends("_mps")) return "m/s";
  if (ends("_deg")) return "degrees";
  if (ends("_rpm")) return "rpm";
  if (ends("_km2")) return "km²";
  if (ends("_m")) return "m";
  if (last == "dud_rate") return "probability of failure";
  if (last == "share") return "share of the submunitions";
  if (last == "count" || last == "carriers" || last == "total_submunitions" || last == "realizations") return "count";
  return "";
}

std::string footer_provenance(const SweepSummary& s) {
  std::vector<std::string> swept;
  for (const SweepSet& p : s.swept) {
    std::vector<std::string> v;
    for (const SweepValue& x : p.values) v.push_back(x.label);
    swept.push_back(fmt::format("{} = {}", p.key, join(v, ", ")));
  }
  std::vector<std::string> fixed;
  for (const std::string& f : s.fixed) fixed.push_back("--set " + f);
  return fmt::format("Scenario \"{}\" ({}); swept: {}; fixed: {}; backend {}; Remnant {} (git {}).", s.scenario_name,
                     s.scenario_path, join(swept, "; "), fixed.empty() ? std::string("no other --set") : join(fixed, ", "),
                     s.backend, s.software_version, s.git_revision);
}

std::string footer_method(const SweepSummary& s, bool numeric) {
  std::uint32_t rmin = std::numeric_limits<std::uint32_t>::max(), rmax = 0;
  bool one_seed = true;
  for (const SweepPointResult& r : s.points) {
    rmin = std::min(rmin, r.realizations);
    rmax = std::max(rmax, r.realizations);
    one_seed = one_seed && r.seed == s.points.front().seed;
  }
  const std::string reals = rmin == rmax ? fmt::format("{}", rmin) : fmt::format("{} to {}", rmin, rmax);
  const std::string seed =
      one_seed ? fmt::format("Seed {} for every point (common random numbers): differences between points come from "
                             "the parameters, not from sampling noise.",
                             s.points.front().seed)
               : std::string("The seed differs between points (see sweep.csv).");
  return fmt::format("{}: 90 % interval over {} realizations (5 % to 95 % quantiles of each point's "
                     "realizations); {}: mean. {} {} points; each point's full result is in its point-NNN.h5 "
                     "file, every figure in sweep.csv and sweep.json.",
                     numeric ? "Band" : "Bars", reals, numeric ? "line" : "dots", seed, s.points.size());
}

struct Axis {
  double lo = 0, hi = 1, step = 1;
  double to(double v, double p0, double p1) const { return p0 + (v - lo) / (hi - lo) * (p1 - p0); }
};

// One marker shape per series (after the colour, so that series drawn over
// one another, or printed in grey, can still be told apart).
void draw_marker(Canvas& c, double x, double y, Rgb colour, int shape) {
  cairo_t* cr = c.cr();
  cairo_new_path(cr);
  switch (shape % 5) {
    case 0:
      cairo_arc(cr, x, y, 2.7, 0, 2 * M_PI);
      break;
    case 1:
      cairo_rectangle(cr, x - 2.5, y - 2.5, 5, 5);
      break;
    case 2:
      cairo_move_to(cr, x, y - 3.4);
      cairo_line_to(cr, x + 3.1, y + 2.2);
      cairo_line_to(cr, x - 3.1, y + 2.2);
      cairo_close_path(cr);
      break;
    case 3:
      cairo_move_to(cr, x, y - 3.6);
      cairo_line_to(cr, x + 3.6, y);
      cairo_line_to(cr, x, y + 3.6);
      cairo_line_to(cr, x - 3.6, y);
      cairo_close_path(cr);
      break;
    default:
      cairo_move_to(cr, x, y + 3.4);
      cairo_line_to(cr, x + 3.1, y - 2.2);
      cairo_line_to(cr, x - 3.1, y - 2.2);
      cairo_close_path(cr);
      break;
  }
  set_colour(cr, colour);
  cairo_fill_preserve(cr);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_set_line_width(cr, 0.8);
  cairo_stroke(cr);
}

void set_line(cairo_t* cr, const Series& s, double width) {
  set_colour(cr, s.colour);
  cairo_set_line_width(cr, width);
  const double dash[] = {4, 2};
  cairo_set_dash(cr, dash, s.dashed ? 2 : 0, 0);
}

// What the figure shows, worked out before anything is drawn.
struct Figure {
  const SweepSummary* s = nullptr;
  const SweepSet* xs = nullptr;  // the first swept parameter: the x axis
  bool numeric = false;          // its values are all numbers (else categories, evenly spaced)
  std::vector<Series> series;
  std::vector<std::string> others;  // the other swept keys: the legend's heading
  std::string title, subtitle, y_title, x_title;
  Axis x, y;
  std::vector<double> xv;  // x of each value of the first parameter
  Summary value(const SweepPointResult* r) const { return sweep_metric(r->headline, s->metric); }
};

Figure plan_figure(const SweepSummary& s) {
  Figure f;
  f.s = &s;
  f.xs = &s.swept.front();
  const SweepSet& xs = *f.xs;
  f.numeric = std::all_of(xs.values.begin(), xs.values.end(),
                          [](const SweepValue& v) { return v.number && std::isfinite(*v.number); });
  const bool numeric = f.numeric;
  f.series = series_of(s);
  const std::string& metric = s.metric;
  const std::string units = key_units(xs.key);

  for (std::size_t k = 1; k < s.swept.size(); ++k) f.others.push_back(s.swept[k].key);
  f.title = fmt::format("{}: {} against {}", s.scenario_name, sweep_metric_label(metric), xs.key);
  f.subtitle = fmt::format("{} over the realizations of each point {} the 90 % interval ({}){}.",
                           numeric ? "Mean" : "Mean (dot)", numeric ? "(line), with" : "and", numeric ? "band" : "bar",
                           f.others.empty() ? "" : "; one colour per value of " + join(f.others, ", "));
  f.y_title = fmt::format("{}, {}", sweep_metric_label(metric), sweep_metric_units(metric));
  f.x_title = units.empty() ? xs.key : fmt::format("{} ({})", xs.key, units);

  // The y axis from 0 to a nice bound above every interval.
  Axis& y = f.y;
  double ymax = 0;
  for (const SweepPointResult& r : s.points) {
    const Summary& m = sweep_metric(r.headline, metric);
    ymax = std::max({ymax, m.q95, m.mean});
  }
  y.step = nice_step(ymax > 0 ? ymax : 1, 5);
  y.hi = std::max(1.0, std::ceil(ymax / y.step * (1 - 1e-12))) * y.step;
  mark_coinciding(f.series, metric, 0.005 * (y.hi - y.lo));  // half a percent of the axis: a marker's width
  // The x axis: the values' range padded, or evenly spaced categories.
  Axis& x = f.x;
  std::vector<double>& xv = f.xv;
  xv.resize(xs.values.size());
  for (std::size_t i = 0; i < xv.size(); ++i) xv[i] = numeric ? *xs.values[i].number : static_cast<double>(i);
  if (numeric) {
    const auto [lo, hi] = std::minmax_element(xv.begin(), xv.end());
    const double span = *hi > *lo ? *hi - *lo : std::max(1.0, std::abs(*lo));
    x.lo = *lo - 0.06 * span;
    x.hi = *hi + 0.06 * span;
    x.step = nice_step(x.hi - x.lo, 6);
  } else {
    x.lo = -0.5;
    x.hi = static_cast<double>(xv.size()) - 0.5;
  }
  return f;
}

// Where the plot lies on the page, with its tick labels.
struct PlotArea {
  double width = 0;     // the page's text width
  double foot_top = 0;  // where the footer starts
  double px0 = 0, px1 = 0, py0 = 0, py1 = 0;  // the plot's frame
  double slot = 0;      // page width per value of the first parameter
  double legend_w = 0;  // 0: no legend (one series)
  std::vector<double> yticks;
  std::vector<std::string> ylabels;
  std::vector<std::vector<std::string>> xlabels;  // categorical: wrapped value labels
  Axis x, y;
  double X(double v) const { return x.to(v, px0, px1); }
  double Y(double v) const { return y.to(v, py1, py0); }
};

// Tick labels, the legend's width, then the plot's frame between the title's
// bottom and the footer's top.
PlotArea layout_plot(Canvas& c, const Figure& f, double width, double top, double foot_top) {
  PlotArea a;
  a.width = width;
  a.foot_top = foot_top;
  a.x = f.x;
  a.y = f.y;
  for (double v = f.y.lo; v <= f.y.hi * (1 + 1e-9); v += f.y.step) a.yticks.push_back(v);
  double ylabel_w = 0;
  for (double v : a.yticks) {
    a.ylabels.push_back(format_number(v, step_decimals(f.y.step)));
    ylabel_w = std::max(ylabel_w, c.width(a.ylabels.back(), kTickFont));
  }
  a.legend_w = f.series.size() > 1 ? std::min(170.0, width * 0.3) : 0.0;
  a.px0 = kMargin + ylabel_w + 6;
  a.px1 = kMargin + width - (a.legend_w > 0 ? a.legend_w + 14 : 0);
  a.slot = (a.px1 - a.px0) / f.xv.size();
  std::size_t xlabel_lines = 1;
  if (!f.numeric) {
    for (const SweepValue& v : f.xs->values) {
      std::vector<std::string> l = c.wrap(v.label, kTickFont, a.slot - 4);
      if (l.size() > 2) l.resize(2), l[1] += " …";
      xlabel_lines = std::max(xlabel_lines, l.size());
      a.xlabels.push_back(l);
    }
  }
  a.py0 = top + 18;
  a.py1 = foot_top - 12 - xlabel_lines * kTickFont.size * 1.25 - 6 - kAxisTitleFont.size - 4;
  return a;
}

// Axis titles (the y title above its axis, horizontal), grid, ticks and the
// axes' lines.
void draw_axes(Canvas& c, const Figure& f, const PlotArea& a) {
  cairo_t* cr = c.cr();
  c.text(kMargin, a.py0 - 8, f.y_title, kAxisTitleFont, Align::Left, Rgb{0.1, 0.1, 0.1});
  {  // under the plot, smaller if it would not fit across the page (a long key)
    Font ft = kAxisTitleFont;
    double w = c.width(f.x_title, ft);
    if (w > a.width) ft.size *= a.width / w, w = c.width(f.x_title, ft);
    const double cx = std::clamp((a.px0 + a.px1) / 2, kMargin + w / 2, kMargin + std::max(w, a.width) - w / 2);
    c.text(cx, a.foot_top - 12, f.x_title, ft, Align::Centre, Rgb{0.1, 0.1, 0.1});
  }
  cairo_set_line_width(cr, 0.4);
  for (std::size_t i = 0; i < a.yticks.size(); ++i) {
    cairo_set_source_rgb(cr, 0.85, 0.85, 0.85);
    cairo_move_to(cr, a.px0, a.Y(a.yticks[i]));
    cairo_line_to(cr, a.px1, a.Y(a.yticks[i]));
    cairo_stroke(cr);
    c.text(a.px0 - 4, a.Y(a.yticks[i]) + kTickFont.size * 0.35, a.ylabels[i], kTickFont, Align::Right,
           Rgb{0.2, 0.2, 0.2});
  }
  const double tick_base = a.py1 + 4 + kTickFont.size;
  if (f.numeric) {
    const Axis& x = f.x;
    for (double v = std::ceil(x.lo / x.step) * x.step; v <= x.hi; v += x.step) {
      const double at = std::abs(v) < x.step * 1e-9 ? 0.0 : v;
      cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
      cairo_move_to(cr, a.X(at), a.py1);
      cairo_line_to(cr, a.X(at), a.py1 + 3);
      cairo_stroke(cr);
      c.text(a.X(at), tick_base, format_number(at, step_decimals(x.step)), kTickFont, Align::Centre,
             Rgb{0.2, 0.2, 0.2});
    }
  } else {
    for (std::size_t i = 0; i < a.xlabels.size(); ++i)
      for (std::size_t l = 0; l < a.xlabels[i].size(); ++l)
        c.text(a.X(f.xv[i]), tick_base + l * kTickFont.size * 1.25, a.xlabels[i][l], kTickFont, Align::Centre,
               Rgb{0.2, 0.2, 0.2});
  }
  cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
  cairo_set_line_width(cr, 0.8);
  cairo_move_to(cr, a.px0, a.py0);
  cairo_line_to(cr, a.px0, a.py1);
  cairo_line_to(cr, a.px1, a.py1);
  cairo_stroke(cr);
}

// Where series k's point r is drawn across: categories side by side.
double x_of(const Figure& f, const PlotArea& a, const SweepPointResult* r, std::size_t k) {
  const std::size_t n = f.series.size();
  const double offset = n > 1 ? (k - (n - 1) / 2.0) * std::min(8.0, a.slot * 0.5 / n) : 0;
  return a.X(f.xv[r->point.choice[0]]) + (f.numeric ? 0 : offset);
}

// The data: bands (or bars) first, then lines, and the markers on top.
void draw_data(Canvas& c, const Figure& f, const PlotArea& a) {
  cairo_t* cr = c.cr();
  const std::vector<Series>& series = f.series;
  for (std::size_t k = 0; k < series.size(); ++k) {
    std::vector<const SweepPointResult*> pts = series[k].points;
    std::sort(pts.begin(), pts.end(),
              [&](auto* p, auto* q) { return f.xv[p->point.choice[0]] < f.xv[q->point.choice[0]]; });
    if (f.numeric) {
      cairo_new_path(cr);
      for (auto* r : pts) cairo_line_to(cr, x_of(f, a, r, k), a.Y(f.value(r).q05));
      for (auto it = pts.rbegin(); it != pts.rend(); ++it) cairo_line_to(cr, x_of(f, a, *it, k), a.Y(f.value(*it).q95));
      cairo_close_path(cr);
      set_colour(cr, series[k].colour, 0.18);
      cairo_fill(cr);
      cairo_new_path(cr);
      for (auto* r : pts) cairo_line_to(cr, x_of(f, a, r, k), a.Y(f.value(r).mean));
      set_line(cr, series[k], 1.6);
      cairo_stroke(cr);
    } else {
      for (auto* r : pts) {
        const double xx = x_of(f, a, r, k);
        set_line(cr, series[k], 1.4);
        cairo_move_to(cr, xx, a.Y(f.value(r).q05));
        cairo_line_to(cr, xx, a.Y(f.value(r).q95));
        for (double q : {f.value(r).q05, f.value(r).q95}) {
          cairo_move_to(cr, xx - 3, a.Y(q));
          cairo_line_to(cr, xx + 3, a.Y(q));
        }
        cairo_stroke(cr);
      }
    }
    cairo_set_dash(cr, nullptr, 0, 0);
  }
  // Markers over every line, the first series' last: its circles stay
  // visible inside the later series' larger squares, triangles, diamonds.
  for (std::size_t k = series.size(); k-- > 0;)
    for (auto* r : series[k].points)
      draw_marker(c, x_of(f, a, r, k), a.Y(f.value(r).mean), series[k].colour, series[k].shape);
}

// The legend right of the plot: one entry per combination of the other swept
// parameters, as many as fit.
void draw_series_legend(Canvas& c, const Figure& f, const PlotArea& a) {
  if (a.legend_w <= 0) return;
  cairo_t* cr = c.cr();
  const double lx = a.px1 + 14;
  double ly = a.py0;
  for (const std::string& l : fit_lines(c, join(f.others, ", "), kAxisTitleFont, a.legend_w)) {
    c.text(lx, ly + kAxisTitleFont.size, l, kAxisTitleFont, Align::Left, Rgb{0.1, 0.1, 0.1});
    ly += kAxisTitleFont.size * 1.25;
  }
  ly += 4;
  for (std::size_t k = 0; k < f.series.size(); ++k) {
    const Series& ser = f.series[k];
    if (ly > a.py1 - 2 * kLegendFont.size) {
      c.text(lx, ly + kLegendFont.size, fmt::format("… and {} more (sweep.csv)", f.series.size() - k), kLegendFont);
      break;
    }
    const double sy = ly + kLegendFont.size * 0.6;
    if (f.numeric) {  // the band and the line
      cairo_rectangle(cr, lx, sy - 4, 18, 8);
      set_colour(cr, ser.colour, 0.18);
      cairo_fill(cr);
      cairo_move_to(cr, lx, sy);
      cairo_line_to(cr, lx + 18, sy);
    } else {  // the bar
      cairo_move_to(cr, lx + 9, sy - 5);
      cairo_line_to(cr, lx + 9, sy + 5);
    }
    set_line(cr, ser, f.numeric ? 1.6 : 1.4);
    cairo_stroke(cr);
    cairo_set_dash(cr, nullptr, 0, 0);
    draw_marker(c, lx + 9, sy, ser.colour, ser.shape);
    const std::string label =
        ser.same_as.empty() ? ser.label
                            : fmt::format("{} ({} {}, drawn over it)", ser.label,
                                          ser.exactly ? "same as" : "nearly the same as", ser.same_as);
    for (const std::string& l : fit_lines(c, label, kLegendFont, a.legend_w - 24)) {
      c.text(lx + 24, ly + kLegendFont.size, l, kLegendFont, Align::Left, Rgb{0.15, 0.15, 0.15});
      ly += kLegendFont.size * 1.25;
    }
    ly += 4;
  }
}

}  // namespace

namespace map_detail {

// (map_internal.h) A step of 1, 2 or 5 times a power of ten giving at most about `ticks` steps.
double nice_step(double span, int ticks) {
  if (!(span > 0)) return 1;
  const double raw = span / ticks;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0})
    if (m * mag >= raw * (1 - 1e-9)) return m * mag;
  return 10 * mag;
}

int step_decimals(double step) { return step >= 1 ? 0 : static_cast<int>(std::ceil(-std::log10(step) - 1e-9)); }

}  // namespace map_detail

void render_sweep_plot(const SweepSummary& s, const std::string& path) {
  if (s.swept.empty() || s.points.empty()) throw InputError("a sweep figure needs at least one swept parameter and point");
  const Figure f = plan_figure(s);
  const PageSize page{200 * kMm, 130 * kMm};
  const PageInfo info{f.title, f.subtitle + " " + footer_method(s, f.numeric),
                      fmt::format("Remnant {} (git {})", s.software_version, s.git_revision),
                      std::string()};  // the sweep records no date: a PDF takes the clock's
  write_page(path, page, kPlotDpi, info, [&](Canvas& c) {
    const double width = page.w - 2 * kMargin;
    const TitleBlock tb = layout_title(c, f.title, f.subtitle, width);
    draw_title(c, tb);
    const WrappedText foot =
        wrap_paragraphs(c, {{footer_method(s, f.numeric), kFooterFont}, {footer_provenance(s), kFooterFont}}, width);
    const double foot_top = page.h - kMargin - foot.height;
    draw_wrapped(c, foot, kMargin, foot_top);
    const PlotArea a = layout_plot(c, f, width, tb.bottom, foot_top);
    draw_axes(c, f, a);
    draw_data(c, f, a);
    draw_series_legend(c, f, a);
  });
}

}  // namespace remnant
