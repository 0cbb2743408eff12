#include "p031_bridge/ingest.hpp"

#include "core/dates.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/text.hpp"
#include "onshi_batch/result_file.hpp"
#include "onshi_batch/validate.hpp"
#include "p031_bridge/match.hpp"
#include "p031_bridge/star.hpp"
#include "p031_bridge/writer.hpp"

#include <glib.h>

#include <condition_variable>
#include <deque>
#include <exception>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

namespace onshi::bridge {
namespace {

constexpr std::size_t kBatch = 1000;

std::string new_uuid() {
    gchar* u = g_uuid_string_random();
    std::string s(u);
    g_free(u);
    return s;
}

// Fetches what ORCA holds for the keys of a batch: three queries, no per-unit round trips.
Lookups fetch_lookups(db::Connection& db, int hospnum, const std::string& today, const std::vector<BulkConfirmUnit>& units) {
    std::set<std::string> ptnums, kohi_f, kohi_j;
    std::vector<std::string> ins_h, ins_k, ins_n, kf, kj;
    std::set<std::string> ins_seen, kohi_seen;
    for (const auto& u : units) {
        if (auto r = normalize_ptnum(u.reference_number); !r.empty()) ptnums.insert(r);
        for (const auto& r : u.results) {
            if (r.is_welfare()) {
                if (kohi_seen.insert(kohi_key_of(r)).second) {
                    kf.push_back(text::trim(r.insurer_number));
                    kj.push_back(text::trim(r.insured_identification_number));
                }
            } else if (ins_seen.insert(insurance_key_of(r)).second) {
                ins_h.push_back(normalize_insurer_number(r.insurer_number));
                ins_k.push_back(text::to_zenkaku(text::trim(r.insured_card_symbol)));
                ins_n.push_back(text::to_zenkaku(text::trim(r.insured_identification_number)));
            }
        }
    }
    Lookups l;
    const std::string hosp = std::to_string(hospnum);
    static const std::string kTest = "(i.ptid IS NULL OR coalesce(i.tstptnumkbn, '') = '1')";
    static const std::string kJoin =
        " LEFT JOIN tbl_ptinf i ON i.hospnum = x.hospnum AND i.ptid = x.ptid"
        " LEFT JOIN tbl_ptnum n ON n.hospnum = x.hospnum AND n.ptid = x.ptid";
    if (!ptnums.empty()) {
        const auto r = db.exec("SELECT trim(x.ptnum), x.ptid, " + kTest + " FROM tbl_ptnum x"
                               " LEFT JOIN tbl_ptinf i ON i.hospnum = x.hospnum AND i.ptid = x.ptid"
                               " WHERE x.hospnum = $1 AND x.ptnum = ANY ($2::bpchar[])",
                               {hosp, db::text_array({ptnums.begin(), ptnums.end()})});
        for (int i = 0; i < r.rows(); ++i) {
            Patient p{r.num(i, 1), r.str(i, 0), r.get(i, 2) == "t"};
            l.ptnum_of[p.ptid] = p.ptnum;
            l.by_ptnum[p.ptnum] = std::move(p);
        }
    }
    if (!ins_h.empty()) {
        const auto r = db.exec(
            "SELECT trim(x.hknjanum), x.kigo, x.num, x.ptid, coalesce(x.hknnum, ''), coalesce(x.hojokbn, ''),"
            " coalesce(x.edaban, ''), " + kTest + ", coalesce(trim(n.ptnum), '')"
            " FROM tbl_pthkninf x JOIN unnest($2::text[], $3::text[], $4::text[]) AS k(h, kg, nm)"
            "   ON x.hknjanum = k.h::bpchar AND x.kigo = k.kg AND x.num = k.nm" + kJoin +
            " WHERE x.hospnum = $1 AND x.tekstymd <= $5 AND x.tekedymd >= $5 AND coalesce(x.sakjokbn, '') <> '1'",
            {hosp, db::text_array(ins_h), db::text_array(ins_k), db::text_array(ins_n), today});
        for (int i = 0; i < r.rows(); ++i) {
            const Ptid ptid = r.num(i, 3);
            l.by_insurance[insurance_key(r.get(i, 0), r.get(i, 1), r.get(i, 2))].push_back(
                InsuranceCandidate{ptid, r.str(i, 4), r.str(i, 5), text::trim(r.get(i, 6)), r.get(i, 7) == "t"});
            if (!r.get(i, 8).empty()) l.ptnum_of[ptid] = r.str(i, 8);
        }
    }
    if (!kf.empty()) {
        const auto r = db.exec(
            "SELECT trim(x.ftnjanum), trim(x.jkysnum), x.ptid, " + kTest + ", coalesce(trim(n.ptnum), '')"
            " FROM tbl_ptkohinf x JOIN unnest($2::text[], $3::text[]) AS k(f, j)"
            "   ON x.ftnjanum = k.f::bpchar AND x.jkysnum = k.j::bpchar" + kJoin +
            " WHERE x.hospnum = $1 AND x.tekstymd <= $4 AND x.tekedymd >= $4 AND coalesce(x.sakjokbn, '') <> '1'",
            {hosp, db::text_array(kf), db::text_array(kj), today});
        for (int i = 0; i < r.rows(); ++i) {
            const Ptid ptid = r.num(i, 2);
            l.by_kohi[kohi_key(r.get(i, 0), r.get(i, 1))].push_back(KohiCandidate{ptid, r.get(i, 3) == "t"});
            if (!r.get(i, 4).empty()) l.ptnum_of[ptid] = r.str(i, 4);
        }
    }
    return l;
}

// What one batch writes, ready for the database.
struct BatchOut {
    std::string kaku, audit, review;  // COPY text
    std::vector<HoumonRow> houmon;
    std::vector<AidRow> aid;
};

// The batches' writes on the ingest's own connection (the caller's transaction), on a thread of their
// own: while PostgreSQL takes batch k, the next one is parsed, matched and mapped (the patient lookups
// use a second connection). At most kQueued batches wait, so memory stays flat whatever the file's size.
// The parsing side never uses the connection while the writer runs; finish() and the destructor join.
class Writer {
public:
    static constexpr std::size_t kQueued = 2;
    Writer(db::Connection& db, int hospnum, std::string file_id, std::string ymd, std::string hms)
        : db_(db), hospnum_(hospnum), file_id_(std::move(file_id)), ymd_(std::move(ymd)), hms_(std::move(hms)), th_([this] { run(); }) {}
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;
    ~Writer() {
        {
            std::lock_guard lock(mu_);
            stop_ = true;
        }
        cv_.notify_all();
        if (th_.joinable()) th_.join();
    }

