#include "onshi_batch/job.hpp"

#include "core/error.hpp"
#include "core/log.hpp"
#include "onshi_batch/codec.hpp"
#include "onshi_batch/folder.hpp"
#include "onshi_batch/result_file.hpp"
#include "p031_bridge/ingest.hpp"

#include <glib.h>

#include <array>
#include <cstdio>

namespace onshi::jobs {
namespace {

constexpr std::array<KindInfo, 1> kKinds{{
    {"homecare", "OQSmuhvq", "2", "訪問診療"},
}};

const std::string kJobColumns =
    "id, hospnum, kind, coalesce(params->>'consent_from', ''), coalesce(params->>'consent_to', ''), file_identifier,"
    " reception_number, state, error, opid, poll_count, attempts, to_char(created_at, 'YYYY-MM-DD HH24:MI:SS'),"
    " to_char(updated_at, 'YYYY-MM-DD HH24:MI:SS'), coalesce(units, -1), coalesce(rows_written, -1),"
    " coalesce(matched, -1), coalesce(unmatched, -1), coalesce(held, -1),"
    " extract(epoch from now() - updated_at)";

Job from_row(const db::Result& r, int i) {
    Job j;
    int c = 0;
    j.id = r.num(i, c++);
    j.hospnum = static_cast<int>(r.num(i, c++));
    j.kind = r.str(i, c++);
    j.consent_from = r.str(i, c++);
    j.consent_to = r.str(i, c++);
    j.file_identifier = r.str(i, c++);
    j.reception_number = r.str(i, c++);
    j.state = r.str(i, c++);
    j.error = r.str(i, c++);
    j.opid = r.str(i, c++);
    j.poll_count = static_cast<int>(r.num(i, c++));
    j.attempts = static_cast<int>(r.num(i, c++));
    j.created_at = r.str(i, c++);
    j.updated_at = r.str(i, c++);
    j.units = r.num(i, c++);
    j.rows = r.num(i, c++);
    j.matched = r.num(i, c++);
    j.unmatched = r.num(i, c++);
    j.held = r.num(i, c++);
    j.seconds_in_state = std::stod(r.str(i, c++));
    return j;
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

// Moves the job from `from` to `to` (and sets the extra assignments); refuses if another run moved it.
void transition(db::Connection& db, const Job& j, const std::string& to, const std::string& extra = "",
                const std::vector<db::Param>& extra_params = {}) {
    std::vector<db::Param> p{std::to_string(j.id), j.state, to};
    p.insert(p.end(), extra_params.begin(), extra_params.end());
    const auto r = db.exec("UPDATE onshi.job SET state = $3, updated_at = now()" + extra + " WHERE id = $1 AND state = $2", p);
    if (r.affected() != "1") throw Error(Errc::internal, "job " + std::to_string(j.id) + " changed under this run");
}

void finish_failed(db::Connection& db, const Job& j, const std::string& state, const std::string& why) {
    transition(db, j, state, ", error = $4, finished_at = now()", {why});
}

// Holds the job for this run (session advisory lock): two runs never drive one job.
class JobLock {
public:
    // A run that was just killed may keep its lock until PostgreSQL notices the closed connection:
    // wait a few seconds before calling the job busy.
    JobLock(db::Connection& db, std::int64_t id) : db_(db), id_(std::to_string(id)) {
        for (int tries = 0; db_.exec("SELECT pg_try_advisory_lock(7301, $1::int)", {id_}).str(0, 0) != "t"; ++tries) {
            if (tries == 100) throw Error(Errc::database, "job " + id_ + " is being run by another process");
            g_usleep(100 * 1000);
        }
    }
    ~JobLock() {
        try { db_.exec("SELECT pg_advisory_unlock(7301, $1::int)", {id_}); } catch (...) {}
    }
    JobLock(const JobLock&) = delete;
    JobLock& operator=(const JobLock&) = delete;

private:
    db::Connection& db_;
    std::string id_;
};

}  // namespace

const KindInfo& kind_info(std::string_view kind) {
    for (const auto& k : kKinds)
        if (k.kind == kind) return k;
    std::string known;
    for (const auto& k : kKinds) known += (known.empty() ? "" : ", ") + std::string(k.kind);
    throw Error(Errc::usage, "unknown --kind '" + std::string(kind) + "' (available: " + known + ")");
}

std::string request1_name(const Job& j) { return std::string(kind_info(j.kind).prefix) + "01req_" + suffix(j) + ".xml"; }
std::string result1_stem(const Job& j) { return std::string(kind_info(j.kind).prefix) + "01res_" + suffix(j); }
std::string request2_name(const Job& j, int n) { return std::string(kind_info(j.kind).prefix) + "02req_" + poll_suffix(j, n) + ".xml"; }
std::string result2_stem(const Job& j, int n) { return std::string(kind_info(j.kind).prefix) + "02res_" + poll_suffix(j, n); }

std::int64_t create_or_resume(db::Connection& db, int hospnum, std::string_view kind, const std::string& from,
                              const std::string& to, const std::string& opid, bool& resumed) {
    kind_info(kind);
    const std::string hosp = std::to_string(hospnum);
    const std::string params = "{\"consent_from\":\"" + from + "\",\"consent_to\":\"" + to + "\"}";
    db::Transaction tx(db);
    db.exec("SELECT pg_advisory_xact_lock(7302, $1::int)", {hosp});
    const auto open = db.exec("SELECT id FROM onshi.job WHERE hospnum = $1 AND kind = $2 AND params = $3::jsonb"
                              " AND state NOT IN ('done', 'failed', 'expired') ORDER BY id LIMIT 1",
                              {hosp, std::string(kind), params});
    if (open.rows() == 1) {
        resumed = true;
        tx.commit();
        return open.num(0, 0);
    }
    resumed = false;
    const auto r = db.exec("INSERT INTO onshi.job (hospnum, kind, params, file_identifier, opid) VALUES ($1, $2, $3::jsonb, '', $4) RETURNING id",
                           {hosp, std::string(kind), params, opid});
    const std::int64_t id = r.num(0, 0);
    // ArbitraryFileIdentifier: ours, unique, within ORCA's 50 characters.
    db.exec("UPDATE onshi.job SET file_identifier = $2 WHERE id = $1", {std::to_string(id), "ORCA-ONSHI-" + hosp + "-" + std::to_string(id)});
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

Job run(db::Connection& db, const app::Facility& fac, std::int64_t id, const RunOptions& opt, const Progress& progress) {
    JobLock lock(db, id);
    db.exec("UPDATE onshi.job SET attempts = attempts + 1 WHERE id = $1", {std::to_string(id)});
    oqs::FolderTransport folder(fac.req_dir, fac.res_dir);
    const std::vector<std::string> xml_or_zip{".xml", ".zip"};
    const auto poll = [&] { g_usleep(static_cast<gulong>(fac.poll_interval_ms) * 1000); };

    for (;;) {
        Job j = load(db, id);
        if (j.finished()) return j;
        const KindInfo& k = kind_info(j.kind);
        const bool late = j.seconds_in_state > fac.result_timeout_s;

        if (j.state == "queued") {
            oqs::PhaseOneRequest req;
            req.medical_institution_code = fac.institution_code;
            req.arbitrary_file_identifier = j.file_identifier;
            req.consent_date_from = j.consent_from;
            req.consent_date_to = j.consent_to;
            req.medical_treatment_flag = std::string(k.treatment_flag);
            const std::string name = request1_name(j);
            folder.stage(name, oqs::write_phase1_request(req));
            transition(db, j, "requested", ", requested_at = now()");
            folder.publish(name);
            progress(load(db, id), "一括取得依頼を送信しました");
        } else if (j.state == "requested") {
            folder.publish(request1_name(j));  // staged before a crash: send it now
            if (auto err = folder.rejection(request1_name(j))) {
                finish_failed(db, j, "failed", "OQS rejected the request (.err): " + *err);
            } else if (auto path = folder.stable_result(result1_stem(j), {".xml"})) {
                struct Sink final : oqs::ResultSink {
                    ResultHeader h;
                    void on_header(const ResultHeader& x) override { h = x; }
                    void on_unit(BulkConfirmUnit&&) override {}
                } sink;
                try {
                    oqs::read_result_file(*path, sink);
                } catch (const Error& e) {
                    if (e.code() != Errc::malformed) throw;
                    finish_failed(db, j, "failed", std::string("malformed 01res: ") + e.what());
                    continue;
                }
                const std::string rn = sink.h.body_reception_number.empty() ? sink.h.reception_number : sink.h.body_reception_number;
                if (rn.empty() || sink.h.segment_of_result == "9") {
                    finish_failed(db, j, "failed", "OQS did not accept the request: " + sink.h.error_code + " " + sink.h.error_message);
                } else {
                    transition(db, j, "received", ", reception_number = $4, received_at = now()", {rn});
                    folder.retire_result(*path, fac.archive_dir);
                    progress(load(db, id), "受付番号を受け取りました");
                }
            } else if (late) {
                finish_failed(db, j, "expired", "no answer (01res) from OQS within " + std::to_string(fac.result_timeout_s) + " s");
            } else {
                poll();
            }
        } else if (j.state == "received") {
            if (j.poll_count > 0) poll();  // 処理中 last time: give OQS a moment before asking again
            const int n = j.poll_count + 1;
            const std::string name = request2_name(j, n);
            folder.stage(name, oqs::write_phase2_request(fac.institution_code, j.reception_number));
            transition(db, j, "polling", ", poll_count = $4", {std::to_string(n)});
            folder.publish(name);
            progress(load(db, id), "結果を問い合わせています");
        } else if (j.state == "polling") {
            const int n = j.poll_count;
            folder.publish(request2_name(j, n));
            if (auto err = folder.rejection(request2_name(j, n))) {
                finish_failed(db, j, "failed", "OQS rejected the result inquiry (.err): " + *err);
            } else if (auto path = folder.stable_result(result2_stem(j, n), xml_or_zip)) {
                bridge::IngestOptions io{fac.hospnum, fac.institution_code, j.opid, opt.termid, j.id};
                bridge::IngestSummary s;
                try {
                    db::Transaction tx(db);
                    s = bridge::ingest_file(db, *path, io);
                    const auto& seg = s.header.segment_of_result;
                    if (seg == "1") {
                        transition(db, j, "done", ", finished_at = now(), units = $4, rows_written = $5, matched = $6, unmatched = $7, held = $8",
                                   {std::to_string(s.units), std::to_string(s.rows), std::to_string(s.matched),
                                    std::to_string(s.unmatched), std::to_string(s.held)});
                    } else if (seg == "2") {
                        transition(db, j, "received");
                    } else {
                        finish_failed(db, j, "failed", "OQS ended the request (異常終了): " + s.header.error_code + " " + s.header.error_message);
                    }
                    tx.commit();
                } catch (const Error& e) {
                    if (e.code() != Errc::malformed) throw;  // database/io: the job stays resumable
                    finish_failed(db, j, "failed", std::string("malformed result, nothing written: ") + e.what());
                    continue;
                }
                folder.retire_result(*path, fac.archive_dir);
                progress(load(db, id), s.header.segment_of_result == "2" ? "処理中" : "結果を登録しました");
            } else if (late) {
                finish_failed(db, j, "expired", "no answer (02res) from OQS within " + std::to_string(fac.result_timeout_s) +
                                                    " s; 受付番号 " + j.reception_number + " is kept");
            } else {
                poll();
            }
        } else {
            throw Error(Errc::internal, "job " + std::to_string(id) + " is in unknown state " + j.state);
        }
    }
}

}  // namespace onshi::jobs
