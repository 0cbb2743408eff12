#include "p031_bridge/ingest.hpp"

#include "app/clock.hpp"
#include "app/gobject.hpp"
#include "core/dates.hpp"
#include "core/error.hpp"
#include "core/handle.hpp"
#include "core/log.hpp"
#include "core/text.hpp"
#include "onshi_batch/result_file.hpp"
#include "onshi_batch/validate.hpp"
#include "p031_bridge/match.hpp"
#include "p031_bridge/review.hpp"
#include "p031_bridge/star.hpp"
#include "p031_bridge/writer.hpp"

#include <glib.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

namespace onshi::bridge {
namespace {

// Units per batch: the first batches are small, so the later stages start (and PostgreSQL writes)
// while the parser is still at the start of the file; then kBatch.
constexpr std::size_t kFirstBatch = 125;
constexpr std::size_t kBatch = 1000;

// A random (version 4) UUID, made as g_uuid_string_random makes it (four g_rand_int, the version and
// variant bits, lower-case hex) but from this thread's own GRand, seeded from /dev/urandom by
// g_rand_new, instead of the process's shared one behind its lock, and written without printf: the
// map stage makes one for every row.
std::string new_uuid() {
    thread_local const Handle<GRand*, g_rand_free> rng(g_rand_new());
    unsigned char b[16];
    for (int i = 0; i < 4; ++i) {
        const guint32 v = g_rand_int(rng.get());
        for (int k = 0; k < 4; ++k) b[4 * i + k] = static_cast<unsigned char>(v >> (8 * k));
    }
    b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
    b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // variant 10xx
    static constexpr char hex[] = "0123456789abcdef";
    std::string s(36, '-');
    for (std::size_t i = 0, j = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) ++j;
        s[j++] = hex[b[i] >> 4];
        s[j++] = hex[b[i] & 15];
    }
    return s;
}

// Text a result echoes (its identifiers) for the module's own tables, in the same EUC_JP database
// (the server converts it): in the form ORCA's text takes, 外字 as 〓, so one such character cannot
// fail the whole file.
std::string storable_text(std::string_view s) {
    std::string v(s);
    text::to_storable_form_in_place(v);
    return text::first_gaiji(v).empty() ? v : text::replace_gaiji(v, kGeta);
}

// Which patients have a valid 公費 row with a given (負担者番号, 受給者番号): ORCA has no index on those
// columns (tbl_ptkohinf's only index is its primary key), so a query per batch would read the whole
// table each time (O(units × patients / batch)). Instead the table is read once per ingest into a
// sorted list of (hash of the key, ptid) — 16 bytes a row — and each batch confirms its candidates
// through the primary key (hospnum, ptid), comparing the columns themselves: a hash collision can add a
// candidate, never a match. Keys are the columns as bpchar equality sees them (trailing blanks are
// not significant).
using KohiIndex = std::vector<std::pair<std::size_t, Ptid>>;

std::size_t kohi_hash(const std::string& key) { return std::hash<std::string>{}(key); }

KohiIndex read_kohi_index(db::Connection& db, const std::string& hosp, const std::string& today) {
    const auto r = db.exec("SELECT x.ftnjanum::text, x.jkysnum::text, x.ptid FROM tbl_ptkohinf x"
                           " WHERE x.hospnum = $1 AND x.tekstymd <= $2 AND x.tekedymd >= $2 AND coalesce(x.sakjokbn, '') <> '1'",
                           {hosp, today});
    KohiIndex idx;
    idx.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) idx.emplace_back(kohi_hash(kohi_key(r.get(i, 0), r.get(i, 1))), r.num(i, 2));
    std::sort(idx.begin(), idx.end());
    return idx;
}

