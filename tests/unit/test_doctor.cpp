#include "app/doctor.hpp"
#include "p031_bridge/kaku_row.hpp"
#include "unit.hpp"

#include <algorithm>

using namespace onshi::app::doctor;

namespace {

// information_schema as a stand-in database with every table and column as expected would show it.
std::vector<ColumnFact> all_fine() {
    std::vector<ColumnFact> v;
    for (const auto& e : expected_columns()) {
        if (e.numeric) v.push_back({e.table, e.column, e.column == "hospnum" ? "smallint" : "bigint", std::nullopt});
        else v.push_back({e.table, e.column, "character varying", static_cast<long long>(e.length)});
    }
    return v;
}
ColumnFact& fact(std::vector<ColumnFact>& v, const std::string& table, const std::string& column) {
    const auto it = std::find_if(v.begin(), v.end(), [&](const ColumnFact& f) { return f.table == table && f.column == column; });
    ck_assert(it != v.end());
    return *it;
}
std::vector<std::string> lines(Level level, const std::vector<Finding>& fs) {
    std::vector<std::string> out;
    for (const auto& f : fs)
        if (f.level == level) out.push_back(line(f));
    return out;
}

}  // namespace

START_TEST(schema_all_fine) {
    const auto fs = check_schema(required_tables(), all_fine());
    ck_assert(!has_err(fs));
    ck_assert_int_eq(lines(Level::warn, fs).size(), 0);
    const auto ok = lines(Level::ok, fs);
    ck_assert_int_eq(ok.size(), 4);  // tables present + one per checked table
    ASSERT_STR(ok[1], "OK   tbl_onshi_kaku: " + std::to_string(onshi::bridge::kColumnCount) +
                          " columns with the types and lengths orca-onshi needs");
    ASSERT_STR(summary(fs), "doctor: 4 OK, 0 WARN, 0 ERR");
    // Longer text, char(n), text and numeric(p,0) are all fine.
    auto v = all_fine();
    fact(v, "tbl_onshi_kaku", "res_num").char_max_length = 200;
    fact(v, "tbl_onshi_kaku", "creymd").data_type = "character";
    fact(v, "tbl_onshi_kaku", "res_adrs") = {"tbl_onshi_kaku", "res_adrs", "text", std::nullopt};
    fact(v, "tbl_onshi_houmon", "hospnum").data_type = "numeric";
    ck_assert(!has_err(check_schema(required_tables(), v)));
}
END_TEST

START_TEST(schema_missing_column) {
    auto v = all_fine();
    v.erase(std::find_if(v.begin(), v.end(), [](const ColumnFact& f) { return f.table == "tbl_onshi_kaku" && f.column == "shokai_num"; }));
    const auto fs = check_schema(required_tables(), v);
    const auto err = lines(Level::err, fs);
    ck_assert_int_eq(err.size(), 1);
    ASSERT_STR(err[0], "ERR  tbl_onshi_kaku.shokai_num is missing");
    // the table's OK line is gone, the other tables still have theirs
    ck_assert_int_eq(lines(Level::ok, fs).size(), 3);
}
END_TEST

START_TEST(schema_too_short) {
    auto v = all_fine();
    fact(v, "tbl_onshi_kaku", "res_num").char_max_length = 5;
    fact(v, "tbl_onshi_aidlst", "kofunum").data_type = "character";
    fact(v, "tbl_onshi_aidlst", "kofunum").char_max_length = 14;
    const auto err = lines(Level::err, check_schema(required_tables(), v));
    ck_assert_int_eq(err.size(), 2);
    ASSERT_STR(err[0], "ERR  tbl_onshi_kaku.res_num is varchar(5), needs at least 80");
    ASSERT_STR(err[1], "ERR  tbl_onshi_aidlst.kofunum is char(14), needs at least 15");
}
END_TEST

START_TEST(schema_wrong_type) {
    auto v = all_fine();
    fact(v, "tbl_onshi_kaku", "ptid") = {"tbl_onshi_kaku", "ptid", "character varying", 10};
    fact(v, "tbl_onshi_kaku", "res_name") = {"tbl_onshi_kaku", "res_name", "integer", std::nullopt};
    fact(v, "tbl_onshi_houmon", "ptid").data_type = "double precision";
    const auto err = lines(Level::err, check_schema(required_tables(), v));
    ck_assert_int_eq(err.size(), 3);
    ASSERT_STR(err[0], "ERR  tbl_onshi_kaku.ptid is varchar(10), needs a number (smallint, integer, bigint or numeric)");
    ASSERT_STR(err[1], "ERR  tbl_onshi_kaku.res_name is integer, needs text of at least 100 characters");
    ASSERT_STR(err[2], "ERR  tbl_onshi_houmon.ptid is double precision, needs a number (smallint, integer, bigint or numeric)");
}
END_TEST

