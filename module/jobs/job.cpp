#include "jobs/job.hpp"

#include "app/clock.hpp"
#include "core/dates.hpp"
#include "core/error.hpp"
#include "core/failpoint.hpp"
#include "core/log.hpp"
#include "core/text.hpp"
#include "onshi_batch/card_request.hpp"
#include "onshi_batch/codec.hpp"
#include "onshi_batch/result_file.hpp"
#include "p031_bridge/ingest.hpp"
#include "p031_bridge/orca_store.hpp"

#include <glib.h>
#include <sys/stat.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>

namespace onshi::jobs {
namespace {

// Keeps ORCA's tbl_jobkanri row of a job ORCA started in step, as ORCA's own client and batch do
// (orca-tables.md §2.1): 0002 受付完了 with the 受付番号 in yobi; 0003 確認完了 with the counts, or
// with syokbn 9 and the error in yobi. P0311 shows these to the user.
void sync_jobkanri(db::Connection& db, std::int64_t id, State to) {
    const auto link = queue::orca_link(db, id);
    if (!link) return;
    const bridge::orca::JobkanriRow row{link->hospnum, link->jobid, link->shellid};
    if (to == State::received) bridge::orca::mark_jobkanri_received(db, row, link->reception_number);
    else if (to == State::done) bridge::orca::mark_jobkanri_done(db, row, link->units, link->unit_errors);
    else if (to == State::failed || to == State::expired || to == State::cancelled) bridge::orca::mark_jobkanri_failed(db, row, link->error);
}

// Moves the job on from the state it was loaded in. False when another hand moved it first
// (cancel, or a second runner): the caller reloads and sees.
bool move_on(db::Connection& db, const Job& j, State to, const queue::Change& change = {}) {
    if (!queue::transition(db, j, to, change)) return false;
    if (j.orca_jobid) sync_jobkanri(db, j.id, to);
    return true;
}

// `why` may quote OQS (an .err file, ErrorMessage): only what ORCA's EUC_JP database can hold is stored.
bool finish_failed(db::Connection& db, const Job& j, State state, const std::string& why) {
    log::warning("job %lld %s: %s", static_cast<long long>(j.id), std::string(to_text(state)).c_str(), why.c_str());
    queue::Change c;
    c.error = text::replace_gaiji(why);
    c.finished_now = true;
    return move_on(db, j, state, c);
}

// Holds the job for this run (session advisory lock): two runs never drive one job. A run that was
// just killed may keep its lock until PostgreSQL notices the closed connection: wait a few seconds.
class JobLock {
public:
    JobLock(db::Connection& db, std::int64_t id) : db_(db), id_(id) {
        for (int tries = 0; !queue::try_lock(db_, id_); ++tries) {
            if (tries == 100) throw Error(Errc::database, "job " + std::to_string(id_) + " is being run by another process");
            g_usleep(100 * 1000);
        }
    }
    ~JobLock() {
        try { queue::release_claim(db_, id_); } catch (...) {}
    }
    JobLock(const JobLock&) = delete;
    JobLock& operator=(const JobLock&) = delete;

private:
    db::Connection& db_;
    std::int64_t id_;
};

struct PdfTarget {
    std::int64_t ptid = 0;
    oqs::DocumentRequest req;
};

// The newest stored 保険 result of the patient that carries the consent a PDF kind needs.
bridge::orca::ConsentedInsurance consented_result(db::Connection& db, int hospnum, const std::string& ptnum, Kind kind) {
    const bool drug = kind == Kind::pdf_drug;
    auto r = bridge::orca::consented_insurance(db, hospnum, ptnum, drug);
    if (!r)
        throw Error(Errc::usage, "patient " + ptnum + " has no stored qualification result with consent to " +
                                     (drug ? "薬剤情報 (PharmacistsInfoConsFlg 1)" : "特定健診情報 (SpecificHealthCheckupsInfoConsFlg 1)") +
                                     ": nothing is asked of OQS without consent");
    return *r;
}

// The patient of a PDF job and the request for it. Throws Error(usage) without consent.
PdfTarget pdf_target(db::Connection& db, const app::Facility& fac, const Job& j) {
    const bool drug = j.kind == Kind::pdf_drug;
    const auto r = consented_result(db, j.hospnum, j.params.ptnum, j.kind);
    PdfTarget t;
    t.ptid = r.ptid;
    auto& q = t.req;
    q.medical_institution_code = fac.institution_code;
    q.insurer_number = r.insurer_number;
    q.insurance_card_symbol = text::trim(text::to_hankaku_ascii(r.symbol));
    q.insured_person_identification_number = text::trim(text::to_hankaku_ascii(r.number));
    q.branch_number = r.branch;
    q.arbitrary_file_identifier = j.file_identifier;
    q.medical_treatment_flag = r.treatment_flag.empty() ? "2" : r.treatment_flag;
    if (drug) {  // the last three years, by month
        const std::string today = dates::today();
        q.start_month = dates::add_months(today, -35).substr(0, 6);
        q.end_month = today.substr(0, 6);
    }
    return t;
}

// The ORCA insurance list of a facility for 資格有効性確認 / 照会番号一括登録.
std::vector<oqs::SearchItem> orca_insurance_list(db::Connection& db, const Job& j, bool with_reference) {
    return bridge::orca::insurance_list(db, j.hospnum, dates::today(), j.params.seen_since, with_reference);
}

std::string build_request1(db::Connection& db, const app::Facility& fac, const Job& j) {
    const KindInfo& k = kind_info(j.kind);
    switch (k.output) {
    case Output::pdf: return oqs::write_document_request(pdf_target(db, fac, j).req);
    case Output::references: return oqs::write_list_request(fac.institution_code, j.file_identifier, orca_insurance_list(db, j, true));
    case Output::rows: break;
    }
    if (k.single_phase) return oqs::write_card_request(fac.institution_code, j.file_identifier, oqs::decode_card_params(j.params.card));
    if (j.kind == Kind::validity) return oqs::write_list_request(fac.institution_code, j.file_identifier, orca_insurance_list(db, j, false));
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

// What staff should know about a finished result (plain words, no personal data).
std::string note_for(const Job& j, const bridge::IngestSummary& s) {
    std::string note;
    auto count = [&](const char* v) {
        const auto it = s.by_validity.find(v);
        return it == s.by_validity.end() ? std::size_t{0} : it->second;
    };
    if (j.kind == Kind::welfare && count("6") > 0)
        note += "医療券が未登録（未委託）の方が " + std::to_string(count("6")) + "人います。福祉事務所の登録後（毎月15日から20日頃）に再取得してください。";
    if (j.kind != Kind::validity && count("4") > 0)
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
    const bool drug = j.kind == Kind::pdf_drug;
    const fs::path dst = dir / ((drug ? "drug_" : "checkup_") + j.params.ptnum + "_" + std::to_string(j.id) + ".pdf");
    fs::copy_file(path, dst, fs::copy_options::overwrite_existing, ec);
    if (ec) throw Error(Errc::io, "cannot store " + dst.string() + ": " + ec.message());
    ::chmod(dst.c_str(), 0640);
    db::Transaction tx(db);
    queue::record_pdf(db, j.id, fac.hospnum, t.ptid, drug ? "drug" : "checkup", dst.string(), static_cast<long long>(fs::file_size(dst)));
    queue::Change c;
    c.finished_now = true;
    if (!move_on(db, j, State::done, c)) return false;
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

enum class Ingested { moved, not_moved, put_off };

}  // namespace

std::int64_t require_pdf_consent(db::Connection& db, int hospnum, const std::string& ptnum, Kind kind) {
    return consented_result(db, hospnum, ptnum, kind).ptid;
}

std::int64_t create_or_resume(db::Connection& db, int hospnum, Kind kind, const Params& params, const std::string& opid,
                              bool& resumed) {
    Params q = params;
    q.ptnum = text::patient_number(q.ptnum);  // " 123 " must not make a second job for patient 123
    q.validate(kind);
    return queue::create_or_resume(db, hospnum, kind, q, opid, resumed);
}

std::int64_t create_scheduled(db::Connection& db, int hospnum, Kind kind, const Params& params, const std::string& slot) {
    params.validate(kind);
    return queue::create_scheduled(db, hospnum, kind, params, slot);
}

bool reopen(db::Connection& db, std::int64_t id) {
    const Job j = load(db, id);
    if (j.state != State::expired && j.state != State::failed) return false;
    const bool ask_again = !j.reception_number.empty() && kind_info(j.kind).output != Output::pdf;
    queue::Change c;
    c.error = "";
    c.reopen = true;
    if (ask_again) c.received_now = true;
    else c.poll_count = 0;
    return move_on(db, j, ask_again ? State::received : State::queued, c);
}

bool cancel(db::Connection& db, std::int64_t id) {
    queue::check_kind(db, id);  // a newer version's job is not ours to end
    if (!queue::cancel(db, id)) return false;
    sync_jobkanri(db, id, State::cancelled);
    return true;
}

Style row_style(const Job& j, const app::Facility& f) { return row_style(j, f.p031_mark); }

int adopt_orca_requests(db::Connection& db, const app::Facility& f) {
    int adopted = 0;
    for (const auto& req : bridge::orca::pending_requests(db, f.hospnum)) {
        const std::string shellid = text::trim(req.shellid);
        const bridge::orca::JobkanriRow row{f.hospnum, req.jobid, req.shellid};
        Params p;
        p.consent_from = req.consent_from;
        p.consent_to = req.consent_to;
        const Kind kind = shellid == "P02O001" ? Kind::online : Kind::homecare;
        try {
            p.validate(kind);
        } catch (const Error& e) {
            bridge::orca::refuse_request(db, row, std::string("orca-onshi: ") + e.what());
            continue;
        }
        db::Transaction tx(db);
        const auto id = queue::insert_adopted(db, f.hospnum, kind, p, req.karte_uid, req.jobid, shellid);
        bridge::orca::mark_jobkanri_taken(db, row);
        tx.commit();
        if (id) {
            ++adopted;
            log::info("job %lld adopted from ORCA's 同意一括 (tbl_jobkanri jobid %s, %s)", static_cast<long long>(*id), req.jobid.c_str(),
                      shellid.c_str());
        }
    }
    return adopted;
}

StepOutcome step(db::Connection& db, const app::Facility& fac, oqs::Transport& folder, std::int64_t id, const RunOptions& opt,
                 const Progress& progress) {
    const std::vector<std::string> xml_or_zip{".xml", ".zip"};
    const Job j = load(db, id);
    if (j.finished()) return {j, 0};
    const State st = j.state;
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
                if (j.kind == Kind::validity) bridge::orca::record_validity_changes(db, j.id);
                queue::Change c;
                c.finished_now = true;
                c.counts = queue::Change::Counts{static_cast<long long>(s.units), static_cast<long long>(s.rows), static_cast<long long>(s.matched),
                                                 static_cast<long long>(s.unmatched), static_cast<long long>(s.held)};
                c.note = text::replace_gaiji(note_for(j, s));
                moved = move_on(db, j, State::done, c);
            } else if (seg == "2" && !k.single_phase) {
                moved = move_on(db, j, State::received);
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
        if (processing) wait = backoff_ms(fac.poll_interval_ms, j.poll_count);  // 処理中: ask again after the backoff
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
        queue::Change c;
        c.requested_now = true;
        if (!move_on(db, j, State::requested, c)) break;
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
            queue::Change got;
            got.reception_number = rn;
            got.received_now = true;
            if (rn.empty() || h.segment_of_result == "9") {
                finish_failed(db, j, State::failed, "OQS did not accept the request: " + h.error_code + " " + h.error_message);
            } else if (move_on(db, j, State::received, got)) {
                folder.retire_result(*path, fac.archive_dir);
                ONSHI_FAILPOINT("after_01res");
                progress(load(db, id), "受付番号を受け取りました");
            }
        } else if (j.seconds_in_state > fac.result_timeout_s) {
            finish_failed(db, j, State::expired, "no answer from OQS within " + std::to_string(fac.result_timeout_s) + " s");
        } else {
            wait = waiting_ms(fac.poll_interval_ms, j.seconds_in_state);
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
        queue::Change c;
        c.poll_count = n;
        if (!move_on(db, j, State::polling, c)) break;
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
            wait = waiting_ms(fac.poll_interval_ms, j.seconds_in_state);
            if (const auto soon = folder.next_look_ms(result2_stem(j, n), xml_or_zip)) wait = std::min(wait, *soon);
        }
        break;
    }
    default:
        throw Error(Errc::internal, "job " + std::to_string(id) + " is in state " + std::string(to_text(j.state)) + " with no step");
    }
    // When the next step is due (a finished job keeps its last next_at: it has none). Never after the
    // deadline of an answer awaited (result_timeout_s): a long wait or backoff must not end it late.
    Job after = load(db, id);
    if (after.finished()) return {after, 0};
    wait = clamp_to_deadline(wait, fac.result_timeout_s, seconds_waited(after));
    queue::set_next(db, id, wait);
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
