#include "host/maps/calibration_plot.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "host/common/numbers.h"
#include "host/maps/map_internal.h"

namespace remnant {

using namespace map_detail;

namespace {

constexpr double kMm = 72.0 / 25.4;
constexpr double kDpi = 200;
constexpr int kBins = 24;
const Font kPanelFont{8.5, true, false};
const Font kTickFont{7, false, false};
const Font kNoteFont{6.5, false, false};
const Rgb kPrior = rgb_hex(0xbbbbbb);
const Rgb kPosterior = rgb_hex(0x0072B2);
const Rgb kRecord = rgb_hex(0xD55E00);

// A histogram's bar heights (as densities, so that prior and posterior share
// the axis) over [lo, hi].
std::vector<double> density(const std::vector<double>& v, const std::vector<double>& w, double lo, double hi) {
  std::vector<double> h(kBins, 0.0);
  double total = 0.0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!(w[i] > 0.0) || !std::isfinite(v[i])) continue;
    const int b = std::clamp(static_cast<int>((v[i] - lo) / (hi - lo) * kBins), 0, kBins - 1);
    h[b] += w[i];
    total += w[i];
  }
  if (total > 0)
    for (double& x : h) x /= total;
  return h;
}

struct Panel {
  std::string heading;
  std::vector<double> values, prior_w, post_w;
  double lo = 0, hi = 1;
  WeightedSummary post;
  bool record = false;
  double record_value = 0, record_sd = 0;
};

void draw_histogram(cairo_t* cr, const std::vector<double>& h, double x, double y, double w, double ht, double top,
                    Rgb colour, bool filled) {
  const double bw = w / kBins;
  auto height = [&](int b) { return top > 0 ? h[b] / top * ht : 0.0; };
  if (filled) {
    set_colour(cr, colour, 0.55);
    for (int b = 0; b < kBins; ++b) {
      cairo_rectangle(cr, x + b * bw, y + ht - height(b), bw, height(b));
      cairo_fill(cr);
    }
    return;
  }
  // An outline of steps, closed down to the axis at both ends.
  set_colour(cr, colour);
  cairo_set_line_width(cr, 1.0);
  cairo_move_to(cr, x, y + ht);
  for (int b = 0; b < kBins; ++b) {
    cairo_line_to(cr, x + b * bw, y + ht - height(b));
    cairo_line_to(cr, x + (b + 1) * bw, y + ht - height(b));
  }
  cairo_line_to(cr, x + w, y + ht);
  cairo_stroke(cr);
}

void draw_panel(Canvas& c, const Panel& p, double x, double y, double w, double h) {
  cairo_t* cr = c.cr();
  // The heading wrapped to the panel.
  const std::vector<std::string> lines = c.wrap(p.heading, kPanelFont, w);
  const std::size_t shown = std::min<std::size_t>(lines.size(), 3);
  for (std::size_t k = 0; k < shown; ++k) c.text(x, y + 9 + 11 * double(k), lines[k], kPanelFont);
  const double px = x + 4, py = y + 6 + 11 * double(shown), pw = w - 8, ph = h - 30 - 11 * double(shown);
  const std::vector<double> prior = density(p.values, p.prior_w, p.lo, p.hi),
                            post = density(p.values, p.post_w, p.lo, p.hi);
  const double top = std::max(*std::max_element(prior.begin(), prior.end()),
                              *std::max_element(post.begin(), post.end()));
  auto at = [&](double v) { return px + (v - p.lo) / (p.hi - p.lo) * pw; };
  if (p.record) {
    set_colour(cr, kRecord, 0.15);
    const double a = std::max(px, at(p.record_value - p.record_sd)), b = std::min(px + pw, at(p.record_value + p.record_sd));
    if (b > a) {
      cairo_rectangle(cr, a, py, b - a, ph);
      cairo_fill(cr);
    }
  }
  draw_histogram(cr, post, px, py, pw, ph, top, kPosterior, true);
  draw_histogram(cr, prior, px, py, pw, ph, top, kPrior, false);
  // The posterior's 90 % interval and mean under the bars.
  set_colour(cr, kPosterior);
  cairo_set_line_width(cr, 1.6);
  cairo_move_to(cr, at(std::clamp(p.post.q05, p.lo, p.hi)), py + ph + 4);
  cairo_line_to(cr, at(std::clamp(p.post.q95, p.lo, p.hi)), py + ph + 4);
  cairo_stroke(cr);
  cairo_arc(cr, at(std::clamp(p.post.mean, p.lo, p.hi)), py + ph + 4, 2.0, 0, 2 * M_PI);
  cairo_fill(cr);
  if (p.record && p.record_value >= p.lo && p.record_value <= p.hi) {
    set_colour(cr, kRecord);
    cairo_set_line_width(cr, 1.2);
    cairo_move_to(cr, at(p.record_value), py);
    cairo_line_to(cr, at(p.record_value), py + ph);
    cairo_stroke(cr);
  }
  set_colour(cr, Rgb{});
  cairo_set_line_width(cr, 0.5);
  cairo_move_to(cr, px, py + ph);
  cairo_line_to(cr, px + pw, py + ph);
  cairo_stroke(cr);
  c.text(px, py + ph + 16, format_figure(p.lo), kTickFont);
  c.text(px + pw, py + ph + 16, format_figure(p.hi), kTickFont, Align::Right);
  c.text(px + pw / 2, py + ph + 16,
         fmt::format("posterior {} [{} to {}]", format_figure(p.post.mean), format_figure(p.post.q05),
                     format_figure(p.post.q95)),
         kTickFont, Align::Centre, kPosterior);
}

