#include "core/codes.hpp"
#include "core/dates.hpp"
#include "unit.hpp"

#include <string>

using namespace onshi;

START_TEST(code_tables) {
    ck_assert(codes::qualification_validity.contains("6"));
    ck_assert(!codes::qualification_validity.contains("7"));
    ASSERT_STR(std::string(*codes::qualification_validity.label("3")), "無効（新しい資格あり）");
    ck_assert(codes::insured_card_class.contains("A1"));
    ck_assert(!codes::insured_card_class.contains("08"));
    ck_assert(codes::consent.contains("3") && !codes::consent.contains("4"));
    ck_assert(codes::limit_consent.contains("1") && !codes::limit_consent.contains("2"));
    ck_assert(codes::limit_classification_flag.contains("B10"));
    ck_assert(codes::segment_of_result.contains("9") && !codes::segment_of_result.contains("3"));
    ck_assert(!codes::sex.contains(""));
}
END_TEST

START_TEST(date_validation) {
    ck_assert(dates::valid_ymd("20240229"));
    ck_assert(!dates::valid_ymd("20230229"));
    ck_assert(!dates::valid_ymd("20241332"));
    ck_assert(!dates::valid_ymd("2024013"));
    ck_assert(dates::valid_timestamp("20240829103551"));
    ck_assert(!dates::valid_timestamp("20240829246000"));
    ck_assert(dates::valid_ym("202512") && !dates::valid_ym("202513"));
}
END_TEST

START_TEST(wareki_and_age) {
    ASSERT_STR(dates::wareki("19741201"), "S49.12.1");
    ASSERT_STR(dates::wareki("19890107"), "S64.1.7");
    ASSERT_STR(dates::wareki("19890108"), "H1.1.8");
    ASSERT_STR(dates::wareki("20190430"), "H31.4.30");
    ASSERT_STR(dates::wareki("20190501"), "R1.5.1");
    ASSERT_STR(dates::wareki("19120730"), "T1.7.30");
    ASSERT_STR(dates::wareki(""), "");
    ASSERT_STR(dates::age_label("19600602", "20240830"), "64才");
    ASSERT_STR(dates::age_label("19600831", "20240830"), "63才");
    ASSERT_STR(dates::age_label("20240315", "20240830"), "5ヶ月");
    ASSERT_STR(dates::age_label("20240815", "20240830"), "0ヶ月");
}
END_TEST

START_TEST(month_arithmetic) {
    ASSERT_STR(dates::add_months("20250331", -1), "20250228");
    ASSERT_STR(dates::add_months("20250115", -1), "20241215");
    ASSERT_STR(dates::first_of_month("20251121"), "20251101");
    ASSERT_STR(dates::last_of_month("20240215"), "20240229");
}
END_TEST

Suite* codes_dates_suite() {
    Suite* s = suite_create("codes-dates");
    TCase* t = tcase_create("core");
    tcase_add_test(t, code_tables);
    tcase_add_test(t, date_validation);
    tcase_add_test(t, wareki_and_age);
    tcase_add_test(t, month_arithmetic);
    suite_add_tcase(s, t);
    return s;
}

UNIT_SUITE(codes_dates_suite);
