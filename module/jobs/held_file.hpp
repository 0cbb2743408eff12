// `orca-onshi ingest`: a 02res result file held by hand, ingested in a transaction of its own.
#pragma once

#include "db/pg.hpp"
#include "p031_bridge/ingest.hpp"

#include <string>

namespace onshi::jobs {

// Ingests one result file and commits; a file that is not a final result (SegmentOfResult 2 処理中,
// 9 異常終了) is refused with Error(rejected) and nothing is written.
bridge::IngestSummary ingest_held_file(db::Connection& db, const std::string& file, const bridge::IngestOptions& opt);

}  // namespace onshi::jobs
