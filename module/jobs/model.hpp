// The job model, pure (no database, no clock, no files): kinds, states, styles, the parameters of a
// request and their field table, the file names of a job's requests, and the step decisions that
// depend on numbers alone (how long to wait, how long to back off). Text appears only where a value
// crosses a boundary: the database (queue_store.cpp), the CLI and the screens parsing input.
#pragma once

#include "core/model.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace onshi::jobs {

enum class Output { rows, references, pdf };

// A job's state (its next step); text only at the database boundary (onshi.job.state).
enum class State { queued, requested, received, polling, done, failed, expired, cancelled };
std::string_view to_text(State s);
State state_from_text(std::string_view text);  // throws Error(internal) for text no State has
// The finished states: the one place that says which they are.
constexpr bool is_final(State s) { return s == State::done || s == State::failed || s == State::expired || s == State::cancelled; }
// The same set as SQL: "('done','failed','expired','cancelled')", derived from is_final.
const std::string& final_states_sql();

// Requests of staff (CLI, screens, ORCA's button) go before scheduled ones.
enum class Priority { staff = 0, scheduled = 1 };

// What is asked of OQS. Text ("homecare", ...) only at the database and when parsing input.
enum class Kind { homecare, nursing, online, welfare, validity, register_refs, pdf_drug, pdf_checkup, card };

// The targets: one table, the only place a kind meets its name, OQS prefix and request.
struct KindInfo {
    Kind kind;
    std::string_view name;            // CLI / database name
    std::string_view prefix;          // OQS file prefix
    std::string_view treatment_flag;  // MedicalTreatmentFlag (OQSCD028), '' when the request has none
    std::string_view label;           // 取得対象区分 as the bulk tool shows it
    Output output;
    bool single_phase = false;        // the 01res is the result (ingested as rows): no 受付番号, no 02req
};
const KindInfo& kind_info(Kind kind);
std::string_view to_text(Kind kind);
// Throws Error(usage, "unknown kind 'x' (available: ...)", "kind") for a name no kind has.
Kind parse_kind(std::string_view name);
std::optional<Kind> kind_from_text(std::string_view name);  // nullopt for a name no kind has
std::string kind_names();                                   // "homecare, online, ..." for messages
// The known kinds as SQL: "('homecare','nursing',...)", from the kind table (a row another, newer
// version wrote with a kind not in it is left alone by the runner).
const std::string& known_kinds_sql();
// The kind a result file's name says by its OQS prefix (the base name's start, any case): homecare
// for OQSmuhvq (訪問看護 shares it), online for OQSmuonq, the one kind of any other known prefix;
// nullopt when the name starts with none.
std::optional<Kind> kind_of_file_name(std::string_view path);
// 訪問診療 / 訪問看護 / オンライン診療: the kinds whose rows may be written in the consent style.
bool is_consent_kind(Kind kind);

// The P031 row style of a job's results (core/model.hpp). `facility`: the facility's p031_mark decides
// (onshi.job.style ''); ORCA's own 同意一括 requests are `consent`.
using onshi::Style;
using onshi::to_text;
using onshi::style_from_text;

// What a job asks for; stored as jsonb (empty values are left out), keyed by the field table.
struct Params {
    std::string consent_from, consent_to;  // 同意年月日範囲
    std::string exam_from, exam_to;        // 診療年月日範囲 (online)
    std::string month;                     // 診療年月 YYYYMM (welfare)
    std::string seen_since;                // validity: only patients seen since (tbl_jyurrk)
    std::string ptnum;                     // PDFs: the patient
    std::string card;                      // card: the request (oqs::encode_card_params)

    // The defaults of the bulk tool (seed 000 §2-2): consent one month back to today; exam this
    // month's first to last day; welfare this month. Fills what the kind needs and is empty.
    void apply_defaults(Kind kind, const std::string& today);
    // Throws Error(usage, message, field key) for dates that are not dates, ranges backwards, or what
    // the kind lacks; the field is "" for a rule about the request as a whole.
    void validate(Kind kind) const;
    // What was asked for, as the request list shows it ("同意 20251021-20251121", "診療年月 202511", ...).
    [[nodiscard]] std::string label() const;
    bool operator==(const Params&) const = default;
};

