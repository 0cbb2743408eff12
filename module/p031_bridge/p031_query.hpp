// Reads what ORCA's P031 lists for a day under one 表示内容 filter (orca-tables.md §3.1): the
// selection and order of its cursor path, the COBOL row test, and the registered insurance P031
// compares each row with (§3.2 row colours).
#pragma once

#include "db/pg.hpp"
#include "p031_bridge/match.hpp"
#include "p031_bridge/p031_view.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace onshi::bridge {

enum class P031View { all, homecare, online };  // 【全体】 (0), 訪問診療同意 (08), オンライン診療同意 (10)

std::optional<P031View> p031_view_named(std::string_view name);  // "all", "homecare", "online"
std::string_view p031_view_label(P031View v);                    // 【全体】, 【訪問診療同意】, 【オンライン診療同意】

struct P031Selection {
    int hospnum = 1;
    std::string ymd;                  // the shown date (kakuninymd)
    P031View view = P031View::all;
    bool all_rows = false;            // F9 全対象: mod_flg not filtered; on 【全体】 also scr_dltflg '1' rows (key16)
};

// Every row of the list, in ORCA's order (paging is the caller's: p031_page).
std::vector<P031Source> p031_rows(db::Connection& db, const P031Selection& sel);

// The ORCA patients of the facility with a card's 基本4情報 (name, YYYYMMDD, sex code): tbl_ptinf rows of
// that birth date, through basic4_candidates (never linked on these alone: the caller lists them).
std::vector<PtinfRow> patient_candidates(db::Connection& db, int hospnum, std::string_view name, std::string_view birth,
                                         std::string_view sex);

}  // namespace onshi::bridge