// Fetches what ORCA holds for the keys of a batch: a few queries, no per-unit round trips. The
// insurance and 公費 rows come without their patient; each patient (test flag, 患者番号) is read once
// per batch — most are known already from the 照会番号 query — so every key costs one index probe.
// The 公費 rows come from `kohi`, read at the first batch that needs it.
Lookups fetch_lookups(db::Connection& db, int hospnum, const std::string& today, const std::vector<BulkConfirmUnit>& units,
                      std::optional<KohiIndex>& kohi) {
    // Each key once, in the order first seen; a row that comes back names its key by its position
    // (WITH ORDINALITY): ORCA's columns equal the key (trimmed, as the key is), so they need not come
    // back as text.
    std::vector<std::string> ptnums;
    std::vector<std::string> ins_h, ins_k, ins_n, ins_key, kf, kj;
    std::unordered_set<std::string> ptnum_seen, ins_seen, kohi_seen;
    // A key goes to PostgreSQL as text the server converts to EUC_JP: one with a character that has no
    // form there would fail the whole statement (and so the file). Such a key finds nobody anyway (ORCA's
    // key columns hold ASCII, half-width kana and JIS X 0208 only): it is not sent.
    std::string euc;
    auto sendable = [&euc](const std::string& s) {
        euc.clear();
        return text::append_euc_jp(euc, s);
    };
    for (const auto& u : units) {
        if (auto r = normalize_ptnum(u.reference_number); !r.empty() && sendable(r) && ptnum_seen.insert(r).second)
            ptnums.push_back(std::move(r));
        for (const auto& r : u.results) {
            if (r.is_welfare()) {
                if (kohi_seen.insert(kohi_key_of(r)).second) {
                    kf.push_back(text::trim(r.insurer_number));
                    kj.push_back(text::trim(r.insured_identification_number));
                }
                continue;
            }
            std::string h = normalize_insurer_number(r.insurer_number), k = text::to_zenkaku(text::trim(r.insured_card_symbol)),
                        n = text::to_zenkaku(text::trim(r.insured_identification_number));
            std::string key = insurance_key(h, k, n);  // insurance_key_of(r): what the match stage looks for
            if (!ins_seen.insert(key).second) continue;
            // Sent in the form ORCA's columns hold them (the form the row is written in: U+2212 as
            // ORCA's A1DD, U+FF0D, ...).
            text::to_storable_form_in_place(k);
            text::to_storable_form_in_place(n);
            if (!sendable(h) || !sendable(k) || !sendable(n)) continue;
            ins_h.push_back(std::move(h));
            ins_k.push_back(std::move(k));
            ins_n.push_back(std::move(n));
            ins_key.push_back(std::move(key));
        }
    }
    // In the order of ORCA's indexes (C collation: byte order, near enough for EUC-JP's full-width
    // digits too), so that one probe after another reads neighbouring index pages.
    std::sort(ptnums.begin(), ptnums.end());
    {
        std::vector<std::size_t> order(ins_key.size());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
            return std::tie(ins_h[a], ins_k[a], ins_n[a]) < std::tie(ins_h[b], ins_k[b], ins_n[b]);
        });
        auto permute = [&order](std::vector<std::string>& v) {
            std::vector<std::string> out;
            out.reserve(v.size());
            for (std::size_t i : order) out.push_back(std::move(v[i]));
            v.swap(out);
        };
        permute(ins_h);
        permute(ins_k);
        permute(ins_n);
        permute(ins_key);
    }
    Lookups l;
    const std::string hosp = std::to_string(hospnum);
    std::unordered_map<Ptid, bool> test_of;  // every patient seen: test patient (or no tbl_ptinf row)?
    if (!ptnums.empty()) {
        const auto r = db.exec_prepared("SELECT k.i, x.ptid, (i.ptid IS NULL OR coalesce(i.tstptnumkbn, '') = '1')"
                               " FROM unnest($2::text[]) WITH ORDINALITY AS k(p, i) JOIN tbl_ptnum x ON x.hospnum = $1 AND x.ptnum = k.p::bpchar"
                               " LEFT JOIN tbl_ptinf i ON i.hospnum = x.hospnum AND i.ptid = x.ptid",
                               {hosp, db::text_array(ptnums)});
        for (int i = 0; i < r.rows(); ++i) {
            Patient p{r.num(i, 1), ptnums.at(static_cast<std::size_t>(r.num(i, 0) - 1)), r.get(i, 2) == "t"};
            l.ptnum_of[p.ptid] = p.ptnum;
            test_of[p.ptid] = p.test_patient;
            l.by_ptnum[p.ptnum] = std::move(p);
        }
    }
    std::set<Ptid> unknown;  // candidates' patients not read yet
    if (!ins_h.empty()) {
        const auto r = db.exec_prepared(
            "SELECT k.i, x.ptid, coalesce(x.hknnum, ''), coalesce(x.hojokbn, ''), coalesce(x.edaban, '')"
            " FROM tbl_pthkninf x JOIN unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS k(h, kg, nm, i)"
            "   ON x.hknjanum = k.h::bpchar AND x.kigo = k.kg AND x.num = k.nm"
            " WHERE x.hospnum = $1 AND x.tekstymd <= $5 AND x.tekedymd >= $5 AND coalesce(x.sakjokbn, '') <> '1'",
            {hosp, db::text_array(ins_h), db::text_array(ins_k), db::text_array(ins_n), today});
        for (int i = 0; i < r.rows(); ++i) {
            const Ptid ptid = r.num(i, 1);
            l.by_insurance[ins_key.at(static_cast<std::size_t>(r.num(i, 0) - 1))].push_back(
                InsuranceCandidate{ptid, r.str(i, 2), r.str(i, 3), text::trim(r.get(i, 4)), false});
            if (!test_of.contains(ptid)) unknown.insert(ptid);
        }
    }
    if (!kf.empty()) {
        if (!kohi) kohi = read_kohi_index(db, hosp, today);
        // The key's parts are trimmed already: equal to a row's columns without trailing blanks, they
        // are also the row's trim() (no leading blank either).
        std::set<std::string> keys;
        std::set<Ptid> cands;
        for (std::size_t i = 0; i < kf.size(); ++i) {
            const std::string key = kohi_key(kf[i], kj[i]);
            const auto h = kohi_hash(key);
            for (auto it = std::lower_bound(kohi->begin(), kohi->end(), std::make_pair(h, Ptid{})); it != kohi->end() && it->first == h; ++it)
                cands.insert(it->second);
            keys.insert(key);
        }
        if (!cands.empty()) {
            std::vector<std::string> ids;
            for (Ptid p : cands) ids.push_back(std::to_string(p));
            const auto r = db.exec_prepared("SELECT x.ftnjanum::text, x.jkysnum::text, x.ptid FROM tbl_ptkohinf x"
                                   " WHERE x.hospnum = $1 AND x.ptid = ANY ($2::bigint[]) AND x.tekstymd <= $3 AND x.tekedymd >= $3"
                                   " AND coalesce(x.sakjokbn, '') <> '1'",
                                   {hosp, db::text_array(ids), today});
            for (int i = 0; i < r.rows(); ++i) {
                std::string key = kohi_key(r.get(i, 0), r.get(i, 1));
                if (!keys.contains(key)) continue;
                const Ptid ptid = r.num(i, 2);
                l.by_kohi[std::move(key)].push_back(KohiCandidate{ptid, false});
                if (!test_of.contains(ptid)) unknown.insert(ptid);
            }
        }
    }
    if (!unknown.empty()) {
        std::vector<std::string> ids;
        for (Ptid p : unknown) ids.push_back(std::to_string(p));
        const auto r = db.exec_prepared("SELECT p.id, (i.ptid IS NULL OR coalesce(i.tstptnumkbn, '') = '1'), coalesce(trim(n.ptnum), '')"
                               " FROM unnest($2::bigint[]) AS p(id)"
                               " LEFT JOIN tbl_ptinf i ON i.hospnum = $1 AND i.ptid = p.id"
                               " LEFT JOIN tbl_ptnum n ON n.hospnum = $1 AND n.ptid = p.id",
                               {hosp, db::text_array(ids)});
        for (int i = 0; i < r.rows(); ++i) {
            const Ptid ptid = r.num(i, 0);
            test_of[ptid] = r.get(i, 1) == "t";
            if (!r.get(i, 2).empty()) l.ptnum_of[ptid] = r.str(i, 2);
        }
    }
    for (auto& [key, cands] : l.by_insurance)
        for (auto& c : cands) c.test_patient = test_of[c.ptid];
    for (auto& [key, cands] : l.by_kohi)
        for (auto& c : cands) c.test_patient = test_of[c.ptid];
    return l;
}