// The one list of Params' fields: jsonb key (also the field name errors carry and the screens' form
// name), member, CLI option, how its value is checked, which kinds take and need it, and how label()
// shows it. Serialisation (queue_store), label(), validate() and apply_defaults() read it.
enum class Value { date, month, text, card };
using KindSet = unsigned;
constexpr KindSet kinds_of(std::initializer_list<Kind> ks) {
    KindSet s = 0;
    for (Kind k : ks) s |= 1u << static_cast<unsigned>(k);
    return s;
}
constexpr bool has(KindSet s, Kind k) { return (s >> static_cast<unsigned>(k)) & 1u; }
constexpr KindSet kAllKinds = ~0u;

struct ParamField {
    std::string_view key;               // jsonb key, error field, form field
    std::string Params::*member;
    std::string_view option;            // CLI option without "--"
    Value value;
    KindSet takes = kAllKinds;          // other kinds refuse a value (not_taken says why)
    KindSet needs = 0;                  // these kinds refuse an empty value (missing says why)
    std::string_view not_taken, missing;
    std::string Params::*range_end = nullptr;  // the start of a range: its end
    std::string_view label;             // label() shows the first field with a value and a label
    bool label_value = true;            // label() shows the value (a range: from-to; open: "from-")
    bool open_range = false;
    // The bulk tool's default for this field when it is empty ('' = none), from the params as given.
    std::string (*by_default)(Kind kind, const Params& given, const std::string& today) = nullptr;
};
using ParamFields = std::array<ParamField, 8>;
const ParamFields& param_fields();

struct Job {
    std::int64_t id = 0;
    int hospnum = 0;
    Kind kind = Kind::homecare;
    // The kind's text when this version knows no such kind (a newer version wrote the row); `kind` then
    // means nothing. Only lists carry such a job (queue::list); nothing acts on one.
    std::string unknown_kind;
    Params params;
    std::string file_identifier, reception_number, error, note, opid;
    State state = State::queued;
    Style style = Style::facility;  // facility: the facility's p031_mark; consent for jobs ORCA started
    long long orca_jobid = 0;       // the tbl_jobkanri row of ORCA's 同意一括, 0 if none
    int poll_count = 0, attempts = 0;
    std::string created_at, requested_at, received_at, finished_at;
    long long units = -1, rows = -1, matched = -1, unmatched = -1, held = -1;  // -1: not yet
    double seconds_in_state = 0, seconds_since_received = 0;

    [[nodiscard]] bool finished() const { return is_final(state); }
    [[nodiscard]] bool kind_known() const { return unknown_kind.empty(); }
};

// The row style a job writes: the consent recipe only for 訪問診療/訪問看護/オンライン診療 results of
// a consent-style job or facility (facility_mark: its p031_mark); the ★ recipe for everything else.
Style row_style(const Job& j, Style facility_mark);

// File names of a job's requests and results (stems without extension for results).
std::string request1_name(const Job& j);
std::string request2_name(const Job& j, int n);
std::string result1_stem(const Job& j);
std::string result2_stem(const Job& j, int n);

// Step decisions (numbers only).
// How long a job waiting for an answer file waits before it looks again: the poll interval at first,
// then a quarter of the time it has waited so far (at most 10 s), so a long 処理中 costs few looks.
long waiting_ms(long poll_interval_ms, double seconds_waited);
// After a 処理中: the poll interval doubling with each 02req, at most 30 s.
long backoff_ms(long poll_interval_ms, int poll_count);
// The wait before the next step, never past the deadline of an answer awaited (timeout_s after
// `waited` seconds; waited < 0: nothing awaited) by more than 50 ms.
long clamp_to_deadline(long wait_ms, int timeout_s, double waited);
// How long the state `s` has waited for OQS (requested: in state; received/polling: since the
// 受付番号), -1 for a state that waits for nothing.
double seconds_waited(const Job& j);

}  // namespace onshi::jobs
