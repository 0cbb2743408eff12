#include "onshi_batch/job.hpp"

#include "app/clock.hpp"
#include "core/dates.hpp"
#include "core/error.hpp"
#include "core/failpoint.hpp"
#include "core/log.hpp"
#include "core/text.hpp"
#include "onshi_batch/card_request.hpp"
#include "onshi_batch/codec.hpp"
#include "onshi_batch/folder.hpp"
#include "onshi_batch/result_file.hpp"
#include "p031_bridge/ingest.hpp"

#include <glib.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

namespace onshi::jobs {
namespace {

// 訪問看護: no prefix or flag of its own is known; it is the 訪問診療等 request (oqs-interface.md §2).
constexpr std::array<KindInfo, 9> kKinds{{
    {"homecare", "OQSmuhvq", "2", "訪問診療", Output::rows},
    {"nursing", "OQSmuhvq", "2", "訪問看護", Output::rows},
    {"online", "OQSmuonq", "3", "オンライン診療", Output::rows},
    {"welfare", "OQSmutic", "", "医療扶助", Output::rows},
    {"validity", "OQSmuquc", "", "資格有効性確認", Output::rows},
    {"register_refs", "OQSmuimm", "", "照会番号一括登録", Output::references},
    {"pdf_drug", "YZKsiquc", "2", "薬剤情報PDF", Output::pdf},
    {"pdf_checkup", "TKKsiquc", "2", "特定健診PDF", Output::pdf},
    // マイナ保険証 at the clinic PC (card consent): our own message, see card_request.hpp.
    {"card", oqs::kCardPrefix, "", "マイナ保険証 同意登録", Output::rows, true},
}};

constexpr std::array<std::pair<State, std::string_view>, 8> kStates{{
    {State::queued, "queued"}, {State::requested, "requested"}, {State::received, "received"}, {State::polling, "polling"},
    {State::done, "done"}, {State::failed, "failed"}, {State::expired, "expired"}, {State::cancelled, "cancelled"},
}};
const std::string& kFinal = final_states_sql();

const std::string kJobColumns =
    "id, hospnum, kind, coalesce(params->>'consent_from', ''), coalesce(params->>'consent_to', ''),"
    " coalesce(params->>'exam_from', ''), coalesce(params->>'exam_to', ''), coalesce(params->>'month', ''),"
    " coalesce(params->>'seen_since', ''), coalesce(params->>'ptnum', ''), coalesce(params->>'card', ''), file_identifier,"
    " reception_number, state, error, note, opid, poll_count, attempts,"
    " to_char(created_at, 'YYYY-MM-DD HH24:MI:SS'), coalesce(to_char(requested_at, 'YYYY-MM-DD HH24:MI:SS.MS'), ''),"
    " coalesce(to_char(received_at, 'YYYY-MM-DD HH24:MI:SS.MS'), ''), coalesce(to_char(finished_at, 'YYYY-MM-DD HH24:MI:SS.MS'), ''),"
    " coalesce(units, -1), coalesce(rows_written, -1), coalesce(matched, -1), coalesce(unmatched, -1), coalesce(held, -1),"
    " extract(epoch from now() - updated_at), coalesce(extract(epoch from now() - received_at), 0),"
    " style, coalesce(orca_jobid, 0)";

Job from_row(const db::Result& r, int i) {
    Job j;
    int c = 0;
    auto s = [&] { return r.str(i, c++); };
    j.id = r.num(i, c++);
    j.hospnum = static_cast<int>(r.num(i, c++));
    j.kind = s();
    j.params.consent_from = s(); j.params.consent_to = s(); j.params.exam_from = s(); j.params.exam_to = s();
    j.params.month = s(); j.params.seen_since = s(); j.params.ptnum = s(); j.params.card = s();
    j.file_identifier = s(); j.reception_number = s(); j.state = s(); j.error = s(); j.note = s(); j.opid = s();
    j.poll_count = static_cast<int>(r.num(i, c++));
    j.attempts = static_cast<int>(r.num(i, c++));
    j.created_at = s(); j.requested_at = s(); j.received_at = s(); j.finished_at = s();
    j.units = r.num(i, c++); j.rows = r.num(i, c++); j.matched = r.num(i, c++); j.unmatched = r.num(i, c++); j.held = r.num(i, c++);
    j.seconds_in_state = std::stod(s());
    j.seconds_since_received = std::stod(s());
    j.style = s();
    j.orca_jobid = r.num(i, c++);
    return j;
}

std::vector<db::Param> param_values(const Params& p) {
    auto v = [](const std::string& x) { return x.empty() ? db::Param() : db::Param(x); };
    return {v(p.consent_from), v(p.consent_to), v(p.exam_from), v(p.exam_to), v(p.month), v(p.seen_since), v(p.ptnum), v(p.card)};
}
// SQL for the jsonb of params bound at $first..$first+7.
constexpr const char* kParamKeys[] = {"consent_from", "consent_to", "exam_from", "exam_to", "month", "seen_since", "ptnum", "card"};
constexpr int kParamCount = static_cast<int>(std::size(kParamKeys));
// "$n" of the value bound right after the params block that starts at $first.
std::string after_params(int first, int k = 0) { return "$" + std::to_string(first + kParamCount + k); }

std::string params_sql(int first) {
    const auto& keys = kParamKeys;
    std::string s = "jsonb_strip_nulls(jsonb_build_object(";
    for (int k = 0; k < kParamCount; ++k) s += std::string(k ? ", " : "") + "'" + keys[k] + "', $" + std::to_string(first + k) + "::text";
    return s + "))";
}

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

// Keeps ORCA's tbl_jobkanri row of a job ORCA started in step, as ORCA's own client and batch do
// (orca-tables.md §2.1): 0002 受付完了 with the 受付番号 in yobi; 0003 確認完了 with the counts, or
// with syokbn 9 and the error in yobi. P0311 shows these to the user.
void sync_jobkanri(db::Connection& db, std::int64_t id, State to) {
    static const std::string from =
        " FROM onshi.job j WHERE j.id = $1 AND j.orca_jobid IS NOT NULL AND t.hospnum = j.hospnum"
        " AND t.jobid = j.orca_jobid AND t.shellid = j.orca_shellid";
    const std::string now = "to_char(now(), 'HH24MISS')";
    if (to == State::received) {
        db.exec("UPDATE tbl_jobkanri t SET errcd = '0002', yobi = j.reception_number" + from, {std::to_string(id)});
    } else if (to == State::done) {
        db.exec("UPDATE tbl_jobkanri t SET errcd = '0003', syokbn = '1', pid1 = j.units, pid2 = j.units - coalesce(("
                "SELECT count(*) FROM onshi.result_unit u JOIN onshi.result_file f ON f.id = u.file_id WHERE f.job_id = j.id"
                " AND u.reason LIKE '処理エラー%'), 0), pid3 = coalesce(("
                "SELECT count(*) FROM onshi.result_unit u JOIN onshi.result_file f ON f.id = u.file_id WHERE f.job_id = j.id"
                " AND u.reason LIKE '処理エラー%'), 0), updcnt = coalesce(t.updcnt, 0) + j.units,"
                " stepcnt = coalesce(t.stepcnt, 0) + 1, pgid = 'ORCA-ONSHI', jobendtime = " + now + ", stependtime = " + now +
                ", shellmsg = CASE j.orca_shellid WHEN 'P02O001' THEN 'オンライン診療一括返却' ELSE '訪問診療一括返却' END" + from,
                {std::to_string(id)});
    } else if (to == State::failed || to == State::expired || to == State::cancelled) {
        db.exec("UPDATE tbl_jobkanri t SET errcd = '0003', syokbn = '9', yobi = left(j.error, 500), jobendtime = " + now + from,
                {std::to_string(id)});
    }
}

// Moves the job on from the state it was loaded in. False when another hand moved it first
// (cancel, or a second runner): the caller reloads and sees.
bool transition(db::Connection& db, const Job& j, State to, const std::string& extra = "",
                const std::vector<db::Param>& extra_params = {}) {
    std::vector<db::Param> p{std::to_string(j.id), j.state, std::string(to_text(to))};
    p.insert(p.end(), extra_params.begin(), extra_params.end());
    const auto r = db.exec("UPDATE onshi.job SET state = $3, updated_at = now()" + extra + " WHERE id = $1 AND state = $2", p);
    if (r.affected() != "1") return false;
    if (j.orca_jobid) sync_jobkanri(db, j.id, to);
    return true;
}

// `why` may quote OQS (an .err file, ErrorMessage): only what ORCA's EUC_JP database can hold is stored.
bool finish_failed(db::Connection& db, const Job& j, State state, const std::string& why) {
    log::warning("job %lld %s: %s", static_cast<long long>(j.id), std::string(to_text(state)).c_str(), why.c_str());
    return transition(db, j, state, ", error = $4, finished_at = now()", {text::replace_gaiji(why)});
}

bool try_lock(db::Connection& db, std::int64_t id) {
    return db.exec("SELECT pg_try_advisory_lock(7301, $1::int)", {std::to_string(id)}).str(0, 0) == "t";
}

// Holds the job for this run (session advisory lock): two runs never drive one job. A run that was
// just killed may keep its lock until PostgreSQL notices the closed connection: wait a few seconds.
class JobLock {
public:
    JobLock(db::Connection& db, std::int64_t id) : db_(db), id_(id) {
        for (int tries = 0; !try_lock(db_, id_); ++tries) {
            if (tries == 100) throw Error(Errc::database, "job " + std::to_string(id_) + " is being run by another process");
            g_usleep(100 * 1000);
        }
    }
    ~JobLock() {
        try { release_claim(db_, id_); } catch (...) {}
    }
    JobLock(const JobLock&) = delete;
    JobLock& operator=(const JobLock&) = delete;

private:
    db::Connection& db_;
    std::int64_t id_;
};

// The ORCA insurance list of a facility for 資格有効性確認 / 照会番号一括登録: valid today, not deleted,
// medical insurance (hknnum 0xx), real patients only; optionally only those seen since a date.
std::vector<oqs::SearchItem> orca_insurance_list(db::Connection& db, const Job& j, bool with_reference) {
    const auto r = db.exec(
        "SELECT trim(h.hknjanum), coalesce(h.kigo, ''), coalesce(h.num, ''), coalesce(h.edaban, ''), coalesce(i.birthday, ''),"
        " trim(n.ptnum), h.ptid, h.hknid"
        " FROM tbl_pthkninf h JOIN tbl_ptinf i ON i.hospnum = h.hospnum AND i.ptid = h.ptid"
        " JOIN tbl_ptnum n ON n.hospnum = h.hospnum AND n.ptid = h.ptid"
        " WHERE h.hospnum = $1 AND h.tekstymd <= $2 AND h.tekedymd >= $2 AND coalesce(h.sakjokbn, '') <> '1'"
        "   AND h.hknnum LIKE '0%' AND coalesce(i.tstptnumkbn, '') <> '1' AND coalesce(h.hknjanum, '') <> ''"
        "   AND ($3::text IS NULL OR EXISTS (SELECT 1 FROM tbl_jyurrk v WHERE v.hospnum = h.hospnum AND v.ptid = h.ptid AND v.sryymd >= $3))"
        " ORDER BY h.ptid, h.hknid",
        {std::to_string(j.hospnum), dates::today(), j.params.seen_since.empty() ? db::Param() : db::Param(j.params.seen_since)});
    std::vector<oqs::SearchItem> items;
    items.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) {
        oqs::SearchItem it;
        it.insurer_number = r.str(i, 0);
        it.insured_card_symbol = text::trim(text::to_hankaku_ascii(r.get(i, 1)));
        it.insured_identification_number = text::trim(text::to_hankaku_ascii(r.get(i, 2)));
        it.insured_branch_number = text::trim(r.get(i, 3));
        it.birthdate = r.str(i, 4);
        if (with_reference) it.reference_number = r.str(i, 5);
        it.arbitrary_identifier = r.str(i, 6) + "-" + r.str(i, 7);
        items.push_back(std::move(it));
    }
    return items;
}

struct PdfTarget {
    std::int64_t ptid = 0;
    oqs::DocumentRequest req;
};

// The newest stored 保険 result of the patient that carries the consent a PDF kind needs.
db::Result consented_result(db::Connection& db, int hospnum, const std::string& ptnum, std::string_view kind) {
    const bool drug = kind == "pdf_drug";
    auto r = db.exec(
        "SELECT k.ptid, k.res_hknjanum, k.res_kigo, k.res_num, k.res_edaban, k.onshinryo_kbn"
        " FROM tbl_onshi_kaku k JOIN tbl_ptnum n ON n.hospnum = k.hospnum AND n.ptid = k.ptid"
        " WHERE k.hospnum = $1 AND n.ptnum = $2::bpchar AND k.card_class <> 'A1' AND k.scr_dltflg = ''"
        "   AND " + std::string(drug ? "k.yakuzai_douiflg" : "k.kenshin_douiflg") + " = '1'"
        " ORDER BY k.kaku_kakuninymd DESC, k.kaku_kakuninhms DESC, k.shori_time DESC LIMIT 1",
        {std::to_string(hospnum), text::patient_number(ptnum)});
    if (r.rows() == 0)
        throw Error(Errc::usage, "patient " + ptnum + " has no stored qualification result with consent to " +
                                     (drug ? "薬剤情報 (PharmacistsInfoConsFlg 1)" : "特定健診情報 (SpecificHealthCheckupsInfoConsFlg 1)") +
                                     ": nothing is asked of OQS without consent");
    return r;
}

// The patient of a PDF job and the request for it. Throws Error(usage) without consent.
PdfTarget pdf_target(db::Connection& db, const app::Facility& fac, const Job& j) {
    const bool drug = j.kind == "pdf_drug";
    const auto r = consented_result(db, j.hospnum, j.params.ptnum, j.kind);
    PdfTarget t;
    t.ptid = r.num(0, 0);
    auto& q = t.req;
    q.medical_institution_code = fac.institution_code;
    q.insurer_number = r.str(0, 1);
    q.insurance_card_symbol = text::trim(text::to_hankaku_ascii(r.get(0, 2)));
    q.insured_person_identification_number = text::trim(text::to_hankaku_ascii(r.get(0, 3)));
    q.branch_number = r.str(0, 4);
    q.arbitrary_file_identifier = j.file_identifier;
    q.medical_treatment_flag = r.get(0, 5).empty() ? "2" : r.str(0, 5);
    if (drug) {  // the last three years, by month
        const std::string today = dates::today();
        q.start_month = dates::add_months(today, -35).substr(0, 6);
        q.end_month = today.substr(0, 6);
    }
    return t;
}

std::string build_request1(db::Connection& db, const app::Facility& fac, const Job& j) {
    const KindInfo& k = kind_info(j.kind);
    switch (k.output) {
    case Output::pdf: return oqs::write_document_request(pdf_target(db, fac, j).req);
    case Output::references: return oqs::write_list_request(fac.institution_code, j.file_identifier, orca_insurance_list(db, j, true));
    case Output::rows: break;
    }
    if (k.single_phase) return oqs::write_card_request(fac.institution_code, j.file_identifier, oqs::decode_card_params(j.params.card));
    if (j.kind == "validity") return oqs::write_list_request(fac.institution_code, j.file_identifier, orca_insurance_list(db, j, false));
    oqs::PhaseOneRequest req;
    req.medical_institution_code = fac.institution_code;
    req.arbitrary_file_identifier = j.file_identifier;
    req.consent_date_from = j.params.consent_from;
    req.consent_date_to = j.params.consent_to;
    req.examination_date_from = j.params.exam_from;
    req.examination_date_to = j.params.exam_to;
    req.medical_treatment_month = j.params.month;
    req.medical_treatment_flag = std::string(k.treatment_flag);
    return oqs::write_phase1_request(req);
}

// 資格有効性確認: what changed for each asked-about insurance against the patient's previous
// confirmation (the newest earlier row of the same ptid). ptid and hknid come from our own
// ArbitraryIdentifier ("<ptid>-<hknid>"), echoed by OQS.
void record_validity_changes(db::Connection& db, std::int64_t job_id) {
    db.exec(R"SQL(
        WITH cur AS (
            SELECT split_part(u.sikibetu, '-', 1)::bigint AS ptid, split_part(u.sikibetu, '-', 2)::bigint AS hknid,
                   k.sikaku_yuko, k.ftnrate, k.tekedymd, k.hospnum, k.tbl_uuid, f.id AS file_id
            FROM onshi.result_file f
            JOIN onshi.result_unit u ON u.file_id = f.id AND u.status = 'written' AND u.sikibetu ~ '^[0-9]+-[0-9]+$'
            JOIN tbl_onshi_kaku k ON k.tbl_uuid = u.tbl_uuids[1] AND k.hospnum = f.hospnum
            WHERE f.job_id = $1),
        prev AS (
            SELECT cur.*, p.ftnrate AS prev_ftnrate, p.tekedymd AS prev_tekedymd
            FROM cur LEFT JOIN LATERAL (
                SELECT o.ftnrate, o.tekedymd FROM tbl_onshi_kaku o
                WHERE o.hospnum = cur.hospnum AND o.ptid = cur.ptid AND o.ptid <> 0 AND o.card_class <> 'A1'
                  AND o.scr_dltflg = '' AND o.sikaku_yuko = '1'
                  AND NOT EXISTS (SELECT 1 FROM onshi.result_unit x WHERE x.file_id = cur.file_id AND o.tbl_uuid = ANY (x.tbl_uuids))
                ORDER BY o.kaku_kakuninymd DESC, o.kaku_kakuninhms DESC, o.shori_time DESC LIMIT 1) p ON true)
        INSERT INTO onshi.validity_change (job_id, ptid, hknid, change, before, after)
        SELECT $1, ptid, hknid, 'invalid', '', sikaku_yuko FROM prev WHERE sikaku_yuko = '2'
        UNION ALL SELECT $1, ptid, hknid, 'new', '', sikaku_yuko FROM prev WHERE sikaku_yuko = '3'
        UNION ALL SELECT $1, ptid, hknid, 'not_found', '', sikaku_yuko FROM prev WHERE sikaku_yuko = '4'
        UNION ALL SELECT $1, ptid, hknid, 'multiple', '', sikaku_yuko FROM prev WHERE sikaku_yuko = '5'
        UNION ALL SELECT $1, ptid, hknid, 'ratio', prev_ftnrate, ftnrate FROM prev
                  WHERE sikaku_yuko = '1' AND prev_ftnrate IS NOT NULL AND prev_ftnrate <> ftnrate
        UNION ALL SELECT $1, ptid, hknid, 'enddate', prev_tekedymd, tekedymd FROM prev
                  WHERE sikaku_yuko = '1' AND prev_tekedymd IS NOT NULL AND prev_tekedymd <> tekedymd
        ON CONFLICT DO NOTHING)SQL",
            {std::to_string(job_id)});
}

