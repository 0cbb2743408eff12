#include "core/dates.hpp"

#include "core/text.hpp"

#include <array>
#include <cstdio>
#include <ctime>

namespace onshi::dates {
namespace {

int num(std::string_view s) {
    int v = 0;
    for (char c : s) v = v * 10 + (c - '0');
    return v;
}

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in(int y, int m) {
    static constexpr std::array<int, 12> d{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : d[static_cast<std::size_t>(m - 1)];
}

std::string fmt_ymd(int y, int m, int d) {
    char b[16];
    std::snprintf(b, sizeof b, "%04d%02d%02d", y, m, d);
    return b;
}

struct Era { int from; char letter; int first_year; };
// Start dates of the eras (first day), newest first.
constexpr std::array<Era, 5> kEras{{{20190501, 'R', 2019}, {19890108, 'H', 1989}, {19261225, 'S', 1926},
                                    {19120730, 'T', 1912}, {18681023, 'M', 1868}}};

}  // namespace

bool valid_ymd(std::string_view s) {
    if (s.size() != 8 || !text::all_digits(s)) return false;
    const int y = num(s.substr(0, 4)), m = num(s.substr(4, 2)), d = num(s.substr(6, 2));
    return y >= 1800 && m >= 1 && m <= 12 && d >= 1 && d <= days_in(y, m);
}

bool valid_ym(std::string_view s) {
    return s.size() == 6 && text::all_digits(s) && num(s.substr(4, 2)) >= 1 && num(s.substr(4, 2)) <= 12;
}

bool valid_timestamp(std::string_view s) {
    if (s.size() != 14 || !text::all_digits(s) || !valid_ymd(s.substr(0, 8))) return false;
    return num(s.substr(8, 2)) < 24 && num(s.substr(10, 2)) < 60 && num(s.substr(12, 2)) < 60;
}

std::string wareki(std::string_view ymd) {
    if (!valid_ymd(ymd)) return {};
    const int v = num(ymd);
    for (const auto& e : kEras) {
        if (v >= e.from) {
            const int y = v / 10000 - e.first_year + 1;
            char b[32];
            std::snprintf(b, sizeof b, "%c%d.%d.%d", e.letter, y, (v / 100) % 100, v % 100);
            return b;
        }
    }
    return {};
}

std::string age_label(std::string_view birth, std::string_view on) {
    if (!valid_ymd(birth) || !valid_ymd(on)) return {};
    const int b = num(birth), o = num(on);
    if (o < b) return {};
    int years = o / 10000 - b / 10000;
    if (o % 10000 < b % 10000) --years;
    if (years >= 1) return std::to_string(years) + "才";
    int months = (o / 10000 - b / 10000) * 12 + (o / 100 % 100) - (b / 100 % 100);
    if (o % 100 < b % 100) --months;
    return std::to_string(months) + "ヶ月";
}

std::string add_months(std::string_view ymd, int months) {
    int y = num(ymd.substr(0, 4)), m = num(ymd.substr(4, 2)), d = num(ymd.substr(6, 2));
    int total = y * 12 + (m - 1) + months;
    y = total / 12;
    m = total % 12 + 1;
    if (d > days_in(y, m)) d = days_in(y, m);
    return fmt_ymd(y, m, d);
}

std::string first_of_month(std::string_view ymd) { return std::string(ymd.substr(0, 6)) + "01"; }

std::string last_of_month(std::string_view ymd) {
    const int y = num(ymd.substr(0, 4)), m = num(ymd.substr(4, 2));
    return fmt_ymd(y, m, days_in(y, m));
}

}  // namespace onshi::dates
