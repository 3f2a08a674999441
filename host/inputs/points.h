// Strike-site points (e.g. the THOR bombing records) from a CSV table.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace remnant {

struct WeightedPoint {
  double lon = 0.0;     // degrees east, WGS84 (files with a lon/lat pair)
  double lat = 0.0;     // degrees north
  double x_m = 0.0;     // metres in the grid's CRS (files with an x/y pair)
  double y_m = 0.0;
  double weight = 1.0;  // relative weight, >= 0; 1 when the file has no weight column
};

// What a row may say about its own strike (optional columns). Empty strings
// and 0 counts stand for a cell left blank.
struct PointDetails {
  std::string carrier;             // a carrier type name, unchecked here
  std::uint64_t carriers = 0;      // whole carriers, >= 1 when given
  std::uint64_t submunitions = 0;  // submunitions, >= 1 when given
  std::string date;                // YYYY-MM-DD, a real calendar date
  std::string name;                // the `name` or `id` column: a label for messages
  std::string carrier_column;      // "carriers" or "submunitions": which count the row gave (messages)
};

struct PointsTable {
  std::string path;
  bool grid_xy = false;                // true: x_m/y_m hold the positions, else lon/lat
  std::vector<WeightedPoint> points;   // row i is file line i + 2 (blank lines come only at the end)
  std::vector<PointDetails> details;   // one per point when the header names any of carrier, carriers,
                                       // submunitions, date, name or id; else empty
};

// A real calendar date written YYYY-MM-DD (ISO 8601).
bool is_iso_date(std::string_view s);

// The header names read_points_table accepts (lower case) for one coordinate:
// axis "lon", "lat", "x" or "y"; none for another axis.
std::vector<std::string> coordinate_column_names(const std::string& axis);

// The column names read_points_table accepts (any case), for messages and docs.
extern const char* const kAcceptedPointColumns;

// Reads a CSV file, plain or gzip-compressed (told apart by the gzip magic
// bytes, not by the name). The first line is a header (any order, any case,
// spaces around names ignored) that must name one coordinate pair:
//   lon (or longitude, long, lng) and lat (or latitude): WGS84 degrees, or
//   x (or x_m, easting) and y (or y_m, northing): metres in the grid's CRS,
// not both, and may name the optional columns weight, carrier, carriers,
// submunitions, date and name (or id); other columns are ignored. Fields may be
// quoted ("..." with "" for a quote, on one line). CRLF line ends and blank
// lines at the end are accepted. Throws InputError naming file:line and the
// column for: a missing or unreadable file, corrupt gzip data, a header
// without a coordinate pair or with a column given twice, a row with another
// column count than the header, a value that is not a number, lon outside
// [-180, 180], lat outside [-90, 90], x or y not finite, a weight that is
// negative or not finite, carriers or submunitions not a whole number >= 1,
// both carriers and submunitions on one row, a carrier without a count or a
// count without a carrier, a date that is not YYYY-MM-DD, a blank line
// followed by more rows, no data rows.
PointsTable read_points_table(const std::string& path);

// The points of read_points_table alone.
std::vector<WeightedPoint> read_points_csv(const std::string& path);

}  // namespace remnant