// One stage of the ingest pipeline on a thread of its own: parse (the caller's thread) → look up (ORCA's
// patients for the batch's keys, on a second connection) → map (the row recipes, the COPY text) → write
// (the ingest's own connection, the caller's transaction). While PostgreSQL takes batch k, batch k+1 is
// being mapped, k+2 looked up and k+3 parsed.
// At most kQueued items wait before each stage, so memory stays flat whatever the file's size. An error
// in a stage reaches the one before it at its next push, and the caller at finish(). The destructor
// stops and joins (the caller is abandoning the ingest: its transaction rolls back).
template <class T>
class Stage {
public:
    static constexpr std::size_t kQueued = 2;
    // `start` runs first on the stage's thread (while the stages before it get their first item ready);
    // its error is the stage's error, as work's is.
    explicit Stage(std::function<void(T&)> work, std::function<void()> start = {})
        : work_(std::move(work)), start_(std::move(start)), th_([this] { run(); }) {}
    Stage(const Stage&) = delete;
    Stage& operator=(const Stage&) = delete;
    ~Stage() {
        {
            std::lock_guard lock(mu_);
            stop_ = true;
        }
        cv_.notify_all();
        if (th_.joinable()) th_.join();
    }

    void push(T&& item) {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return q_.size() < kQueued || err_; });
        if (err_) std::rethrow_exception(err_);
        q_.push_back(std::move(item));
        cv_.notify_all();
    }

    // Everything pushed is done (or the stage's error is thrown).
    void finish() {
        {
            std::lock_guard lock(mu_);
            done_ = true;
        }
        cv_.notify_all();
        if (th_.joinable()) th_.join();
        if (err_) std::rethrow_exception(err_);
    }

