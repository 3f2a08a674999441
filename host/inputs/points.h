// Strike-site points (e.g. the THOR bombing records) from a CSV table.
#pragma once

#include <string>
#include <vector>

namespace remnant {

struct WeightedPoint {
  double lon = 0.0;     // degrees east, WGS84
  double lat = 0.0;     // degrees north
  double weight = 1.0;  // relative weight, >= 0; 1 when the file has no weight column
};

// Reads a CSV file, plain or gzip-compressed (told apart by the gzip magic
// bytes, not by the name). The first line is a header that must name the
// columns `lon` and `lat` and may name `weight` (any order, any case, spaces
// around names ignored); other columns are ignored. Fields may be quoted
// ("..." with "" for a quote, on one line). CRLF line ends and blank lines at
// the end are accepted. Throws InputError naming file:line and the column for:
// a missing or unreadable file, corrupt gzip data, a missing header column, a
// row with another column count than the header, a value that is not a
// number, lon outside [-180, 180], lat outside [-90, 90], a weight that is
// negative or not finite, a blank line followed by more rows, no data rows.
std::vector<WeightedPoint> read_points_csv(const std::string& path);

}  // namespace remnant
