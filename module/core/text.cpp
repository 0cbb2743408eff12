#include "core/text.hpp"

#include <iconv.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <algorithm>
#include <memory>
#include <unordered_map>

namespace onshi::text {
namespace {

// Decodes one UTF-8 sequence at s[i]; returns the code point and advances i. Invalid -> U+FFFD.
char32_t next_cp(std::string_view s, std::size_t& i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) { ++i; return c; }
    int len = (c >= 0xF0) ? 4 : (c >= 0xE0) ? 3 : (c >= 0xC0) ? 2 : 1;
    if (len == 1 || i + len > s.size()) { ++i; return 0xFFFD; }
    char32_t cp = c & (0xFF >> (len + 1));
    for (int k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    i += len;
    return cp;
}

// Unicode through libunistring (a pure library: tables, no I/O).
void put_cp(std::string& out, char32_t cp) {
    std::uint8_t buf[6];
    const int n = u8_uctomb(buf, static_cast<ucs4_t>(cp), static_cast<int>(sizeof buf));
    if (n > 0) out.append(reinterpret_cast<const char*>(buf), static_cast<std::size_t>(n));
}

bool valid_utf8(std::string_view s) {
    return u8_check(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()) == nullptr;
}

// The run in normalization form `form` (UNINORM_NFKC, UNINORM_NFC); nullopt when it is not valid UTF-8.
std::optional<std::string> normalized(std::string_view run, uninorm_t form) {
    if (!valid_utf8(run)) return std::nullopt;
    std::size_t len = 0;
    std::uint8_t* r = u8_normalize(form, reinterpret_cast<const std::uint8_t*>(run.data()), run.size(), nullptr, &len);
    if (!r) return std::nullopt;
    std::string out(reinterpret_cast<const char*>(r), len);
    std::free(r);
    return out;
}

bool is_halfwidth_kana(char32_t cp) { return cp >= 0xFF61 && cp <= 0xFF9F; }

// Calls f(code point, its UTF-8 bytes) for each character of s, until f returns false.
template <class F>
void each_cp(std::string_view s, F f) {
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t start = i;
        const char32_t cp = next_cp(s, i);
        if (!f(cp, s.substr(start, i - start))) return;
    }
}

constexpr char32_t ascii_to_zenkaku(char32_t c) {
    switch (c) {
    case ' ': return 0x3000;
    case '-': return 0xFF0D;  // EUC A1DD as PostgreSQL's EUC_JP maps it (JIS says U+2212)
    case '~': return 0xFF5E;  // EUC A1C1 (JIS says U+301C)
    case '\\': return 0xFF3C;
    case '"': return 0x201D;
    case '\'': return 0x2019;
    case '`': return 0xFF40;  // EUC A1AE
    default: return c - 0x21 + 0xFF01;
    }
}

// Per-thread UTF-8 -> EUC-JP converter (iconv handles are not thread-safe). EUC-JP-MS is the
// variant whose mapping matches PostgreSQL's EUC_JP conversion (A1DD <-> U+FF0D, A1C1 <-> U+FF5E, ...),
// which is the one that decides what reaches ORCA's bytes through a UTF-8 connection.
struct IconvDeleter { void operator()(void* cd) const { iconv_close(static_cast<iconv_t>(cd)); } };
iconv_t euc_converter() {
    thread_local std::unique_ptr<void, IconvDeleter> cd{iconv_open("EUC-JP-MS", "UTF-8")};
    return static_cast<iconv_t>(cd.get());
}

// Converts one character; returns its EUC-JP length, or 0 when it has no EUC-JP form. A two-byte
// form is stored in `two`.
std::size_t euc_of(std::string_view one, unsigned char (&two)[2]) {
    iconv_t cd = euc_converter();
    if (cd == reinterpret_cast<iconv_t>(-1)) return 0;
    iconv(cd, nullptr, nullptr, nullptr, nullptr);
    char in[8];
    one.copy(in, sizeof in);
    char out[8];
    char* ip = in;
    char* op = out;
    std::size_t il = one.size(), ol = sizeof out;
    if (iconv(cd, &ip, &il, &op, &ol) == static_cast<std::size_t>(-1)) return 0;
    const std::size_t n = sizeof out - ol;
    if (n == 2) {
        two[0] = static_cast<unsigned char>(out[0]);
        two[1] = static_cast<unsigned char>(out[1]);
    }
    return n;
}

std::size_t euc_len_of(std::string_view one) {
    unsigned char two[2];
    return euc_of(one, two);
}

// The JIS-mapping forms PostgreSQL's EUC_JP refuses (to_pg_eucjp_forms maps them first).
bool jis_only_form(char32_t cp) {
    return cp == 0x2212 || cp == 0x301C || cp == 0x2016 || cp == 0x2014 || cp == 0x00A2 || cp == 0x00A3 || cp == 0x00AC;
}

// One BMP code point in EUC-JP, memoised: names and addresses repeat the same few thousand
// characters. One table shared by every thread (0 = not known yet; two threads filling the same entry
// store the same value): the low 16 bits are the two bytes of a JIS X 0208 character (as
// EUC-JP-MS writes them), bits 24-31 its length as ORCA counts it (2, or 3: JIS X 0212 / none).
std::uint32_t bmp_euc(char32_t cp, std::string_view utf8_of_cp) {
    static std::array<std::atomic<std::uint32_t>, 0x10000> bmp{};
    auto& e = bmp[cp];
    std::uint32_t v = e.load(std::memory_order_relaxed);
    if (v == 0) {
        unsigned char two[2] = {};
        // The private use area: EUC-JP-MS puts U+E000-U+E3AB in the user-defined rows 85-94 (F5A1-FEFE),
        // PostgreSQL's EUC_JP has no form for it (the old 外字 a writer may still send): 3, not 2.
        const bool pua = cp >= 0xE000 && cp <= 0xF8FF;
        v = !pua && euc_of(utf8_of_cp, two) == 2 ? (2u << 24) | (std::uint32_t{two[0]} << 8) | two[1] : 3u << 24;
        e.store(v, std::memory_order_relaxed);
    }
    return v;
}

// EUC-JP bytes of one code point as ORCA sees it: 1, 2, or 3 (JIS X 0212 / not representable).
// The rest of Unicode (never 2 bytes, but asked of iconv all the same) memoised per thread.
std::size_t orca_bytes(char32_t cp, std::string_view utf8_of_cp) {
    if (cp < 0x80) return 1;
    if (is_halfwidth_kana(cp)) return 2;
    if (jis_only_form(cp)) return 3;
    if (cp < 0x10000) return bmp_euc(cp, utf8_of_cp) >> 24;
    thread_local std::unordered_map<char32_t, unsigned char> memo;
    const auto [it, fresh] = memo.try_emplace(cp, 0);
    if (fresh) it->second = euc_len_of(utf8_of_cp) == 2 ? 2 : 3;
    return it->second;
}

}  // namespace

