// Prints, for every BMP character text::append_euc_jp converts, "code point<TAB>UTF-8 in hex<TAB>EUC-JP
// bytes in hex":
// tests/integration/euc_jp_oracle.sh holds the list against PostgreSQL's own EUC_JP conversion.
#include "core/text.hpp"

#include <cstdio>
#include <string>

int main() {
    for (char32_t cp = 0x80; cp < 0x10000; ++cp) {
        if (cp >= 0xD800 && cp <= 0xDFFF) continue;  // surrogates: not characters
        std::string utf8;
        if (cp < 0x800) {
            utf8 += static_cast<char>(0xC0 | (cp >> 6));
        } else {
            utf8 += static_cast<char>(0xE0 | (cp >> 12));
            utf8 += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        }
        utf8 += static_cast<char>(0x80 | (cp & 0x3F));
        std::string euc;
        if (!onshi::text::append_euc_jp(euc, utf8)) continue;
        std::printf("%u\t", static_cast<unsigned>(cp));
        for (unsigned char b : utf8) std::printf("%02x", b);
        std::printf("\t");
        for (unsigned char b : euc) std::printf("%02x", b);
        std::printf("\n");
    }
    return 0;
}
