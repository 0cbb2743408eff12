// Dates as OQS and ORCA write them (YYYYMMDD, YYYYMMDDHHmmss) and as P031 shows them (和暦, 年齢).
#pragma once

#include <string>
#include <string_view>

namespace onshi::dates {

bool valid_ymd(std::string_view ymd);         // a real calendar date, 8 digits
bool valid_ym(std::string_view ym);           // YYYYMM
bool valid_timestamp(std::string_view ts);    // YYYYMMDDHHmmss, a real date and time

// "S49.12.1" style: era letter (M T S H R) + year of era + month + day, as P031 shows 生年月日.
// "" for a blank or invalid date.
std::string wareki(std::string_view ymd);

// P031's 年齢 against `on` (YYYYMMDD): "N才", or "Nヶ月" under one year. "" if either is invalid.
std::string age_label(std::string_view birth_ymd, std::string_view on_ymd);

// Calendar arithmetic on YYYYMMDD.
std::string add_months(std::string_view ymd, int months);  // clamps the day to the month's end
std::string first_of_month(std::string_view ymd);
std::string last_of_month(std::string_view ymd);

// The clock (today(), now_hms()) is not here: the core reads no clock. See app/clock.hpp.

}  // namespace onshi::dates
