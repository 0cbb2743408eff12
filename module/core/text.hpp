// Text rules of ORCA (../shared/reference/orca-tables.md §0): 全角 conversion, what ORCA's EUC_JP
// database can hold, byte lengths as COBOL counts them. Pure functions, UTF-8 in and out.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace onshi::text {

// ORCSKANACHK mode "2": ASCII 0x20-0x7E to JIS X 0208 full width, half-width katakana to
// full-width katakana with (han)dakuten merged (one with no kana to merge with becomes ゛ / ゜);
// everything else kept. The code points are those
// PostgreSQL's EUC_JP conversion maps to the bytes ORCA's euc.c writes: space -> U+3000,
// '-' -> U+FF0D (EUC A1DD), '~' -> U+FF5E (A1C1), '\' -> U+FF3C, '"' -> U+201D, '\'' -> U+2019,
// '`' -> U+FF40, the rest U+FF01-FF5E.
std::string to_zenkaku(std::string_view utf8);

// The address rule: to_zenkaku, then every U+3000 removed.
std::string to_zenkaku_address(std::string_view utf8);

// Full-width ASCII variants (U+FF01-FF5E, U+3000) back to ASCII (ORCSHANKCHG for 交付番号 and keys).
std::string to_hankaku_ascii(std::string_view utf8);

// True when every character fits ORCA's database as ORCA uses it: ASCII, half-width katakana and
// 2-byte EUC-JP (JIS X 0208, as PostgreSQL maps it). JIS X 0212 / IBM extensions (3-byte, e.g. 德 髙)
// and anything with no EUC-JP form are 外字 for ORCA: stricter than what PostgreSQL could store,
// because ORCA's programs and レセ電 claims handle JIS X 0208 only (the 德 claim rejection).
bool fits_jisx0208(std::string_view utf8);

// The first character that does not fit (as UTF-8), or "" if all do.
std::string first_gaiji(std::string_view utf8);

// The characters JIS and Windows map differently, in the form PostgreSQL's EUC_JP conversion takes:
// U+2212 -> U+FF0D, U+301C -> U+FF5E, U+2016 -> U+2225, U+2014 -> U+2015, U+00A2/A3/AC -> U+FFE0/E1/E2.
// Same character for a person, same bytes in ORCA; without it PostgreSQL refuses the whole row.
std::string to_pg_eucjp_forms(std::string_view s);

// THE decisions on how text from OQS is brought into the form ORCA's EUC_JP database takes, made
// here once (star.cpp's fit_to_orca applies it to every text column before the hold decision; the
// names corpus, tests/integration/names_corpus.sh, holds the module to it):
//  1. JIS/Windows forms as PostgreSQL takes them (to_pg_eucjp_forms).
//  2. NFD is composed: a base character followed by combining marks (canonical combining class > 0,
//     e.g. か + U+3099) becomes its NFC form (が). Only such sequences are normalized: compatibility
//     ideographs (U+F900-FAFF, U+2F800-2FA1F) are never replaced by their unified twins (NFC would
//     change the glyph a person's name is written with); they are written when EUC_JP holds them
//     as JIS X 0208, else held. Marks that compose to nothing stay, and make the unit held.
//  3. Variation selectors (IVS U+E0100-E01EF, SVS U+FE00-FE0F) are dropped after a base character
//     that fits ORCA's database: ORCA cannot store the glyph variant, and the character is the same.
//     After a base that does not fit they are kept (the unit is held; the reviewer sees the variant)
//     and on `review accept` base + selector become ONE 〓 (replace_gaiji).
//  4. Whatever still does not fit is not written: the unit is held for review; `review accept`
//     writes 〓 for each character that cannot be stored (as ORCA does), ● (OQS's own placeholder) too.
std::string to_storable_form(std::string_view utf8);
// The same in place; false (s untouched, no copy made) when s is in that form already.
bool to_storable_form_in_place(std::string& s);

// A variation selector (SVS U+FE00-FE0F or IVS U+E0100-E01EF).
bool is_variation_selector(char32_t cp);

// `s` with every character that does not fit ORCA's database replaced by `with` (for free text the
// module itself stores: OQS error messages, .err contents, notes; never for patient data, which is held).
// A variation selector after a replaced character is part of it: base + selector give one `with`.
std::string replace_gaiji(std::string_view s, std::string_view with = "?");

// OQS's placeholder for a character it could not carry.
inline constexpr std::string_view kBlackCircle = "\xE2\x97\x8F";  // ●
bool has_black_circle(std::string_view utf8);

// Bytes this text takes in EUC-JP (ASCII 1, half-width kana 2, JIS X 0208 2, anything else 3).
std::size_t euc_jp_bytes(std::string_view utf8);

// Appends `utf8` in EUC-JP as PostgreSQL's EUC_JP conversion writes it (ASCII, half-width katakana,
// JIS X 0208 with the forms to_pg_eucjp_forms gives): the text ORCA's columns hold, sent as the
// database's own bytes. False, with `out` as it was, when a character has no such form.
bool append_euc_jp(std::string& out, std::string_view utf8);

// Cut to at most max_bytes EUC-JP bytes without splitting a character (COBOL MOVE into X(n)).
std::string cut_euc_jp_bytes(std::string_view utf8, std::size_t max_bytes);

// Number of Unicode characters (PostgreSQL varchar(n) counts these).
std::size_t char_count(std::string_view utf8);

// Trim ASCII and ideographic spaces at both ends.
std::string trim(std::string_view s);
// An ORCA patient number (患者番号) as typed: the one rule everywhere (screens, CLI, jobs, review),
// so " 123 " and "123" are the same patient and the same PDF job. Today: trim().
std::string patient_number(std::string_view s);
// A database id in a URL or form: digits only, no leading zero, 1..max; nullopt otherwise.
std::optional<long long> strict_id(std::string_view s, long long max = 9223372036854775807LL);

bool is_valid_utf8(std::string_view s);
bool all_digits(std::string_view s);

}  // namespace onshi::text

namespace onshi {

// Check digit (検証番号) of 保険者番号, 公費負担者番号 and 受給者番号: every digit before it is
// weighted 2,1,2,... from the right, two-digit products summed digit by digit, and the digit is
// (10 - sum % 10) % 10. `body` is all the digits before the check digit (7 for 8-digit numbers,
// 5 for 6-digit 国保 numbers, 6 for 7-digit 受給者番号). Checked against public numbers:
// 01130012 (協会けんぽ東京), 131011 (千代田区国保).
int jp_check_digit(std::string_view body);
// `body` followed by its check digit.
std::string with_check_digit(std::string_view body);

// Validates a whole 保険者番号 (6 or 8 digits) or 公費負担者番号 (8 digits) by its check digit.
bool insurer_number_valid(std::string_view number);
// Validates a 7-digit 受給者番号.
bool recipient_number_valid(std::string_view number);

}  // namespace onshi
