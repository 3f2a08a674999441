#include "host/maps/clearance_plot.h"

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
const Font kTickFont{7, false, false};
const Font kLabelFont{8, false, false};
const Font kNoteFont{6.5, false, false};
const Rgb kRanked = rgb_hex(0x0072B2);
const Rgb kNaive = rgb_hex(0x999999);

struct Plot {
  double x, y, w, h, x_max;
  double px(double v) const { return x + v / x_max * w; }
  double py(double share) const { return y + h - share * h; }
};

void draw_order(cairo_t* cr, const Plot& p, const ClearanceOrder& o, Rgb colour, bool band) {
  if (band && o.q05.size() == o.area_ha.size()) {
    set_colour(cr, colour, 0.22);
    cairo_move_to(cr, p.px(o.area_ha[0]), p.py(o.q05[0]));
    for (std::size_t k = 1; k < o.area_ha.size(); ++k) cairo_line_to(cr, p.px(o.area_ha[k]), p.py(o.q05[k]));
    for (std::size_t k = o.area_ha.size(); k-- > 0;) cairo_line_to(cr, p.px(o.area_ha[k]), p.py(o.q95[k]));
    cairo_close_path(cr);
    cairo_fill(cr);
  }
  set_colour(cr, colour);
  cairo_set_line_width(cr, 1.6);
  cairo_move_to(cr, p.px(o.area_ha[0]), p.py(o.mean[0]));
  for (std::size_t k = 1; k < o.area_ha.size(); ++k) cairo_line_to(cr, p.px(o.area_ha[k]), p.py(o.mean[k]));
  cairo_stroke(cr);
}

void draw_axes(Canvas& c, const Plot& p) {
  cairo_t* cr = c.cr();
  set_colour(cr, Rgb{});
  cairo_set_line_width(cr, 0.6);
  cairo_move_to(cr, p.x, p.y);
  cairo_line_to(cr, p.x, p.y + p.h);
  cairo_line_to(cr, p.x + p.w, p.y + p.h);
  cairo_stroke(cr);
  for (int k = 0; k <= 10; k += 2) {
    const double yy = p.py(k / 10.0);
    set_colour(cr, rgb_hex(0xdddddd));
    cairo_set_line_width(cr, 0.4);
    cairo_move_to(cr, p.x, yy);
    cairo_line_to(cr, p.x + p.w, yy);
    cairo_stroke(cr);
    c.text(p.x - 4, yy + 2.5, fmt::format("{} %", k * 10), kTickFont, Align::Right);
  }
  const double step = nice_step(p.x_max, 6);
  for (double v = 0; v <= p.x_max * (1 + 1e-9); v += step) {
    set_colour(cr, Rgb{});
    cairo_move_to(cr, p.px(v), p.y + p.h);
    cairo_line_to(cr, p.px(v), p.y + p.h + 3);
    cairo_stroke(cr);
    c.text(p.px(v), p.y + p.h + 12, format_number(v, step_decimals(step)), kTickFont, Align::Centre);
  }
  c.text(p.x + p.w / 2, p.y + p.h + 24, "ground of the hazard areas cleared (hectares)", kLabelFont, Align::Centre);
  c.text(p.x, p.y - 6, "share of the expected unexploded items removed", kLabelFont);
}

}  // namespace

void check_clearance_curve_path(const std::string& path) { check_page_format(path, kDpi); }

void render_clearance_curve(const ClearanceCurve& cc, const ResultData& d, const std::string& result_file,
                            const std::string& path) {
  check_page_format(path, kDpi);
  const PageSize page{200 * kMm, 150 * kMm};
  const std::string title = "Clearance curve: " + d.scenario_name;
  const std::string subtitle =
      fmt::format("Share of the {} expected unexploded items removed as the hazard areas are cleared in blocks of "
                  "{} m: densest block first (blue) and south to north, blind to the model's densities (grey){}",
                  format_figure(cc.total_mean), format_figure(cc.block_cells * d.grid.cell_size_m),
                  cc.intervals ? "; bands: 90 % over realizations" : "");
  const std::string creator = fmt::format("Remnant {} (git {})", d.software_version, d.git_revision);
  const PageInfo info{title, subtitle, creator, d.creation_time_utc};
  write_page(path, page, kDpi, info, [&](Canvas& cv) {
    const double width = page.w - 2 * kMargin;
    const TitleBlock tb = layout_title(cv, title, subtitle, width);
    draw_title(cv, tb);
    const WrappedText foot = wrap_paragraphs(
        cv,
        {{fmt::format("Hazard areas: {}. Blocks of {} x {} cells; only their cells inside the hazard areas are "
                      "cleared. {} The curves end at the share the hazard areas hold. Model-derived areas, not survey "
                      "results.",
                      cc.threshold, cc.block_cells, cc.block_cells,
                      cc.intervals
                          ? fmt::format("Blocks are ranked by the result's expected items; the curves are measured "
                                        "on {} fresh realizations of the same model that the ranking never saw "
                                        "(items removed over items there, summed), the bands are the 5th to 95th "
                                        "percentiles of the share of each one's items removed.",
                                        cc.realizations_added)
                          : std::string("Measured on the same expectation the blocks were ranked by (--no-intervals): "
                                        "the ranked curve flatters the ranking where the result is noisy.")),
          kNoteFont},
         {fmt::format("Result {} (scenario {}, seed {}, {} realizations); {}.", result_file, d.scenario_path, d.seed,
                      d.realizations, creator),
          kNoteFont}},
        width);
    const double x_max = std::max(cc.ranked.area_ha.back(), 1e-9);
    Plot p{kMargin + 36, tb.bottom + 22, width - 46, 0, x_max};
    p.h = page.h - kMargin - foot.height - 40 - p.y;
    draw_axes(cv, p);
    draw_order(cv.cr(), p, cc.naive, kNaive, cc.intervals);
    draw_order(cv.cr(), p, cc.ranked, kRanked, cc.intervals);
    // Legend, bottom right inside the plot.
    const double lx = p.x + p.w - 150, ly = p.y + p.h - 30;
    for (int k = 0; k < 2; ++k) {
      set_colour(cv.cr(), k == 0 ? kRanked : kNaive);
      cairo_set_line_width(cv.cr(), 1.6);
      cairo_move_to(cv.cr(), lx, ly + 12 * k);
      cairo_line_to(cv.cr(), lx + 16, ly + 12 * k);
      cairo_stroke(cv.cr());
      cv.text(lx + 20, ly + 12 * k + 2.5, k == 0 ? cc.ranked.label : cc.naive.label, kTickFont);
    }
    draw_wrapped(cv, foot, kMargin, page.h - kMargin - foot.height);
  });
}

}  // namespace remnant
