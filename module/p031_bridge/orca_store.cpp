#include "p031_bridge/orca_store.hpp"

#include "core/text.hpp"

namespace onshi::bridge::orca {

std::vector<oqs::SearchItem> insurance_list(db::Connection& db, int hospnum, const std::string& today, const std::string& seen_since,
                                            bool with_reference) {
    const auto r = db.exec(
        "SELECT trim(h.hknjanum), coalesce(h.kigo, ''), coalesce(h.num, ''), coalesce(h.edaban, ''), coalesce(i.birthday, ''),"
        " trim(n.ptnum), h.ptid, h.hknid"
        " FROM tbl_pthkninf h JOIN tbl_ptinf i ON i.hospnum = h.hospnum AND i.ptid = h.ptid"
        " JOIN tbl_ptnum n ON n.hospnum = h.hospnum AND n.ptid = h.ptid"
        " WHERE h.hospnum = $1 AND h.tekstymd <= $2 AND h.tekedymd >= $2 AND coalesce(h.sakjokbn, '') <> '1'"
        "   AND h.hknnum LIKE '0%' AND coalesce(i.tstptnumkbn, '') <> '1' AND coalesce(h.hknjanum, '') <> ''"
        "   AND ($3::text IS NULL OR EXISTS (SELECT 1 FROM tbl_jyurrk v WHERE v.hospnum = h.hospnum AND v.ptid = h.ptid AND v.sryymd >= $3))"
        " ORDER BY h.ptid, h.hknid",
        {std::to_string(hospnum), today, seen_since.empty() ? db::Param() : db::Param(seen_since)});
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

std::optional<ConsentedInsurance> consented_insurance(db::Connection& db, int hospnum, const std::string& ptnum, bool drug) {
    const auto r = db.exec(
        "SELECT k.ptid, k.res_hknjanum, k.res_kigo, k.res_num, k.res_edaban, k.onshinryo_kbn"
        " FROM tbl_onshi_kaku k JOIN tbl_ptnum n ON n.hospnum = k.hospnum AND n.ptid = k.ptid"
        " WHERE k.hospnum = $1 AND n.ptnum = $2::bpchar AND k.card_class <> 'A1' AND k.scr_dltflg = ''"
        "   AND " + std::string(drug ? "k.yakuzai_douiflg" : "k.kenshin_douiflg") + " = '1'"
        " ORDER BY k.kaku_kakuninymd DESC, k.kaku_kakuninhms DESC, k.shori_time DESC LIMIT 1",
        {std::to_string(hospnum), text::patient_number(ptnum)});
    if (r.rows() == 0) return std::nullopt;
    ConsentedInsurance c;
    c.ptid = r.num(0, 0);
    c.insurer_number = r.str(0, 1);
    c.symbol = r.str(0, 2);
    c.number = r.str(0, 3);
    c.branch = r.str(0, 4);
    c.treatment_flag = r.str(0, 5);
    return c;
}

std::vector<OrcaRequest> pending_requests(db::Connection& db, int hospnum) {
    const auto r = db.exec("SELECT jobid, shellid, trim(startymd), trim(endymd), karte_uid FROM tbl_jobkanri"
                           " WHERE hospnum = $1 AND shellid IN ('P02V001', 'P02O001') AND trim(coalesce(errcd, '')) = ''"
                           "   AND coalesce(karte_uid, '') <> '' ORDER BY jobid",
                           {std::to_string(hospnum)});
    std::vector<OrcaRequest> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back({r.str(i, 0), r.str(i, 1), r.str(i, 2), r.str(i, 3), r.str(i, 4)});
    return out;
}

namespace {

const std::string kRow = " WHERE hospnum = $1 AND jobid = $2 AND shellid = $3";
const std::string kNow = "to_char(now(), 'HH24MISS')";

std::vector<db::Param> key(const JobkanriRow& row) { return {std::to_string(row.hospnum), row.jobid, row.shellid}; }

}  // namespace

void mark_jobkanri_taken(db::Connection& db, const JobkanriRow& row) {
    db.exec("UPDATE tbl_jobkanri SET errcd = '0001'" + kRow, key(row));
}

void mark_jobkanri_received(db::Connection& db, const JobkanriRow& row, const std::string& reception_number) {
    auto p = key(row);
    p.push_back(reception_number);
    db.exec("UPDATE tbl_jobkanri SET errcd = '0002', yobi = $4" + kRow, p);
}

void mark_jobkanri_done(db::Connection& db, const JobkanriRow& row, std::optional<long long> units, long long unit_errors) {
    auto p = key(row);
    p.push_back(units ? db::Param(std::to_string(*units)) : db::Param());
    p.push_back(std::to_string(unit_errors));
    p.push_back(text::trim(row.shellid) == "P02O001" ? "オンライン診療一括返却" : "訪問診療一括返却");
    db.exec("UPDATE tbl_jobkanri SET errcd = '0003', syokbn = '1', pid1 = $4::bigint, pid2 = $4::bigint - $5::bigint, pid3 = $5::bigint,"
            " updcnt = coalesce(updcnt, 0) + $4::bigint, stepcnt = coalesce(stepcnt, 0) + 1, pgid = 'ORCA-ONSHI',"
            " jobendtime = " + kNow + ", stependtime = " + kNow +
            ", shellmsg = $6" + kRow,
            p);
}

void mark_jobkanri_failed(db::Connection& db, const JobkanriRow& row, const std::string& error) {
    auto p = key(row);
    p.push_back(error);
    db.exec("UPDATE tbl_jobkanri SET errcd = '0003', syokbn = '9', yobi = left($4, 500), jobendtime = " + kNow + kRow, p);
}

void refuse_request(db::Connection& db, const JobkanriRow& row, const std::string& reason) {
    auto p = key(row);
    p.push_back(reason);
    db.exec("UPDATE tbl_jobkanri SET errcd = '0003', syokbn = '9', yobi = $4" + kRow, p);
}

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

}  // namespace onshi::bridge::orca
