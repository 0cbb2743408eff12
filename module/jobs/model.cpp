#include "jobs/model.hpp"

#include "core/dates.hpp"
#include "core/error.hpp"
#include "onshi_batch/card_request.hpp"

#include <algorithm>
#include <cstdio>
#include <utility>

namespace onshi::jobs {
namespace {

// 訪問看護: no prefix or flag of its own is known; it is the 訪問診療等 request (oqs-interface.md §2).
constexpr std::array<KindInfo, 9> kKinds{{
    {Kind::homecare, "homecare", "OQSmuhvq", "2", "訪問診療", Output::rows},
    {Kind::nursing, "nursing", "OQSmuhvq", "2", "訪問看護", Output::rows},
    {Kind::online, "online", "OQSmuonq", "3", "オンライン診療", Output::rows},
    {Kind::welfare, "welfare", "OQSmutic", "", "医療扶助", Output::rows},
    {Kind::validity, "validity", "OQSmuquc", "", "資格有効性確認", Output::rows},
    {Kind::register_refs, "register_refs", "OQSmuimm", "", "照会番号一括登録", Output::references},
    {Kind::pdf_drug, "pdf_drug", "YZKsiquc", "2", "薬剤情報PDF", Output::pdf},
    {Kind::pdf_checkup, "pdf_checkup", "TKKsiquc", "2", "特定健診PDF", Output::pdf},
    // マイナ保険証 at the clinic PC (card consent): our own message, see card_request.hpp.
    {Kind::card, "card", oqs::kCardPrefix, "", "マイナ保険証 同意登録", Output::rows, true},
}};
// The table is indexed by the enum: each row sits at its kind's place.
constexpr bool kinds_in_order() {
    for (std::size_t i = 0; i < kKinds.size(); ++i)
        if (static_cast<std::size_t>(kKinds[i].kind) != i) return false;
    return true;
}
static_assert(kinds_in_order(), "kKinds must list the kinds in the order of enum Kind");

constexpr std::array<std::pair<State, std::string_view>, 8> kStates{{
    {State::queued, "queued"}, {State::requested, "requested"}, {State::received, "received"}, {State::polling, "polling"},
    {State::done, "done"}, {State::failed, "failed"}, {State::expired, "expired"}, {State::cancelled, "cancelled"},
}};

constexpr KindSet kRangeKinds = kinds_of({Kind::homecare, Kind::nursing, Kind::online});
constexpr KindSet kPdfKinds = kinds_of({Kind::pdf_drug, Kind::pdf_checkup});

// The defaults of the bulk tool (seed 000 §2-2). A consent range (homecare, nursing, online without
// an examination range): one month back to today. An examination range given by one end: the
// month of it. The month of welfare: this month.
bool has_exam(const Params& p) { return !p.exam_from.empty() || !p.exam_to.empty(); }
bool takes_consent_default(Kind k, const Params& p) { return k == Kind::homecare || k == Kind::nursing || (k == Kind::online && !has_exam(p)); }
std::string consent_to_default(Kind k, const Params& p, const std::string& today) { return takes_consent_default(k, p) ? today : ""; }
std::string consent_from_default(Kind k, const Params& p, const std::string& today) {
    return takes_consent_default(k, p) ? dates::add_months(p.consent_to.empty() ? today : p.consent_to, -1) : "";
}
std::string exam_from_default(Kind k, const Params& p, const std::string&) {
    return k == Kind::online && !p.exam_to.empty() ? dates::first_of_month(p.exam_to) : "";
}
std::string exam_to_default(Kind k, const Params& p, const std::string&) {
    return k == Kind::online && !p.exam_from.empty() ? dates::last_of_month(p.exam_from) : "";
}
std::string month_default(Kind k, const Params&, const std::string& today) { return k == Kind::welfare ? today.substr(0, 6) : ""; }

// In label() order: the first field with a value and a label names the request.
const ParamFields kFields{{
    {"consent_from", &Params::consent_from, "consent-from", Value::date, kAllKinds, 0, "", "", &Params::consent_to, "同意 ", true, false,
     consent_from_default},
    {"consent_to", &Params::consent_to, "consent-to", Value::date, kAllKinds, 0, "", "", nullptr, "", true, false, consent_to_default},
    {"exam_from", &Params::exam_from, "exam-from", Value::date, kinds_of({Kind::online}), 0, "--exam-from/--exam-to are for --kind online", "",
     &Params::exam_to, "診療 ", true, false, exam_from_default},
    {"exam_to", &Params::exam_to, "exam-to", Value::date, kAllKinds, 0, "", "", nullptr, "", true, false, exam_to_default},
    {"month", &Params::month, "month", Value::month, kAllKinds, kinds_of({Kind::welfare}), "", "--month is needed for welfare", nullptr,
     "診療年月 ", true, false, month_default},
    {"ptnum", &Params::ptnum, "patient", Value::text, kAllKinds, kPdfKinds, "", "--patient is needed", nullptr, "患者 "},
    {"seen_since", &Params::seen_since, "seen-since", Value::date, kAllKinds, 0, "", "", nullptr, "受診 ", true, true},
    {"card", &Params::card, "card", Value::card, kinds_of({Kind::card}), 0, "a card request is for kind card only", "", nullptr, "マイナ保険証",
     false},
}};

std::string suffix(const Job& j) {
    char b[32];
    std::snprintf(b, sizeof b, "H%02dJ%08lld", j.hospnum, static_cast<long long>(j.id));
    return b;
}

std::string poll_suffix(const Job& j, int n) {
    char b[48];
    std::snprintf(b, sizeof b, "%sP%03d", suffix(j).c_str(), n);
    return b;
}

bool starts_with_ascii_nocase(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (lower(s[i]) != lower(prefix[i])) return false;
    return true;
}

}  // namespace

std::string_view to_text(State s) {
    for (const auto& [st, text] : kStates)
        if (st == s) return text;
    throw Error(Errc::internal, "a job state without a name");
}

State state_from_text(std::string_view text) {
    for (const auto& [st, t] : kStates)
        if (t == text) return st;
    throw Error(Errc::internal, "unknown job state '" + std::string(text) + "'");
}

const std::string& final_states_sql() {
    static const std::string sql = [] {
        std::string s;
        for (const auto& [st, text] : kStates)
            if (is_final(st)) s += std::string(s.empty() ? "(" : ",") + "'" + std::string(text) + "'";
        return s + ")";
    }();
    return sql;
}

const std::string& known_kinds_sql() {
    static const std::string sql = [] {
        std::string s;
        for (const auto& k : kKinds) s += std::string(s.empty() ? "(" : ",") + "'" + std::string(k.name) + "'";
        return s + ")";
    }();
    return sql;
}

const KindInfo& kind_info(Kind kind) { return kKinds.at(static_cast<std::size_t>(kind)); }

std::string_view to_text(Kind kind) { return kind_info(kind).name; }

std::optional<Kind> kind_from_text(std::string_view name) {
    for (const auto& k : kKinds)
        if (k.name == name) return k.kind;
    return std::nullopt;
}

Kind parse_kind(std::string_view name) {
    if (const auto k = kind_from_text(name)) return *k;
    throw Error(Errc::usage, "unknown kind '" + std::string(name) + "' (available: " + kind_names() + ")", "kind");
}

std::string kind_names() {
    std::string known;
    for (const auto& k : kKinds) known += (known.empty() ? "" : ", ") + std::string(k.name);
    return known;
}

std::optional<Kind> kind_of_file_name(std::string_view path) {
    const std::size_t slash = path.rfind('/');
    const std::string_view base = slash == std::string_view::npos ? path : path.substr(slash + 1);
    for (const auto& k : kKinds)  // the first kind of a prefix is its own (homecare before nursing)
        if (starts_with_ascii_nocase(base, k.prefix)) return k.kind;
    return std::nullopt;
}

bool is_consent_kind(Kind kind) { return has(kRangeKinds, kind); }

const ParamFields& param_fields() { return kFields; }

void Params::apply_defaults(Kind kind, const std::string& today) {
    const Params given = *this;  // each default from what was given, whatever the order of the fields
    for (const auto& f : kFields)
        if (f.by_default && (this->*f.member).empty()) this->*f.member = f.by_default(kind, given, today);
}

void Params::validate(Kind kind) const {
    const auto usage = [](const std::string& message, std::string_view field) { return Error(Errc::usage, message, std::string(field)); };
    // Each value as its field wants it.
    for (const auto& f : kFields) {
        const std::string& v = this->*f.member;
        if (v.empty()) continue;
        if (f.value == Value::date && !dates::valid_ymd(v))
            throw usage("--" + std::string(f.option) + " '" + v + "' is not a date (YYYYMMDD)", f.key);
        if (f.value == Value::month && !dates::valid_ym(v))
            throw usage("--" + std::string(f.option) + " '" + v + "' is not a month (YYYYMM)", f.key);
    }
    // Ranges: a start needs its end, and comes before it.
    const auto end_of = [](const ParamField& f) -> const ParamField& {
        for (const auto& e : kFields)
            if (e.member == f.range_end) return e;
        throw Error(Errc::internal, "a range without its end field");
    };
    for (const auto& f : kFields)
        if (f.range_end && !(this->*f.member).empty() && (this->*f.range_end).empty())
            throw usage("--" + std::string(f.option) + " needs --" + std::string(end_of(f).option), end_of(f).key);
    for (const auto& f : kFields)
        if (f.range_end && this->*f.member > this->*f.range_end)
            throw usage("--" + std::string(f.option) + " is after --" + std::string(end_of(f).option), f.key);
    // Rules about the request as a whole.
    if (has(kRangeKinds, kind) && consent_from.empty() && exam_from.empty()) throw usage("a consent or examination range is needed", "");
    if (kind == Kind::online && !consent_from.empty() && !exam_from.empty())
        throw usage("online takes a consent range or an examination range, not both", "exam_from");
    // What the kind takes and needs.
    for (const auto& f : kFields) {
        const std::string& v = this->*f.member;
        if (f.value == Value::card && has(f.takes, kind)) {
            try {
                oqs::decode_card_params(v);
            } catch (const Error& e) {
                if (e.code() != Errc::usage) throw;
                throw usage(e.what(), f.key);
            }
            continue;
        }
        if (!v.empty() && !has(f.takes, kind)) throw usage(std::string(f.not_taken), f.key);
        if (v.empty() && has(f.needs, kind)) throw usage(std::string(f.missing), f.key);
    }
}

std::string Params::label() const {
    for (const auto& f : kFields) {
        const std::string& v = this->*f.member;
        if (v.empty() || f.label.empty()) continue;
        std::string s(f.label);
        if (!f.label_value) return s;
        s += v;
        if (f.range_end) s += "-" + this->*f.range_end;
        if (f.open_range) s += "-";
        return s;
    }
    return "";
}

Style row_style(const Job& j, Style facility_mark) {
    if (!is_consent_kind(j.kind)) return Style::star;
    return j.style == Style::facility ? facility_mark : j.style;
}

std::string request1_name(const Job& j) { return std::string(kind_info(j.kind).prefix) + "01req_" + suffix(j) + ".xml"; }
std::string result1_stem(const Job& j) { return std::string(kind_info(j.kind).prefix) + "01res_" + suffix(j); }
std::string request2_name(const Job& j, int n) { return std::string(kind_info(j.kind).prefix) + "02req_" + poll_suffix(j, n) + ".xml"; }
std::string result2_stem(const Job& j, int n) { return std::string(kind_info(j.kind).prefix) + "02res_" + poll_suffix(j, n); }

long waiting_ms(long poll_interval_ms, double seconds_waited) {
    return std::max<long>(poll_interval_ms, std::min<long>(10000, static_cast<long>(seconds_waited * 250)));
}

long backoff_ms(long poll_interval_ms, int poll_count) {
    return std::min(30000L, poll_interval_ms << std::min(std::max(poll_count, 1) - 1, 10));
}

long clamp_to_deadline(long wait_ms, int timeout_s, double waited) {
    if (waited < 0) return wait_ms;
    return std::min<long>(wait_ms, std::max<long>(0, static_cast<long>((timeout_s - waited) * 1000) + 50));
}

double seconds_waited(const Job& j) {
    return j.state == State::requested                                  ? j.seconds_in_state
           : j.state == State::received || j.state == State::polling ? j.seconds_since_received
                                                                        : -1;
}

}  // namespace onshi::jobs