std::vector<Panel> panels_of(const Calibration& c) {
  std::vector<Panel> out;
  const std::vector<double> ones = c.prior_weights();  // the first round's draws: from the prior
  for (std::size_t p = 0; p < c.params.size(); ++p) {
    Panel q;
    const std::vector<std::string>& keys = c.params[p].keys;
    std::string name = keys.empty() ? c.params[p].key : keys[0];
    if (keys.size() > 1) name += " + " + keys[1];
    if (keys.size() > 2) name += fmt::format(" + {} more, set alike", keys.size() - 2);
    q.heading = fmt::format("{} (prior uniform {:g} to {:g})", name, c.params[p].lo, c.params[p].hi);
    // The prior as drawn, the posterior as weighed (and adjusted): one list,
    // each half weighed by one of them.
    for (const auto& row : c.theta) q.values.push_back(row[p]);
    for (const auto& row : c.posterior.value) q.values.push_back(row[p]);
    q.prior_w = ones;
    q.prior_w.resize(2 * ones.size(), 0.0);
    q.post_w.assign(ones.size(), 0.0);
    q.post_w.insert(q.post_w.end(), c.posterior.weight.begin(), c.posterior.weight.end());
    q.lo = c.params[p].lo;
    q.hi = c.params[p].hi;
    q.post = parameter_posterior(c, p);
    out.push_back(std::move(q));
  }
  for (std::size_t j = 0; j < c.targets.size(); ++j) {
    const CalibrationTarget& t = c.targets[j];
    Panel q;
    q.heading = t.sd ? fmt::format("{}: record {:g}, SD {:g}", t.metric, t.value, *t.sd)
                     : fmt::format("{}: record {:g}", t.metric, t.value);
    for (std::size_t i = 0; i < c.values.size(); ++i) q.values.push_back(c.draw_mean(i, t.metric));
    q.prior_w = ones;
    q.post_w = c.posterior.weight;
    const auto [mn, mx] = std::minmax_element(q.values.begin(), q.values.end());
    q.lo = std::min(*mn, t.value - t.sd.value_or(0.0));
    q.hi = std::max(*mx, t.value + t.sd.value_or(0.0));
    if (!(q.hi > q.lo)) q.hi = q.lo + 1.0;
    const double pad = 0.04 * (q.hi - q.lo);
    q.lo -= pad;
    q.hi += pad;
    q.post = predictive(c, t.metric, true, true);
    q.record = true;
    q.record_value = t.value;
    q.record_sd = t.sd.value_or(0.0);
    out.push_back(std::move(q));
  }
  return out;
}

}  // namespace

void render_calibration_plot(const Calibration& c, const std::string& path) {
  check_page_format(path, kDpi);
  const std::vector<Panel> panels = panels_of(c);
  const int rows = static_cast<int>((panels.size() + 1) / 2);
  const double panel_h = 55 * kMm;
  const PageSize page{200 * kMm, 60 * kMm + rows * panel_h};
  const std::string title = "Calibration to the record: " + c.scenario_name;
  const std::string subtitle = fmt::format(
      "Grey: the prior (uniform draws); blue: the posterior ({} of {} draws kept, {:.0f} effective); red: the record",
      c.posterior.accepted, c.theta.size(), c.posterior.effective_draws);
  const std::string creator = fmt::format("Remnant {} (git {})", c.software_version, c.git_revision);
  const PageInfo info{title, subtitle, creator, c.date.empty() ? std::string() : c.date + "T00:00:00Z"};
  write_page(path, page, kDpi, info, [&](Canvas& cv) {
    const double width = page.w - 2 * kMargin;
    const TitleBlock tb = layout_title(cv, title, subtitle, width);
    draw_title(cv, tb);
    const double col_w = width / 2;
    double y = tb.bottom + 6;
    for (std::size_t k = 0; k < panels.size(); ++k)
      draw_panel(cv, panels[k], kMargin + (k % 2) * col_w, y + (k / 2) * panel_h, col_w - 6, panel_h - 6);
    std::vector<std::string> sets;
    for (const std::string& s : c.sets) sets.push_back("--set " + s);
    const WrappedText foot = wrap_paragraphs(
        cv,
        {{"Method: " + c.posterior.method + fmt::format(". Each draw's figure is its mean over {} realizations; every "
                                                         "draw ran with seed {} (common random numbers).",
                                                         c.realizations, c.seed),
          kNoteFont},
         {fmt::format("Scenario {} ({}){}{}; backend {}; {}; {}.", c.scenario_name, c.scenario_path,
                      sets.empty() ? "" : "; ", join(sets, " "), c.backend, creator, c.date),
          kNoteFont}},
        width);
    draw_wrapped(cv, foot, kMargin, page.h - kMargin - foot.height);
  });
}

}  // namespace remnant
