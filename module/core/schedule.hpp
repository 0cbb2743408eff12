// schedule_<kind> values of a facility ("daily 07:30", "monthly 20 07:00") and their slots. Pure:
// the clock is an argument.
#pragma once

#include <ctime>
#include <string>

namespace onshi {

struct Schedule {
    bool monthly = false;
    int day = 0, hour = 0, minute = 0;
};

// Throws Error(config) for anything but "daily HH:MM" or "monthly D HH:MM" (D = 1-28).
Schedule parse_schedule(const std::string& text);

// The newest slot of `s` at or before `now` (local time), as "YYYY-MM-DD HH:MM:00" and as time_t.
struct Slot {
    std::string text;
    std::time_t at = 0;
};
Slot last_slot(const Schedule& s, std::time_t now);

// Slots older than this are not caught up (a daemon that was off for days does not queue old runs).
inline constexpr int kCatchUpSeconds = 6 * 3600;

}  // namespace onshi
