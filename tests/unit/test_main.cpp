#include "unit.hpp"

#include <cstdlib>

int main() {
    SRunner* sr = srunner_create(text_suite());
    srunner_add_suite(sr, codec_suite());
    srunner_add_suite(sr, match_suite());
    srunner_add_suite(sr, star_suite());
    srunner_add_suite(sr, codes_dates_suite());
    srunner_add_suite(sr, schedule_suite());
    srunner_add_suite(sr, doctor_suite());
    srunner_add_suite(sr, card_suite());
    srunner_add_suite(sr, retry_suite());
    srunner_add_suite(sr, settle_suite());
    srunner_run_all(sr, CK_NORMAL);
    const int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
