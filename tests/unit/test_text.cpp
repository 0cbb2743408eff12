#include "core/log.hpp"
#include "core/text.hpp"
#include "unit.hpp"

#include <glib.h>

#include <string>

using namespace onshi;

START_TEST(zenkaku_ascii_all_fit_jisx0208) {
    // Every printable ASCII character becomes one JIS X 0208 character (2 EUC-JP bytes).
    for (char c = 0x20; c <= 0x7E; ++c) {
        const std::string z = text::to_zenkaku(std::string(1, c));
        ck_assert_msg(text::char_count(z) == 1, "'%c' became %zu characters", c, text::char_count(z));
        ck_assert_msg(text::euc_jp_bytes(z) == 2, "'%c' -> %s is not 2 EUC-JP bytes", c, z.c_str());
        ck_assert_msg(text::fits_jisx0208(z), "'%c' -> %s does not fit JIS X 0208", c, z.c_str());
    }
}
END_TEST

START_TEST(zenkaku_specials) {
    ASSERT_STR(text::to_zenkaku("AB 12-3~\\"), "ＡＢ\u3000１２\uFF0D３\uFF5E＼");
    ASSERT_STR(text::to_zenkaku("資格 太郎"), "資格\u3000太郎");   // kanji kept, space widened
    ASSERT_STR(text::to_zenkaku("ｶﾞｯｺｳ ﾊﾟﾝ"), "ガッコウ\u3000パン");  // half-width kana merged
    ASSERT_STR(text::to_zenkaku("ｳﾞ"), "ヴ");
    ASSERT_STR(text::to_zenkaku("ﾞｱ ﾟ"), "゛ア\u3000゜");  // nothing to merge with: the spacing forms
    ASSERT_STR(text::to_zenkaku(""), "");
}
END_TEST

START_TEST(address_rule) {
    ASSERT_STR(text::to_zenkaku_address("東京都 千代田区1-2"), "東京都千代田区１\uFF0D２");
    ASSERT_STR(text::to_zenkaku_address("\u3000北海道\u3000"), "北海道");
}
END_TEST

START_TEST(hankaku_back) {
    ASSERT_STR(text::to_hankaku_ascii("１２３\u3000ＡＢ"), "123 AB");
    ASSERT_STR(text::to_hankaku_ascii("abc"), "abc");
}
END_TEST

START_TEST(gaiji_detection) {
    ck_assert(text::fits_jisx0208("高橋　徳"));
    ASSERT_STR(text::first_gaiji("髙橋"), "髙");      // IBM extension, not JIS X 0208
    ASSERT_STR(text::first_gaiji("山﨑"), "﨑");
    ASSERT_STR(text::first_gaiji("德川"), "德");      // JIS X 0212: 3 bytes in EUC-JP
    ck_assert(!text::fits_jisx0208("😀"));
    ck_assert(text::has_black_circle("資格●郎"));
    ck_assert(!text::has_black_circle("資格太郎"));
    ck_assert_uint_eq(text::euc_jp_bytes("aｱ亜"), 5);
    ASSERT_STR(text::replace_gaiji("15〜20日 髙橋 ok"), "15～20日 ?橋 ok");   // U+301C taken in PostgreSQL's form
    ASSERT_STR(text::to_pg_eucjp_forms("1\u22122\u2016\u00A2"), "1\uFF0D2\u2225\uFFE0");
    ck_assert(!text::fits_jisx0208("\u2212"));   // PostgreSQL refuses the JIS form as it is
    ASSERT_STR(text::replace_gaiji("15～20日"), "15～20日");
}
END_TEST

