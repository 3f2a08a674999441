// The figure of a calibration (`remnant calibrate`): one panel per calibrated
// parameter, its prior (the draws, grey) against its posterior (the weighed
// draws, blue) with the posterior's 90 % interval; then one panel per target,
// the draws' simulated means under the prior and under the posterior against
// the record (a red line, its SD as a band).
#pragma once

#include <string>

#include "host/evidence/calibration.h"

namespace remnant {

// Draws the figure to path (.png at 200 dpi, .svg, .pdf), atomically.
void render_calibration_plot(const Calibration& c, const std::string& path);

}  // namespace remnant
