#include "core/text.hpp"
#include "cli/common.hpp"

#include "core/dates.hpp"

#include <glib.h>

namespace onshi::cli {

std::optional<std::string> Args::get(const std::string& k) const {
    const auto it = opt.find(k);
    return it == opt.end() ? std::nullopt : std::optional(it->second);
}

std::string Args::require(const std::string& k) const {
    auto v = get(k);
    if (!v) throw Error(Errc::usage, "--" + k + " is required");
    return *v;
}

int Args::hospnum() const {
    const std::string v = require("hospnum");
    if (!text::all_digits(v) || v.size() > 2 || std::stoi(v) < 1)
        throw Error(Errc::usage, "--hospnum must be 1-99");
    return std::stoi(v);
}

void Args::only(std::initializer_list<const char*> allowed) const {
    for (const auto& [k, v] : opt) {
        bool ok = false;
        for (const char* a : allowed) ok |= k == a;
        if (!ok) throw Error(Errc::usage, "unknown option --" + k);
    }
}

Args parse_args(int argc, char** argv, int from) {
    Args a;
    for (int i = from; i < argc; ++i) {
        std::string s = argv[i];
        if (s.starts_with("--")) {
            std::string key = s.substr(2), val;
            if (const auto eq = key.find('='); eq != std::string::npos) {
                val = key.substr(eq + 1);
                key = key.substr(0, eq);
            } else if (key == "queue" || key == "all" || key == "with-basic4" || key == "allow-last-try") {  // the flags without a value
                val = "yes";
            } else {
                if (i + 1 >= argc) throw Error(Errc::usage, "--" + key + " needs a value");
                val = argv[++i];
            }
            a.opt[key] = val;
        } else {
            a.pos.push_back(s);
        }
    }
    return a;
}

std::string check_date(const std::string& opt, const std::string& v) {
    if (!dates::valid_ymd(v)) throw Error(Errc::usage, "--" + opt + " '" + v + "' is not a date (YYYYMMDD)");
    return v;
}

db::Connection connect(const app::Config& cfg) {
    db::Connection c(cfg.conninfo);
    const int have = db::schema_version(c);
    if (have != db::current_schema_version())
        throw Error(Errc::database, "the module schema is at version " + std::to_string(have) + ", this orca-onshi needs " +
                                        std::to_string(db::current_schema_version()) + ": run 'orca-onshi db migrate'");
    return c;
}

std::string num_or_dash(long long v) { return v < 0 ? "-" : std::to_string(v); }

// Display width of UTF-8 text in a terminal (East Asian wide characters count 2).
std::size_t width(const std::string& s) {
    std::size_t w = 0;
    for (const char* p = s.c_str(); *p; p = g_utf8_next_char(p)) {
        const gunichar c = g_utf8_get_char(p);
        w += g_unichar_iswide(c) ? 2 : 1;
    }
    return w;
}

}  // namespace onshi::cli
