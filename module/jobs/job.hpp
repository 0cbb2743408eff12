// A request to OQS as a persisted state machine (onshi.job). Every step is durable before the file
// it announces is published, so a run killed at any point resumes where it stopped:
//   queued    --stage 01req, commit 'requested', publish-->   requested
//   requested --01res with 受付番号, commit-->                   received      (PDF kinds: the answer ends it)
//   received  --(backoff) stage 02req n, commit 'polling', publish--> polling
//   polling   --02res 処理中: commit 'received'--> received;  --02res 正常終了: rows + 'done' in one commit
//   any       --.err / 異常終了 / malformed--> failed;  --deadline--> expired (受付番号 kept: `resume`)
//   any       --cancel--> cancelled
//
// The state is also the job's next step, due at next_at (onshi.job): step() does that one step and
// stores when the next one is due, so a job waiting for OQS is a row, not a thread. orca-onshid's
// runner claims due jobs (claim_due) and steps them; `orca-onshi fetch` loops over the same step()
// in-process (run).
#pragma once

#include "app/config.hpp"
#include "db/pg.hpp"
#include "jobs/model.hpp"
#include "jobs/queue_store.hpp"
#include "onshi_batch/transport.hpp"

#include <cstdint>
#include <functional>
#include <semaphore>
#include <string>
#include <string_view>
#include <vector>

namespace onshi::jobs {

struct RunOptions {
    std::string termid;
    std::function<bool()> should_stop;  // asked between steps; true = return now, the job stays resumable
    // Ingests (CPU and database heavy) take a slot; none free: the step is put off a moment.
    // nullptr = no bound (the CLI runs one job).
    std::counting_semaphore<>* ingest_slots = nullptr;
};

using Progress = std::function<void(const Job&, std::string_view what)>;

// A new queued job, or the unfinished one with the same facility, kind and params (resumed = true).
// Throws Error(usage, message, field) for params the kind does not take (Params::validate).
std::int64_t create_or_resume(db::Connection& db, int hospnum, Kind kind, const Params& params,
                              const std::string& opid, bool& resumed);
// A queued job for a schedule slot; 0 if that slot already has one (another daemon was first).
std::int64_t create_scheduled(db::Connection& db, int hospnum, Kind kind, const Params& params,
                              const std::string& slot_timestamp);
using queue::load;
using queue::list;
using queue::unknown_kind_jobs;

// The row style a job writes: star or consent (model.hpp's row_style with the facility's p031_mark).
Style row_style(const Job& j, const app::Facility& f);

// ORCA's 同意一括 (P031 S+F5 / P0311 F12) leaves tbl_jobkanri rows (shellid P02V001 訪問診療,
// P02O001 オンライン診療, errcd '' 受付未). Each becomes a consent-style job with ArbitraryFileIdentifier
// = the row's karte_uid, and the row moves to errcd 0001 (受付前). Returns the jobs adopted.
int adopt_orca_requests(db::Connection& db, const app::Facility& f);

// The runner's queue operations (queue_store.hpp): claim a due job, release it, put a job off after a
// step failed on our side (it stays as it is and does not hold the runner), count a run's attempt,
// make a job awaiting an answer due now (a result file arrived).
using queue::Claim;
using queue::claim_due;
using queue::release_claim;
using queue::put_off;
using queue::count_attempt;
using queue::make_due;
using queue::facilities_awaiting_results;

// Expired or failed with a 受付番号: ask again (state received, fresh deadline); without one: from
// the start. Returns false when the job cannot be resumed (done, cancelled, running).
bool reopen(db::Connection& db, std::int64_t id);
bool cancel(db::Connection& db, std::int64_t id);

// One step of a job the caller holds (claim_due or run): send a request, look once for an answer,
// or ingest a result; the job's next_at is stored. Returns the job after it and how long until its
// next step is due (0: at once). Throws Error(database/io) only for trouble on our side (the job
// stays resumable); OQS's own answers end the job in its state.
struct StepOutcome {
    Job job;
    long wait_ms = 0;
};
StepOutcome step(db::Connection& db, const app::Facility& facility, oqs::Transport& transport, std::int64_t id,
                 const RunOptions& opt, const Progress& progress);

// Holds the job (its advisory lock) and steps it until it is finished, or should_stop says so,
// sleeping between steps as step() says.
Job run(db::Connection& db, const app::Facility& facility, std::int64_t id, const RunOptions& opt, const Progress& progress);

// 薬剤情報 / 特定健診 PDFs are asked for only when the patient's newest stored result with that consent
// exists (consent 1). Throws Error(usage) with the reason otherwise; returns the patient's ptid.
std::int64_t require_pdf_consent(db::Connection& db, int hospnum, const std::string& ptnum, Kind kind);

}  // namespace onshi::jobs
