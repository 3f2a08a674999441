// The figure of a sweep: one headline total against a swept parameter.
#pragma once

#include <string>

#include "host/evidence/sweep_summary.h"

namespace remnant {

// The figure: s.metric against the first swept
// parameter, the mean as a line with markers and the 5-95 % interval as a
// band, one line per combination of the other swept parameters. The format
// follows the extension (.png at 200 dpi, .svg with a text layer, .pdf);
// written atomically.
void render_sweep_plot(const SweepSummary& s, const std::string& path);

}  // namespace remnant
