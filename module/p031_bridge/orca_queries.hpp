// What the front ends (CLI, screens, doctor) read of ORCA's own tables (tbl_*), named for what they
// show; the front ends render, this runs the statements.
#pragma once

#include "db/pg.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace onshi::bridge {

// tbl_onshi_kaku rows by tbl_uuid, each as column name -> text (every column; NULL as "").
using KakuRecord = std::map<std::string, std::string>;
std::vector<KakuRecord> kaku_rows_by_uuid(db::Connection& db, const std::vector<std::string>& uuids);

// The rows a `card` job wrote (マイナ保険証 consent), by card_class: what screen ⑪ shows.
struct CardResultRow {
    std::string shokai_num, hknjanum, hknjanum_name, kigo, num, edaban, kananame, name, sex, card_class, tekstymd, tekedymd,
        ftnrate, honkzkkbn, ope, shinryo, kenshin, sikkan, prescription;
    std::string ptnum;  // the linked ORCA patient's 患者番号, "" when none
};
std::vector<CardResultRow> card_result_rows(db::Connection& db, std::int64_t job_id);

// tbl_syskanri 1001 (医療機関情報) rows of a hospnum.
long long facility_info_rows(db::Connection& db, int hospnum);
// tbl_syskanri 1051 (オンライン資格確認) kanritbl in force on ymd; nullopt when there is none.
std::optional<std::string> online_settings_1051(db::Connection& db, int hospnum, const std::string& ymd);

// Which of these tables resolve through the search path, and the columns of each in the schema it
// resolves to (information_schema), by table and position.
struct CatalogColumn {
    std::string table, column, data_type;
    std::optional<long long> char_max_length;
    bool not_null = false, has_default = false;
};
void table_catalog(db::Connection& db, const std::vector<std::string>& tables, std::vector<std::string>& present,
                   std::vector<CatalogColumn>& columns);

}  // namespace onshi::bridge
