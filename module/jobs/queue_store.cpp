#include "jobs/queue_store.hpp"

#include "core/error.hpp"

#include <algorithm>

namespace onshi::jobs::queue {
namespace {

const std::string& kFinal = final_states_sql();
const std::string& kKnown = known_kinds_sql();

// The params as columns, in the order of the field table.
const std::string& params_columns() {
    static const std::string s = [] {
        std::string c;
        for (const auto& f : param_fields()) c += "coalesce(params->>'" + std::string(f.key) + "', ''), ";
        return c;
    }();
    return s;
}

const std::string kJobColumns =
    "id, hospnum, kind, " + params_columns() + "file_identifier,"
    " reception_number, state, error, note, opid, poll_count, attempts,"
    " to_char(created_at, 'YYYY-MM-DD HH24:MI:SS'), coalesce(to_char(requested_at, 'YYYY-MM-DD HH24:MI:SS.MS'), ''),"
    " coalesce(to_char(received_at, 'YYYY-MM-DD HH24:MI:SS.MS'), ''), coalesce(to_char(finished_at, 'YYYY-MM-DD HH24:MI:SS.MS'), ''),"
    " coalesce(units, -1), coalesce(rows_written, -1), coalesce(matched, -1), coalesce(unmatched, -1), coalesce(held, -1),"
    " extract(epoch from now() - updated_at), coalesce(extract(epoch from now() - received_at), 0),"
    " style, coalesce(orca_jobid, 0)";

// keep_unknown: a kind this version does not know is kept as text (Job::unknown_kind); else refused.
Job from_row(const db::Result& r, int i, bool keep_unknown) {
    Job j;
    int c = 0;
    auto s = [&] { return r.str(i, c++); };
    j.id = r.num(i, c++);
    j.hospnum = static_cast<int>(r.num(i, c++));
    const std::string kind = s();
    const auto k = kind_from_text(kind);
    if (k) j.kind = *k;
    else if (keep_unknown) j.unknown_kind = kind.empty() ? "?" : kind;
    else throw unknown_kind(j.id, kind);
    for (const auto& f : param_fields()) j.params.*f.member = s();
    j.file_identifier = s(); j.reception_number = s(); j.state = state_from_text(s()); j.error = s(); j.note = s(); j.opid = s();
    j.poll_count = static_cast<int>(r.num(i, c++));
    j.attempts = static_cast<int>(r.num(i, c++));
    j.created_at = s(); j.requested_at = s(); j.received_at = s(); j.finished_at = s();
    j.units = r.num(i, c++); j.rows = r.num(i, c++); j.matched = r.num(i, c++); j.unmatched = r.num(i, c++); j.held = r.num(i, c++);
    j.seconds_in_state = std::stod(s());
    j.seconds_since_received = std::stod(s());
    j.style = style_from_text(s());
    j.orca_jobid = r.num(i, c++);
    return j;
}

// Binds the params (NULL for empty: left out of the jsonb) after `p`; returns the jsonb expression
// of them (jsonb_strip_nulls(jsonb_build_object('consent_from', $n::text, ...))).
std::string bind_params(std::vector<db::Param>& p, const Params& params) {
    std::string s = "jsonb_strip_nulls(jsonb_build_object(";
    bool first = true;
    for (const auto& f : param_fields()) {
        const std::string& v = params.*f.member;
        p.push_back(v.empty() ? db::Param() : db::Param(v));
        s += std::string(first ? "" : ", ") + "'" + std::string(f.key) + "', $" + std::to_string(p.size()) + "::text";
        first = false;
    }
    return s + "))";
}

// "$n" of the value about to be bound.
std::string next(const std::vector<db::Param>& p) { return "$" + std::to_string(p.size() + 1); }

// ArbitraryFileIdentifier: ours, unique, within ORCA's 50 characters.
void name_file(db::Connection& db, int hospnum, std::int64_t id) {
    db.exec("UPDATE onshi.job SET file_identifier = $2 WHERE id = $1",
            {std::to_string(id), "ORCA-ONSHI-" + std::to_string(hospnum) + "-" + std::to_string(id)});
}

}  // namespace

Error unknown_kind(std::int64_t id, const std::string& kind) {
    return Error(Errc::usage, "job " + std::to_string(id) + " has the kind '" + kind +
                                  "', which this version of orca-onshi does not know (a newer version made it?): it cannot be shown,"
                                  " resumed or cancelled here");
}

Job load(db::Connection& db, std::int64_t id, bool keep_unknown_kind) {
    const auto r = db.exec("SELECT " + kJobColumns + " FROM onshi.job WHERE id = $1", {std::to_string(id)});
    if (r.rows() != 1) throw Error(Errc::not_found, "no job " + std::to_string(id));
    return from_row(r, 0, keep_unknown_kind);
}

void check_kind(db::Connection& db, std::int64_t id) {
    const auto r = db.exec("SELECT kind FROM onshi.job WHERE id = $1", {std::to_string(id)});
    if (r.rows() == 1 && !kind_from_text(r.str(0, 0))) throw unknown_kind(id, r.str(0, 0));
}

std::vector<std::pair<std::int64_t, std::string>> unknown_kind_jobs(db::Connection& db) {
    const auto r = db.exec("SELECT id, kind FROM onshi.job WHERE state NOT IN " + kFinal + " AND kind NOT IN " + kKnown + " ORDER BY id");
    std::vector<std::pair<std::int64_t, std::string>> out;
    for (int i = 0; i < r.rows(); ++i) out.emplace_back(r.num(i, 0), r.str(i, 1));
    return out;
}

std::vector<Job> list(db::Connection& db, int hospnum, int limit) {
    const auto r = db.exec("SELECT " + kJobColumns + " FROM onshi.job WHERE ($1 = 0 OR hospnum = $1::smallint) ORDER BY id DESC LIMIT $2",
                           {std::to_string(hospnum), std::to_string(limit)});
    std::vector<Job> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(from_row(r, i, true));
    return out;
}

std::int64_t create_or_resume(db::Connection& db, int hospnum, Kind kind, const Params& params, const std::string& opid,
                              bool& resumed) {
    const std::string hosp = std::to_string(hospnum);
    db::Transaction tx(db);
    db.exec("SELECT pg_advisory_xact_lock(7302, $1::int)", {hosp});
    std::vector<db::Param> p{hosp, std::string(to_text(kind))};
    const std::string jsonb = bind_params(p, params);
    const auto open = db.exec("SELECT id FROM onshi.job WHERE hospnum = $1 AND kind = $2 AND params = " + jsonb +
                              " AND state NOT IN " + kFinal + " ORDER BY id LIMIT 1", p);
    if (open.rows() == 1) {
        resumed = true;
        tx.commit();
        return open.num(0, 0);
    }
    resumed = false;
    const std::string o = next(p);
    p.push_back(opid);
    const auto r = db.exec("INSERT INTO onshi.job (hospnum, kind, params, file_identifier, opid) VALUES ($1, $2, " + jsonb + ", '', " + o +
                           ") RETURNING id", p);
    const std::int64_t id = r.num(0, 0);
    name_file(db, hospnum, id);
    tx.commit();
    return id;
}

std::int64_t create_scheduled(db::Connection& db, int hospnum, Kind kind, const Params& params, const std::string& slot) {
    std::vector<db::Param> p{std::to_string(hospnum), std::string(to_text(kind))};
    const std::string jsonb = bind_params(p, params);
    const std::string s = next(p);
    p.push_back(slot);
    db::Transaction tx(db);
    const auto r = db.exec("INSERT INTO onshi.job (hospnum, kind, params, file_identifier, scheduled_for, priority) VALUES ($1, $2, " +
                               jsonb + ", '', " + s + "::timestamptz, " + std::to_string(static_cast<int>(Priority::scheduled)) +
                               ") ON CONFLICT DO NOTHING RETURNING id", p);
    if (r.rows() == 0) return 0;
    const std::int64_t id = r.num(0, 0);
    name_file(db, hospnum, id);
    tx.commit();
    return id;
}

std::optional<std::int64_t> insert_adopted(db::Connection& db, int hospnum, Kind kind, const Params& params,
                                           const std::string& file_identifier, const std::string& orca_jobid,
                                           const std::string& orca_shellid) {
    std::vector<db::Param> p{std::to_string(hospnum), std::string(to_text(kind))};
    const std::string jsonb = bind_params(p, params);
    const std::string n = next(p);
    p.push_back(file_identifier);
    p.push_back(orca_jobid);
    p.push_back(orca_shellid);
    const std::string n1 = "$" + std::to_string(p.size() - 1), n2 = "$" + std::to_string(p.size());
    const auto r = db.exec("INSERT INTO onshi.job (hospnum, kind, params, file_identifier, orca_jobid, orca_shellid, style)"
                           " VALUES ($1, $2, " + jsonb + ", " + n + ", " + n1 + "::integer, " + n2 + ", '" +
                               std::string(to_text(Style::consent)) + "') ON CONFLICT DO NOTHING RETURNING id",
                           p);
    if (r.rows() == 0) return std::nullopt;
    return r.num(0, 0);
}

bool transition(db::Connection& db, const Job& j, State to, const Change& c) {
    std::vector<db::Param> p{std::to_string(j.id), std::string(to_text(j.state)), std::string(to_text(to))};
    std::string set = "state = $3, updated_at = now()";
    const auto bind = [&](const char* column, const std::string& value) {
        p.push_back(value);
        set += std::string(", ") + column + " = $" + std::to_string(p.size());
    };
    if (c.error) bind("error", *c.error);
    if (c.reception_number) bind("reception_number", *c.reception_number);
    if (c.poll_count) bind("poll_count", std::to_string(*c.poll_count));
    if (c.counts) {
        bind("units", std::to_string(c.counts->units));
        bind("rows_written", std::to_string(c.counts->rows));
        bind("matched", std::to_string(c.counts->matched));
        bind("unmatched", std::to_string(c.counts->unmatched));
        bind("held", std::to_string(c.counts->held));
    }
    if (c.note) bind("note", *c.note);
    if (c.requested_now) set += ", requested_at = now()";
    if (c.received_now) set += ", received_at = now()";
    if (c.finished_now) set += ", finished_at = now()";
    if (c.reopen) set += ", finished_at = NULL, next_at = now()";
    const auto r = db.exec("UPDATE onshi.job SET " + set + " WHERE id = $1 AND state = $2", p);
    return r.affected() == "1";
}

bool cancel(db::Connection& db, std::int64_t id) {
    const auto r = db.exec("UPDATE onshi.job SET state = '" + std::string(to_text(State::cancelled)) +
                               "', updated_at = now(), finished_at = now(), error = 'cancelled by staff' WHERE id = $1 AND state NOT IN " +
                               kFinal,
                           {std::to_string(id)});
    return r.affected() == "1";
}

std::optional<OrcaLink> orca_link(db::Connection& db, std::int64_t id) {
    const auto r = db.exec("SELECT j.hospnum, j.orca_jobid, j.orca_shellid, j.reception_number, j.error, j.units, coalesce(("
                           "SELECT count(*) FROM onshi.result_unit u JOIN onshi.result_file f ON f.id = u.file_id WHERE f.job_id = j.id"
                           " AND u.reason LIKE '処理エラー%'), 0)"
                           " FROM onshi.job j WHERE j.id = $1 AND j.orca_jobid IS NOT NULL",
                           {std::to_string(id)});
    if (r.rows() == 0) return std::nullopt;
    OrcaLink l;
    l.hospnum = static_cast<int>(r.num(0, 0));
    l.jobid = r.str(0, 1);
    l.shellid = r.str(0, 2);
    l.reception_number = r.str(0, 3);
    l.error = r.str(0, 4);
    if (!r.is_null(0, 5)) l.units = r.num(0, 5);
    l.unit_errors = r.num(0, 6);
    return l;
}

void record_pdf(db::Connection& db, std::int64_t job_id, int hospnum, std::int64_t ptid, const std::string& type, const std::string& path,
                long long bytes) {
    db.exec("INSERT INTO onshi.pdf_file (job_id, hospnum, ptid, type, path, bytes) VALUES ($1, $2, $3, $4, $5, $6)"
            " ON CONFLICT (job_id) DO UPDATE SET path = excluded.path, bytes = excluded.bytes",
            {std::to_string(job_id), std::to_string(hospnum), std::to_string(ptid), type, path, std::to_string(bytes)});
}

void set_next(db::Connection& db, std::int64_t id, long ms) {
    db.exec("UPDATE onshi.job SET next_at = now() + $2 * interval '1 millisecond' WHERE id = $1 AND state NOT IN " + kFinal,
            {std::to_string(id), std::to_string(ms)});
}

void put_off(db::Connection& db, std::int64_t id, long ms) { set_next(db, id, ms); }

void make_due(db::Connection& db, int hospnum, std::int64_t id) {
    db.exec("UPDATE onshi.job SET next_at = now() WHERE id = $1 AND hospnum = $2 AND state IN ('" + std::string(to_text(State::requested)) +
                "','" + std::string(to_text(State::polling)) + "') AND next_at > now()",
            {std::to_string(id), std::to_string(hospnum)});
}

std::vector<int> facilities_awaiting_results(db::Connection& db) {
    const auto r = db.exec("SELECT DISTINCT hospnum FROM onshi.job WHERE state IN ('" + std::string(to_text(State::requested)) + "','" +
                           std::string(to_text(State::received)) + "','" + std::string(to_text(State::polling)) + "') AND kind IN " + kKnown);
    std::vector<int> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(static_cast<int>(r.num(i, 0)));
    return out;
}

void count_attempt(db::Connection& db, std::int64_t id) {
    db.exec("UPDATE onshi.job SET attempts = attempts + 1 WHERE id = $1", {std::to_string(id)});
}

bool try_lock(db::Connection& db, std::int64_t id) {
    return db.exec("SELECT pg_try_advisory_lock(7301, $1::int)", {std::to_string(id)}).str(0, 0) == "t";
}

void release_claim(db::Connection& db, std::int64_t id) {
    db.exec("SELECT pg_advisory_unlock(7301, $1::int)", {std::to_string(id)});
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
                           "  AND kind IN " + kKnown + " AND next_at <= now() ORDER BY priority, next_at, id LIMIT 32) x) d JOIN onshi.job j ON j.id = d.id"
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
                               " WHERE state NOT IN " + kFinal + " AND kind IN " + kKnown + " AND hospnum = ANY ($1::smallint[])",
                               {hosps, std::to_string(max_wait_ms)});
        c.wait_ms = std::clamp<long>(static_cast<long>(w.num(0, 0)), 100, max_wait_ms);
    }
    tx.commit();
    return c;
}

}  // namespace onshi::jobs::queue
