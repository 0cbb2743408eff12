// The module's own job queue (onshi.job, onshi.pdf_file): every statement the runner makes on it.
// Text of states, kinds, styles and params appears here only, at the database boundary. Nothing
// here decides a step (job.cpp does); nothing here touches ORCA's tables (p031_bridge/orca_store).
#pragma once

#include "core/error.hpp"
#include "db/pg.hpp"
#include "jobs/model.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace onshi::jobs::queue {

// Error(not_found) when there is none. A kind this version does not know (a newer version wrote the
// row): Error(usage, "job N has the kind 'x', which this version ... does not know ..."), unless
// keep_unknown_kind (for showing it in a list: Job::unknown_kind holds the text).
Job load(db::Connection& db, std::int64_t id, bool keep_unknown_kind = false);
// hospnum 0: all; newest first. A job of an unknown kind is in it, with Job::unknown_kind set.
std::vector<Job> list(db::Connection& db, int hospnum, int limit);
// The refusal load() throws for job id of kind text `kind`.
Error unknown_kind(std::int64_t id, const std::string& kind);
// Throws that refusal when job id exists with a kind this version does not know.
void check_kind(db::Connection& db, std::int64_t id);
// Unfinished jobs of a kind this version does not know (id, kind text): the runner never claims them.
std::vector<std::pair<std::int64_t, std::string>> unknown_kind_jobs(db::Connection& db);

// The unfinished job with the same facility, kind and params (resumed = true), or a new queued one
// with its ArbitraryFileIdentifier. One at a time per facility (a transaction-scoped advisory lock).
std::int64_t create_or_resume(db::Connection& db, int hospnum, Kind kind, const Params& params, const std::string& opid,
                              bool& resumed);
// A queued scheduled job for a slot; 0 if the slot already has one.
std::int64_t create_scheduled(db::Connection& db, int hospnum, Kind kind, const Params& params, const std::string& slot_timestamp);
// A consent-style job for one of ORCA's 同意一括 requests; nullopt when that request has one already.
std::optional<std::int64_t> insert_adopted(db::Connection& db, int hospnum, Kind kind, const Params& params,
                                           const std::string& file_identifier, const std::string& orca_jobid,
                                           const std::string& orca_shellid);

// What a transition sets besides the state.
struct Change {
    std::optional<std::string> error, reception_number, note;
    std::optional<int> poll_count;
    struct Counts {
        long long units = 0, rows = 0, matched = 0, unmatched = 0, held = 0;
    };
    std::optional<Counts> counts;
    bool requested_now = false, received_now = false, finished_now = false;
    bool reopen = false;  // finished_at cleared, due at once
};
// Moves the job on from the state it was loaded in (j.state). False when another hand moved it first.
bool transition(db::Connection& db, const Job& j, State to, const Change& change = {});
// Any unfinished job: cancelled by staff. False when it had already finished.
bool cancel(db::Connection& db, std::int64_t id);

// A job ORCA started (its tbl_jobkanri row) and what ORCA's row should show of it.
struct OrcaLink {
    int hospnum = 0;
    std::string jobid, shellid, reception_number, error;
    std::optional<long long> units;
    long long unit_errors = 0;  // result units of the job with a 処理エラー
};
std::optional<OrcaLink> orca_link(db::Connection& db, std::int64_t id);  // nullopt: not started by ORCA

// A stored PDF answer of the job (one per job).
void record_pdf(db::Connection& db, std::int64_t job_id, int hospnum, std::int64_t ptid, const std::string& type, const std::string& path,
                long long bytes);

// The job's next step is due in ms (a finished job keeps its last next_at).
void set_next(db::Connection& db, std::int64_t id, long ms);
// A step that failed on our side: the job is not due again for ms.
void put_off(db::Connection& db, std::int64_t id, long ms);
// A job of the facility awaiting an answer (requested/polling) that is not due yet: due now.
void make_due(db::Connection& db, int hospnum, std::int64_t id);
// The facilities with a job awaiting OQS's answer (requested, received, polling): their result
// folders are listed where no file event comes (a share).
std::vector<int> facilities_awaiting_results(db::Connection& db);
// Counts a run that picked the job up (onshi.job.attempts).
void count_attempt(db::Connection& db, std::int64_t id);

// The job's session advisory lock: two runs never drive one job.
bool try_lock(db::Connection& db, std::int64_t id);
void release_claim(db::Connection& db, std::int64_t id);

// Claims a due job (of a kind this version knows) of these facilities that no other process holds (FOR UPDATE SKIP LOCKED + the
// session advisory lock, held until release_claim): staff's before scheduled ones, then round robin
// between facilities, then the longest due. id 0 when none is due; wait_ms is then how long until
// the next one is (at least 100 ms, at most max_wait_ms).
struct Claim {
    std::int64_t id = 0;
    int hospnum = 0;
    bool more = false;  // more due jobs were seen: another runner may start on them
    long wait_ms = 0;
};
Claim claim_due(db::Connection& db, const std::vector<int>& hospnums, long max_wait_ms);

}  // namespace onshi::jobs::queue
