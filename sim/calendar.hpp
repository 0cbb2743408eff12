// Calendar arithmetic on YYYYMMDD strings for the OQS simulator (proleptic Gregorian, no time zones).
#pragma once

#include <string>
#include <string_view>

namespace onshi::sim {

struct Ymd {
    int y = 0, m = 0, d = 0;
};

// Parses exactly 8 digits that form a valid calendar date.
bool parse_ymd(std::string_view s, Ymd& out);
std::string fmt_ymd(const Ymd& d);                     // YYYYMMDD

int days_in_month(int y, int m);
long to_days(const Ymd& d);                           // days since 1970-01-01
Ymd from_days(long days);
Ymd add_days(const Ymd& d, long n);
Ymd add_months(const Ymd& d, int n);                  // day clamped to the target month's end
int age_on(const Ymd& birth, const Ymd& day);         // completed years

// Local wall clock.
std::string local_now14();                            // YYYYMMDDHHMMSS
std::string local_now17();                            // YYYYMMDDHHMMSSmmm

}  // namespace onshi::sim
