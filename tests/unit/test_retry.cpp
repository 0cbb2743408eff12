// The HTTPS transport's retry policy (core/retry): what is retried, how long it waits.
#include "core/retry.hpp"
#include "unit.hpp"

using namespace onshi;

START_TEST(retried_statuses) {
    for (long s : {0L, 429L, 502L, 503L, 504L}) ck_assert_msg(retry::retryable_status(s), "%ld", s);
    for (long s : {200L, 201L, 204L, 301L, 400L, 401L, 403L, 404L, 409L, 422L, 500L, 501L}) ck_assert_msg(!retry::retryable_status(s), "%ld", s);
    const retry::Policy p;
    ck_assert(!retry::next_wait_ms(p, 1, 400, std::nullopt, 0.5));  // never a 4xx
    ck_assert(!retry::next_wait_ms(p, 1, 400, 1000, 0.5));          // not even with Retry-After
    ck_assert(!retry::next_wait_ms(p, 1, 200, std::nullopt, 0.5));
}
END_TEST

START_TEST(backoff_and_jitter) {
    const retry::Policy p{5, 500, 30000};
    // equal jitter: between half and 1.5 times the exponential step
    ck_assert_int_eq(*retry::next_wait_ms(p, 1, 0, std::nullopt, 0.0), 250);
    ck_assert_int_eq(*retry::next_wait_ms(p, 1, 503, std::nullopt, 0.5), 500);
    ck_assert_int_eq(*retry::next_wait_ms(p, 2, 503, std::nullopt, 0.5), 1000);
    ck_assert_int_eq(*retry::next_wait_ms(p, 3, 503, std::nullopt, 0.5), 2000);
    ck_assert_int_le(*retry::next_wait_ms(p, 4, 503, std::nullopt, 0.999), 6000);
    ck_assert(!retry::next_wait_ms(p, 5, 503, std::nullopt, 0.5));  // the last attempt was made
    const retry::Policy capped{20, 500, 30000};
    ck_assert_int_eq(*retry::next_wait_ms(capped, 15, 503, std::nullopt, 0.9), 30000);
    // Retry-After wins over the backoff, capped
    ck_assert_int_eq(*retry::next_wait_ms(p, 1, 503, 2000, 0.0), 2000);
    ck_assert_int_eq(*retry::next_wait_ms(p, 1, 429, 120000, 0.0), 30000);
}
END_TEST

START_TEST(retry_after_values) {
    const std::int64_t now = 784111777;  // Sun, 06 Nov 1994 08:49:37 GMT
    ck_assert_int_eq(*retry::parse_retry_after_ms("2", now), 2000);
    ck_assert_int_eq(*retry::parse_retry_after_ms(" 120 ", now), 120000);
    ck_assert_int_eq(*retry::parse_retry_after_ms("Sun, 06 Nov 1994 08:49:47 GMT", now), 10000);
    ck_assert_int_eq(*retry::parse_retry_after_ms("Sun, 06 Nov 1994 08:49:00 GMT", now), 0);  // past
    ck_assert_int_eq(*retry::parse_retry_after_ms("Mon, 07 Nov 1994 08:49:37 GMT", now), 86400000);
    ck_assert(!retry::parse_retry_after_ms("soon", now));
    ck_assert(!retry::parse_retry_after_ms("", now));
    ck_assert(!retry::parse_retry_after_ms("-1", now));
    ck_assert(!retry::parse_retry_after_ms("Sun, 06 Xyz 1994 08:49:47 GMT", now));
}
END_TEST

Suite* retry_suite() {
    Suite* s = suite_create("retry");
    TCase* tc = tcase_create("policy");
    tcase_add_test(tc, retried_statuses);
    tcase_add_test(tc, backoff_and_jitter);
    tcase_add_test(tc, retry_after_values);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_SUITE(retry_suite);