START_TEST(schema_missing_table_and_unknown_column) {
    std::vector<std::string> present;
    for (const auto& t : required_tables())
        if (t != "tbl_jobkanri" && t != "tbl_onshi_aidlst") present.push_back(t);
    auto v = all_fine();
    std::erase_if(v, [](const ColumnFact& f) { return f.table == "tbl_onshi_aidlst"; });
    v.push_back({"tbl_onshi_kaku", "new_col", "character varying", 1});
    v.push_back({"tbl_onshi_houmon", "new_num", "numeric", std::nullopt});
    v.push_back({"tbl_onshi_kaku", "new_when", "date", std::nullopt, false, false});
    v.push_back({"tbl_onshi_houmon", "new_stamp", "timestamp without time zone", std::nullopt, true, true});
    const auto fs = check_schema(present, v);
    const auto err = lines(Level::err, fs);
    ck_assert_int_eq(err.size(), 2);  // one per missing table, not one per column
    ck_assert(err[0].starts_with("ERR  tbl_onshi_aidlst is missing"));
    ck_assert(err[1].starts_with("ERR  tbl_jobkanri is missing"));
    // A newer ORCA's columns: INFO naming the value written; WARN for a type with no such value.
    const auto info = lines(Level::info, fs);
    ck_assert_int_eq(info.size(), 2);
    ASSERT_STR(info[0], "INFO tbl_onshi_kaku.new_col (varchar(1)) is not known to orca-onshi: a newer ORCA? written as '', as ORCA's own insert does");
    ASSERT_STR(info[1], "INFO tbl_onshi_houmon.new_num (numeric) is not known to orca-onshi: a newer ORCA? written as 0, as ORCA's own insert does");
    const auto warn = lines(Level::warn, fs);
    ck_assert_int_eq(warn.size(), 2);
    ASSERT_STR(warn[0], "WARN tbl_onshi_kaku.new_when (date) is not known to orca-onshi: a newer ORCA? rows are written without it (NULL)");
    ASSERT_STR(warn[1], "WARN tbl_onshi_houmon.new_stamp (timestamp without time zone) is not known to orca-onshi: a newer ORCA? rows are written without it (its default)");
    ck_assert(summary(fs).ends_with(" ERR, 2 INFO"));
    // NOT NULL, no default, no value for its type: no row can be written.
    auto v2 = all_fine();
    v2.push_back({"tbl_onshi_aidlst", "new_flag", "boolean", std::nullopt, true, false});
    const auto err2 = lines(Level::err, check_schema(required_tables(), v2));
    ck_assert_int_eq(err2.size(), 1);
    ck_assert(err2[0].starts_with("ERR  tbl_onshi_aidlst.new_flag (boolean) is not known to orca-onshi: NOT NULL without a default"));
}
END_TEST

START_TEST(findings_and_settings) {
    ASSERT_STR(line(check_encoding("EUC_JP")), "OK   server_encoding EUC_JP");
    ck_assert(check_encoding("UTF8").level == Level::warn);
    ASSERT_STR(line(check_schema_version(2, 2)), "OK   module schema at version 2");
    ASSERT_STR(line(check_schema_version(1, 3)), "ERR  module schema is at version 1, this orca-onshi needs 3: run orca-onshi db migrate");
    ck_assert(check_schema_version(4, 3).level == Level::err);
    ASSERT_STR(line(check_hospnum(7, 0)),
               "ERR  [facility 7] hospnum 7 has no 1001 (医療機関情報) in tbl_syskanri: is 7 this clinic's ORCA hospnum?");
    ck_assert(check_hospnum(1, 1).level == Level::ok);

    // kanritbl byte positions count EUC-JP bytes (a 2-byte character before 215 shifts characters).
    const std::string k = "1" + std::string(213, ' ') + "10";
    ASSERT_STR(kanritbl_field(k, k1051Houmon, 1), "1");
    ASSERT_STR(kanritbl_field(k, k1051Online, 1), "0");
    ASSERT_STR(kanritbl_field("1", k1051Houmon, 1), " ");  // trimmed on write = blank
    const std::string wide = "1" + std::string(13, ' ') + "\xE8\xA8\xBA" + std::string(198, ' ') + "01";  // 診 at bytes 15-16
    ASSERT_STR(kanritbl_field(wide, k1051Houmon, 2), "01");
    ASSERT_STR(kanritbl_field(wide, 15, 2), "??");

    ck_assert(check_p031_mark(1, onshi::Style::star, std::nullopt, {}).at(0).level == Level::ok);
    const std::string both = "1" + std::string(213, ' ') + "11", houmon = "1" + std::string(213, ' ') + "10",
                      none = "1" + std::string(213, ' ') + "00";
    ck_assert(!has_err(check_p031_mark(1, onshi::Style::consent, both, {})));
    auto fs = check_p031_mark(1, onshi::Style::consent, none, {});
    ck_assert_int_eq(lines(Level::err, fs).size(), 2);
    ASSERT_STR(lines(Level::err, fs)[0],
               "ERR  [facility 1] 1051 HOUMON (訪問診療) is not '1': ORCA's P031 will not show the 訪問診療同意 view");
    fs = check_p031_mark(1, onshi::Style::consent, houmon, {});  // ONLINE off, not scheduled: a warning only
    ck_assert(!has_err(fs));
    ck_assert_int_eq(lines(Level::warn, fs).size(), 1);
    ck_assert(has_err(check_p031_mark(1, onshi::Style::consent, houmon, {{"online", "daily 07:00"}})));
    ck_assert(has_err(check_p031_mark(1, onshi::Style::consent, std::nullopt, {})));
}
END_TEST

Suite* doctor_suite() {
    Suite* s = suite_create("doctor");
    TCase* tc = tcase_create("doctor");
    tcase_add_test(tc, schema_all_fine);
    tcase_add_test(tc, schema_missing_column);
    tcase_add_test(tc, schema_too_short);
    tcase_add_test(tc, schema_wrong_type);
    tcase_add_test(tc, schema_missing_table_and_unknown_column);
    tcase_add_test(tc, findings_and_settings);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_SUITE(doctor_suite);
