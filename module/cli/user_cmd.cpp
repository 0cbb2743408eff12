// orca-onshi user: the users of the screens ([web] users_file, name:role:hash, mode 0640).
// Passwords come from the terminal (no echo) or one line of stdin, never from the command line.
#include "cli/common.hpp"

#include "web/auth.hpp"

#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

namespace onshi::cli {
namespace {

std::string read_line_secret(const char* prompt, bool tty) {
    struct termios old{};
    if (tty) {
        std::fputs(prompt, stderr);
        std::fflush(stderr);
        tcgetattr(STDIN_FILENO, &old);
        struct termios quiet = old;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    std::string line;
    int c;
    while ((c = std::getchar()) != EOF && c != '\n') line += static_cast<char>(c);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        std::fputc('\n', stderr);
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
}

std::string read_password(const std::string& name) {
    const bool tty = isatty(STDIN_FILENO);
    std::string pw = read_line_secret("Password: ", tty);
    if (tty) {
        std::string again = read_line_secret("Again: ", tty);
        const bool same = again == pw;
        web::wipe(again);
        if (!same) {
            web::wipe(pw);
            throw Error(Errc::usage, "the passwords differ");
        }
    }
    if (const std::string why = web::password_problem(pw, name); !why.empty()) {
        web::wipe(pw);
        throw Error(Errc::usage, why);
    }
    return pw;
}

}  // namespace

int cmd_user(const app::Config& cfg, const Args& a) {
    if (a.pos.size() != 2 || (a.pos[0] != "add" && a.pos[0] != "passwd" && a.pos[0] != "del"))
        throw Error(Errc::usage, "user add NAME --role reception|admin | user passwd NAME | user del NAME");
    const std::string& what = a.pos[0];
    const std::string& name = a.pos[1];
    if (!web::valid_user_name(name)) throw Error(Errc::usage, "a user name is 1-32 of A-Z a-z 0-9 . _ -");
    const std::string& file = cfg.web.users_file;
    auto users = web::read_users(file);
    auto it = users.begin();
    while (it != users.end() && it->name != name) ++it;
    if (what == "add") {
        a.only({"role", "facilities"});
        std::vector<int> facilities;
        if (const auto f = a.get("facilities")) {
            const auto parsed = web::parse_facilities(*f);
            if (!parsed) throw Error(Errc::usage, "--facilities is a comma list of hospnums 1-99 (e.g. 1,2)");
            for (const int h : *parsed)
                if (!cfg.facilities.contains(h)) throw Error(Errc::usage, "--facilities: [facility " + std::to_string(h) + "] is not configured");
            facilities = *parsed;
        }
        const std::string role = a.require("role");
        if (!web::valid_role(role)) throw Error(Errc::usage, "--role must be reception or admin");
        if (it != users.end()) throw Error(Errc::usage, "user " + name + " exists already (user passwd " + name + ")");
        std::string pw = read_password(name);
        users.push_back({name, role, web::hash_password(pw), facilities});
        web::wipe(pw);
        web::write_users(file, users);
        std::printf("user %s added (%s) to %s\n", name.c_str(), role.c_str(), file.c_str());
        return 0;
    }
    a.only({});
    if (it == users.end()) throw Error(Errc::not_found, "no user " + name + " in " + file);
    if (what == "passwd") {
        std::string pw = read_password(name);
        it->hash = web::hash_password(pw);
        web::wipe(pw);
        web::write_users(file, users);
        std::printf("password of %s changed\n", name.c_str());
        return 0;
    }
    users.erase(it);
    web::write_users(file, users);
    std::printf("user %s removed\n", name.c_str());
    return 0;
}

}  // namespace onshi::cli
