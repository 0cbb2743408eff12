#include "p031_bridge/review.hpp"

#include "app/clock.hpp"
#include "core/dates.hpp"
#include "core/error.hpp"
#include "core/text.hpp"
#include "p031_bridge/writer.hpp"

namespace onshi::bridge {
namespace {

// Locks the item and checks it is still open; returns (kind, payload, hospnum, uuids).
struct Open {
    ReviewKind kind = ReviewKind::held;
    std::string payload;
    int hospnum = 0;
    std::string uuids;
};

Open lock_open(db::Connection& db, std::int64_t id) {
    // The payload is read as bytes (hex) and decoded here: it may hold what EUC_JP cannot (db::bytea_from_hex).
    const auto r = db.exec("SELECT kind, encode(coalesce(payload, ''::bytea), 'hex'), hospnum, tbl_uuids::text, status"
                           " FROM onshi.review WHERE id = $1 FOR UPDATE",
                           {std::to_string(id)});
    if (r.rows() != 1) throw Error(Errc::not_found, "no review item " + std::to_string(id));
    if (r.get(0, 4) != "open") throw Error(Errc::usage, "review item " + std::to_string(id) + " was " + r.str(0, 4) + " already");
    return Open{review_kind_from_text(r.str(0, 0)), db::bytea_from_hex(r.get(0, 1)), static_cast<int>(r.num(0, 2)), r.str(0, 3)};
}

void decide(db::Connection& db, std::int64_t id, const char* status, const std::string& op, const std::string& detail) {
    db.exec("UPDATE onshi.review SET status = $2, decided_by = $3, decided_at = now() WHERE id = $1", {std::to_string(id), status, op});
    db.exec("INSERT INTO onshi.review_audit (review_id, action, operator, detail) VALUES ($1, $2, $3, $4)",
            {std::to_string(id), status, op, text::replace_gaiji(detail)});
}

std::int64_t ptid_of(db::Connection& db, int hospnum, const std::string& ptnum) {
    const auto r = db.exec("SELECT n.ptid FROM tbl_ptnum n JOIN tbl_ptinf i ON i.hospnum = n.hospnum AND i.ptid = n.ptid"
                           " WHERE n.hospnum = $1 AND n.ptnum = $2::bpchar AND coalesce(i.tstptnumkbn, '') <> '1'",
                           {std::to_string(hospnum), text::patient_number(ptnum)});
    if (r.rows() != 1) throw Error(Errc::usage, "no ORCA patient " + ptnum + " (test patients are never linked)");
    return r.num(0, 0);
}

}  // namespace

std::string_view to_text(ReviewKind k) { return k == ReviewKind::held ? "held" : "flagged"; }

ReviewKind review_kind_from_text(std::string_view text) {
    for (const ReviewKind k : {ReviewKind::held, ReviewKind::flagged})
        if (text == to_text(k)) return k;
    throw Error(Errc::internal, "unknown review item kind '" + std::string(text) + "'");
}

std::vector<ReviewItem> review_list(db::Connection& db, int hospnum, bool all) {
    // The name of a held unit is in its payload (it may hold 外字); of a flagged one, in its rows.
    const auto r = db.exec(
        "SELECT v.id, to_char(v.created_at, 'YYYY-MM-DD HH24:MI'), v.kind, v.reason, v.status, v.decided_by, v.ptid,"
        " coalesce(f.job_id, 0), coalesce(k.res_name, ''), coalesce(k.res_kananame, ''), encode(coalesce(v.payload, ''::bytea), 'hex')"
        " FROM onshi.review v JOIN onshi.result_file f ON f.id = v.file_id"
        " LEFT JOIN tbl_onshi_kaku k ON k.hospnum = v.hospnum AND k.tbl_uuid = v.tbl_uuids[1]"
        " WHERE ($1 = 0 OR v.hospnum = $1::smallint) AND ($2 OR v.status = 'open') ORDER BY v.id",
        {std::to_string(hospnum), all ? "true" : "false"});
    std::vector<ReviewItem> out;
    for (int i = 0; i < r.rows(); ++i) {
        ReviewItem it;
        it.id = r.num(i, 0);
        it.created_at = r.str(i, 1);
        it.kind = review_kind_from_text(r.str(i, 2));
        it.reason = r.str(i, 3);
        it.status = r.str(i, 4);
        it.decided_by = r.str(i, 5);
        it.ptid = r.num(i, 6);
        it.job_id = r.num(i, 7);
        it.name = r.str(i, 8);
        it.kana = r.str(i, 9);
        if (it.kind == ReviewKind::held) {
            const auto rows = from_payload(db::bytea_from_hex(r.get(i, 10)));
            if (!rows.kaku.empty()) {
                it.name = rows.kaku[0][Col::res_name];
                it.kana = rows.kaku[0][Col::res_kananame];
            }
        }
        out.push_back(std::move(it));
    }
    return out;
}

std::string review_accept(db::Connection& db, std::int64_t id, const AcceptOptions& opt) {
    db::Transaction tx(db);
    const Open o = lock_open(db, id);
    std::string done;
    const std::int64_t ptid = opt.ptnum ? ptid_of(db, o.hospnum, *opt.ptnum) : 0;
    const std::string ymd = dates::today(), hms = dates::now_hms();
    if (o.kind == ReviewKind::held) {
        auto rows = from_payload(o.payload);
        std::string lines;
        for (auto& row : rows.kaku) {
            if (opt.name) row[Col::res_name] = text::to_zenkaku(*opt.name);
            for (std::size_t i = 0; i < kColumnCount; ++i)
                if (!is_numeric(kColumns[i].kind)) row.at(i) = text::replace_gaiji(row.at(i), kGeta);
            for (Col c : {Col::res_name, Col::res_name_etc, Col::res_kananame, Col::res_kananame_etc, Col::res_hihknjaname}) {
                std::string& v = row[c];
                for (std::size_t p; (p = v.find(text::kBlackCircle)) != std::string::npos;) v.replace(p, text::kBlackCircle.size(), kGeta);
            }
            if (ptid) {
                row[Col::ptid] = std::to_string(ptid);
                row[Col::set_ptid] = "1";
            }
            fit_to_orca(row);
            lines += kaku_copy_line(row);
        }
        // The consent rows' 外字 as the ★ row's (their 記号/番号 are the same).
        each_consent_text(rows.houmon, rows.aid,
                          [](const char*, std::string& v) { v = text::replace_gaiji(v, kGeta); });
        for (auto& h : rows.houmon)
            if (ptid) h.ptid = ptid;
        for (auto& a : rows.aid)
            if (ptid) a.ptid = ptid;
        const OrcaColumns cols = read_orca_columns(db);
        copy_kaku(db, cols, lines);
        write_houmon(db, cols, o.hospnum, rows.houmon, ymd, hms);
        copy_aid(db, cols, o.hospnum, rows.aid, ymd, hms);
        done = std::to_string(rows.kaku.size()) + " row(s) written" + (opt.name ? " with the name given" : " (外字 shown as 〓)");
    } else if (ptid) {
        const std::string p = std::to_string(ptid), h = std::to_string(o.hospnum);
        db.exec("UPDATE tbl_onshi_aidlst a SET ptid = $3, upymd = $4, uphms = $5 FROM tbl_onshi_kaku k"
                " WHERE k.hospnum = $1 AND k.tbl_uuid = ANY ($2::text[]) AND k.fujyo_uuid <> '' AND a.hospnum = k.hospnum"
                " AND a.fujyo_uuid = k.fujyo_uuid",
                {h, o.uuids, p, ymd, hms});
        db.exec("UPDATE tbl_onshi_houmon SET ptid = $3, upymd = $4, uphms = $5 WHERE hospnum = $1 AND tbl_uuid = ANY ($2::text[])",
                {h, o.uuids, p, ymd, hms});
        const auto r = db.exec("UPDATE tbl_onshi_kaku SET ptid = $3, set_ptid = '1', err_code = '', err_msg = '', upymd = $4, uphms = $5"
                               " WHERE hospnum = $1 AND tbl_uuid = ANY ($2::text[])",
                               {h, o.uuids, p, ymd, hms});
        done = r.affected() + " row(s) linked to 患者番号 " + *opt.ptnum;
    } else {
        done = "looked at; the rows stay as written";
    }
    decide(db, id, "accepted", opt.operator_name, done + (opt.ptnum ? " (患者番号 " + *opt.ptnum + ")" : ""));
    tx.commit();
    return done;
}

void review_reject(db::Connection& db, std::int64_t id, const std::string& operator_name) {
    db::Transaction tx(db);
    lock_open(db, id);
    decide(db, id, "rejected", operator_name, "");
    tx.commit();
}

}  // namespace onshi::bridge
