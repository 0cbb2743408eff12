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
#include "onshi_batch/transport.hpp"

#include <cstdint>
#include <functional>
#include <semaphore>
#include <string>
#include <string_view>
#include <vector>

namespace onshi::jobs {

enum class Output { rows, references, pdf };

// A job's state (its next step); text only at the database boundary (onshi.job.state).
enum class State { queued, requested, received, polling, done, failed, expired, cancelled };
std::string_view to_text(State s);
State state_from_text(std::string_view text);  // throws Error(internal) for text no State has
// The finished states: the one place that says which they are.
constexpr bool is_final(State s) { return s == State::done || s == State::failed || s == State::expired || s == State::cancelled; }
// The same set as SQL: "('done','failed','expired','cancelled')".
const std::string& final_states_sql();

// Requests of staff (CLI, screens, ORCA's button) go before scheduled ones.
enum class Priority { staff = 0, scheduled = 1 };

// The targets: one table, the only place a kind meets its OQS prefix and request.
struct KindInfo {
    std::string_view kind;            // CLI / database name
    std::string_view prefix;          // OQS file prefix
    std::string_view treatment_flag;  // MedicalTreatmentFlag (OQSCD028), '' when the request has none
    std::string_view label;           // 取得対象区分 as the bulk tool shows it
    Output output;
    bool single_phase = false;        // the 01res is the result (ingested as rows): no 受付番号, no 02req
};
const KindInfo& kind_info(std::string_view kind);  // throws Error(usage) for an unknown kind
std::string kind_names();                          // "homecare, online, ..." for messages
// The kind a result file's name says by its OQS prefix (the base name's start, any case): "homecare"
// for OQSmuhvq (訪問看護 shares it), "online" for OQSmuonq, the one kind of any other known prefix;
// "" when the name starts with none.
std::string kind_of_file_name(std::string_view path);

// What a job asks for; stored as jsonb (empty values are left out).
struct Params {
    std::string consent_from, consent_to;  // 同意年月日範囲
    std::string exam_from, exam_to;        // 診療年月日範囲 (online)
    std::string month;                     // 診療年月 YYYYMM (welfare)
    std::string seen_since;                // validity: only patients seen since (tbl_jyurrk)
    std::string ptnum;                     // PDFs: the patient
    std::string card;                      // card: the request (oqs::encode_card_params)

    // The defaults of the bulk tool (seed 000 §2-2): consent one month back to today; exam this
    // month's first to last day; welfare this month. Fills what the kind needs and is empty.
    void apply_defaults(std::string_view kind, const std::string& today);
    // Throws Error(usage) for dates that are not dates, ranges backwards, or what the kind lacks.
    void validate(std::string_view kind) const;
    // What was asked for, as the request list shows it ("同意 20251021-20251121", "診療年月 202511", ...).
    [[nodiscard]] std::string label() const;
};

struct Job {
    std::int64_t id = 0;
    int hospnum = 0;
    std::string kind;
    Params params;
    std::string file_identifier, reception_number, state, error, note, opid;
    std::string style;          // '' = the facility's p031_mark; 'consent' for jobs ORCA started
    long long orca_jobid = 0;   // the tbl_jobkanri row of ORCA's 同意一括, 0 if none
    int poll_count = 0, attempts = 0;
    std::string created_at, requested_at, received_at, finished_at;
    long long units = -1, rows = -1, matched = -1, unmatched = -1, held = -1;  // -1: not yet
    double seconds_in_state = 0, seconds_since_received = 0;

    [[nodiscard]] bool finished() const;
};

struct RunOptions {
    std::string termid;
    std::function<bool()> should_stop;  // asked between steps; true = return now, the job stays resumable
    // Ingests (CPU and database heavy) take a slot; none free: the step is put off a moment.
    // nullptr = no bound (the CLI runs one job).
    std::counting_semaphore<>* ingest_slots = nullptr;
};

using Progress = std::function<void(const Job&, std::string_view what)>;

// A new queued job, or the unfinished one with the same facility, kind and params (resumed = true).
std::int64_t create_or_resume(db::Connection& db, int hospnum, std::string_view kind, const Params& params,
                              const std::string& opid, bool& resumed);
// A queued job for a schedule slot; 0 if that slot already has one (another daemon was first).
std::int64_t create_scheduled(db::Connection& db, int hospnum, std::string_view kind, const Params& params,
                              const std::string& slot_timestamp);
Job load(db::Connection& db, std::int64_t id);
std::vector<Job> list(db::Connection& db, int hospnum, int limit);

// The row style a job writes: the consent recipe only for 訪問診療/訪問看護/オンライン診療 results of
// a consent-style job or facility; the ★ recipe for everything else.
std::string row_style(const Job& j, const app::Facility& f);

// ORCA's 同意一括 (P031 S+F5 / P0311 F12) leaves tbl_jobkanri rows (shellid P02V001 訪問診療,
// P02O001 オンライン診療, errcd '' 受付未). Each becomes a consent-style job with ArbitraryFileIdentifier
// = the row's karte_uid, and the row moves to errcd 0001 (受付前). Returns the jobs adopted.
int adopt_orca_requests(db::Connection& db, const app::Facility& f);

// Claims a due job of these facilities that no other process holds (FOR UPDATE SKIP LOCKED + a
// session advisory lock, held until release_claim): staff's before scheduled ones, then round robin
// between facilities, then the longest due. id 0 when none is due; wait_ms is then how long until
// the next one is (at most max_wait_ms).
struct Claim {
    std::int64_t id = 0;
    int hospnum = 0;
    bool more = false;  // more due jobs were seen: another runner may start on them
    long wait_ms = 0;
};
Claim claim_due(db::Connection& db, const std::vector<int>& hospnums, long max_wait_ms);
void release_claim(db::Connection& db, std::int64_t id);
// A step that failed on our side (an unreadable folder, a statement refused): the job stays as it is
// and is not due again for ms, so it does not hold the runner while the others go on.
void put_off(db::Connection& db, std::int64_t id, long ms);
// Counts a run that picked the job up (onshi.job.attempts).
void count_attempt(db::Connection& db, std::int64_t id);

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

// File names of a job's requests and results (stems without extension for results).
std::string request1_name(const Job& j);
std::string request2_name(const Job& j, int n);
std::string result1_stem(const Job& j);
std::string result2_stem(const Job& j, int n);

// 薬剤情報 / 特定健診 PDFs are asked for only when the patient's newest stored result with that consent
// exists (consent 1). Throws Error(usage) with the reason otherwise; returns the patient's ptid.
std::int64_t require_pdf_consent(db::Connection& db, int hospnum, const std::string& ptnum, std::string_view kind);

}  // namespace onshi::jobs
