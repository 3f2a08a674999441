// The figure of what drives a result's headline totals: one tornado chart
// (horizontal bars, largest first) per total of its first-order sensitivity
// indices (host/evidence/sensitivity.h), with the noise level marked.
#pragma once

#include <string>

#include "host/evidence/result_file.h"

namespace remnant {

// Draws the chart to path (.png at dpi, .svg, .pdf), atomically. Throws
// InputError when d holds no indices (fewer than 20 realizations, or a file
// without them), naming the file's scenario and what to do.
void render_sensitivity_chart(const ResultData& d, const std::string& path, double dpi);

}  // namespace remnant
