// A bulk request as a persisted state machine (onshi.job). Every step is durable before the file
// it announces is published, so a run killed at any point resumes where it stopped:
//   queued    --stage 01req, commit 'requested', publish-->   requested
//   requested --01res with 受付番号, commit-->                   received
//   received  --stage 02req n, commit 'polling', publish-->     polling
//   polling   --02res 処理中: commit 'received'--> received;  --02res 正常終了: rows + 'done' in one commit
//   any       --.err / 異常終了 / malformed--> failed;  --no answer in result_timeout_s--> expired
#pragma once

#include "app/config.hpp"
#include "db/pg.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace onshi::jobs {

// The bulk targets: one table, the only place a kind meets its OQS prefix.
struct KindInfo {
    std::string_view kind;            // CLI / database name
    std::string_view prefix;          // OQS file prefix
    std::string_view treatment_flag;  // MedicalTreatmentFlag (OQSCD028)
    std::string_view label;           // 取得対象区分 as the bulk tool shows it
};
const KindInfo& kind_info(std::string_view kind);  // throws Error(usage) for an unknown kind

struct Job {
    std::int64_t id = 0;
    int hospnum = 0;
    std::string kind, consent_from, consent_to, file_identifier, reception_number, state, error, opid;
    int poll_count = 0, attempts = 0;
    std::string created_at, updated_at;
    long long units = -1, rows = -1, matched = -1, unmatched = -1, held = -1;  // -1: not yet
    double seconds_in_state = 0;

    [[nodiscard]] bool finished() const { return state == "done" || state == "failed" || state == "expired"; }
};

struct RunOptions {
    std::string opid;
    std::string termid;
};

using Progress = std::function<void(const Job&, std::string_view what)>;

// A new queued job, or the unfinished one with the same facility, kind and range (resumed = true).
std::int64_t create_or_resume(db::Connection& db, int hospnum, std::string_view kind, const std::string& consent_from,
                              const std::string& consent_to, const std::string& opid, bool& resumed);
Job load(db::Connection& db, std::int64_t id);
std::vector<Job> list(db::Connection& db, int hospnum, int limit);

// Runs the job until it is done, failed or expired and returns its final row. Throws
// Error(database/io) only for trouble on our side (the job stays resumable); OQS's own
// answers end the job in its state.
Job run(db::Connection& db, const app::Facility& facility, std::int64_t id, const RunOptions& opt, const Progress& progress);

// File names of a job's requests and results (stems without extension for results).
std::string request1_name(const Job& j);
std::string request2_name(const Job& j, int n);
std::string result1_stem(const Job& j);
std::string result2_stem(const Job& j, int n);

}  // namespace onshi::jobs
