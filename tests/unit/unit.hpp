// Check suites of the core (no I/O): one factory per file.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <check.h>
#undef fail  // check.h's deprecated alias would shadow std::ios::fail

Suite* text_suite();
Suite* codec_suite();
Suite* match_suite();
Suite* star_suite();
Suite* codes_dates_suite();
Suite* schedule_suite();
Suite* doctor_suite();
Suite* card_suite();
Suite* retry_suite();
Suite* settle_suite();

// String equality for std::string values (temporaries stay alive for the message).
#define ASSERT_STR(a, b)                                                                    \
    do {                                                                                    \
        const std::string ck_a_(a), ck_b_(b);                                               \
        ck_assert_msg(ck_a_ == ck_b_, "%s: '%s' != '%s'", #a, ck_a_.c_str(), ck_b_.c_str()); \
    } while (0)
