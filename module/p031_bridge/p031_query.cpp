#include "p031_bridge/p031_query.hpp"

#include <array>

namespace onshi::bridge {
namespace {

// P §3001-ONSKAK-SYORI: each 表示内容 filter = a cursor path of tbl_onshi_kaku.db plus the COBOL row test.
struct ViewDef {
    P031View view;
    std::string_view name, label;
    std::string_view where;         // the path's own key and the row test for this filter
    bool f9_shows_deleted;          // F9 全対象 switches to a path without scr_dltflg = '' (key6 → key16)
    std::string_view order;         // the path's ORDER BY; ORCA's database sorts in the C collation
};

constexpr std::string_view kOrderKey6 =
    "k.shori_time COLLATE \"C\", k.shokai_kbn COLLATE \"C\", k.fujyo_uuid COLLATE \"C\", k.card_class COLLATE \"C\","
    " k.oya_uuid COLLATE \"C\" DESC, k.tbl_uuid COLLATE \"C\" DESC";
constexpr std::string_view kOrderKey31 =
    "k.shori_time COLLATE \"C\", k.fujyo_uuid COLLATE \"C\", k.card_class COLLATE \"C\","
    " k.oya_uuid COLLATE \"C\" DESC, k.tbl_uuid COLLATE \"C\" DESC";

constexpr std::array<ViewDef, 3> kViews{{
    // 【全体】 (SYORI 0): key6 / key16; the row test drops the 同意一括 訪/オ rows.
    {P031View::all, "all", "【全体】",
     "NOT (k.shokai_kbn = '' AND ((k.onshinryo_kbn = '2' AND k.process_class = '2')"
     " OR (k.onshinryo_kbn = '3' AND k.process_class = '3')))",
     true, kOrderKey6},
    // 訪問診療同意 (08): key31 with onshinryo_kbn '2'; row test shokai_kbn SPACE, process_class '2'.
    {P031View::homecare, "homecare", "【訪問診療同意】",
     "k.onshinryo_kbn = '2' AND k.shokai_kbn = '' AND k.process_class = '2'", false, kOrderKey31},
    // オンライン診療同意 (10): key31 with onshinryo_kbn '3'; row test shokai_kbn SPACE, process_class '3'.
    {P031View::online, "online", "【オンライン診療同意】",
     "k.onshinryo_kbn = '3' AND k.shokai_kbn = '' AND k.process_class = '3'", false, kOrderKey31},
}};

const ViewDef& def(P031View v) {
    for (const auto& d : kViews)
        if (d.view == v) return d;
    return kViews[0];
}

// The columns P031 reads, the 患者番号, and the registered insurance ORCSONSHI003 §210-PTHKNINF-HEN
// finds for the row: tbl_pthkninf path key2 (ORDER BY tekedymd DESC, tekstymd DESC, hknid), the first
// with sakjokbn SPACE, hknjanum/kigo/num equal to res_* (COBOL compares blank-padded: rtrim) and
// tekstymd <= the shown date <= tekedymd.
constexpr std::string_view kSelect =
    "SELECT k.shokai_kbn, k.orca_shokai_kbn, k.onshinryo_kbn, k.mod_flg, k.lock_kbn, k.scr_dltflg,"
    " k.ope_douiflg, k.shinryo_douiflg, k.yakuzai_douiflg, k.kenshin_douiflg, k.gendo_douiflg, k.sikkan_douiflg,"
    " k.gendo_shokbn, k.sikkan_sipkbn1, k.sikkan_sipkbn2, k.sikkan_sipkbn3, k.shori_time, k.ptid,"
    " coalesce(trim(n.ptnum), ''), k.res_name, k.res_kananame, k.res_sex1, k.res_birthday, k.card_class,"
    " k.res_hknjanum, k.res_kigo, k.res_num, k.res_edaban, k.res_honkzkkbn, k.ftnrate, k.elder_skkgetymd,"
    " k.elder_ftnrate, k.sikaku_yuko, k.tekedymd, k.res_post, k.res_adrs, k.shokai_num,"
    " hk.found IS NOT NULL, coalesce(hk.honkzkkbn, '')"
    " FROM tbl_onshi_kaku k"
    " LEFT JOIN tbl_ptnum n ON n.hospnum = k.hospnum AND n.ptid = k.ptid AND k.ptid <> 0"
    " LEFT JOIN LATERAL (SELECT true AS found, rtrim(h.honkzkkbn) AS honkzkkbn FROM tbl_pthkninf h"
    "   WHERE k.ptid <> 0 AND h.hospnum = k.hospnum AND h.ptid = k.ptid AND h.sakjokbn = ''"
    "     AND rtrim(h.hknjanum) = rtrim(k.res_hknjanum) AND rtrim(h.kigo) = rtrim(k.res_kigo)"
    "     AND rtrim(h.num) = rtrim(k.res_num)"
    "     AND h.tekstymd::text <= $2::text AND h.tekedymd::text >= $2::text"
    "   ORDER BY h.tekedymd COLLATE \"C\" DESC, h.tekstymd COLLATE \"C\" DESC, h.hknid LIMIT 1) hk ON true"
    // P §3001: hospnum, kakuninymd, orca_shokai_kbn <> '1' (予約照会 aside); the COBOL row test keeps
    // result_kbn '1'.
    " WHERE k.hospnum = $1 AND k.kakuninymd = $2::text AND k.orca_shokai_kbn <> '1' AND k.result_kbn = '1'";

}  // namespace

std::optional<P031View> p031_view_named(std::string_view name) {
    for (const auto& d : kViews)
        if (d.name == name) return d.view;
    return std::nullopt;
}

std::string_view p031_view_label(P031View v) { return def(v).label; }

std::vector<P031Source> p031_rows(db::Connection& db, const P031Selection& sel) {
    const ViewDef& d = def(sel.view);
    std::string sql(kSelect);
    if (!(sel.all_rows && d.f9_shows_deleted)) sql += " AND k.scr_dltflg = ''";
    if (!sel.all_rows) sql += " AND k.mod_flg = ''";  // F9 off: 未処理のみ
    sql += " AND ";
    sql += d.where;
    sql += " ORDER BY ";
    sql += d.order;
    const auto r = db.exec(sql, {std::to_string(sel.hospnum), sel.ymd});
    std::vector<P031Source> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) {
        int c = 0;
        auto s = [&] { return r.str(i, c++); };
        P031Source p;
        p.shokai_kbn = s(); p.orca_shokai_kbn = s(); p.onshinryo_kbn = s(); p.mod_flg = s(); p.lock_kbn = s(); p.scr_dltflg = s();
        p.ope_douiflg = s(); p.shinryo_douiflg = s(); p.yakuzai_douiflg = s(); p.kenshin_douiflg = s();
        p.gendo_douiflg = s(); p.sikkan_douiflg = s();
        p.gendo_shokbn = s(); p.sikkan_sipkbn1 = s(); p.sikkan_sipkbn2 = s(); p.sikkan_sipkbn3 = s();
        p.shori_time = s();
        p.ptid = r.num(i, c++);
        p.ptnum = s(); p.res_name = s(); p.res_kananame = s(); p.res_sex1 = s(); p.res_birthday = s(); p.card_class = s();
        p.res_hknjanum = s(); p.res_kigo = s(); p.res_num = s(); p.res_edaban = s(); p.res_honkzkkbn = s(); p.ftnrate = s();
        p.elder_skkgetymd = s(); p.elder_ftnrate = s(); p.sikaku_yuko = s(); p.tekedymd = s(); p.res_post = s();
        p.res_adrs = s(); p.shokai_num = s();
        p.registered = s() == "t";
        p.reg_honkzkkbn = s();
        out.push_back(std::move(p));
    }
    return out;
}

std::vector<PtinfRow> patient_candidates(db::Connection& db, int hospnum, std::string_view name, std::string_view birth,
                                         std::string_view sex) {
    const auto r = db.exec("SELECT trim(n.ptnum), coalesce(i.name, ''), coalesce(i.birthday, ''), coalesce(i.sex, ''),"
                           " coalesce(i.tstptnumkbn, '') = '1' FROM tbl_ptinf i JOIN tbl_ptnum n ON n.hospnum = i.hospnum AND n.ptid = i.ptid"
                           " WHERE i.hospnum = $1 AND i.birthday = $2 ORDER BY n.ptnum",
                           {std::to_string(hospnum), std::string(birth)});
    std::vector<PtinfRow> rows;
    for (int i = 0; i < r.rows(); ++i) rows.push_back({r.str(i, 0), r.str(i, 1), r.str(i, 2), r.str(i, 3), r.str(i, 4) == "t"});
    return basic4_candidates(name, birth, sex, rows);
}

}  // namespace onshi::bridge