// What staff should know about a finished result (plain words, no personal data).
std::string note_for(const Job& j, const bridge::IngestSummary& s) {
    std::string note;
    auto count = [&](const char* v) {
        const auto it = s.by_validity.find(v);
        return it == s.by_validity.end() ? std::size_t{0} : it->second;
    };
    if (j.kind == "welfare" && count("6") > 0)
        note += "医療券が未登録（未委託）の方が " + std::to_string(count("6")) + "人います。福祉事務所の登録後（毎月15日から20日頃）に再取得してください。";
    if (j.kind != "validity" && count("4") > 0)
        note += "該当資格なしの方が " + std::to_string(count("4")) + "人います。保険者のデータがまだ届いていない可能性があります。後日再取得してください。";
    if (s.unit_errors > 0) note += "処理エラーの方が " + std::to_string(s.unit_errors) + "人います。";
    if (s.held > 0) note += "外字などで保留した方が " + std::to_string(s.held) + "人います（review で確認）。";
    return note;
}

// A PDF answer: stored (0640 in a 0750 folder of the facility), or the error XML's message.
bool store_pdf(db::Connection& db, const app::Facility& fac, const Job& j, const std::string& path) {
    namespace fs = std::filesystem;
    const PdfTarget t = pdf_target(db, fac, j);
    const fs::path dir = fs::path(fac.pdf_dir) / std::to_string(fac.hospnum);
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw Error(Errc::io, "cannot create " + dir.string() + ": " + ec.message());
    ::chmod(dir.c_str(), 0750);
    const bool drug = j.kind == "pdf_drug";
    const fs::path dst = dir / ((drug ? "drug_" : "checkup_") + j.params.ptnum + "_" + std::to_string(j.id) + ".pdf");
    fs::copy_file(path, dst, fs::copy_options::overwrite_existing, ec);
    if (ec) throw Error(Errc::io, "cannot store " + dst.string() + ": " + ec.message());
    ::chmod(dst.c_str(), 0640);
    db::Transaction tx(db);
    db.exec("INSERT INTO onshi.pdf_file (job_id, hospnum, ptid, type, path, bytes) VALUES ($1, $2, $3, $4, $5, $6)"
            " ON CONFLICT (job_id) DO UPDATE SET path = excluded.path, bytes = excluded.bytes",
            {std::to_string(j.id), std::to_string(fac.hospnum), std::to_string(t.ptid), drug ? "drug" : "checkup", dst.string(),
             std::to_string(fs::file_size(dst))});
    if (!transition(db, j, State::done, ", finished_at = now()")) return false;
    tx.commit();
    return true;
}

