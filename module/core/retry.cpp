#include "core/retry.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>

namespace onshi::retry {

bool retryable_status(long status) { return status == 0 || status == 429 || status == 502 || status == 503 || status == 504; }

std::optional<int> next_wait_ms(const Policy& p, int attempt, long status, std::optional<int> retry_after_ms, double unit) {
    if (attempt >= p.max_attempts || !retryable_status(status)) return std::nullopt;
    if (retry_after_ms) return std::clamp(*retry_after_ms, 0, p.max_ms);
    const double backoff = std::min(static_cast<double>(p.max_ms), p.base_ms * std::pow(2.0, std::max(0, attempt - 1)));
    const double u = std::clamp(unit, 0.0, 0.999999);
    return static_cast<int>(std::min(static_cast<double>(p.max_ms), backoff * (0.5 + u)));
}

namespace {

// Days from 1970-01-01 to y-m-d (proleptic Gregorian), Howard Hinnant's days_from_civil.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool digits(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }); }

}  // namespace

std::optional<int> parse_retry_after_ms(std::string_view v, std::int64_t now_epoch_s) {
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\r')) v.remove_suffix(1);
    if (digits(v)) {
        if (v.size() > 6) return 24 * 3600 * 1000;  // absurdly long: the caller's cap applies
        return std::stoi(std::string(v)) * 1000;
    }
    // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
    if (v.size() != 29 || v[3] != ',' || v.substr(25) != " GMT") return std::nullopt;
    static constexpr std::array<std::string_view, 12> months{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const auto m = std::find(months.begin(), months.end(), v.substr(8, 3));
    const std::string_view dd = v.substr(5, 2), yyyy = v.substr(12, 4), hh = v.substr(17, 2), mi = v.substr(20, 2), ss = v.substr(23, 2);
    if (m == months.end() || !digits(dd) || !digits(yyyy) || !digits(hh) || !digits(mi) || !digits(ss) || v[19] != ':' || v[22] != ':')
        return std::nullopt;
    const int d = std::stoi(std::string(dd)), h = std::stoi(std::string(hh)), mn = std::stoi(std::string(mi)), s = std::stoi(std::string(ss));
    if (d < 1 || d > 31 || h > 23 || mn > 59 || s > 60) return std::nullopt;
    const std::int64_t at = days_from_civil(std::stoi(std::string(yyyy)), static_cast<unsigned>(m - months.begin() + 1), static_cast<unsigned>(d)) * 86400 +
                            h * 3600 + mn * 60 + s;
    const std::int64_t delta = at - now_epoch_s;
    if (delta <= 0) return 0;
    return static_cast<int>(std::min<std::int64_t>(delta, 24 * 3600) * 1000);
}

}  // namespace onshi::retry
