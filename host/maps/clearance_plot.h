// The clearance curve of `remnant hazard --curve`: the share of the expected
// unexploded items removed against the area cleared, clearing the hazard
// areas in rank order (blue) and in an order blind to the model (grey, south
// to north), each with its 90 % band over the result's realizations.
#pragma once

#include <string>

#include "host/evidence/clearance.h"
#include "host/evidence/result_file.h"

namespace remnant {

// Draws the figure to path (.png at 200 dpi, .svg, .pdf), atomically; d and
// result_file give its provenance line.
void render_clearance_curve(const ClearanceCurve& c, const ResultData& d, const std::string& result_file,
                            const std::string& path);

// InputError unless path is a figure format (before any work).
void check_clearance_curve_path(const std::string& path);

}  // namespace remnant
