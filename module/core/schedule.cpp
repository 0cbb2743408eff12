#include "core/schedule.hpp"

#include "core/error.hpp"
#include "core/text.hpp"

#include <cstdio>
#include <sstream>
#include <vector>

namespace onshi {

Schedule parse_schedule(const std::string& text) {
    std::istringstream in(text);
    std::vector<std::string> words;
    for (std::string w; in >> w;) words.push_back(w);
    const auto bad = [&] { return Error(Errc::config, "'" + text + "' is not 'daily HH:MM' or 'monthly D HH:MM' (D = 1-28)"); };
    Schedule s;
    std::string hm;
    if (words.size() == 2 && words[0] == "daily") {
        hm = words[1];
    } else if (words.size() == 3 && words[0] == "monthly" && text::all_digits(words[1]) && words[1].size() <= 2) {
        s.monthly = true;
        s.day = std::stoi(words[1]);
        if (s.day < 1 || s.day > 28) throw bad();
        hm = words[2];
    } else {
        throw bad();
    }
    if (hm.size() != 5 || hm[2] != ':' || !text::all_digits(hm.substr(0, 2)) || !text::all_digits(hm.substr(3))) throw bad();
    s.hour = std::stoi(hm.substr(0, 2));
    s.minute = std::stoi(hm.substr(3));
    if (s.hour > 23 || s.minute > 59) throw bad();
    return s;
}

Slot last_slot(const Schedule& s, std::time_t now) {
    std::tm tm{};
    localtime_r(&now, &tm);
    std::tm slot = tm;
    slot.tm_hour = s.hour;
    slot.tm_min = s.minute;
    slot.tm_sec = 0;
    slot.tm_isdst = -1;
    if (s.monthly) slot.tm_mday = s.day;
    std::time_t at = std::mktime(&slot);
    if (at > now) {  // not yet today / this month: the previous one
        if (s.monthly) slot.tm_mon -= 1;
        else slot.tm_mday -= 1;
        slot.tm_isdst = -1;
        at = std::mktime(&slot);
    }
    std::tm out{};
    localtime_r(&at, &out);
    char b[64];
    std::snprintf(b, sizeof b, "%04d-%02d-%02d %02d:%02d:00", out.tm_year + 1900, out.tm_mon + 1, out.tm_mday, out.tm_hour, out.tm_min);
    return Slot{b, at};
}

}  // namespace onshi