// The UTF-8 of ascii_to_zenkaku's answer for each printable ASCII character (three bytes each: every
// answer lies in U+2000–U+FFFF).
struct ZenkakuAscii {
    char utf8[0x7F - 0x20][3];
    constexpr ZenkakuAscii() : utf8{} {
        for (char32_t c = 0x20; c < 0x7F; ++c) {
            const char32_t z = ascii_to_zenkaku(c);
            utf8[c - 0x20][0] = static_cast<char>(0xE0 | (z >> 12));
            utf8[c - 0x20][1] = static_cast<char>(0x80 | ((z >> 6) & 0x3F));
            utf8[c - 0x20][2] = static_cast<char>(0x80 | (z & 0x3F));
        }
    }
};
constexpr ZenkakuAscii kZenkakuAscii;

std::string to_zenkaku(std::string_view s) {
    std::string out;
    out.reserve(s.size() * 3);
    std::size_t i = 0;
    while (i < s.size()) {
        const auto b = static_cast<unsigned char>(s[i]);
        if (b >= 0x20 && b < 0x7F) {  // printable ASCII, the usual case (numbers, symbols): from the table
            out.append(kZenkakuAscii.utf8[b - 0x20], 3);
            ++i;
            continue;
        }
        if (b >= 0xE1 && b <= 0xEE && i + 3 <= s.size()) {  // U+1000-U+EFFF (kana, kanji): kept as they are
            out.append(s.data() + i, 3);
            i += 3;
            continue;
        }
        const std::size_t start = i;
        const char32_t cp = next_cp(s, i);
        if (cp >= 0x20 && cp <= 0x7E) {
            put_cp(out, ascii_to_zenkaku(cp));
        } else if (is_halfwidth_kana(cp)) {
            // A run of half-width katakana: NFKC maps it to full width and merges (han)dakuten.
            std::size_t end = i;
            while (end < s.size()) {
                std::size_t j = end;
                if (!is_halfwidth_kana(next_cp(s, j))) break;
                end = j;
            }
            if (const auto n = normalized(s.substr(start, end - start), UNINORM_NFKC)) {
                // A (han)dakuten with no kana before it to merge with: the spacing ゛ ゜ (JIS X 0208), as
                // ORCSKANACHK gives, not the combining U+3099/U+309A NFKC leaves.
                each_cp(*n, [&](char32_t cp, std::string_view one) {
                    if (cp == 0x3099 || cp == 0x309A) put_cp(out, cp + 2);
                    else out.append(one);
                    return true;
                });
            }
            i = end;
        } else {
            out.append(s.substr(start, i - start));
        }
    }
    return out;
}