ResultHeader read_header(const std::string& path) {
    struct Sink final : oqs::ResultSink {
        ResultHeader h;
        void on_header(const ResultHeader& x) override { h = x; }
        void on_unit(BulkConfirmUnit&&) override {}
    } sink;
    oqs::read_result_file(path, sink);
    return sink.h;
}

}  // namespace

std::int64_t require_pdf_consent(db::Connection& db, int hospnum, const std::string& ptnum, std::string_view kind) {
    return consented_result(db, hospnum, ptnum, kind).num(0, 0);
}

bool Job::finished() const { return is_final(state_from_text(state)); }

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

const KindInfo& kind_info(std::string_view kind) {
    for (const auto& k : kKinds)
        if (k.kind == kind) return k;
    throw Error(Errc::usage, "unknown kind '" + std::string(kind) + "' (available: " + kind_names() + ")");
}

std::string kind_names() {
    std::string known;
    for (const auto& k : kKinds) known += (known.empty() ? "" : ", ") + std::string(k.kind);
    return known;
}

std::string kind_of_file_name(std::string_view path) {
    const std::size_t slash = path.rfind('/');
    const std::string_view base = slash == std::string_view::npos ? path : path.substr(slash + 1);
    for (const auto& k : kKinds)  // the first kind of a prefix is its own (homecare before nursing)
        if (base.size() >= k.prefix.size() && g_ascii_strncasecmp(base.data(), k.prefix.data(), k.prefix.size()) == 0)
            return std::string(k.kind);
    return "";
}