// The storable-form decisions (text.hpp, to_storable_form): NFD composed, selectors dropped after a
// base that fits, compatibility ideographs left alone; what still does not fit is left for the hold.
START_TEST(storable_form) {
    ASSERT_STR(text::to_storable_form("がぽ"), "がぽ");           // NFD kana composed
    ASSERT_STR(text::to_storable_form("ガ"), "ガ");
    ASSERT_STR(text::to_storable_form("é"), "é");                         // composed, then held (JIS X 0212)
    ck_assert(!text::fits_jisx0208(text::to_storable_form("é")));
    ASSERT_STR(text::to_storable_form("か́"), "か́");              // nothing to compose: kept, held
    ck_assert(!text::fits_jisx0208(text::to_storable_form("か́")));
    ASSERT_STR(text::to_storable_form("辺󠄁田"), "辺田");              // IVS after a JIS X 0208 base: dropped
    ASSERT_STR(text::to_storable_form("葛︀"), "葛");                          // SVS too
    ASSERT_STR(text::to_storable_form("𠮷󠄀田"), "𠮷󠄀田");  // base does not fit: kept
    ASSERT_STR(text::to_storable_form("朗"), "朗");                           // compatibility ideograph: never NFC'd
    ASSERT_STR(text::to_storable_form("﨑"), "﨑");
    ASSERT_STR(text::to_storable_form("15〜20"), "15～20");                   // the JIS forms as before
    ASSERT_STR(text::to_storable_form("●〓・"), "●〓・");     // ● 〓 ・ kept (● is held elsewhere)
    ck_assert(text::fits_jisx0208("●〓・"));
    // One 〓 per character that cannot be stored: base + selector is one.
    ASSERT_STR(text::replace_gaiji("𠮷󠄀田　髙", "〓"), "〓田　〓");
    ASSERT_STR(text::replace_gaiji("か́", "〓"), "か〓");
}
END_TEST

// to_storable_form_in_place (the ingest's fast path) leaves a string alone exactly when the whole rule
// would: every BMP character alone and after a kana (a combining mark composes with it), and strings.
START_TEST(storable_form_in_place) {
    const auto check = [](const std::string& s) {
        std::string t = s;
        const bool changed = text::to_storable_form_in_place(t);
        const std::string want = text::to_storable_form(s);
        ck_assert_msg(t == want, "in place: '%s' became '%s', not '%s'", s.c_str(), t.c_str(), want.c_str());
        ck_assert_msg(changed || want == s, "in place: '%s' reported unchanged", s.c_str());
    };
    for (gunichar cp = 0x80; cp < 0x10000; ++cp) {
        if (cp >= 0xD800 && cp <= 0xDFFF) continue;
        char b[8];
        const std::string one(b, static_cast<std::size_t>(g_unichar_to_utf8(cp, b)));
        check(one);
        check("か" + one);
    }
    for (const char* s : {"山田　太郎", "ヤマダ　タロウ", "ｱｲｳ", "15〜20", "か\u3099", "辺\U000E0101田", "葛\uFE00", "𠮷田", "abc", "", "東京都千代田区１－２－３"})
        check(s);
    std::string t = "山田　太郎";
    ck_assert(!text::to_storable_form_in_place(t));
    t = "15〜20";
    ck_assert(text::to_storable_form_in_place(t));
    ASSERT_STR(t, "15～20");
}
END_TEST

START_TEST(cut_bytes) {
    ASSERT_STR(text::cut_euc_jp_bytes("あいうえお", 5), "あい");    // never splits a character
    ASSERT_STR(text::cut_euc_jp_bytes("abcあ", 4), "abc");
    ASSERT_STR(text::cut_euc_jp_bytes("abc", 10), "abc");
    const std::string long_name(70, 'x');
    ck_assert_uint_eq(text::euc_jp_bytes(text::cut_euc_jp_bytes(text::to_zenkaku(long_name), 128)), 128);
}
END_TEST

START_TEST(trim_and_digits) {
    ASSERT_STR(text::trim("\u3000 ab \u3000"), "ab");
    ASSERT_STR(text::trim("   "), "");
    ck_assert(text::all_digits("0123"));
    ck_assert(!text::all_digits(""));
    ck_assert(!text::all_digits("12a"));
    ck_assert(text::is_valid_utf8("日本"));
    ck_assert(!text::is_valid_utf8("\xff\xfe"));
}
END_TEST

