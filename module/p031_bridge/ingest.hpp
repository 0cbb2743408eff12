// Writes one OQS result file into ORCA's tbl_onshi_kaku (★ rows) and the module's audit tables.
// The caller owns the transaction: everything of one file commits together or not at all.
#pragma once

#include "core/model.hpp"
#include "db/pg.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace onshi::bridge {

struct IngestOptions {
    int hospnum = 1;
    std::string institution_code;      // the facility's; a result for another institution is refused
    std::string opid;                  // ORCA operator, '' for scheduled runs
    std::string termid;
    std::optional<std::int64_t> job_id;
    bool write_rows = true;            // false: 照会番号一括登録 answers, recorded per unit only
    Style style = Style::star;         // star (顔認証 recipe) or consent (ORCA's 同意一括 recipe)
    std::string treatment_flag;        // consent style: '2' 訪問診療, '3' オンライン診療
};

struct IngestSummary {
    ResultHeader header;
    bool duplicate = false;            // this result was ingested before: nothing written
    std::size_t units = 0, rows = 0, matched = 0, unmatched = 0, held = 0;
    std::map<std::string, std::size_t> by_validity;  // units per QualificationValidity ('' for none)
    std::size_t unit_errors = 0;                      // ProcessingResultStatus 2
};

// Parses, validates, matches and writes `path` inside the caller's open transaction. For
// SegmentOfResult 2 or 9 nothing is written and the header tells which. Throws Error(malformed)
// for anything the interface does not allow (the caller rolls back: no rows).
IngestSummary ingest_file(db::Connection& db, const std::string& path, const IngestOptions& opt);

// "onshi@<host>" cut to 64 characters (tbl_onshi_kaku.termid).
std::string default_termid();

}  // namespace onshi::bridge
