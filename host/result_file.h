// The result file: HDF5, self-describing, written atomically (temporary file in
// the same directory, then rename). Layout in docs/ARCHITECTURE.md.
#pragma once

#include <string>

#include "host/ensemble.h"
#include "host/plan.h"
#include "host/scenario.h"
#include "host/stats.h"

namespace remnant {

constexpr const char* kResultFiletype = "remnant-result";
constexpr const char* kResultFormatVersion = "0.1";

// Fails early (before any work) when the file's directory cannot take a file.
void check_output_writable(const std::string& path);

// Writes path atomically; on any failure removes the temporary file, leaves an
// existing file at path untouched, and throws.
void write_result_file(const std::string& path, const Scenario& sc, const Plan& plan, const RunResult& r,
                       const CellStatistics& st);

}  // namespace remnant