    void push(BatchOut&& b) {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return q_.size() < kQueued || err_; });
        if (err_) std::rethrow_exception(err_);
        q_.push_back(std::move(b));
        cv_.notify_all();
    }

    // Every batch written (or the writer's error).
    void finish() {
        {
            std::unique_lock lock(mu_);
            done_ = true;
            cv_.notify_all();
        }
        th_.join();
        if (err_) std::rethrow_exception(err_);
    }

private:
    void run() {
        for (;;) {
            BatchOut b;
            {
                std::unique_lock lock(mu_);
                cv_.wait(lock, [this] { return !q_.empty() || done_ || stop_; });
                if (stop_ || q_.empty()) return;  // stopped, or done with nothing left
                b = std::move(q_.front());
                q_.pop_front();
                cv_.notify_all();
            }
            try {
                write(b);
            } catch (...) {
                std::lock_guard lock(mu_);
                err_ = std::current_exception();
                cv_.notify_all();
                return;
            }
        }
    }

    void write(const BatchOut& b) {
        if (!b.kaku.empty()) copy_kaku(db_, b.kaku);
        write_houmon(db_, hospnum_, b.houmon, ymd_, hms_);
        copy_aid(db_, hospnum_, b.aid, ymd_, hms_);
        if (!b.review.empty()) {
            db::Connection::Copy r(db_, "COPY onshi.review (hospnum, file_id, seq, kind, reason, ptid, tbl_uuids, payload) FROM STDIN");
            r.put(b.review);
            r.finish();
        }
        db::Connection::Copy a(db_, "COPY onshi.result_unit (file_id, seq, sikibetu, status, reason, ptid, match_how, flags, tbl_uuids) FROM STDIN");
        a.put(b.audit);
        a.finish();
    }

    db::Connection& db_;
    int hospnum_;
    std::string file_id_, ymd_, hms_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<BatchOut> q_;
    bool done_ = false, stop_ = false;
    std::exception_ptr err_;
    std::thread th_;  // last: started once everything above is ready
};

