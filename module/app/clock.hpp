// The clock: the local date and time now. An adapter (the core reads no clock; a core function that
// needs today takes it as a parameter). Same names as before they left core/dates.hpp.
#pragma once

#include <string>

namespace onshi::dates {

// The local date and time now, YYYYMMDD and HHMMSS (the "machine date" of ORCSMCNDATE).
std::string today();
std::string now_hms();
std::string now_timestamp();  // YYYYMMDDHHMMSS

}  // namespace onshi::dates
