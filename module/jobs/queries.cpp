#include "jobs/queries.hpp"

#include "core/error.hpp"
#include "jobs/model.hpp"

#include <array>
#include <sstream>

namespace onshi::jobs {

ReferenceCounts reference_counts(db::Connection& db, std::int64_t job_id) {
    const auto r = db.exec("SELECT count(*) FILTER (WHERE u.status = 'registered'), count(*) FILTER (WHERE u.status = 'rejected')"
                           " FROM onshi.result_unit u JOIN onshi.result_file f ON f.id = u.file_id WHERE f.job_id = $1",
                           {std::to_string(job_id)});
    return {r.num(0, 0), r.num(0, 1)};
}

std::optional<JobPdf> job_pdf(db::Connection& db, std::int64_t job_id) {
    const auto r = db.exec("SELECT p.path, p.bytes, p.hospnum, j.opid FROM onshi.pdf_file p JOIN onshi.job j ON j.id = p.job_id"
                           " WHERE p.job_id = $1",
                           {std::to_string(job_id)});
    if (r.rows() == 0) return std::nullopt;
    return JobPdf{r.str(0, 0), r.num(0, 1), static_cast<int>(r.num(0, 2)), r.str(0, 3)};
}

std::vector<PdfListing> pdf_files(db::Connection& db, int hospnum) {
    const auto r = db.exec("SELECT f.job_id, to_char(f.created_at, 'YYYY-MM-DD HH24:MI'), f.type, trim(n.ptnum), f.bytes, f.path"
                           " FROM onshi.pdf_file f LEFT JOIN tbl_ptnum n ON n.hospnum = f.hospnum AND n.ptid = f.ptid"
                           " WHERE ($1 = 0 OR f.hospnum = $1::smallint) ORDER BY f.created_at DESC",
                           {std::to_string(hospnum)});
    std::vector<PdfListing> out;
    for (int i = 0; i < r.rows(); ++i)
        out.push_back({r.str(i, 0), r.str(i, 1), r.str(i, 2), r.str(i, 3), r.str(i, 4), r.str(i, 5)});
    return out;
}

std::vector<std::pair<std::string, long long>> validity_change_counts(db::Connection& db, std::int64_t job_id) {
    const auto r = db.exec("SELECT change, count(*) FROM onshi.validity_change WHERE job_id = $1 GROUP BY 1 ORDER BY 1",
                           {std::to_string(job_id)});
    std::vector<std::pair<std::string, long long>> out;
    for (int i = 0; i < r.rows(); ++i) out.emplace_back(r.str(i, 0), r.num(i, 1));
    return out;
}

std::vector<ValidityChange> validity_changes(db::Connection& db, std::int64_t job_id, int hospnum) {
    const auto r = db.exec("SELECT c.change, coalesce(trim(n.ptnum), c.ptid::text), c.before, c.after FROM onshi.validity_change c"
                           " LEFT JOIN tbl_ptnum n ON n.hospnum = $2::smallint AND n.ptid = c.ptid WHERE c.job_id = $1 ORDER BY 2, 1",
                           {std::to_string(job_id), std::to_string(hospnum)});
    std::vector<ValidityChange> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back({r.str(i, 0), r.str(i, 1), r.str(i, 2), r.str(i, 3)});
    return out;
}

std::vector<std::int64_t> failed_jobs(db::Connection& db, int limit) {
    const auto r = db.exec("SELECT id FROM onshi.job WHERE state IN ($2, $3) ORDER BY id DESC LIMIT $1",
                           {std::to_string(limit), std::string(to_text(State::failed)), std::string(to_text(State::expired))});
    std::vector<std::int64_t> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(r.num(i, 0));
    return out;
}

namespace {
constexpr std::array<std::pair<UnitStatus, std::string_view>, 4> kUnitStatuses{{
    {UnitStatus::written, "written"}, {UnitStatus::held, "held"}, {UnitStatus::registered, "registered"}, {UnitStatus::rejected, "rejected"},
}};
}  // namespace

std::string_view to_text(UnitStatus s) {
    for (const auto& [st, text] : kUnitStatuses)
        if (st == s) return text;
    throw Error(Errc::internal, "a unit status without a name");
}

UnitStatus unit_status_from_text(std::string_view text) {
    for (const auto& [st, t] : kUnitStatuses)
        if (t == text) return st;
    throw Error(Errc::internal, "unknown unit status '" + std::string(text) + "'");
}

std::vector<UnitRecord> job_units(db::Connection& db, std::int64_t job_id, int only_seq) {
    const auto r = db.exec(
        "SELECT u.seq, u.status, u.reason, coalesce(v.id, 0), coalesce(v.status, ''), coalesce(trim(n.ptnum), ''),"
        " array_to_string(u.tbl_uuids, ','), coalesce(encode(v.payload, 'hex'), '')"
        " FROM onshi.result_unit u JOIN onshi.result_file f ON f.id = u.file_id"
        " LEFT JOIN onshi.review v ON v.file_id = u.file_id AND v.seq = u.seq"
        " LEFT JOIN tbl_ptnum n ON n.hospnum = f.hospnum AND n.ptid = u.ptid AND u.ptid <> 0"
        " WHERE f.job_id = $1 AND ($2 = 0 OR u.seq = $2) ORDER BY f.id, u.seq",
        {std::to_string(job_id), std::to_string(only_seq)});
    std::vector<UnitRecord> out;
    for (int i = 0; i < r.rows(); ++i) {
        UnitRecord u;
        u.seq = static_cast<int>(r.num(i, 0));
        u.status = unit_status_from_text(r.str(i, 1));
        u.reason = r.str(i, 2);
        u.review_id = r.num(i, 3);
        u.review_status = r.str(i, 4);
        u.ptnum = r.str(i, 5);
        std::stringstream ss(r.str(i, 6));
        for (std::string x; std::getline(ss, x, ',');)
            if (!x.empty()) u.tbl_uuids.push_back(x);
        u.held_payload = db::bytea_from_hex(r.get(i, 7));
        out.push_back(std::move(u));
    }
    return out;
}

std::optional<int> review_facility(db::Connection& db, std::int64_t review_id) {
    const auto h = db.exec("SELECT hospnum FROM onshi.review WHERE id = $1", {std::to_string(review_id)});
    if (h.rows() != 1) return std::nullopt;
    return static_cast<int>(h.num(0, 0));
}

void record_web_audit(db::Connection& db, const std::string& user, const std::string& action, const std::string& detail) {
    db.exec("INSERT INTO onshi.web_audit (usr, action, detail) VALUES ($1, $2, $3)", {user, action, detail});
}

}  // namespace onshi::jobs
