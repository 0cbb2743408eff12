// The result-file settle rule (core/settle): when a file in the RES folder may be read.
#include "core/settle.hpp"
#include "unit.hpp"

#include <string>

using namespace onshi;

namespace {
constexpr std::int64_t kMs = 1000000;
const std::string kHead = "<?xml version=\"1.0\" encoding=\"Shift_JIS\"?>\r\n<!-- c -->\r\n<XmlMsg>\r\n  <MessageHeader>";
}  // namespace

START_TEST(xml_complete_only_with_its_roots_end_tag) {
    ck_assert(settle::looks_complete(".xml", kHead, "</MessageBody>\r\n</XmlMsg>\r\n"));
    ck_assert(settle::looks_complete(".xml", "\xEF\xBB\xBF<XmlMsg><A/>", "<A/></XmlMsg>"));
    ck_assert(!settle::looks_complete(".xml", kHead, "</MessageBody>\r\n</XmlMs"));      // cut in the end tag
    ck_assert(!settle::looks_complete(".xml", kHead, "</ResultList>\r\n</MessageBody>")); // an inner end tag
    ck_assert(!settle::looks_complete(".xml", kHead, std::string("</XmlMsg>\0\0\0", 12)));  // preallocated, tail unwritten
    ck_assert(!settle::looks_complete(".xml", "<?xml version=\"1.0\"?><XmlM", "<?xml version=\"1.0\"?><XmlM"));  // name cut
    ck_assert(!settle::looks_complete(".xml", "<?xml version=\"1.0\"", "</XmlMsg>"));  // no root seen
    ck_assert(!settle::looks_complete(".xml", "garbage</XmlMsg>", "garbage</XmlMsg>"));
    ck_assert(!settle::looks_complete(".txt", kHead, "</XmlMsg>"));  // a kind we cannot check
}
END_TEST

START_TEST(zip_and_pdf_ends) {
    const std::string eocd("PK\x05\x06\0\0\0\0\1\0\1\0\x30\0\0\0\x40\0\0\0\0\0", 22);
    ck_assert(settle::looks_complete(".zip", "PK\x03\x04", "data" + eocd));
    ck_assert(!settle::looks_complete(".zip", "PK\x03\x04", "data" + eocd.substr(0, 21)));
    std::string with_comment = eocd;
    with_comment[20] = 3;
    ck_assert(settle::looks_complete(".zip", "PK", with_comment + "abc"));
    ck_assert(!settle::looks_complete(".zip", "PK", with_comment + "ab"));
    ck_assert(settle::looks_complete(".pdf", "%PDF-1.4", "startxref\n123\n%%EOF\n"));
    ck_assert(!settle::looks_complete(".pdf", "%PDF-1.4", "startxref\n123\n%%EO"));
}
END_TEST

START_TEST(two_looks_and_age) {
    const std::int64_t t = 1000000 * kMs;
    const settle::Look done{5000, t, true}, half{2500, t, false};
    // the first look never reads, whatever the age; it asks for another soon
    auto v = settle::decide(std::nullopt, done, t + 5000 * kMs, 1000);
    ck_assert(!v.ready);
    ck_assert_int_eq(v.recheck_ms, settle::kMinLookGapMs);
    // complete, unchanged: read once 100 ms old, not before
    v = settle::decide(done, done, t + 40 * kMs, 1000);
    ck_assert(!v.ready);
    ck_assert_int_eq(v.recheck_ms, 60);  // when it is 100 ms old
    v = settle::decide(done, done, t + 70 * kMs, 1000);
    ck_assert(!v.ready);
    ck_assert_int_eq(v.recheck_ms, settle::kMinLookGapMs);
    ck_assert(settle::decide(done, done, t + 100 * kMs, 1000).ready);
    // ... nor sooner than settle_ms when that is shorter
    ck_assert(settle::decide(done, done, t + 20 * kMs, 0).ready);
    // incomplete: only once settle_ms old (the writer has stopped: read, refused as malformed)
    v = settle::decide(half, half, t + 300 * kMs, 1000);
    ck_assert(!v.ready);
    ck_assert_int_eq(v.recheck_ms, 700);
    ck_assert(!settle::decide(half, half, t + 999 * kMs, 1000).ready);
    ck_assert(settle::decide(half, half, t + 1000 * kMs, 1000).ready);
    // changed between the looks (size or mtime): not read, however old or complete
    ck_assert(!settle::decide(half, done, t + 5000 * kMs, 1000).ready);
    ck_assert(!settle::decide(settle::Look{5000, t - kMs, true}, done, t + 5000 * kMs, 1000).ready);
    // empty: never
    const settle::Look empty{0, t, false};
    ck_assert(!settle::decide(empty, empty, t + 60000 * kMs, 1000).ready);
    // a clock behind the share's (mtime in the future): waits, at most settle_ms before looking again
    v = settle::decide(done, done, t - 3000 * kMs, 1000);
    ck_assert(!v.ready);
    ck_assert_int_eq(v.recheck_ms, 100);
}
END_TEST

Suite* settle_suite() {
    Suite* s = suite_create("settle");
    TCase* tc = tcase_create("rule");
    tcase_add_test(tc, xml_complete_only_with_its_roots_end_tag);
    tcase_add_test(tc, zip_and_pdf_ends);
    tcase_add_test(tc, two_looks_and_age);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_SUITE(settle_suite);