class Ingester final : public oqs::ResultSink {
public:
    Ingester(db::Connection& db, std::string path, const IngestOptions& opt) : db_(db), path_(std::move(path)), opt_(opt) {
        ctx_.hospnum = opt.hospnum;
        ctx_.opid = opt.opid;
        ctx_.termid = opt.termid;
        ctx_.now_ymd = dates::today();
        ctx_.now_hms = dates::now_hms();
        ctx_.new_uuid = new_uuid;
    }

    void on_header(const ResultHeader& h) override {
        oqs::validate_header(h);
        sum_.header = h;
        if (h.segment_of_result != "1") return;  // 処理中 / 異常終了: nothing to write
        if (!opt_.institution_code.empty() && h.medical_institution_code != opt_.institution_code)
            throw Error(Errc::malformed, path_ + ": the result is for 医療機関コード " + h.medical_institution_code +
                                             ", not this facility's " + opt_.institution_code);
        ctx_.file_sikibetu = h.arbitrary_file_identifier;
        const std::string key = h.reception_number.empty() ? "S:" + oqs::file_sha256(path_) : "R:" + h.reception_number;
        const auto r = db_.exec(
            "INSERT INTO onshi.result_file (hospnum, result_key, job_id, file_name, file_identifier, reception_number, kakuninymd)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (hospnum, result_key) DO NOTHING RETURNING id",
            {std::to_string(opt_.hospnum), key, opt_.job_id ? db::Param(std::to_string(*opt_.job_id)) : std::nullopt,
             std::filesystem::path(path_).filename().string(), h.arbitrary_file_identifier, h.reception_number, kakuninymd_of(h)});
        if (r.rows() == 0) {
            sum_.duplicate = true;
            throw Duplicate{};
        }
        file_id_ = r.str(0, 0);
    }

    void on_unit(BulkConfirmUnit&& u) override {
        if (sum_.header.segment_of_result != "1")
            throw Error(Errc::malformed, path_ + ": units in a result whose SegmentOfResult is " + sum_.header.segment_of_result);
        ++sum_.units;
        oqs::validate_unit(u, sum_.units);
        batch_.push_back(std::move(u));
        if (batch_.size() >= kBatch) flush();
    }

    IngestSummary finish() {
        flush();
        if (writer_) writer_->finish();  // every batch is in before the totals
        writer_.reset();
        const auto& h = sum_.header;
        if (h.segment_of_result == "1" && !h.number_of_processing_result.empty() &&
            std::stoul(h.number_of_processing_result) != sum_.units)
            throw Error(Errc::malformed, path_ + ": NumberOfProcessingResult says " + h.number_of_processing_result +
                                             " but the file holds " + std::to_string(sum_.units) + " units");
        if (!file_id_.empty())
            db_.exec("UPDATE onshi.result_file SET units = $2, rows_written = $3, matched = $4, unmatched = $5, held = $6 WHERE id = $1",
                     {file_id_, std::to_string(sum_.units), std::to_string(sum_.rows), std::to_string(sum_.matched),
                      std::to_string(sum_.unmatched), std::to_string(sum_.held)});
        return sum_;
    }