std::string to_zenkaku_address(std::string_view s) {
    const std::string z = to_zenkaku(s);
    std::string out;
    out.reserve(z.size());
    static constexpr std::string_view ideo_space = "\xE3\x80\x80";
    for (std::size_t i = 0; i < z.size();) {
        if (z.compare(i, 3, ideo_space) == 0) { i += 3; continue; }
        out += z[i++];
    }
    return out;
}

std::string to_hankaku_ascii(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    each_cp(s, [&](char32_t cp, std::string_view one) {
        if (cp >= 0xFF01 && cp <= 0xFF5E) out += static_cast<char>(cp - 0xFF01 + 0x21);
        else if (cp == 0x3000) out += ' ';
        else if (cp == 0x2212) out += '-';
        else out.append(one);
        return true;
    });
    return out;
}

bool fits_jisx0208(std::string_view s) { return first_gaiji(s).empty(); }

std::string first_gaiji(std::string_view s) {
    std::string found;
    if (std::all_of(s.begin(), s.end(), [](char ch) { return static_cast<unsigned char>(ch) < 0x80; })) return found;  // ASCII: the usual case
    each_cp(s, [&](char32_t cp, std::string_view one) {
        if (cp < 0x80 || is_halfwidth_kana(cp)) return true;
        if (cp == 0xFFFD || orca_bytes(cp, one) != 2) found = one;
        return found.empty();
    });
    return found;
}

std::string to_pg_eucjp_forms(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    each_cp(s, [&](char32_t cp, std::string_view one) {
        char32_t to = 0;
        switch (cp) {
        case 0x2212: to = 0xFF0D; break;
        case 0x301C: to = 0xFF5E; break;
        case 0x2016: to = 0x2225; break;
        case 0x2014: to = 0x2015; break;
        case 0x00A2: to = 0xFFE0; break;
        case 0x00A3: to = 0xFFE1; break;
        case 0x00AC: to = 0xFFE2; break;
        default: break;
        }
        if (to) put_cp(out, to);
        else out.append(one);
        return true;
    });
    return out;
}

bool is_variation_selector(char32_t cp) { return (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xE0100 && cp <= 0xE01EF); }