START_TEST(check_digits) {
    ck_assert(insurer_number_valid("01130012"));   // 協会けんぽ東京支部
    ck_assert(insurer_number_valid("131011"));     // 千代田区 国保
    ck_assert(insurer_number_valid("06140248"));
    ck_assert(!insurer_number_valid("01130013"));
    ck_assert(!insurer_number_valid("0113001"));
    ck_assert(!insurer_number_valid("0113001a"));
    ASSERT_STR(with_check_digit("0113001"), "01130012");
    ck_assert(recipient_number_valid(with_check_digit("123456")));
    ck_assert(!recipient_number_valid("1234560") || with_check_digit("123456") == "1234560");
}
END_TEST

START_TEST(mask_hides_personal_data) {
#ifndef ONSHI_SENSITIVE_DEBUG
    const std::string m = log::mask("00010");
    ck_assert_msg(m.find("00010") == std::string::npos, "%s", m.c_str());
    ck_assert_msg(log::mask("資格　太郎").find("資格") == std::string::npos, "name shown");
    ASSERT_STR(log::mask(""), "");
#endif
}
END_TEST

START_TEST(euc_jp_bytes_sent) {
    // The bytes ingest sends for ORCA's text (PostgreSQL's own conversion holds the whole table:
    // tests/integration/euc_jp_oracle.sh); here the classes of character and the refusals.
    auto euc = [](std::string_view s) {
        std::string out = "x";  // appended to, never replaced
        const bool ok = text::append_euc_jp(out, s);
        return ok ? out.substr(1) : std::string("refused:") + out;
    };
    ASSERT_STR(euc("ABC 123\t"), "ABC 123\t");                         // ASCII as it is
    ASSERT_STR(euc("\uFF71\uFF9E"), "\x8E\xB1\x8E\xDE");             // ｱﾞ: SS2 + JIS X 0201
    ASSERT_STR(euc("\u4E9C\u3000\u30A2"), "\xB0\xA1\xA1\xA1\xA5\xA2");  // 亜, ideographic space, ア
    ASSERT_STR(euc("\uFF0D\uFF5E\u2225\uFFE2"), "\xA1\xDD\xA1\xC1\xA1\xC2\xA2\xCC");  // －～∥￢ as PostgreSQL maps them
    ASSERT_STR(euc("\u2460"), "\xAD\xA1");                             // ① (NEC row 13)
    ASSERT_STR(euc(""), "");
    // No JIS X 0208 form: refused, and what was there is left as it was.
    for (const char* s : {"\u2212", "\u301C", "\u9AD9", "\U00020BB7", "\uE000", "\uF8FF", "\u00E9", "a\xE3\x81", "\xE3\x41\x42", "\xFF"})
        ck_assert_msg(euc(s) == "refused:x", "%s -> %s", s, euc(s).c_str());
    // Every character first_gaiji lets through (ORCA's text) converts, and nothing else does.
    for (char32_t cp = 0x80; cp < 0x10000; ++cp) {
        if (cp >= 0xD800 && cp <= 0xDFFF) continue;
        std::string u;
        if (cp < 0x800) {
            u += static_cast<char>(0xC0 | (cp >> 6));
        } else {
            u += static_cast<char>(0xE0 | (cp >> 12));
            u += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        }
        u += static_cast<char>(0x80 | (cp & 0x3F));
        std::string out;
        ck_assert_msg(text::append_euc_jp(out, u) == (text::first_gaiji(u).empty() && cp != 0xFFFD), "U+%04X", static_cast<unsigned>(cp));
    }
}
END_TEST

Suite* text_suite() {
    Suite* s = suite_create("text");
    TCase* t = tcase_create("core");
    tcase_add_test(t, zenkaku_ascii_all_fit_jisx0208);
    tcase_add_test(t, zenkaku_specials);
    tcase_add_test(t, address_rule);
    tcase_add_test(t, hankaku_back);
    tcase_add_test(t, gaiji_detection);
    tcase_add_test(t, storable_form);
    tcase_add_test(t, storable_form_in_place);
    tcase_add_test(t, cut_bytes);
    tcase_add_test(t, trim_and_digits);
    tcase_add_test(t, check_digits);
    tcase_add_test(t, mask_hides_personal_data);
    tcase_add_test(t, euc_jp_bytes_sent);
    suite_add_tcase(s, t);
    return s;
}

UNIT_SUITE(text_suite);
