// What the front ends (CLI, screens) read of the module's own tables (onshi.*), named for what they
// show; the front ends render, this runs the statements. (A display-only LEFT JOIN on tbl_ptnum for
// the 患者番号 stays with the onshi.* statement it belongs to.)
#pragma once

#include "db/pg.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace onshi::jobs {

// 照会番号一括登録: the units registered and those OQS refused.
struct ReferenceCounts {
    long long registered = 0, rejected = 0;
};
ReferenceCounts reference_counts(db::Connection& db, std::int64_t job_id);

// The PDF a job stored (薬剤情報 / 特定健診), with who asked for it.
struct JobPdf {
    std::string path;
    long long bytes = 0;
    int hospnum = 0;
    std::string opid;  // onshi.job.opid of the request
};
std::optional<JobPdf> job_pdf(db::Connection& db, std::int64_t job_id);

// Stored PDFs, newest first; hospnum 0 = every facility.
struct PdfListing {
    std::string job_id, created_at, type, ptnum, bytes, path;  // created_at 'YYYY-MM-DD HH24:MI'; type drug|checkup
};
std::vector<PdfListing> pdf_files(db::Connection& db, int hospnum);

// 資格有効性確認: how many of each change a job found (change, count), by change.
std::vector<std::pair<std::string, long long>> validity_change_counts(db::Connection& db, std::int64_t job_id);
// ... and each change, by 患者番号 (the ptid when the patient has no 患者番号).
struct ValidityChange {
    std::string change, patient, before, after;
};
std::vector<ValidityChange> validity_changes(db::Connection& db, std::int64_t job_id, int hospnum);

// The newest failed or expired jobs (ids, newest first).
std::vector<std::int64_t> failed_jobs(db::Connection& db, int limit);

// onshi.result_unit.status (written by the ingest): rows written, held for a review, or a 照会番号
// registration the answer accepted or refused. Text only at the database and in the screens' JSON.
enum class UnitStatus { written, held, registered, rejected };
std::string_view to_text(UnitStatus s);                   // "written", "held", "registered", "rejected"
UnitStatus unit_status_from_text(std::string_view text);  // throws Error(internal) for any other text

// A job's result units (only_seq > 0: that one), with their review item and 患者番号.
struct UnitRecord {
    int seq = 0;
    UnitStatus status = UnitStatus::written;
    std::string reason;
    long long review_id = 0;
    std::string review_status, ptnum;
    std::vector<std::string> tbl_uuids;  // the tbl_onshi_kaku rows written for it
    std::string held_payload;             // the review's kept payload (bytes), "" if none
};
std::vector<UnitRecord> job_units(db::Connection& db, std::int64_t job_id, int only_seq);

// The facility of a review item; nullopt when there is no such item.
std::optional<int> review_facility(db::Connection& db, std::int64_t review_id);

// One onshi.web_audit row.
void record_web_audit(db::Connection& db, const std::string& user, const std::string& action, const std::string& detail);

}  // namespace onshi::jobs
