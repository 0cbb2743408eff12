// Check suites of the pure code, one factory per file. Each unit test binary links the test files
// of one layer (and only the libraries of that layer and those below it); each file registers its
// suite (UNIT_SUITE) and test_main.cpp runs the suites linked in.
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
Suite* jobs_suite();

int register_suite(Suite* (*factory)());
#define UNIT_SUITE(factory) [[maybe_unused]] static const int factory##_registered_ = register_suite(factory)

// String equality for std::string values (temporaries stay alive for the message).
#define ASSERT_STR(a, b)                                                                    \
    do {                                                                                    \
        const std::string ck_a_(a), ck_b_(b);                                               \
        ck_assert_msg(ck_a_ == ck_b_, "%s: '%s' != '%s'", #a, ck_a_.c_str(), ck_b_.c_str()); \
    } while (0)
