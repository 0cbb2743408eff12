#include "p031_bridge/p031_query.hpp"

namespace onshi::bridge {

std::vector<P031Source> p031_rows(db::Connection& db, int hospnum, const std::string& ymd) {
    // P §3001: hospnum, kakuninymd, orca_shokai_kbn <> '1', scr_dltflg = ''; the COBOL row test
    // keeps result_kbn '1' and (F9 off) mod_flg ''; 【全体】 drops the consent-batch 訪/オ rows.
    // ORCA's database sorts in the C collation; say so, whatever this database's default is.
    static const std::string sql =
        "SELECT k.shokai_kbn, k.orca_shokai_kbn, k.onshinryo_kbn, k.mod_flg, k.lock_kbn, k.scr_dltflg,"
        " k.ope_douiflg, k.shinryo_douiflg, k.yakuzai_douiflg, k.kenshin_douiflg, k.gendo_douiflg, k.sikkan_douiflg,"
        " k.gendo_shokbn, k.sikkan_sipkbn1, k.sikkan_sipkbn2, k.sikkan_sipkbn3, k.shori_time, k.ptid,"
        " coalesce(trim(n.ptnum), ''), k.res_name, k.res_kananame, k.res_sex1, k.res_birthday, k.card_class,"
        " k.res_hknjanum, k.res_kigo, k.res_num, k.res_edaban, k.res_honkzkkbn, k.ftnrate, k.elder_skkgetymd,"
        " k.elder_ftnrate, k.sikaku_yuko, k.tekedymd, k.res_post, k.res_adrs, k.shokai_num"
        " FROM tbl_onshi_kaku k"
        " LEFT JOIN tbl_ptnum n ON n.hospnum = k.hospnum AND n.ptid = k.ptid AND k.ptid <> 0"
        " WHERE k.hospnum = $1 AND k.kakuninymd = $2 AND k.orca_shokai_kbn <> '1' AND k.scr_dltflg = ''"
        "   AND k.result_kbn = '1' AND k.mod_flg = ''"
        "   AND NOT (k.shokai_kbn = '' AND ((k.onshinryo_kbn = '2' AND k.process_class = '2')"
        "                                OR (k.onshinryo_kbn = '3' AND k.process_class = '3')))"
        " ORDER BY k.shori_time COLLATE \"C\", k.shokai_kbn COLLATE \"C\", k.fujyo_uuid COLLATE \"C\","
        "   k.card_class COLLATE \"C\", k.oya_uuid COLLATE \"C\" DESC, k.tbl_uuid COLLATE \"C\" DESC";
    const auto r = db.exec(sql, {std::to_string(hospnum), ymd});
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
        out.push_back(std::move(p));
    }
    return out;
}

}  // namespace onshi::bridge
