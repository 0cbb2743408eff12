#include "unit.hpp"

#include <cstdlib>
#include <vector>

namespace {
std::vector<Suite* (*)()>& suites() {
    static std::vector<Suite* (*)()> v;
    return v;
}
}  // namespace

int register_suite(Suite* (*factory)()) {
    suites().push_back(factory);
    return 0;
}

int main() {
    if (suites().empty()) return EXIT_FAILURE;  // a binary without suites tests nothing
    SRunner* sr = srunner_create(nullptr);
    for (const auto factory : suites()) srunner_add_suite(sr, factory());
    srunner_run_all(sr, CK_NORMAL);
    const int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
