#include "app/clock.hpp"

#include <ctime>

namespace onshi::dates {
namespace {

std::string strftime_now(const char* f) {
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    localtime_r(&t, &tm);
    char b[32];
    std::strftime(b, sizeof b, f, &tm);
    return b;
}

}  // namespace

std::string today() { return strftime_now("%Y%m%d"); }
std::string now_hms() { return strftime_now("%H%M%S"); }
std::string now_timestamp() { return strftime_now("%Y%m%d%H%M%S"); }

}  // namespace onshi::dates
