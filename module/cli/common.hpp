// What the orca-onshi subcommands share: option parsing, the database connection, text width.
#pragma once

#include "app/config.hpp"
#include "core/error.hpp"
#include "db/pg.hpp"

#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace onshi::cli {

// Options after the command: --name value pairs (and the flag --queue) and positional arguments.
struct Args {
    std::map<std::string, std::string> opt;
    std::vector<std::string> pos;

    [[nodiscard]] std::optional<std::string> get(const std::string& k) const;
    [[nodiscard]] std::string require(const std::string& k) const;
    [[nodiscard]] int hospnum() const;  // --hospnum, 1-99
    void only(std::initializer_list<const char*> allowed) const;  // Error(usage) for any other option
};
Args parse_args(int argc, char** argv, int from);

std::string check_date(const std::string& opt, const std::string& v);  // YYYYMMDD or Error(usage)
db::Connection connect(const app::Config& cfg);  // and checks the module schema is current
std::string num_or_dash(long long v);
std::size_t width(const std::string& s);  // terminal columns (East Asian wide = 2)

// Subcommands defined outside main.cpp.
int cmd_p031(const app::Config& cfg, const Args& a);
int cmd_review(const app::Config& cfg, const Args& a);
int cmd_doctor(const app::Config& cfg, const Args& a);
int cmd_user(const app::Config& cfg, const Args& a);
int cmd_card(const Args& a);  // needs no configuration: a reader diagnosis works anywhere
int cmd_card_db(const app::Config& cfg, const Args& a);  // card consent / card match

}  // namespace onshi::cli
