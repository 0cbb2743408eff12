#include "p031_bridge/orca_queries.hpp"

namespace onshi::bridge {

std::vector<KakuRecord> kaku_rows_by_uuid(db::Connection& db, const std::vector<std::string>& uuids) {
    std::vector<KakuRecord> out;
    if (uuids.empty()) return out;
    const auto k = db.exec("SELECT * FROM tbl_onshi_kaku WHERE tbl_uuid = ANY ($1::text[])", {db::text_array(uuids)});
    for (int i = 0; i < k.rows(); ++i) {
        KakuRecord row;
        for (std::size_t c = 0; c < k.fields(); ++c) row[k.field_name(c)] = k.str(i, static_cast<int>(c));
        out.push_back(std::move(row));
    }
    return out;
}

std::vector<CardResultRow> card_result_rows(db::Connection& db, std::int64_t job_id) {
    const auto r = db.exec(
        "SELECT coalesce(k.shokai_num, ''), coalesce(k.res_hknjanum, ''), coalesce(k.hknjanum_name, ''), coalesce(k.res_kigo, ''),"
        " coalesce(k.res_num, ''), coalesce(k.res_edaban, ''), coalesce(k.res_kananame, ''), coalesce(k.res_name, ''),"
        " coalesce(k.res_sex1, ''), coalesce(k.card_class, ''), coalesce(k.tekstymd, ''), coalesce(k.tekedymd, ''),"
        " coalesce(k.ftnrate, ''), coalesce(k.res_honkzkkbn, ''), coalesce(k.ope_douiflg, ''), coalesce(k.shinryo_douiflg, ''),"
        " coalesce(k.kenshin_douiflg, ''), coalesce(k.sikkan_douiflg, ''), coalesce(k.sho_shoho_keitai, ''),"
        " coalesce((SELECT trim(n.ptnum) FROM tbl_ptnum n WHERE n.hospnum = k.hospnum AND n.ptid = k.ptid AND k.ptid <> 0), '')"
        " FROM onshi.result_file f JOIN onshi.result_unit u ON u.file_id = f.id"
        " JOIN tbl_onshi_kaku k ON k.hospnum = f.hospnum AND k.tbl_uuid = ANY (u.tbl_uuids)"
        " WHERE f.job_id = $1 ORDER BY k.card_class",
        {std::to_string(job_id)});
    std::vector<CardResultRow> out;
    for (int i = 0; i < r.rows(); ++i) {
        const auto f = [&](int c) { return r.str(i, c); };
        out.push_back({f(0), f(1), f(2), f(3), f(4), f(5), f(6), f(7), f(8), f(9), f(10), f(11), f(12), f(13), f(14), f(15), f(16),
                       f(17), f(18), f(19)});
    }
    return out;
}

long long facility_info_rows(db::Connection& db, int hospnum) {
    return db.exec("SELECT count(*) FROM tbl_syskanri WHERE hospnum = $1 AND kanricd = '1001'", {std::to_string(hospnum)}).num(0, 0);
}

std::optional<std::string> online_settings_1051(db::Connection& db, int hospnum, const std::string& ymd) {
    const auto r = db.exec("SELECT coalesce(kanritbl, '') FROM tbl_syskanri WHERE hospnum = $1 AND kanricd = '1051'"
                           " AND kbncd = '*' AND styukymd <= $2 AND edyukymd >= $2 ORDER BY styukymd DESC LIMIT 1",
                           {std::to_string(hospnum), ymd});
    if (r.rows() == 0) return std::nullopt;
    return r.str(0, 0);
}

void table_catalog(db::Connection& db, const std::vector<std::string>& tables, std::vector<std::string>& present,
                   std::vector<CatalogColumn>& columns) {
    const std::string names = db::text_array(tables);
    const std::string resolved =
        "SELECT t, n.nspname FROM unnest($1::text[]) AS t"
        " JOIN pg_class k ON k.oid = to_regclass(quote_ident(t)) JOIN pg_namespace n ON n.oid = k.relnamespace";
    const auto r = db.exec(resolved, {names});
    for (int i = 0; i < r.rows(); ++i) present.push_back(r.str(i, 0));
    const auto cols = db.exec("SELECT c.table_name, c.column_name, c.data_type, c.character_maximum_length, c.is_nullable = 'NO',"
                              " c.column_default IS NOT NULL"
                              " FROM information_schema.columns c JOIN (" + resolved + ") r"
                              " ON r.t = c.table_name::text AND r.nspname = c.table_schema::text"
                              " ORDER BY c.table_name, c.ordinal_position",
                              {names});
    for (int i = 0; i < cols.rows(); ++i) {
        CatalogColumn c{cols.str(i, 0), cols.str(i, 1), cols.str(i, 2), std::nullopt};
        if (!cols.is_null(i, 3)) c.char_max_length = cols.num(i, 3);
        c.not_null = cols.get(i, 4) == "t";
        c.has_default = cols.get(i, 5) == "t";
        columns.push_back(std::move(c));
    }
}

}  // namespace onshi::bridge