void Params::apply_defaults(std::string_view kind, const std::string& today) {
    if (kind == "homecare" || kind == "nursing" || (kind == "online" && exam_from.empty() && exam_to.empty())) {
        if (consent_to.empty()) consent_to = today;
        if (consent_from.empty()) consent_from = dates::add_months(consent_to, -1);
    }
    if (kind == "online" && (!exam_from.empty() || !exam_to.empty())) {
        if (exam_from.empty()) exam_from = dates::first_of_month(exam_to);
        if (exam_to.empty()) exam_to = dates::last_of_month(exam_from);
    }
    if (kind == "welfare" && month.empty()) month = today.substr(0, 6);
}

void Params::validate(std::string_view kind) const {
    auto date = [](const std::string& v, const char* name) {
        if (!v.empty() && !dates::valid_ymd(v)) throw Error(Errc::usage, std::string("--") + name + " '" + v + "' is not a date (YYYYMMDD)");
    };
    date(consent_from, "consent-from"); date(consent_to, "consent-to");
    date(exam_from, "exam-from"); date(exam_to, "exam-to"); date(seen_since, "seen-since");
    if (!month.empty() && !dates::valid_ym(month)) throw Error(Errc::usage, "--month '" + month + "' is not a month (YYYYMM)");
    if (!consent_from.empty() && consent_to.empty()) throw Error(Errc::usage, "--consent-from needs --consent-to");
    if (!exam_from.empty() && exam_to.empty()) throw Error(Errc::usage, "--exam-from needs --exam-to");
    if (consent_from > consent_to) throw Error(Errc::usage, "--consent-from is after --consent-to");
    if (exam_from > exam_to) throw Error(Errc::usage, "--exam-from is after --exam-to");
    const bool range = kind == "homecare" || kind == "nursing" || kind == "online";
    if (range && consent_from.empty() && exam_from.empty()) throw Error(Errc::usage, "a consent or examination range is needed");
    if (kind == "online" && !consent_from.empty() && !exam_from.empty())
        throw Error(Errc::usage, "online takes a consent range or an examination range, not both");
    if (kind != "online" && !exam_from.empty()) throw Error(Errc::usage, "--exam-from/--exam-to are for --kind online");
    if (kind == "welfare" && month.empty()) throw Error(Errc::usage, "--month is needed for welfare");
    if (kind_info(kind).output == Output::pdf && ptnum.empty()) throw Error(Errc::usage, "--patient is needed");
    if (kind == "card") oqs::decode_card_params(card);
    else if (!card.empty()) throw Error(Errc::usage, "a card request is for kind card only");
}