    struct Duplicate {};
    IngestSummary& summary() { return sum_; }

private:
    void flush() {
        if (batch_.empty()) return;
        if (opt_.write_rows && !lookup_db_) lookup_db_ = std::make_unique<db::Connection>(db_.conninfo());
        const Lookups l = opt_.write_rows ? fetch_lookups(*lookup_db_, opt_.hospnum, ctx_.now_ymd, batch_) : Lookups{};
        BatchOut b;
        std::string &kaku = b.kaku, &audit = b.audit, &review = b.review;
        std::vector<HoumonRow>& houmon = b.houmon;
        std::vector<AidRow>& aid = b.aid;
        for (const auto& u : batch_) {
            ++seq_;
            ++sum_.by_validity[u.qualification_validity];
            if (u.processing_result_status == "2") ++sum_.unit_errors;
            if (!opt_.write_rows) {
                record_unit(audit, u, u.processing_result_status == "1" ? "registered" : "rejected",
                            text::replace_gaiji(text::trim(u.processing_result_code + " " + u.processing_result_message)), 0, How::none, "", {});
                continue;
            }
            const UnitMatch m = resolve(u, l);
            const Ptid ptid = m.ptid();
            const auto ptnum = l.ptnum_of.find(ptid);
            ConsentRows out;
            if (opt_.style == "consent") out = map_consent(sum_.header, u, m, opt_.treatment_flag, ctx_);
            else out.kaku = map_star(sum_.header, u, m, ptnum == l.ptnum_of.end() ? std::string() : ptnum->second, ctx_);
            std::set<std::string> cut;
            for (auto& row : out.kaku)
                for (auto& c : fit_to_orca(row)) cut.insert(c);
            const auto hold = hold_reason(out.kaku);
            std::string flags;
            if (m.ambiguous) flags += "ambiguous ";
            if (m.conflict) flags += "conflict ";
            for (const auto& c : cut) flags += "cut:" + c + " ";
            std::vector<std::string> uuids;
            if (hold) {
                ++sum_.held;
                log::info("unit %d held for review (%s); 照会番号 %s", seq_, hold->c_str(), log::mask(u.reference_number).c_str());
                review_line(review, "held", *hold, ptid, {}, to_payload(out.kaku, out.houmon, out.aid));
            } else {
                for (const auto& row : out.kaku) {
                    kaku += kaku_copy_line(row);
                    uuids.push_back(row[Col::tbl_uuid]);
                }
                houmon.insert(houmon.end(), out.houmon.begin(), out.houmon.end());
                aid.insert(aid.end(), out.aid.begin(), out.aid.end());
                sum_.rows += out.kaku.size();
                (ptid ? sum_.matched : sum_.unmatched) += 1;
                if (const auto why = flag_reason(u, m); !why.empty()) review_line(review, "flagged", why, ptid, uuids, "");
            }
            record_unit(audit, u, hold ? "held" : "written", hold.value_or(""), hold ? 0 : ptid, m.how, text::trim(flags), uuids);
        }
        batch_.clear();
        if (!writer_) writer_ = std::make_unique<Writer>(db_, opt_.hospnum, file_id_, ctx_.now_ymd, ctx_.now_hms);
        writer_->push(std::move(b));
    }

    // One line of onshi.review in COPY text format (payload as bytea hex, or NULL).
    void review_line(std::string& out, const char* kind, const std::string& reason, Ptid ptid, const std::vector<std::string>& uuids,
                     const std::string& payload) const {
        for (const auto& v : {std::to_string(opt_.hospnum), file_id_, std::to_string(seq_), std::string(kind),
                              text::replace_gaiji(reason), std::to_string(ptid), db::text_array(uuids)}) {
            db::append_copy_value(out, v);
            out += '\t';
        }
        if (payload.empty()) {
            out += "\\N";
        } else {
            static constexpr char hex[] = "0123456789abcdef";
            out += "\\\\x";
            for (unsigned char ch : payload) {
                out += hex[ch >> 4];
                out += hex[ch & 15];
            }
        }
        out += '\n';
    }

    // One line of onshi.result_unit in COPY text format.
    void record_unit(std::string& audit, const BulkConfirmUnit& u, const char* status, const std::string& reason, Ptid ptid,
                     How how, const std::string& flags, const std::vector<std::string>& uuids) const {
        for (const auto& v : {file_id_, std::to_string(seq_), u.search.arbitrary_identifier, std::string(status), reason,
                              std::to_string(ptid), std::string(how_name(how)), flags}) {
            db::append_copy_value(audit, v);
            audit += '\t';
        }
        audit += db::text_array(uuids);
        audit += '\n';
    }

    db::Connection& db_;
    std::string path_;
    const IngestOptions& opt_;
    WriteContext ctx_;
    IngestSummary sum_;
    std::string file_id_;
    std::vector<BulkConfirmUnit> batch_;
    int seq_ = 0;
    std::unique_ptr<db::Connection> lookup_db_;  // ORCA's patients, read while the writer has db_
    std::unique_ptr<Writer> writer_;             // last: joined first when the ingest is abandoned
};

}  // namespace

IngestSummary ingest_file(db::Connection& db, const std::string& path, const IngestOptions& opt) {
    Ingester ing(db, path, opt);
    try {
        oqs::read_result_file(path, ing);
    } catch (const Ingester::Duplicate&) {
        log::info("result %s was ingested before; nothing written", std::filesystem::path(path).filename().c_str());
        return ing.summary();
    }
    return ing.finish();
}

std::string default_termid() {
    std::string t = std::string("orca-onshi@") + g_get_host_name();
    return t.substr(0, 64);
}

}  // namespace onshi::bridge
