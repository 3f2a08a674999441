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
ResultData make_result_data(const Scenario& sc, const Plan& plan, const RunResult& r, const CellStatistics& st);

}  // namespace remnant