std::string Params::label() const {
    if (!consent_from.empty()) return "同意 " + consent_from + "-" + consent_to;
    if (!exam_from.empty()) return "診療 " + exam_from + "-" + exam_to;
    if (!month.empty()) return "診療年月 " + month;
    if (!ptnum.empty()) return "患者 " + ptnum;
    if (!seen_since.empty()) return "受診 " + seen_since + "-";
    if (!card.empty()) return "マイナ保険証";
    return "";
}

std::string request1_name(const Job& j) { return std::string(kind_info(j.kind).prefix) + "01req_" + suffix(j) + ".xml"; }
std::string result1_stem(const Job& j) { return std::string(kind_info(j.kind).prefix) + "01res_" + suffix(j); }
std::string request2_name(const Job& j, int n) { return std::string(kind_info(j.kind).prefix) + "02req_" + poll_suffix(j, n) + ".xml"; }
std::string result2_stem(const Job& j, int n) { return std::string(kind_info(j.kind).prefix) + "02res_" + poll_suffix(j, n); }

std::int64_t create_or_resume(db::Connection& db, int hospnum, std::string_view kind, const Params& params,
                              const std::string& opid, bool& resumed) {
    kind_info(kind);
    Params q = params;
    q.ptnum = text::patient_number(q.ptnum);  // " 123 " must not make a second job for patient 123
    q.validate(kind);
    const std::string hosp = std::to_string(hospnum);
    db::Transaction tx(db);
    db.exec("SELECT pg_advisory_xact_lock(7302, $1::int)", {hosp});
    std::vector<db::Param> p{hosp, std::string(kind)};
    const auto pv = param_values(q);
    p.insert(p.end(), pv.begin(), pv.end());
    const auto open = db.exec("SELECT id FROM onshi.job WHERE hospnum = $1 AND kind = $2 AND params = " + params_sql(3) +
                              " AND state NOT IN " + kFinal + " ORDER BY id LIMIT 1", p);
    if (open.rows() == 1) {
        resumed = true;
        tx.commit();
        return open.num(0, 0);
    }
    resumed = false;
    p.push_back(opid);
    const auto r = db.exec("INSERT INTO onshi.job (hospnum, kind, params, file_identifier, opid) VALUES ($1, $2, " + params_sql(3) +
                           ", '', " + after_params(3) + ") RETURNING id", p);
    const std::int64_t id = r.num(0, 0);
    // ArbitraryFileIdentifier: ours, unique, within ORCA's 50 characters.
    db.exec("UPDATE onshi.job SET file_identifier = $2 WHERE id = $1", {std::to_string(id), "ORCA-ONSHI-" + hosp + "-" + std::to_string(id)});
    tx.commit();
    return id;
}

std::int64_t create_scheduled(db::Connection& db, int hospnum, std::string_view kind, const Params& params, const std::string& slot) {
    params.validate(kind);
    std::vector<db::Param> p{std::to_string(hospnum), std::string(kind)};
    const auto pv = param_values(params);
    p.insert(p.end(), pv.begin(), pv.end());
    p.push_back(slot);
    db::Transaction tx(db);
    const auto r = db.exec("INSERT INTO onshi.job (hospnum, kind, params, file_identifier, scheduled_for, priority) VALUES ($1, $2, " +
                               params_sql(3) + ", '', " + after_params(3) + "::timestamptz, " +
                               std::to_string(static_cast<int>(Priority::scheduled)) + ") ON CONFLICT DO NOTHING RETURNING id", p);
    if (r.rows() == 0) return 0;
    const std::int64_t id = r.num(0, 0);
    db.exec("UPDATE onshi.job SET file_identifier = $2 WHERE id = $1",
            {std::to_string(id), "ORCA-ONSHI-" + std::to_string(hospnum) + "-" + std::to_string(id)});
    tx.commit();
    return id;
}

