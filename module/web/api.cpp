#include "web/api.hpp"

#include "app/doctor_run.hpp"
#include "core/codes.hpp"
#include "app/clock.hpp"
#include "core/dates.hpp"
#include "core/error.hpp"
#include "card/session.hpp"
#include "core/log.hpp"
#include "core/text.hpp"
#include "db/conninfo.hpp"
#include "jobs/card_consent.hpp"
#include "jobs/queries.hpp"
#include "jobs/submit.hpp"
#include "jobs/job.hpp"
#include "p031_bridge/kaku_row.hpp"
#include "p031_bridge/orca_queries.hpp"
#include "p031_bridge/p031_query.hpp"
#include "p031_bridge/review.hpp"
#include "p031_bridge/writer.hpp"
#include "web/json.hpp"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>

namespace onshi::web {
namespace {

using Row = std::map<std::string, std::string>;  // a tbl_onshi_kaku row by column name

std::string get(const std::map<std::string, std::string>& m, const std::string& k) {
    const auto it = m.find(k);
    return it == m.end() ? "" : it->second;
}


// A request the user's role or facilities do not allow (HTTP 403).
struct Denied {
    std::string message;
};

bool in_scope(const Request& req, int hospnum) {
    return req.facilities.empty() || std::find(req.facilities.begin(), req.facilities.end(), hospnum) != req.facilities.end();
}

// The hospnum field: strict (1-99, no leading zero), configured, and one of the user's facilities.
int hospnum_of(const app::Config& cfg, const Request& req, const std::map<std::string, std::string>& m, bool required = true) {
    const std::string v = get(m, "hospnum");
    if (v.empty() && !required) return 0;
    const auto n = text::strict_id(v, 99);
    if (!n) throw Error(Errc::usage, "施設番号（1-99）を指定してください", "hospnum");
    const int h = static_cast<int>(*n);
    if (!cfg.facilities.contains(h)) throw Error(Errc::usage, "施設 " + v + " は設定されていません", "hospnum");
    if (!in_scope(req, h)) throw Denied{"施設 " + v + " の情報を扱う権限がありません"};
    return h;
}

// An id in a URL: digits, no leading zero, within bigint; anything else is no such thing.
std::int64_t id_of(const std::string& s) {
    const auto n = text::strict_id(s);
    if (!n) throw Error(Errc::not_found, "no such id");
    return *n;
}

std::string state_label(const jobs::Job& j) {
    if (j.state == jobs::State::done) return "完了";
    if (j.state == jobs::State::failed) return "エラー";
    if (j.state == jobs::State::expired) return "期限切れ";
    if (j.state == jobs::State::cancelled) return "取消";
    return "処理中";
}

void job_json(Json& o, const app::Config& cfg, const jobs::Job& j) {
    std::string style(jobs::to_text(j.style));
    const auto it = cfg.facilities.find(j.hospnum);
    if (j.kind_known() && it != cfg.facilities.end()) style = jobs::to_text(jobs::row_style(j, it->second));
    // A kind this version does not know (a newer version's job): its text, marked; nothing acts on it.
    const std::string kind = j.kind_known() ? std::string(jobs::to_text(j.kind)) : j.unknown_kind;
    const std::string label = j.kind_known() ? std::string(jobs::kind_info(j.kind).label) : "不明な区分 (" + j.unknown_kind + ")";
    o.begin_object()
        .kv("id", static_cast<long long>(j.id))
        .kv("hospnum", j.hospnum)
        .kv("created_at", j.created_at)
        .kv("kind", kind)
        .kv("kind_label", label)
        .kv("kind_known", j.kind_known())
        .kv("range_label", j.params.label())
        .kv("state", std::string(jobs::to_text(j.state)))
        .kv("state_label", state_label(j))
        .kv("reception_number", j.reception_number)
        .kv("units", j.units)
        .kv("rows", j.rows)
        .kv("matched", j.matched)
        .kv("unmatched", j.unmatched)
        .kv("held", j.held)
        .kv("note", j.note)
        .kv("error", j.error)
        .kv("poll_count", j.poll_count)
        .kv("style", style)
        .end_object();
}

Response ok_json(const Json& j) {
    Response r;
    r.body = j.text();
    return r;
}

// ---- jobs ----

// The request list's filter (?filter=, text only there).
enum class JobFilter { all, running, done, error };

JobFilter job_filter(const std::string& text) {
    constexpr std::pair<JobFilter, std::string_view> kFilters[] = {
        {JobFilter::all, "all"}, {JobFilter::running, "running"}, {JobFilter::done, "done"}, {JobFilter::error, "error"}};
    if (text.empty()) return JobFilter::all;
    for (const auto& [f, name] : kFilters)
        if (text == name) return f;
    throw Error(Errc::usage, "filter は all, running, done, error のいずれかです", "filter");
}

bool keeps(JobFilter f, const jobs::Job& j) {
    switch (f) {
    case JobFilter::all: return true;
    case JobFilter::running: return !j.finished();
    case JobFilter::done: return j.state == jobs::State::done;
    case JobFilter::error: return j.state == jobs::State::failed || j.state == jobs::State::expired;
    }
    return false;
}

Response list_jobs(const app::Config& cfg, db::Connection& db, const Request& req) {
    const int hospnum = hospnum_of(cfg, req, req.query, false);
    const JobFilter filter = job_filter(get(req.query, "filter"));
    Json o;
    o.begin_array();
    for (const auto& j : jobs::list(db, hospnum, 200)) {
        if (!in_scope(req, j.hospnum)) continue;
        if (keeps(filter, j)) job_json(o, cfg, j);
    }
    o.end_array();
    return ok_json(o);
}

Response created(const jobs::Submitted& s, bool with_resumed) {
    Json o;
    o.begin_object().kv("id", static_cast<long long>(s.id));
    if (with_resumed) o.kv("resumed", s.resumed);
    return ok_json(o.end_object());
}

Response create_job(const app::Config& cfg, db::Connection& db, const Request& req) {
    const int hospnum = hospnum_of(cfg, req, req.form);
    const std::string kind = get(req.form, "kind");
    const jobs::Kind k = jobs::bulk_kind(kind, jobs::Voice::screen).kind;
    const jobs::Params p = jobs::bulk_params([&](const jobs::ParamField& f) { return get(req.form, std::string(f.key)); });
    const auto s = jobs::submit(db, jobs::prepare(hospnum, k, p, req.user, jobs::Voice::screen), jobs::Voice::screen);
    Response r = created(s, true);
    r.audit = "job " + std::to_string(s.id) + " " + kind + " facility " + std::to_string(hospnum) + (s.resumed ? " (resumed)" : "");
    return r;
}

Response register_refs(const app::Config& cfg, db::Connection& db, const Request& req) {
    const int hospnum = hospnum_of(cfg, req, req.form);
    const auto s = jobs::submit(db, jobs::prepare(hospnum, jobs::Kind::register_refs, {}, req.user, jobs::Voice::screen), jobs::Voice::screen);
    Response r = created(s, true);
    r.audit = "job " + std::to_string(s.id) + " register_refs facility " + std::to_string(hospnum);
    return r;
}

// ---- units ----

struct Unit {
    int seq = 0;
    jobs::UnitStatus status = jobs::UnitStatus::written;
    std::string reason, review_status, ptnum;
    long long review_id = 0;
    std::vector<Row> rows;  // the written rows, or the held ones kept in the review
};

// A job's units with their tbl_onshi_kaku rows (written) or kept rows (held); only_seq > 0: that one.
std::vector<Unit> load_units(db::Connection& db, const jobs::Job& j, int only_seq) {
    std::vector<Unit> units;
    std::vector<std::string> uuids;
    std::vector<std::vector<std::string>> unit_uuids;
    for (auto& rec : jobs::job_units(db, j.id, only_seq)) {
        Unit u;
        u.seq = rec.seq;
        u.status = rec.status;
        u.reason = rec.reason;
        u.review_id = rec.review_id;
        u.review_status = rec.review_status;
        u.ptnum = rec.ptnum;
        uuids.insert(uuids.end(), rec.tbl_uuids.begin(), rec.tbl_uuids.end());
        unit_uuids.push_back(std::move(rec.tbl_uuids));
        if (!rec.held_payload.empty() && u.status == jobs::UnitStatus::held) {
            for (const auto& k : bridge::from_payload(rec.held_payload).kaku) {
                Row row;
                for (std::size_t c = 0; c < bridge::kColumnCount; ++c) row[std::string(bridge::kColumns[c].name)] = k.at(c);
                u.rows.push_back(std::move(row));
            }
        }
        units.push_back(std::move(u));
    }
    if (!uuids.empty()) {
        std::map<std::string, Row> by_uuid;
        for (auto& row : bridge::kaku_rows_by_uuid(db, uuids)) {
            const std::string id = row["tbl_uuid"];
            by_uuid[id] = std::move(row);
        }
        for (std::size_t i = 0; i < units.size(); ++i)
            for (const auto& id : unit_uuids[i])
                if (const auto it = by_uuid.find(id); it != by_uuid.end()) units[i].rows.push_back(it->second);
    }
    return units;
}

bool is_welfare(const Row& r) { return get(r, "card_class") == "A1"; }

const Row* insurance_row(const Unit& u) {
    for (const auto& r : u.rows)
        if (!is_welfare(r)) return &r;
    return nullptr;
}
const Row* welfare_row(const Unit& u) {
    for (const auto& r : u.rows)
        if (is_welfare(r)) return &r;
    return nullptr;
}

std::string validity_label(const std::string& y) {
    if (auto l = codes::qualification_validity.label(y)) return std::string(*l);
    return y;
}

void unit_json(Json& o, const Unit& u) {
    const Row* main = insurance_row(u);
    if (!main) main = welfare_row(u);
    static const Row kEmpty;
    const Row& r = main ? *main : kEmpty;
    const Row* w = welfare_row(u);
    o.begin_object()
        .kv("seq", u.seq)
        .kv("status", std::string(jobs::to_text(u.status)))
        .kv("reason", u.reason)
        .key("review_id");
    if (u.review_id) o.num(u.review_id);
    else o.null();
    o.kv("review_status", u.review_status)
        .kv("reference_number", get(r, "shokai_num"))
        .kv("name", get(r, "res_name"))
        .kv("kana", get(r, "res_kananame"))
        .kv("sex", get(r, "res_sex1"))
        .kv("birth", get(r, "res_birthday"))
        .kv("validity", get(r, "sikaku_yuko"))
        .kv("validity_label", validity_label(get(r, "sikaku_yuko")))
        .kv("ope", get(r, "ope_douiflg"))
        .kv("shinryo", get(r, "shinryo_douiflg"))
        .kv("yakuzai", get(r, "yakuzai_douiflg"))
        .kv("kenshin", get(r, "kenshin_douiflg"))
        .kv("gendo", get(r, "gendo_douiflg"))
        .kv("sikkan", get(r, "sikkan_douiflg"))
        .kv("consent_from", get(r, "shinryo_time"))
        .kv("consent_to", get(r, "shinryo_kigen"))
        .kv("welfare", w != nullptr)
        .kv("ptnum", u.ptnum)
        .end_object();
}

// A job of the user's facilities; another facility's is not found.
const jobs::Job load_job(db::Connection& db, const Request& req, const std::string& id) {
    auto j = jobs::load(db, id_of(id));
    if (!in_scope(req, j.hospnum)) throw Error(Errc::not_found, "no job " + id);
    return j;
}

Response job_units(const app::Config& cfg, db::Connection& db, const Request& req, const std::string& id) {
    const auto j = load_job(db, req, id);
    Json o;
    o.begin_object().key("job");
    job_json(o, cfg, j);
    o.key("units").begin_array();
    for (const auto& u : load_units(db, j, 0)) unit_json(o, u);
    o.end_array().end_object();
    return ok_json(o);
}

std::string label_of(const codes::Table& t, const std::string& code) {
    if (auto l = t.label(code)) return std::string(*l);
    return "";
}

void block_json(Json& o, const Row& r) {
    o.begin_object()
        .kv("card_class", get(r, "card_class"))
        .kv("card_label", label_of(codes::insured_card_class, get(r, "card_class")))
        .kv("validity", get(r, "sikaku_yuko"))
        .kv("validity_label", validity_label(get(r, "sikaku_yuko")))
        .kv("name", get(r, "res_name"))
        .kv("kana", get(r, "res_kananame"))
        .kv("sex", get(r, "res_sex1"))
        .kv("birth", get(r, "res_birthday"))
        .kv("insurer_number", get(r, "res_hknjanum"))
        .kv("insurer_name", get(r, "hknjanum_name"))
        .kv("kigo", get(r, "res_kigo"))
        .kv("num", get(r, "res_num"))
        .kv("edaban", get(r, "res_edaban"))
        .kv("honkzk", get(r, "res_honkzkkbn"))
        .kv("ratio", get(r, "ftnrate"))
        .kv("valid_from", get(r, "tekstymd"))
        .kv("valid_to", get(r, "tekedymd"))
        .kv("address", get(r, "res_adrs"))
        .kv("post", get(r, "res_post"))
        .kv("prescription", get(r, "sho_shoho_keitai"));
    o.key("consents").begin_object();
    for (const char* c : {"ope", "shinryo", "yakuzai", "kenshin", "gendo", "sikkan"}) {
        const std::string base = c;
        o.key(base).begin_object().kv("flag", get(r, base + "_douiflg")).kv("time", get(r, base + "_time"));
        if (base != "gendo" && base != "sikkan") o.kv("until", get(r, base + (base == "kenshin" ? "_kigenymd" : "_kigen")));
        o.end_object();
    }
    o.end_object();
    o.key("elderly").begin_object()
        .kv("acquired", get(r, "elder_skkgetymd"))
        .kv("valid_from", get(r, "elder_tekstymd"))
        .kv("valid_to", get(r, "elder_tekedymd"))
        .kv("ratio", get(r, "elder_ftnrate"))
        .end_object();
    o.key("limit").begin_object()
        .kv("consent", get(r, "gendo_douiflg"))
        .kv("class", get(r, "gendo_shokbn"))
        .kv("class_label", label_of(codes::limit_classification, get(r, "gendo_shokbn")))
        .kv("flag", get(r, "gendo_tekkbn"))
        .kv("acquired", get(r, "gendo_skkgetymd"))
        .kv("valid_from", get(r, "gendo_tekstymd"))
        .kv("valid_to", get(r, "gendo_tekedymd"))
        .end_object();
    o.key("diseases").begin_array();
    for (int i = 1; i <= 3; ++i) {
        const std::string n = std::to_string(i);
        if (get(r, "sikkan_sipkbn" + n).empty()) continue;
        o.begin_object()
            .kv("category", get(r, "sikkan_sipkbn" + n))
            .kv("category_label", label_of(codes::disease_category, get(r, "sikkan_sipkbn" + n)))
            .kv("limit_start", get(r, "sikkan_skjgnstymd" + n))
            .kv("valid_from", get(r, "sikkan_tekstymd" + n))
            .kv("valid_to", get(r, "sikkan_tekedymd" + n))
            .kv("amount", get(r, "sikkan_ftnmoney" + n))
            .end_object();
    }
    o.end_array();
    o.key("tickets").begin_array();
    for (int i = 1; i <= 2; ++i) {
        const std::string n = std::to_string(i);
        if (get(r, "koh_tekstymd" + n).empty() && get(r, "koh_tekedymd" + n).empty()) continue;
        o.begin_object()
            .kv("valid_from", get(r, "koh_tekstymd" + n))
            .kv("valid_to", get(r, "koh_tekedymd" + n))
            .kv("ratio", get(r, "koh_ftnrate" + n))
            .kv("limit", get(r, "koh_jgngak" + n))
            .end_object();
    }
    o.end_array();
    o.end_object();
}

Response unit_detail(db::Connection& db, const Request& req, const std::string& id, const std::string& seq) {
    const auto j = load_job(db, req, id);
    const auto n = text::strict_id(seq, 999999999);
    if (!n) throw Error(Errc::not_found, "no such unit");
    const auto units = load_units(db, j, static_cast<int>(*n));
    if (units.empty()) throw Error(Errc::not_found, "no unit " + seq + " in job " + id);
    const Row* ins = insurance_row(units[0]);
    const Row* wel = welfare_row(units[0]);
    Json o;
    o.begin_object().key("insurance");
    if (ins) block_json(o, *ins);
    else o.null();
    o.key("welfare");
    if (wel) block_json(o, *wel);
    else o.null();
    o.end_object();
    return ok_json(o);
}

// ---- review ----

Response review_decide(db::Connection& db, const Request& req, const std::string& id, const std::string& what) {
    const auto rid = id_of(id);
    const auto h = jobs::review_facility(db, rid);
    if (!h || !in_scope(req, *h)) throw Error(Errc::not_found, "no review item " + id);
    if (what == "reject") {
        bridge::review_reject(db, rid, req.user);
        Response r = ok_json(Json().begin_object().kv("id", static_cast<long long>(rid)).kv("status", "rejected").end_object());
        r.audit = "review " + id + " rejected";
        return r;
    }
    bridge::AcceptOptions o;
    o.operator_name = req.user;
    if (const auto p = text::patient_number(get(req.form, "patient")); !p.empty()) o.ptnum = p;
    if (const auto n = get(req.form, "name"); !n.empty()) o.name = n;
    const std::string done = bridge::review_accept(db, rid, o);
    Response r = ok_json(Json().begin_object().kv("id", static_cast<long long>(rid)).kv("status", "accepted").kv("message", done).end_object());
    r.audit = "review " + id + " accepted" + (o.ptnum ? " patient " + *o.ptnum : "");
    return r;
}

// ---- P031 ----

Response p031(const app::Config& cfg, db::Connection& db, const Request& req) {
    bridge::P031Selection sel;
    sel.hospnum = hospnum_of(cfg, req, req.query);
    sel.ymd = get(req.query, "date").empty() ? dates::today() : get(req.query, "date");
    if (!dates::valid_ymd(sel.ymd)) throw Error(Errc::usage, "確認日は正しい日付（YYYYMMDD）ではありません", "date");
    const std::string vn = get(req.query, "view").empty() ? "all" : get(req.query, "view");
    const auto view = bridge::p031_view_named(vn);
    if (!view) throw Error(Errc::usage, "view は all, homecare, online のいずれかです", "view");
    sel.view = *view;
    const std::string all = get(req.query, "all");
    sel.all_rows = all == "1" || all == "true" || all == "yes";
    int page = 1;
    if (const auto p = get(req.query, "page"); !p.empty()) {
        if (!text::all_digits(p) || p.size() > 6 || std::stoi(p) < 1) throw Error(Errc::usage, "ページ番号が正しくありません", "page");
        page = std::stoi(p);
    }
    const auto rows = bridge::p031_rows(db, sel);
    const auto pg = bridge::p031_page(rows.size(), page);
    std::string title = "(P031) オンライン資格確認  確認日 " + dates::wareki(sel.ymd) + " " + std::string(bridge::p031_view_label(sel.view));
    if (sel.all_rows) title += "（全対象）";
    Json o;
    o.begin_object().kv("title", title).key("columns").begin_array();
    for (const auto t : bridge::p031_titles()) o.str(t);
    o.end_array().key("rows").begin_array();
    for (std::size_t i = pg.first; i < pg.first + pg.count; ++i) {
        o.begin_array();
        for (const auto& c : bridge::p031_cells(rows[i], static_cast<int>(i + 1), sel.ymd)) o.str(c);
        o.end_array();
    }
    o.end_array().kv("page", pg.page).kv("pages", pg.pages).kv("total", static_cast<long long>(rows.size())).end_object();
    return ok_json(o);
}

// ---- PDFs ----

Response create_pdf(const app::Config& cfg, db::Connection& db, const Request& req) {
    const int hospnum = hospnum_of(cfg, req, req.form);
    const jobs::Kind kind = jobs::pdf_kind(get(req.form, "type"), jobs::Voice::screen);
    jobs::Params p;
    p.ptnum = text::patient_number(get(req.form, "patient"));
    const auto s = jobs::submit(db, jobs::prepare(hospnum, kind, p, req.user, jobs::Voice::screen), jobs::Voice::screen);
    Response r = created(s, false);
    r.audit = "job " + std::to_string(s.id) + " " + std::string(jobs::to_text(kind)) + " facility " + std::to_string(hospnum) + " patient " + p.ptnum;
    return r;
}

// A PDF of one of the user's facilities; reception: only of a request that user made (admin: any).
Response get_pdf(db::Connection& db, const Request& req, const std::string& id) {
    const auto pdf = jobs::job_pdf(db, id_of(id));
    if (!pdf || !in_scope(req, pdf->hospnum)) throw Error(Errc::not_found, "no PDF for job " + id + " (yet)");
    if (req.role != "admin" && pdf->opid != req.user.substr(0, 16)) throw Denied{"この PDF は依頼した利用者と管理者だけが開けます"};
    std::ifstream in(pdf->path, std::ios::binary);
    if (!in) throw Error(Errc::not_found, "the PDF of job " + id + " is not readable");
    Response out;
    out.content_type = "application/pdf";
    out.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    out.headers.emplace_back("Content-Disposition", "inline; filename=\"onshi-" + id + ".pdf\"");
    return out;
}

// ---- admin ----

Response admin_config(const app::Config& cfg) {
    Json o;
    o.begin_object().kv("conninfo", db::mask_conninfo(cfg.conninfo)).key("files").begin_array();
    for (const auto& f : cfg.files) o.str(f);
    o.end_array();
    o.key("web").begin_object().kv("listen", cfg.web.listen).kv("users_file", cfg.web.users_file).kv("static_dir", cfg.web.static_dir).end_object();
    o.key("facilities").begin_array();
    for (const auto& [h, f] : cfg.facilities) {
        o.begin_object()
            .kv("hospnum", h)
            .kv("institution_code", f.institution_code)
            .kv("transport", app::to_text(f.transport))
            .kv("req_dir", f.req_dir)
            .kv("res_dir", f.res_dir)
            .kv("archive_dir", f.archive_dir)
            .kv("pdf_dir", f.pdf_dir)
            .kv("poll_interval_ms", f.poll_interval_ms)
            .kv("result_timeout_s", f.result_timeout_s)
            .kv("result_settle_ms", f.result_settle_ms)
            .kv("p031_mark", std::string(to_text(f.p031_mark)))
            .kv("serve_orca_jobs", f.serve_orca_jobs);
        o.key("schedules").begin_object();
        for (const auto& [k, v] : f.schedules) o.kv(k, v);
        o.end_object().end_object();
    }
    o.end_array().end_object();
    return ok_json(o);
}

Response admin_doctor(const app::Config& cfg) {
    const auto all = app::doctor::run(cfg, std::nullopt);
    Json o;
    o.begin_object().key("lines").begin_array();
    long long errors = 0;
    for (const auto& f : all) {
        o.str(app::doctor::line(f));
        errors += f.level == app::doctor::Level::err;
    }
    o.end_array().kv("summary", app::doctor::summary(all)).kv("errors", errors).end_object();
    return ok_json(o);
}

Response admin_errors(const app::Config& cfg, db::Connection& db, const Request& req) {
    Json o;
    o.begin_array();
    for (const auto id : jobs::failed_jobs(db, 20))
        if (const auto j = jobs::load(db, id, true); in_scope(req, j.hospnum)) job_json(o, cfg, j);
    o.end_array();
    return ok_json(o);
}

std::vector<std::string> split_path(const std::string& path) {
    std::vector<std::string> parts;
    std::stringstream ss(path);
    for (std::string x; std::getline(ss, x, '/');)
        if (!x.empty()) parts.push_back(x);
    return parts;
}

Response dispatch(const app::Config& cfg, db::Connection& db, const Request& req) {
    const auto p = split_path(req.path);  // p[0] == "api"
    const bool get_ = req.method == "GET" || req.method == "HEAD", post = req.method == "POST";
    const std::size_t n = p.size();
    if (n == 2 && p[1] == "facilities" && get_) {
        Json o;
        o.begin_array();
        for (const auto& [h, f] : cfg.facilities)
            if (in_scope(req, h)) o.begin_object().kv("hospnum", h).kv("institution_code", f.institution_code).kv("p031_mark", std::string(to_text(f.p031_mark))).end_object();
        o.end_array();
        return ok_json(o);
    }
    if (n == 2 && p[1] == "jobs" && get_) return list_jobs(cfg, db, req);
    if (n == 2 && p[1] == "jobs" && post) return create_job(cfg, db, req);
    if (n == 2 && p[1] == "register-refs" && post) return register_refs(cfg, db, req);
    if (n == 3 && p[1] == "jobs" && get_) {
        Json o;
        job_json(o, cfg, load_job(db, req, p[2]));
        return ok_json(o);
    }
    if (n == 4 && p[1] == "jobs" && p[3] == "units" && get_) return job_units(cfg, db, req, p[2]);
    if (n == 5 && p[1] == "jobs" && p[3] == "units" && get_) return unit_detail(db, req, p[2], p[4]);
    if (n == 4 && p[1] == "review" && (p[3] == "accept" || p[3] == "reject") && post) return review_decide(db, req, p[2], p[3]);
    if (n == 2 && p[1] == "p031" && get_) return p031(cfg, db, req);
    if (n == 2 && p[1] == "pdf" && post) return create_pdf(cfg, db, req);
    if (n == 3 && p[1] == "pdf" && get_) return get_pdf(db, req, p[2]);
    if (n == 3 && p[1] == "admin" && get_) {
        if (req.role != "admin") return json_error(403, "管理者だけが使えます");
        if (p[2] == "config") return admin_config(cfg);
        if (p[2] == "doctor") return admin_doctor(cfg);
        if (p[2] == "errors") return admin_errors(cfg, db, req);
    }
    return json_error(404, "not found");
}

}  // namespace

Response json_error(int status, const std::string& message, const std::string& field) {
    Response r;
    r.status = status;
    Json o;
    o.begin_object().kv("error", message);
    if (!field.empty()) o.kv("field", field);
    o.end_object();
    r.body = o.text();
    return r;
}

Response usage_error(const Error& e) { return json_error(400, e.what(), e.field()); }

Response handle_api(const app::Config& cfg, db::Connection& db, const Request& req) {
    try {
        return dispatch(cfg, db, req);
    } catch (const Denied& e) {
        return json_error(403, e.message);
    } catch (const Error& e) {
        switch (e.code()) {
            case Errc::usage: return usage_error(e);
            case Errc::config: return json_error(400, e.what());
            case Errc::not_found: return json_error(404, e.what());
            default: throw;
        }
    }
}

std::variant<std::unique_ptr<CardConsent>, Response> parse_card_consent(const app::Config& cfg, Request& req) {
    auto c = std::make_unique<CardConsent>();
    std::string pin = get(req.form, "pin"), aux = get(req.form, "aux_pin");
    for (const char* k : {"pin", "aux_pin"})
        if (auto it = req.form.find(k); it != req.form.end()) {
            explicit_bzero(it->second.data(), it->second.size());
            req.form.erase(it);
        }
    try {
        c->pin = card::Pin::take(pin);
        c->aux_pin = card::Pin::take(aux);
    } catch (const Error&) {
        explicit_bzero(pin.data(), pin.size());
        explicit_bzero(aux.data(), aux.size());
        return json_error(400, "暗証番号は数字4桁です", "pin");
    }
    try {
        c->hospnum = hospnum_of(cfg, req, req.form);
        jobs::ConsentOptions co;
        co.mode = get(req.form, "mode");
        co.identity = get(req.form, "identity");
        co.ope = get(req.form, "ope");
        co.shinryo = get(req.form, "shinryo");
        co.kenshin = get(req.form, "kenshin");
        co.sikkan = get(req.form, "sikkan");
        co.prescription = get(req.form, "prescription");
        c->choices = jobs::consent_choices(co, jobs::Voice::screen);
        if (c->choices.identity == "1" && !c->pin.is_digits(4)) throw Error(Errc::usage, "暗証番号（数字4桁）を患者さんに入力してもらってください", "pin");
        if (c->choices.identity == "2" && !c->pin.empty()) throw Error(Errc::usage, "目視確認では暗証番号を使いません", "pin");
        if (!c->aux_pin.empty() && !c->aux_pin.is_digits(4)) throw Error(Errc::usage, "券面事項入力補助用の暗証番号は数字4桁です", "aux_pin");
        const std::string w = get(req.form, "wait");
        if (!w.empty()) {
            if (!text::all_digits(w) || w.size() > 3 || std::stoi(w) > 300) throw Error(Errc::usage, "待ち時間は 0〜300 秒です", "wait");
            c->wait_s = std::stoi(w);
        }
        c->allow_last_try = get(req.form, "allow_last_try") == "1";
    } catch (const Denied& e) {
        return json_error(403, e.message);
    } catch (const Error& e) {
        if (e.code() != Errc::usage) throw;
        return usage_error(e);
    }
    c->user = req.user;
    return c;
}

Response run_card_consent(const app::Config& cfg, CardConsent& c, const std::atomic<bool>* cancel) {
    card::ConsentReadOptions o;
    o.wait_ms = c.wait_s * 1000;
    o.with_pin = c.choices.identity == "1";
    o.with_basic4 = !c.aux_pin.empty();
    o.allow_last_try = c.allow_last_try;
    o.cancel = cancel;
    o.last_try_hint = "残り1回です。最後の1回を使うか、目視確認にしてください";
    oqs::CardRequest rq = c.choices;
    card::ConsentRead cr;
    try {
        card::pcsc::Context ctx;
        cr = card::read_for_consent(ctx, o, [&c](card::PinFile which, int) {
            return which == card::PinFile::jpki_auth ? std::move(c.pin) : std::move(c.aux_pin);
        });
    } catch (const Error& e) {
        c.pin.clear();
        c.aux_pin.clear();
        log::info("web: card consent by %s: %s", c.user.c_str(), e.what());
        return json_error(e.code() == Errc::usage ? 400 : 422, e.what());
    }
    c.pin.clear();
    c.aux_pin.clear();
    rq.certificate = oqs::base64(cr.certificate);
    rq.challenge = oqs::base64(cr.challenge);
    if (!cr.signature.empty()) rq.signature = oqs::base64(cr.signature);
    try {
        db::Connection db(cfg.conninfo);
        jobs::Params params;
        params.card = oqs::encode_card_params(rq);
        const auto id = jobs::submit(db, jobs::prepare(c.hospnum, jobs::Kind::card, params, c.user, jobs::Voice::screen), jobs::Voice::screen).id;
        Json o;
        o.begin_object()
            .kv("id", static_cast<long long>(id))
            .kv("reader", cr.reader)
            .kv("extended", cr.extended)
            .kv("apdus", cr.cert_apdus);
        o.key("basic4");
        if (cr.basic4) {
            o.begin_object().kv("name", cr.basic4->name).kv("birth", cr.basic4->birth).kv("sex", cr.basic4->sex).kv("address", cr.basic4->address).end_object();
            o.key("candidates").begin_array();
            for (const auto& p : bridge::patient_candidates(db, c.hospnum, cr.basic4->name, cr.basic4->birth, cr.basic4->sex))
                o.begin_object().kv("ptnum", p.ptnum).kv("name", p.name).kv("birth", p.birthday).kv("sex", p.sex).end_object();
            o.end_array();
        } else {
            o.null();
        }
        o.end_object();
        Response r;
        r.body = o.text();
        const std::string what = std::string(jobs::treatment_label(rq.treatment)) + ", " + std::string(jobs::identity_label(rq.identity));
        audit(db, c.user, "/api/card/consent", "job " + std::to_string(id) + " card facility " + std::to_string(c.hospnum) + " (" + what + ")");
        return r;
    } catch (const Error& e) {
        log::warning("web: card consent by %s: %s", c.user.c_str(), e.what());
        return json_error(503, "データベースに接続できません");
    }
}

void audit(db::Connection& db, const std::string& user, const std::string& action, const std::string& detail) {
    jobs::record_web_audit(db, user, action, detail);
}

}  // namespace onshi::web