namespace {
// Fits ORCA's database as ORCA uses it (first_gaiji's rule for one character).
bool fits_orca(char32_t cp, std::string_view one) {
    return cp < 0x80 || is_halfwidth_kana(cp) || (cp != 0xFFFD && orca_bytes(cp, one) == 2);
}
}  // namespace

namespace {
// Whether to_storable_form leaves s as it is: no JIS-mapping form, no combining mark, no variation
// selector (the kana, kanji and full-width forms names and addresses are made of, without asking libunistring
// about each).
bool already_storable(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        const char32_t cp = next_cp(s, i);
        if (jis_only_form(cp)) return false;  // U+301C among them
        if (cp < 0x80 || (cp >= 0x3000 && cp <= 0x3029) || (cp >= 0x3030 && cp <= 0x3098) || (cp >= 0x309B && cp <= 0x30FF) ||
            (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xFF00 && cp <= 0xFFEF))
            continue;
        if (is_variation_selector(cp) || cp == 0xFFFD || uc_combining_class(static_cast<ucs4_t>(cp)) != 0)
            return false;
    }
    return true;
}
}  // namespace

bool to_storable_form_in_place(std::string& s) {
    if (already_storable(s)) return false;
    s = to_storable_form(s);
    return true;
}

std::string to_storable_form(std::string_view raw) {
    const std::string s = to_pg_eucjp_forms(raw);
    std::string composed;
    composed.reserve(s.size());
    // 2. Each base + combining marks sequence to NFC; everything else as it is.
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t start = i;
        next_cp(s, i);
        std::size_t end = i;
        while (end < s.size()) {
            std::size_t j = end;
            const char32_t m = next_cp(s, j);
            if (uc_combining_class(static_cast<ucs4_t>(m)) == 0) break;
            end = j;
        }
        if (end == i) {
            composed.append(s, start, i - start);
            continue;
        }
        if (const auto n = normalized(std::string_view(s).substr(start, end - start), UNINORM_NFC)) {
            composed += *n;
        } else {
            composed.append(s, start, end - start);
        }
        i = end;
    }
    // 3. A variation selector after a base that fits is dropped.
    std::string out;
    out.reserve(composed.size());
    bool prev_fits = false;
    each_cp(composed, [&](char32_t cp, std::string_view one) {
        if (is_variation_selector(cp)) {
            if (!prev_fits) out.append(one);
            return true;
        }
        prev_fits = fits_orca(cp, one);
        out.append(one);
        return true;
    });
    return out;
}

std::string replace_gaiji(std::string_view raw, std::string_view with) {
    const std::string s = to_pg_eucjp_forms(raw);
    std::string out;
    out.reserve(s.size());
    bool prev_replaced = false;
    each_cp(s, [&](char32_t cp, std::string_view one) {
        if (is_variation_selector(cp) && prev_replaced) return true;  // part of the character replaced
        const bool fits = cp < 0x80 ? (cp >= 0x20 || cp == '\t' || cp == '\n') : fits_orca(cp, one);
        out.append(fits ? one : with);
        prev_replaced = !fits;
        return true;
    });
    return out;
}

bool has_black_circle(std::string_view s) { return s.find(kBlackCircle) != std::string_view::npos; }

std::size_t euc_jp_bytes(std::string_view s) {
    std::size_t n = 0;
    each_cp(s, [&](char32_t cp, std::string_view one) {
        n += orca_bytes(cp, one);
        return true;
    });
    return n;
}