Job load(db::Connection& db, std::int64_t id) {
    const auto r = db.exec("SELECT " + kJobColumns + " FROM onshi.job WHERE id = $1", {std::to_string(id)});
    if (r.rows() != 1) throw Error(Errc::not_found, "no job " + std::to_string(id));
    return from_row(r, 0);
}

std::vector<Job> list(db::Connection& db, int hospnum, int limit) {
    const auto r = db.exec("SELECT " + kJobColumns + " FROM onshi.job WHERE ($1 = 0 OR hospnum = $1::smallint) ORDER BY id DESC LIMIT $2",
                           {std::to_string(hospnum), std::to_string(limit)});
    std::vector<Job> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(from_row(r, i));
    return out;
}

Claim claim_due(db::Connection& db, const std::vector<int>& hospnums, long max_wait_ms) {
    std::vector<std::string> h;
    for (int n : hospnums) h.push_back(std::to_string(n));
    const std::string hosps = db::text_array(h);
    Claim c;
    db::Transaction tx(db);
    // turn: a facility's 1st, 2nd, ... due job (of its first few, by the job_due index), so facilities
    // take turns whatever the number of jobs each has due.
    const auto r = db.exec("SELECT j.id, j.hospnum FROM unnest($1::smallint[]) f (hospnum) CROSS JOIN LATERAL ("
                           " SELECT id, priority, next_at, row_number() OVER (ORDER BY priority, next_at, id) AS turn FROM ("
                           "  SELECT id, priority, next_at FROM onshi.job WHERE hospnum = f.hospnum AND state NOT IN " + kFinal +
                           "  AND next_at <= now() ORDER BY priority, next_at, id LIMIT 32) x) d JOIN onshi.job j ON j.id = d.id"
                           " ORDER BY d.priority, d.turn, d.next_at, j.id LIMIT 16 FOR UPDATE OF j SKIP LOCKED",
                           {hosps});
    for (int i = 0; i < r.rows() && c.id == 0; ++i) {
        const std::int64_t id = r.num(i, 0);
        if (!try_lock(db, id)) continue;
        // Another runner may have stepped it between our snapshot and the lock.
        if (db.exec("SELECT state NOT IN " + kFinal + " AND next_at <= now() FROM onshi.job WHERE id = $1", {std::to_string(id)}).str(0, 0) == "t") {
            c.id = id;
            c.hospnum = static_cast<int>(r.num(i, 1));
            c.more = i + 1 < r.rows();
        } else {
            release_claim(db, id);
        }
    }
    if (c.id == 0) {
        // Until the next one is due; one due now is held by another runner: look again shortly.
        const auto w = db.exec("SELECT coalesce(ceil(extract(epoch from min(next_at) - clock_timestamp()) * 1000), $2)::bigint FROM onshi.job"
                               " WHERE state NOT IN " + kFinal + " AND hospnum = ANY ($1::smallint[])",
                               {hosps, std::to_string(max_wait_ms)});
        c.wait_ms = std::clamp<long>(static_cast<long>(w.num(0, 0)), 100, max_wait_ms);
    }
    tx.commit();
    return c;
}

void count_attempt(db::Connection& db, std::int64_t id) {
    db.exec("UPDATE onshi.job SET attempts = attempts + 1 WHERE id = $1", {std::to_string(id)});
}

void put_off(db::Connection& db, std::int64_t id, long ms) {
    db.exec("UPDATE onshi.job SET next_at = now() + $2 * interval '1 millisecond' WHERE id = $1 AND state NOT IN " + kFinal,
            {std::to_string(id), std::to_string(ms)});
}

void release_claim(db::Connection& db, std::int64_t id) {
    db.exec("SELECT pg_advisory_unlock(7301, $1::int)", {std::to_string(id)});
}

bool reopen(db::Connection& db, std::int64_t id) {
    const Job j = load(db, id);
    const State st = state_from_text(j.state);
    if (st != State::expired && st != State::failed) return false;
    const bool ask_again = !j.reception_number.empty() && kind_info(j.kind).output != Output::pdf;
    return transition(db, j, ask_again ? State::received : State::queued,
                      std::string(", error = '', finished_at = NULL, next_at = now()") + (ask_again ? ", received_at = now()" : ", poll_count = 0"));
}

bool cancel(db::Connection& db, std::int64_t id) {
    const auto r = db.exec(std::string("UPDATE onshi.job SET state = 'cancelled', updated_at = now(), finished_at = now(),"
                                       " error = 'cancelled by staff' WHERE id = $1 AND state NOT IN ") + kFinal,
                           {std::to_string(id)});
    if (r.affected() != "1") return false;
    sync_jobkanri(db, id, State::cancelled);
    return true;
}

std::string row_style(const Job& j, const app::Facility& f) {
    const bool consent_kind = j.kind == "homecare" || j.kind == "nursing" || j.kind == "online";
    if (!consent_kind) return "star";
    return j.style.empty() ? f.p031_mark : j.style;
}

