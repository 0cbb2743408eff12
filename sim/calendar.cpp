#include "calendar.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace onshi::sim {

bool parse_ymd(std::string_view s, Ymd& out) {
    if (s.size() != 8) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    auto num = [&](std::size_t pos, std::size_t len) {
        int v = 0;
        for (std::size_t i = pos; i < pos + len; ++i) v = v * 10 + (s[i] - '0');
        return v;
    };
    const Ymd d{num(0, 4), num(4, 2), num(6, 2)};
    if (d.y < 1 || d.m < 1 || d.m > 12 || d.d < 1 || d.d > days_in_month(d.y, d.m)) return false;
    out = d;
    return true;
}

std::string fmt_ymd(const Ymd& d) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d%02d%02d", d.y, d.m, d.d);
    return buf;
}

int days_in_month(int y, int m) {
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : kDays[m - 1];
}

// days_from_civil / civil_from_days after H. Hinnant's public-domain algorithms.
long to_days(const Ymd& d) {
    const int y = d.y - (d.m <= 2 ? 1 : 0);
    const long era = (y >= 0 ? y : y - 399) / 400;
    const long yoe = y - era * 400;
    const long doy = (153L * (d.m + (d.m > 2 ? -3 : 9)) + 2) / 5 + d.d - 1;
    const long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

Ymd from_days(long z) {
    z += 719468;
    const long era = (z >= 0 ? z : z - 146096) / 146097;
    const long doe = z - era * 146097;
    const long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const long mp = (5 * doy + 2) / 153;
    const int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
    const int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
    return {static_cast<int>(yoe + era * 400 + (m <= 2 ? 1 : 0)), m, d};
}

Ymd add_days(const Ymd& d, long n) { return from_days(to_days(d) + n); }

Ymd add_months(const Ymd& d, int n) {
    const int total = d.y * 12 + (d.m - 1) + n;
    Ymd r{total / 12, total % 12 + 1, d.d};
    if (r.d > days_in_month(r.y, r.m)) r.d = days_in_month(r.y, r.m);
    return r;
}

int age_on(const Ymd& birth, const Ymd& day) {
    int age = day.y - birth.y;
    if (day.m < birth.m || (day.m == birth.m && day.d < birth.d)) --age;
    return age;
}

namespace {
std::tm local_tm(std::time_t t) {
    std::tm tm{};
    localtime_r(&t, &tm);
    return tm;
}
}  // namespace

std::string local_now14() {
    const std::tm tm = local_tm(std::time(nullptr));
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%d%H%M%S", &tm);
    return buf;
}

std::string local_now17() {
    const auto now = std::chrono::system_clock::now();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    const std::tm tm = local_tm(static_cast<std::time_t>(ms / 1000));
    char buf[40];
    const std::size_t n = std::strftime(buf, sizeof buf, "%Y%m%d%H%M%S", &tm);
    std::snprintf(buf + n, sizeof buf - n, "%03d", static_cast<int>(ms % 1000));
    return buf;
}

}  // namespace onshi::sim