bool append_euc_jp(std::string& out, std::string_view s) {
    const std::size_t at = out.size();
    out.reserve(at + s.size());
    for (std::size_t i = 0; i < s.size();) {
        std::size_t run = i;
        while (run < s.size() && static_cast<unsigned char>(s[run]) < 0x80) ++run;
        out.append(s.data() + i, run - i);  // ASCII: the same bytes
        if (run == s.size()) break;
        i = run;
        const char32_t cp = next_cp(s, i);
        const std::string_view one = s.substr(run, i - run);
        if (is_halfwidth_kana(cp)) {  // JIS X 0201 katakana: SS2 and the byte
            out += '\x8E';
            out += static_cast<char>(cp - 0xFF61 + 0xA1);
            continue;
        }
        const bool well_formed = one.size() > 1 && std::all_of(one.begin() + 1, one.end(), [](char ch) {
            return (static_cast<unsigned char>(ch) & 0xC0) == 0x80;
        });
        const std::uint32_t e = well_formed && cp < 0x10000 && cp != 0xFFFD && !jis_only_form(cp) ? bmp_euc(cp, one) : 0;
        if ((e >> 24) != 2) {  // no JIS X 0208 form (or not valid UTF-8): ORCA's text never holds one
            out.resize(at);
            return false;
        }
        out += static_cast<char>(e >> 8);
        out += static_cast<char>(e & 0xFF);
    }
    return true;
}

std::string cut_euc_jp_bytes(std::string_view s, std::size_t max_bytes) {
    std::size_t n = 0, kept = 0;  // bytes in EUC-JP, and in UTF-8 of what fits
    each_cp(s, [&](char32_t cp, std::string_view one) {
        const std::size_t b = orca_bytes(cp, one);
        if (n + b > max_bytes) return false;
        n += b;
        kept += one.size();
        return true;
    });
    return std::string(s.substr(0, kept));
}

std::size_t char_count(std::string_view s) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < s.size();) { next_cp(s, i); ++n; }
    return n;
}

std::string patient_number(std::string_view s) { return trim(s); }

std::optional<long long> strict_id(std::string_view s, long long max) {
    if (s.empty() || s.size() > 19 || s[0] == '0' || !all_digits(s)) return std::nullopt;
    unsigned long long v = 0;
    for (const char c : s) v = v * 10 + static_cast<unsigned>(c - '0');  // 19 digits fit in 64 bits unsigned
    if (v > static_cast<unsigned long long>(max)) return std::nullopt;
    return static_cast<long long>(v);
}

std::string trim(std::string_view s) {
    static constexpr std::string_view ideo = "\xE3\x80\x80";
    std::size_t b = 0, e = s.size();
    for (;;) {
        if (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r' || s[b] == '\n')) { ++b; continue; }
        if (e - b >= 3 && s.substr(b, 3) == ideo) { b += 3; continue; }
        break;
    }
    for (;;) {
        if (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r' || s[e - 1] == '\n')) { --e; continue; }
        if (e - b >= 3 && s.substr(e - 3, 3) == ideo) { e -= 3; continue; }
        break;
    }
    return std::string(s.substr(b, e - b));
}

// (No NUL either: as GLib's g_utf8_validate with a length, which this replaced.)
bool is_valid_utf8(std::string_view s) { return s.find('\0') == std::string_view::npos && valid_utf8(s); }

bool all_digits(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s) if (c < '0' || c > '9') return false;
    return true;
}

}  // namespace onshi::text

namespace onshi {

int jp_check_digit(std::string_view body) {
    int sum = 0;
    int weight = 2;
    for (auto it = body.rbegin(); it != body.rend(); ++it) {
        const int p = (*it - '0') * weight;
        sum += p / 10 + p % 10;
        weight = weight == 2 ? 1 : 2;
    }
    return (10 - sum % 10) % 10;
}

std::string with_check_digit(std::string_view body) {
    return std::string(body) + static_cast<char>('0' + jp_check_digit(body));
}

bool insurer_number_valid(std::string_view n) {
    if (!text::all_digits(n) || (n.size() != 8 && n.size() != 6)) return false;
    return jp_check_digit(n.substr(0, n.size() - 1)) == n.back() - '0';
}

bool recipient_number_valid(std::string_view n) {
    return n.size() == 7 && text::all_digits(n) && jp_check_digit(n.substr(0, 6)) == n.back() - '0';
}

}  // namespace onshi