private:
    void run() {
        if (start_) {
            try {
                start_();
            } catch (...) {
                std::lock_guard lock(mu_);
                err_ = std::current_exception();
                cv_.notify_all();
                return;
            }
        }
        for (;;) {
            T item;
            {
                std::unique_lock lock(mu_);
                cv_.wait(lock, [this] { return !q_.empty() || done_ || stop_; });
                if (stop_ || q_.empty()) return;  // stopped, or done with nothing left
                item = std::move(q_.front());
                q_.pop_front();
                cv_.notify_all();
            }
            try {
                const auto t0 = std::chrono::steady_clock::now();
                work_(item);
                busy_ms_ += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
            } catch (...) {
                std::lock_guard lock(mu_);
                err_ = std::current_exception();
                cv_.notify_all();
                return;
            }
        }
    }

public:
    double busy_ms_ = 0;  // time spent working (read after finish())

private:
    std::function<void(T&)> work_;
    std::function<void()> start_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<T> q_;
    bool done_ = false, stop_ = false;
    std::exception_ptr err_;
    std::thread th_;  // last: started once everything above is ready
};

// A batch of units with what ORCA holds for their keys.
struct Looked {
    std::vector<BulkConfirmUnit> units;
    Lookups lookups;
};

// What one batch writes, ready for the database.
struct BatchOut {
    std::string kaku, audit, review;  // COPY text
    CopyText kaku_text = CopyText::utf8;
    std::vector<HoumonRow> houmon;
    std::vector<AidRow> aid;
};

