// What the result file holds, shared by the writer (result_writer.cpp) and the
// reader (result_reader.cpp), written once: the layers, the totals columns,
// the root group's text attributes and their checksums. Internal to the
// evidence layer; not part of its API.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "host/evidence/result_file.h"

namespace remnant::result_detail {

// The float vector behind a layer name of result_layers() (nullptr for
// land_cover); const or not as the ResultData is.
template <typename Data>
auto float_layer(Data& d, std::string_view name) -> decltype(&d.elevation_m) {
  if (name == "dud_mean") return &d.stats.mean;
  if (name == "dud_sd") return &d.stats.sd;
  if (name == "dud_p_any") return &d.stats.p_any;
  if (name == "dud_q05") return &d.stats.q05;
  if (name == "dud_q50") return &d.stats.q50;
  if (name == "dud_q95") return &d.stats.q95;
  if (name == "impact_mean") return &d.stats.impact_mean;
  if (name == "elevation") return &d.elevation_m;
  return nullptr;
}

// One column of the `realizations` group: a RealizationTotals field, or the
// duds of one land-cover class.
struct TotalsColumn {
  std::string name, long_name;
  std::uint64_t RealizationTotals::*field = nullptr;
  int land_cover = -1;  // >= 0: duds_by_class[land_cover]
  int since_minor = 0;  // the format's minor version that added it (older files lack it)
};

const std::vector<TotalsColumn>& totals_columns();

template <typename Totals>
auto& column_value(Totals& t, const TotalsColumn& c) {
  return c.land_cover >= 0 ? t.duds_by_class[c.land_cover] : t.*c.field;
}

// The root group's text attributes that hold a ResultData string, or a list
// of strings joined by newlines (each entry followed by one), in file order.
struct TextAttribute {
  const char* name;
  std::string ResultData::*text;
  std::vector<std::string> ResultData::*lines;
  int since_minor = 0;  // the format's minor version that added it: files before it lack it
};

inline constexpr TextAttribute kTextAttributes[] = {
    {"software_version", &ResultData::software_version, nullptr},
    {"git_revision", &ResultData::git_revision, nullptr},
    {"creation_time_utc", &ResultData::creation_time_utc, nullptr},
    {"backend", &ResultData::backend, nullptr},
    {"scenario_name", &ResultData::scenario_name, nullptr},
    {"scenario_path", &ResultData::scenario_path, nullptr},
    {"scenario_text", &ResultData::scenario_text, nullptr},
    {"base_scenario_path", &ResultData::base_scenario_path, nullptr},
    {"base_scenario_text", &ResultData::base_scenario_text, nullptr},
    {"assumptions", nullptr, &ResultData::assumptions},
    {"sources", nullptr, &ResultData::sources},
    {"references", nullptr, &ResultData::references, 1},
    {"overrides", nullptr, &ResultData::overrides},
    {"dud_rates", &ResultData::dud_rates, nullptr},
    {"munitions_path", &ResultData::munitions_path, nullptr},
    {"munitions_text", &ResultData::munitions_text, nullptr},
    {"land_cover_table_path", &ResultData::land_cover_table_path, nullptr},
    {"land_cover_table_text", &ResultData::land_cover_table_text, nullptr},
    {"dataset", &ResultData::dataset, nullptr},
    {"dataset_text", &ResultData::dataset_text, nullptr},
    {"terrain_notes", nullptr, &ResultData::terrain_notes},
};

std::string join_lines(const std::vector<std::string>& v);
std::vector<std::string> split_lines(const std::string& s);

// CRC-32 of every attribute value the reader takes (texts as stored, numbers
// in shortest decimal), one "NAME HEX" line each, kept in the root attribute
// attribute_crc32. HDF5 checksums object headers and chunks (Fletcher-32),
// but not the heap where large attributes live: without these a damaged
// scenario text, or seed, would read back without an error.
std::string attribute_checksums(const ResultData& d);

}  // namespace remnant::result_detail
