#include "core/error.hpp"
#include "core/schedule.hpp"
#include "unit.hpp"

#include <cstdlib>

using namespace onshi;

namespace {
std::time_t local(int y, int mo, int d, int h, int mi) {
    std::tm tm{};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_isdst = -1;
    return std::mktime(&tm);
}
bool rejects(const char* text) {
    try {
        parse_schedule(text);
    } catch (const Error& e) {
        return e.code() == Errc::config;
    }
    return false;
}
}  // namespace

START_TEST(parse) {
    const auto d = parse_schedule("daily 07:30");
    ck_assert(!d.monthly);
    ck_assert_int_eq(d.hour, 7);
    ck_assert_int_eq(d.minute, 30);
    const auto m = parse_schedule("monthly  20 07:00");
    ck_assert(m.monthly);
    ck_assert_int_eq(m.day, 20);
    ck_assert(rejects("daily 7:30"));
    ck_assert(rejects("daily 24:00"));
    ck_assert(rejects("monthly 31 06:00"));
    ck_assert(rejects("weekly 06:00"));
    ck_assert(rejects(""));
}
END_TEST

START_TEST(slots) {
    setenv("TZ", "Asia/Tokyo", 1);
    tzset();
    const auto daily = parse_schedule("daily 07:30");
    ASSERT_STR(last_slot(daily, local(2026, 11, 21, 8, 0)).text, "2026-11-21 07:30:00");
    ASSERT_STR(last_slot(daily, local(2026, 11, 21, 7, 29)).text, "2026-11-20 07:30:00");
    ASSERT_STR(last_slot(daily, local(2026, 11, 21, 7, 30)).text, "2026-11-21 07:30:00");
    const auto monthly = parse_schedule("monthly 1 06:00");
    ASSERT_STR(last_slot(monthly, local(2026, 1, 1, 5, 0)).text, "2025-12-01 06:00:00");
    ASSERT_STR(last_slot(monthly, local(2026, 3, 15, 0, 0)).text, "2026-03-01 06:00:00");
    ck_assert(last_slot(monthly, local(2026, 3, 15, 0, 0)).at <= local(2026, 3, 15, 0, 0));
}
END_TEST

Suite* schedule_suite() {
    Suite* s = suite_create("schedule");
    TCase* t = tcase_create("core");
    tcase_add_test(t, parse);
    tcase_add_test(t, slots);
    suite_add_tcase(s, t);
    return s;
}

UNIT_SUITE(schedule_suite);