int adopt_orca_requests(db::Connection& db, const app::Facility& f) {
    const std::string hosp = std::to_string(f.hospnum);
    const auto r = db.exec("SELECT jobid, shellid, trim(startymd), trim(endymd), karte_uid FROM tbl_jobkanri"
                           " WHERE hospnum = $1 AND shellid IN ('P02V001', 'P02O001') AND trim(coalesce(errcd, '')) = ''"
                           "   AND coalesce(karte_uid, '') <> '' ORDER BY jobid",
                           {hosp});
    int adopted = 0;
    for (int i = 0; i < r.rows(); ++i) {
        const std::string shellid = text::trim(r.get(i, 1));
        Params p;
        p.consent_from = r.str(i, 2);
        p.consent_to = r.str(i, 3);
        const std::string kind = shellid == "P02O001" ? "online" : "homecare";
        try {
            p.validate(kind);
        } catch (const Error& e) {
            db.exec("UPDATE tbl_jobkanri SET errcd = '0003', syokbn = '9', yobi = $4 WHERE hospnum = $1 AND jobid = $2 AND shellid = $3",
                    {hosp, r.str(i, 0), r.str(i, 1), std::string("orca-onshi: ") + e.what()});
            continue;
        }
        std::vector<db::Param> v{hosp, kind};
        const auto pv = param_values(p);
        v.insert(v.end(), pv.begin(), pv.end());
        v.push_back(r.str(i, 4));
        v.push_back(r.str(i, 0));
        v.push_back(shellid);
        db::Transaction tx(db);
        const auto ins = db.exec("INSERT INTO onshi.job (hospnum, kind, params, file_identifier, orca_jobid, orca_shellid, style)"
                                  " VALUES ($1, $2, " + params_sql(3) + ", " + after_params(3) + ", " + after_params(3, 1) + "::integer, " +
                                      after_params(3, 2) + ", 'consent')"
                                 " ON CONFLICT DO NOTHING RETURNING id", v);
        db.exec("UPDATE tbl_jobkanri SET errcd = '0001' WHERE hospnum = $1 AND jobid = $2 AND shellid = $3", {hosp, r.str(i, 0), r.str(i, 1)});
        tx.commit();
        if (ins.rows()) {
            ++adopted;
            log::info("job %s adopted from ORCA's 同意一括 (tbl_jobkanri jobid %s, %s)", ins.str(0, 0).c_str(), r.str(i, 0).c_str(), shellid.c_str());
        }
    }
    return adopted;
}

namespace {

// How long a job waiting for an answer file waits before it looks again: the poll interval at first,
// then a quarter of the time it has waited so far (at most 10 s), so a long 処理中 costs few looks.
long waiting_ms(const app::Facility& fac, double seconds_waited) {
    return std::max<long>(fac.poll_interval_ms, std::min<long>(10000, static_cast<long>(seconds_waited * 250)));
}

// After a 処理中: the poll interval doubling with each 02req, at most 30 s.
long backoff_ms(const app::Facility& fac, int poll_count) {
    return std::min(30000L, static_cast<long>(fac.poll_interval_ms) << std::min(std::max(poll_count, 1) - 1, 10));
}

enum class Ingested { moved, not_moved, put_off };

}  // namespace

