// From a run to its evidence: gathers a scenario, its plan and the ensemble's
// realizations into the ResultData that the result file, the maps and the
// exports are made from. It lives in the run layer so that the evidence layer
// (host/evidence/) knows nothing of scenarios, plans or engines.
#pragma once

#include "host/evidence/result_file.h"
#include "host/evidence/stats.h"
#include "host/inputs/scenario.h"
#include "host/run/ensemble.h"
#include "host/run/plan.h"

namespace remnant {

// Gathers a finished run into a ResultData (creation time = now, or
// SOURCE_DATE_EPOCH where set, so that equal runs give byte-identical files).
// A run that is not complete gives a checkpoint (filetype remnant-checkpoint).
// Its sensitivity is left empty: run_evidence adds it, once per finished run.
// The duds per type of the submunition types the plan fires (the result
// file's and the reports' columns): their names and rows [row][type]; both
// empty when the run did not count them.
struct FiredDudsByType {
  std::vector<std::string> names;
  std::vector<std::uint64_t> rows;
};
FiredDudsByType fired_duds_by_type(const Scenario& sc, const Plan& plan, const RunResult& r);
// Back to one column per submunition type of sc (RunResult::duds_by_type),
// from a file's named columns: a type not fired is 0; empty when a name is not
// one of sc's types or the rows do not match.
std::vector<std::uint64_t> all_duds_by_type(const Scenario& sc, const std::vector<std::string>& names,
                                            const std::vector<std::uint64_t>& rows, std::size_t realizations);

ResultData make_result_data(const Scenario& sc, const Plan& plan, const RunResult& r, const CellStatistics& st);

}  // namespace remnant