void write_batch(db::Connection& db, const OrcaColumns& cols, int hospnum, const std::string& ymd, const std::string& hms,
                 const BatchOut& b) {
    if (!b.kaku.empty()) copy_kaku(db, cols, b.kaku, b.kaku_text);
    write_houmon(db, cols, hospnum, b.houmon, ymd, hms);
    copy_aid(db, cols, hospnum, b.aid, ymd, hms);
    if (!b.review.empty()) {
        db::Connection::Copy r(db, "COPY onshi.review (hospnum, file_id, seq, kind, reason, ptid, tbl_uuids, payload) FROM STDIN");
        r.put(b.review);
        r.finish();
    }
    db::Connection::Copy a(db, "COPY onshi.result_unit (file_id, seq, sikibetu, status, reason, ptid, match_how, flags, tbl_uuids) FROM STDIN");
    a.put(b.audit);
    a.finish();
}

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
             std::filesystem::path(path_).filename().string(), storable_text(h.arbitrary_file_identifier), storable_text(h.reception_number),
             kakuninymd_of(h)});
        if (r.rows() == 0) {
            sum_.duplicate = true;
            throw Duplicate{};
        }
        file_id_ = r.str(0, 0);
        start_stages();
    }

    void on_unit(BulkConfirmUnit&& u) override {
        if (sum_.header.segment_of_result != "1")
            throw Error(Errc::malformed, path_ + ": units in a result whose SegmentOfResult is " + sum_.header.segment_of_result);
        ++sum_.units;
        oqs::validate_unit(u, sum_.units);
        batch_.push_back(std::move(u));
        if (batch_.size() >= batch_size_) flush();
    }

    IngestSummary finish() {
        flush();
        if (looker_) looker_->finish();  // every batch looked up ...
        if (mapper_) mapper_->finish();  // ... mapped (the map stage's counters are final) ...
        if (writer_) writer_->finish();  // ... and written, before the totals
        if (mapper_)
            log::debug("ingest pipeline: patient lookups %.0f ms, map %.0f ms, write %.0f ms, %d units", looker_->busy_ms_, mapper_->busy_ms_,
                       writer_->busy_ms_, static_cast<int>(sum_.units));
        looker_.reset();
        mapper_.reset();
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
    // The stages, started once on_header's INSERT is done: from then on only the write stage uses db_
    // until finish(). Each gets ready while the first units are parsed: the write stage reads a newer
    // ORCA's columns, the lookup stage opens its connection.
    void start_stages() {
        writer_ = std::make_unique<Stage<BatchOut>>(
            [this](BatchOut& b) { write_batch(db_, orca_cols_ ? *orca_cols_ : OrcaColumns{}, opt_.hospnum, ctx_.now_ymd, ctx_.now_hms, b); },
            [this] {
                if (opt_.write_rows) orca_cols_ = read_orca_columns(db_);
            });
        mapper_ = std::make_unique<Stage<Looked>>([this](Looked& b) { map_batch(b.units, b.lookups); });
        looker_ = std::make_unique<Stage<std::vector<BulkConfirmUnit>>>(
            [this](std::vector<BulkConfirmUnit>& units) {
                Looked b{std::move(units), {}};
                if (opt_.write_rows) b.lookups = fetch_lookups(*lookup_db_, opt_.hospnum, ctx_.now_ymd, b.units, kohi_);
                mapper_->push(std::move(b));
            },
            [this] {
                if (!opt_.write_rows) return;
                lookup_db_ = std::make_unique<db::Connection>(db_.conninfo());
                // The lookups are prepared once per ingest (exec_prepared) and planned once: the plan
                // for any batch probes ORCA's indexes key by key (nested loops over unnest), whatever
                // the batch's size, with no parse or plan per batch.
                lookup_db_->run("SET plan_cache_mode = force_generic_plan");
            });
    }

    // Hands the batch to the lookup stage; the next one may be larger (kFirstBatch doubling to kBatch).
    void flush() {
        if (batch_.empty()) return;
        looker_->push(std::move(batch_));
        batch_.clear();
        batch_size_ = std::min(kBatch, batch_size_ * 2);
        batch_.reserve(batch_size_);
    }

    // The map stage: the rows of a batch (its patients looked up by the stage before), the COPY text;
    // then to the write stage.
    void map_batch(const std::vector<BulkConfirmUnit>& units, const Lookups& l) {
        BatchOut b;
        std::string &kaku = b.kaku, &audit = b.audit, &review = b.review;
        kaku.reserve(units.size() * 768);  // a ★ row is ≈ 600 bytes of COPY text: no regrowth copies
        std::string kaku_euc;              // the same rows in EUC-JP
        kaku_euc.reserve(units.size() * 768);
        bool all_euc = true;
        std::vector<HoumonRow>& houmon = b.houmon;
        std::vector<AidRow>& aid = b.aid;
        for (const auto& u : units) {
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
            if (opt_.style == Style::consent) out = map_consent(sum_.header, u, m, opt_.treatment_flag, ctx_);
            else out.kaku = map_star(sum_.header, u, m, ptnum == l.ptnum_of.end() ? std::string() : ptnum->second, ctx_);
            std::set<std::string> cut;
            for (auto& row : out.kaku)
                for (auto& c : fit_to_orca(row)) cut.insert(c);
            // The unit's rows as COPY text, and in EUC-JP: a unit whose every character converts has
            // no 外字 (append_euc_jp converts exactly what first_gaiji lets through), so hold_reason
            // only looks for ● then.
            std::string lines;
            for (const auto& row : out.kaku) append_kaku_copy_line(lines, row);
            const std::size_t euc_at = kaku_euc.size();
            const bool fits = text::append_euc_jp(kaku_euc, lines);
            auto hold = hold_reason(out.kaku, fits ? Gaiji::absent : Gaiji::unknown);
            if (const auto why = fit_consent_to_orca(out.houmon, out.aid); why && !hold) hold = why;
            std::string flags;
            if (m.ambiguous) flags += "ambiguous ";
            if (m.conflict) flags += "conflict ";
            for (const auto& c : cut) flags += "cut:" + c + " ";
            std::vector<std::string> uuids;
            if (hold) {
                kaku_euc.resize(euc_at);  // not written
                ++sum_.held;
                log::info("unit %d held for review (%s); 照会番号 %s", seq_, hold->c_str(), log::mask(u.reference_number).c_str());
                review_line(review, "held", *hold, ptid, {}, to_payload(out.kaku, out.houmon, out.aid));
            } else {
                kaku += lines;
                all_euc = all_euc && fits;
                for (const auto& row : out.kaku) uuids.push_back(row[Col::tbl_uuid]);
                houmon.insert(houmon.end(), out.houmon.begin(), out.houmon.end());
                aid.insert(aid.end(), out.aid.begin(), out.aid.end());
                sum_.rows += out.kaku.size();
                (ptid ? sum_.matched : sum_.unmatched) += 1;
                if (const auto why = flag_reason(u, m); !why.empty()) review_line(review, "flagged", why, ptid, uuids, "");
            }
            record_unit(audit, u, hold ? "held" : "written", hold.value_or(""), hold ? 0 : ptid, m.how, text::trim(flags), uuids);
        }
        // ORCA's rows go in the database's own encoding, so PostgreSQL converts none of their text.
        // Every character of a row that is not held fits, so the batch is all EUC-JP; were a written
        // unit ever not to convert, the batch would go as UTF-8, as before.
        if (all_euc) {
            kaku.swap(kaku_euc);
            b.kaku_text = CopyText::euc_jp;
        }
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
        for (const auto& v : {file_id_, std::to_string(seq_), storable_text(u.search.arbitrary_identifier), std::string(status), reason,
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
    std::optional<OrcaColumns> orca_cols_;  // the write stage's
    IngestSummary sum_;
    std::string file_id_;
    std::vector<BulkConfirmUnit> batch_;
    std::size_t batch_size_ = kFirstBatch;
    int seq_ = 0;
    std::unique_ptr<db::Connection> lookup_db_;  // ORCA's patients, read by the lookup stage while the write stage has db_
    std::optional<KohiIndex> kohi_;              // the lookup stage's
    // Last, in this order: when the ingest is abandoned the lookup stage stops first, then the map
    // stage, then the write stage (each stops after the one that feeds it).
    std::unique_ptr<Stage<BatchOut>> writer_;
    std::unique_ptr<Stage<Looked>> mapper_;
    std::unique_ptr<Stage<std::vector<BulkConfirmUnit>>> looker_;
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