StepOutcome step(db::Connection& db, const app::Facility& fac, oqs::Transport& folder, std::int64_t id, const RunOptions& opt,
                 const Progress& progress) {
    const std::vector<std::string> xml_or_zip{".xml", ".zip"};
    const Job j = load(db, id);
    if (j.finished()) return {j, 0};
    const State st = state_from_text(j.state);
    const KindInfo& k = kind_info(j.kind);
    // How long until this job's next step; 0 = at once (the state moved on, or another hand moved it).
    long wait = 0;

    // A final result (02res, or a single-phase kind's 01res): rows and 'done' in one commit.
    const auto ingest = [&](const std::string& path) -> Ingested {
        if (opt.ingest_slots && !opt.ingest_slots->try_acquire()) return Ingested::put_off;
        struct Slot {
            std::counting_semaphore<>* s;
            ~Slot() { if (s) s->release(); }
        } slot{opt.ingest_slots};
        bridge::IngestOptions io{fac.hospnum, fac.institution_code, j.opid, opt.termid, j.id, k.output == Output::rows,
                                 row_style(j, fac), std::string(k.treatment_flag)};
        bridge::IngestSummary s;
        bool moved = false;
        try {
            db::Transaction tx(db);
            s = bridge::ingest_file(db, path, io);
            const auto& seg = s.header.segment_of_result;
            if (seg == "1") {
                if (j.kind == "validity") record_validity_changes(db, j.id);
                moved = transition(db, j, State::done,
                                   ", finished_at = now(), units = $4, rows_written = $5, matched = $6, unmatched = $7, held = $8, note = $9",
                                   {std::to_string(s.units), std::to_string(s.rows), std::to_string(s.matched),
                                    std::to_string(s.unmatched), std::to_string(s.held), text::replace_gaiji(note_for(j, s))});
            } else if (seg == "2" && !k.single_phase) {
                moved = transition(db, j, State::received);
            } else {
                moved = finish_failed(db, j, State::failed, "OQS ended the request (異常終了): " + s.header.error_code + " " + s.header.error_message);
            }
            ONSHI_FAILPOINT("mid_ingest");
            if (moved) tx.commit();
        } catch (const Error& e) {
            if (e.code() != Errc::malformed) throw;  // database/io: the job stays resumable
            finish_failed(db, j, State::failed, std::string("malformed result, nothing written: ") + e.what());
            return Ingested::not_moved;
        }
        if (!moved) return Ingested::not_moved;  // cancelled meanwhile: nothing of it was committed
        folder.retire_result(path, fac.archive_dir);
        const bool processing = s.header.segment_of_result == "2";
        if (processing) wait = backoff_ms(fac, j.poll_count);  // 処理中: ask again after the backoff
        progress(load(db, id), processing ? "処理中" : "結果を登録しました");
        return Ingested::moved;
    };
    constexpr long kPutOffMs = 100;  // no ingest slot free: look again soon

    switch (st) {
    case State::queued: {
        ONSHI_FAILPOINT("before_01req");
        const std::string name = request1_name(j);
        std::string body;
        try {
            body = build_request1(db, fac, j);
        } catch (const Error& e) {
            if (e.code() != Errc::usage) throw;
            finish_failed(db, j, State::failed, e.what());
            break;
        }
        folder.stage(name, body);
        if (!transition(db, j, State::requested, ", requested_at = now()")) break;
        folder.publish(name);
        ONSHI_FAILPOINT("after_01req");
        wait = fac.poll_interval_ms;
        progress(load(db, id), k.output == Output::pdf ? "要求を送信しました" : "一括取得依頼を送信しました");
        break;
    }
    case State::requested: {
        folder.publish(request1_name(j));  // staged before a crash: send it now
        const bool pdf = k.output == Output::pdf;
        if (auto err = folder.rejection(request1_name(j))) {
            finish_failed(db, j, State::failed, "OQS rejected the request (.err): " + *err);
        } else if (auto path = folder.stable_result(result1_stem(j), pdf ? std::vector<std::string>{".pdf", ".xml"} : std::vector<std::string>{".xml"})) {
            if (k.single_phase) {
                if (ingest(*path) == Ingested::put_off) wait = kPutOffMs;
                break;
            }
            if (pdf && path->ends_with(".pdf")) {
                if (store_pdf(db, fac, j, *path)) {
                    folder.retire_result(*path, "");
                    progress(load(db, id), "PDFを保存しました");
                }
                break;
            }
            ResultHeader h;
            try {
                h = read_header(*path);
            } catch (const Error& e) {
                if (e.code() != Errc::malformed) throw;
                finish_failed(db, j, State::failed, std::string("malformed 01res: ") + e.what());
                break;
            }
            if (pdf) {
                if (finish_failed(db, j, State::failed, "OQS answered " + h.result_code + ": " + h.message_contents))
                    folder.retire_result(*path, fac.archive_dir);
                break;
            }
            const std::string rn = h.body_reception_number.empty() ? h.reception_number : h.body_reception_number;
            if (rn.empty() || h.segment_of_result == "9") {
                finish_failed(db, j, State::failed, "OQS did not accept the request: " + h.error_code + " " + h.error_message);
            } else if (transition(db, j, State::received, ", reception_number = $4, received_at = now()", {rn})) {
                folder.retire_result(*path, fac.archive_dir);
                ONSHI_FAILPOINT("after_01res");
                progress(load(db, id), "受付番号を受け取りました");
            }
        } else if (j.seconds_in_state > fac.result_timeout_s) {
            finish_failed(db, j, State::expired, "no answer from OQS within " + std::to_string(fac.result_timeout_s) + " s");
        } else {
            wait = waiting_ms(fac, j.seconds_in_state);
            if (const auto soon = folder.next_look_ms(result1_stem(j), pdf ? std::vector<std::string>{".pdf", ".xml"} : std::vector<std::string>{".xml"}))
                wait = std::min(wait, *soon);  // a result is there, not settled yet: look again when it may be
        }
        break;
    }
    case State::received: {
        if (j.seconds_since_received > fac.result_timeout_s) {
            finish_failed(db, j, State::expired, "OQS was still 処理中 after " + std::to_string(fac.result_timeout_s) +
                                                     " s; 受付番号 " + j.reception_number + " is kept: orca-onshi resume " + std::to_string(j.id));
            break;
        }
        const int n = j.poll_count + 1;
        const std::string name = request2_name(j, n);
        folder.stage(name, oqs::write_phase2_request(fac.institution_code, j.reception_number));
        if (!transition(db, j, State::polling, ", poll_count = $4", {std::to_string(n)})) break;
        folder.publish(name);
        ONSHI_FAILPOINT("after_02req");
        wait = fac.poll_interval_ms;
        progress(load(db, id), "結果を問い合わせています");
        break;
    }
    case State::polling: {
        const int n = j.poll_count;
        folder.publish(request2_name(j, n));
        if (auto err = folder.rejection(request2_name(j, n))) {
            finish_failed(db, j, State::failed, "OQS rejected the result inquiry (.err): " + *err);
        } else if (auto path = folder.stable_result(result2_stem(j, n), xml_or_zip)) {
            if (ingest(*path) == Ingested::put_off) wait = kPutOffMs;
        } else if (j.seconds_since_received > fac.result_timeout_s) {
            finish_failed(db, j, State::expired, "no result from OQS within " + std::to_string(fac.result_timeout_s) +
                                                     " s; 受付番号 " + j.reception_number + " is kept: orca-onshi resume " + std::to_string(j.id));
        } else {
            wait = waiting_ms(fac, j.seconds_in_state);
            if (const auto soon = folder.next_look_ms(result2_stem(j, n), xml_or_zip)) wait = std::min(wait, *soon);
        }
        break;
    }
    default:
        throw Error(Errc::internal, "job " + std::to_string(id) + " is in state " + j.state + " with no step");
    }
    // When the next step is due (a finished job keeps its last next_at: it has none). Never after the
    // deadline of an answer awaited (result_timeout_s): a long wait or backoff must not end it late.
    Job after = load(db, id);
    if (after.finished()) return {after, 0};
    const State next = state_from_text(after.state);
    const double waited = next == State::requested ? after.seconds_in_state
                          : next == State::received || next == State::polling ? after.seconds_since_received : -1;
    if (waited >= 0) wait = std::min<long>(wait, std::max<long>(0, static_cast<long>((fac.result_timeout_s - waited) * 1000) + 50));
    db.exec("UPDATE onshi.job SET next_at = now() + $2 * interval '1 millisecond' WHERE id = $1 AND state NOT IN " + kFinal,
            {std::to_string(id), std::to_string(wait)});
    return {after, wait};
}

Job run(db::Connection& db, const app::Facility& fac, std::int64_t id, const RunOptions& opt, const Progress& progress) {
    JobLock lock(db, id);
    count_attempt(db, id);
    const auto transport = oqs::make_transport(fac);  // the shares, or HTTPS with a local spool
    const auto stop = [&] { return opt.should_stop && opt.should_stop(); };
    for (;;) {
        if (stop()) return load(db, id);
        const StepOutcome out = step(db, fac, *transport, id, opt, progress);
        if (out.job.finished()) return out.job;
        // Sleeps until the next step in short steps so a stop request is seen at once.
        for (long left = out.wait_ms; left > 0; left -= 100) {
            if (stop()) return load(db, id);
            g_usleep(static_cast<gulong>(std::min(left, 100L)) * 1000);
        }
    }
}


}  // namespace onshi::jobs
