#include "jobs/held_file.hpp"

#include "core/error.hpp"

namespace onshi::jobs {

bridge::IngestSummary ingest_held_file(db::Connection& db, const std::string& file, const bridge::IngestOptions& opt) {
    db::Transaction tx(db);
    const auto s = bridge::ingest_file(db, file, opt);
    const auto& seg = s.header.segment_of_result;
    if (seg == "2") throw Error(Errc::rejected, file + ": SegmentOfResult 2 (処理中): no results in this file yet");
    if (seg == "9") throw Error(Errc::rejected, file + ": SegmentOfResult 9 (異常終了): " + s.header.error_code + " " + s.header.error_message);
    tx.commit();
    return s;
}

}  // namespace onshi::jobs
