#include "host/maps/sensitivity_chart.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "host/common/errors.h"
#include "host/maps/map_internal.h"

namespace remnant {

using namespace map_detail;

namespace {

constexpr double kMm = 72.0 / 25.4;
const Font kPanelFont{9, true, false};
const Font kLabelFont{7.5, false, false};
const Font kNoteFont{6.5, false, false};
const Rgb kBar = rgb_hex(0x2c7fb8);
const Rgb kNoise = rgb_hex(0x999999);

struct Bar {
  std::string input;
  double share;
};

std::vector<Bar> bars_of(const Sensitivity& s, const std::vector<double>& idx) {
  std::vector<Bar> out;
  double sum = 0.0;
  for (std::size_t i = 0; i < idx.size(); ++i) {
    out.push_back({s.inputs[i], idx[i]});
    sum += idx[i];
  }
  std::stable_sort(out.begin(), out.end(), [](const Bar& a, const Bar& b) { return a.share > b.share; });
  out.push_back({"not explained by these inputs alone", std::max(0.0, 1.0 - sum)});
  return out;
}

// One panel: its heading, then one bar per input on a 0-100 % scale, the noise
// level as a dashed line. Returns the panel's bottom.
double draw_panel(Canvas& c, const std::string& heading, const std::vector<Bar>& bars, double noise, double x,
                  double top, double width) {
  cairo_t* cr = c.cr();
  c.text(x, top + 10, heading, kPanelFont);
  double label_w = 0;
  for (const Bar& b : bars) label_w = std::max(label_w, c.width(b.input, kLabelFont));
  label_w = std::min(label_w + 6, width * 0.5);
  const double x0 = x + label_w, scale = width - label_w - 40, row = 13;
  double y = top + 18;
  for (const Bar& b : bars) {
    c.text(x0 - 6, y + 9, b.input, kLabelFont, Align::Right);
    set_colour(cr, b.share < noise ? kNoise : kBar);
    cairo_rectangle(cr, x0, y + 2, std::max(0.5, b.share * scale), row - 4);
    cairo_fill(cr);
    c.text(x0 + b.share * scale + 4, y + 9, fmt::format("{:.0f} %", 100.0 * b.share), kLabelFont);
    y += row;
  }
  // The axis and the noise level.
  set_colour(cr, Rgb{});
  cairo_set_line_width(cr, 0.5);
  cairo_move_to(cr, x0, top + 18);
  cairo_line_to(cr, x0, y);
  cairo_stroke(cr);
  const double dashes[] = {2.0, 2.0};
  cairo_set_dash(cr, dashes, 2, 0);
  set_colour(cr, kNoise);
  cairo_move_to(cr, x0 + noise * scale, top + 16);
  cairo_line_to(cr, x0 + noise * scale, y);
  cairo_stroke(cr);
  cairo_set_dash(cr, nullptr, 0, 0);
  c.text(x0 + noise * scale + 2, y + 8, fmt::format("noise level {:.0f} %: grey bars are not told from 0", 100.0 * noise),
         kNoteFont, Align::Left, kNoise);
  return y + 14;
}

}  // namespace

void render_sensitivity_chart(const ResultData& d, const std::string& path, double dpi) {
  const Sensitivity& s = d.sensitivity;
  if (s.empty())
    throw InputError(fmt::format("the result of \"{}\" holds no sensitivity indices: they need a run of at least {} "
                                 "realizations (-r) with format 1.2 or later",
                                 d.scenario_name, kMinSensitivityRealizations));
  check_page_format(path, dpi);
  const PageSize page{200 * kMm, 180 * kMm};
  const std::string title = "What drives the estimates: " + d.scenario_name;
  const std::string subtitle = fmt::format(
      "Share of each total's variance between the {} realizations that each uncertain input explains alone "
      "(first-order sensitivity index)",
      s.realizations);
  const PageInfo info{title, subtitle, software_line(d), d.creation_time_utc};
  write_page(path, page, dpi, info, [&](Canvas& c) {
    const double width = page.w - 2 * kMargin;
    const TitleBlock tb = layout_title(c, title, subtitle, width);
    draw_title(c, tb);
    double y = tb.bottom + 8;
    if (!s.total_duds.empty())
      y = draw_panel(c, "Unexploded submunitions on land", bars_of(s, s.total_duds), s.noise_level, kMargin, y, width);
    if (!s.hazard_area_km2.empty())
      y = draw_panel(c, "Hazard area", bars_of(s, s.hazard_area_km2), s.noise_level, kMargin, y + 6, width);
    const WrappedText foot = wrap_paragraphs(
        c,
        {{std::string("Method: ") + kSensitivityMethod + ". Inputs that vary together are not separated: what is "
                                                         "not explained is site placement, aim, each item's scatter "
                                                         "and the inputs' interactions.",
          kNoteFont},
         {provenance_line(d), kNoteFont}},
        width);
    draw_wrapped(c, foot, kMargin, std::max(y + 6, page.h - kMargin - foot.height));
  });
}

}  // namespace remnant
