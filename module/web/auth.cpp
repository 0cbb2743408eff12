#include "web/auth.hpp"

#include "app/files.hpp"

#include "core/error.hpp"
#include "core/text.hpp"

#include <crypt.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace onshi::web {

void wipe(std::string& s) {
    if (!s.empty()) explicit_bzero(s.data(), s.size());
    s.clear();
}

bool valid_user_name(const std::string& name) {
    if (name.empty() || name.size() > 32) return false;
    for (const char c : name)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) return false;
    return true;
}

bool valid_role(const std::string& role) { return role == "reception" || role == "admin"; }

std::optional<std::vector<int>> parse_facilities(const std::string& text) {
    std::vector<int> out;
    std::stringstream ss(text);
    for (std::string x; std::getline(ss, x, ',');) {
        const auto h = text::strict_id(x, 99);
        if (!h) return std::nullopt;
        if (std::find(out.begin(), out.end(), *h) == out.end()) out.push_back(static_cast<int>(*h));
    }
    if (out.empty() || text.ends_with(",")) return std::nullopt;
    return out;
}

std::vector<User> read_users(const std::string& path) {
    std::vector<User> out;
    std::ifstream in(path);
    if (!in) {
        if (errno == ENOENT) return out;
        throw Error(Errc::config, path + ": " + std::strerror(errno));
    }
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
        ++n;
        if (line.empty() || line[0] == '#') continue;
        const auto a = line.find(':');
        const auto b = a == std::string::npos ? a : line.find(':', a + 1);
        if (b == std::string::npos) throw Error(Errc::config, path + ":" + std::to_string(n) + ": not name:role:hash");
        const auto c = line.find(':', b + 1);
        User u{line.substr(0, a), line.substr(a + 1, b - a - 1), line.substr(b + 1, c == std::string::npos ? c : c - b - 1), {}};
        if (!valid_user_name(u.name) || !valid_role(u.role) || u.hash.empty() || u.hash[0] != '$')
            throw Error(Errc::config, path + ":" + std::to_string(n) + ": not name:role:hash (role reception or admin)");
        if (c != std::string::npos) {
            const auto f = parse_facilities(line.substr(c + 1));
            if (!f) throw Error(Errc::config, path + ":" + std::to_string(n) + ": facilities are hospnums 1-99, comma-separated");
            u.facilities = *f;
        }
        out.push_back(std::move(u));
    }
    return out;
}

void write_users(const std::string& path, const std::vector<User>& users) {
    std::string text;
    for (const auto& u : users) {
        text += u.name + ":" + u.role + ":" + u.hash;
        for (std::size_t i = 0; i < u.facilities.size(); ++i) text += (i ? "," : ":") + std::to_string(u.facilities[i]);
        text += "\n";
    }
    app::write_file_atomic(path, text, 0640);
}

std::string hash_password(const std::string& password) {
    char* salt = crypt_gensalt_ra("$y$", 0, nullptr, 0);
    if (!salt) throw Error(Errc::internal, "crypt_gensalt_ra failed");
    void* data = nullptr;
    int size = 0;
    const char* h = crypt_ra(password.c_str(), salt, &data, &size);
    std::free(salt);
    std::string out = h && h[0] != '*' ? h : "";
    if (data) {
        explicit_bzero(data, static_cast<std::size_t>(size));
        std::free(data);
    }
    if (out.empty()) throw Error(Errc::internal, "crypt_ra failed");
    return out;
}

bool verify_password(const std::string& password, const std::string& hash) {
    if (hash.empty() || hash[0] != '$') return false;
    void* data = nullptr;
    int size = 0;
    const char* h = crypt_ra(password.c_str(), hash.c_str(), &data, &size);
    bool same = false;
    if (h && h[0] != '*') {
        const std::size_t n = std::strlen(h);
        if (n == hash.size()) {
            unsigned char diff = 0;
            for (std::size_t i = 0; i < n; ++i) diff |= static_cast<unsigned char>(h[i] ^ hash[i]);
            same = diff == 0;
        }
    }
    if (data) {
        explicit_bzero(data, static_cast<std::size_t>(size));
        std::free(data);
    }
    return same;
}

std::string random_token() {
    unsigned char b[32];
    std::size_t got = 0;
    while (got < sizeof b) {
        const ssize_t n = getrandom(b + got, sizeof b - got, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw Error(Errc::internal, std::string("getrandom: ") + std::strerror(errno));
        }
        got += static_cast<std::size_t>(n);
    }
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (const unsigned char c : b) {
        out += hex[c >> 4];
        out += hex[c & 15];
    }
    explicit_bzero(b, sizeof b);
    return out;
}

std::string password_problem(const std::string& pw, const std::string& user) {
    if (pw.size() < 10) return "the password must have at least 10 characters";
    bool lower = false, upper = false, digit = false, other = false;
    bool seen[256] = {};
    std::size_t distinct = 0;
    for (const char c : pw) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) return "the password must not hold control characters";
        lower |= std::islower(u) != 0;
        upper |= std::isupper(u) != 0;
        digit |= std::isdigit(u) != 0;
        other |= !std::isalnum(u);
        distinct += !seen[u];
        seen[u] = true;
    }
    if (lower + upper + digit + other < 3) return "the password must mix at least 3 of: lower case, upper case, digits, symbols";
    explicit_bzero(seen, sizeof seen);
    if (distinct < 5) return "the password must have at least 5 different characters";
    std::string lp = pw, lu = user;
    for (auto& c : lp) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (auto& c : lu) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lu.size() >= 3 && lp.find(lu) != std::string::npos) return "the password must not contain the user name";
    wipe(lp);
    return "";
}

std::string user_stamp(const std::vector<User>& users, const std::string& name) {
    for (const auto& u : users)
        if (u.name == name) {
            std::string s = u.role + ":" + u.hash + ":";
            for (const int h : u.facilities) s += std::to_string(h) + ",";
            return s;
        }
    return "";
}

void Sessions::sweep(std::time_t now) {
    if (now == swept_) return;  // once a second is plenty
    swept_ = now;
    std::erase_if(by_id_, [&](const auto& kv) { return expired(kv.second, now); });
    std::erase_if(pending_, [&](const auto& kv) { return expired(kv.second, now); });
    if (pending_order_.size() > 2 * kMaxPending)
        std::erase_if(pending_order_, [&](const std::string& id) { return !pending_.contains(id); });
}

bool Sessions::make_room() {
    auto victim = by_id_.end();
    for (auto it = by_id_.begin(); it != by_id_.end(); ++it)
        if (!it->second.login && (victim == by_id_.end() || it->second.last_seen < victim->second.last_seen)) victim = it;
    if (victim == by_id_.end()) return false;
    by_id_.erase(victim);
    return true;
}

const Session* Sessions::create_login(const std::string& user, const std::string& role, const std::string& stamp, std::time_t now) {
    sweep(now);
    if (by_id_.size() >= kMaxSessions && !make_room()) return nullptr;
    Session s{random_token(), user, role, random_token(), stamp, true, now, now};
    return &(by_id_[s.id] = std::move(s));
}

const Session& Sessions::create_local(std::time_t now) {
    sweep(now);
    while (pending_.size() >= kMaxPending && !pending_order_.empty()) {  // the oldest unconfirmed goes
        pending_.erase(pending_order_.front());
        pending_order_.erase(pending_order_.begin());
    }
    Session s{random_token(), "local", "admin", random_token(), "", false, now, now};
    pending_order_.push_back(s.id);
    return pending_[s.id] = std::move(s);
}

const Session* Sessions::find(const std::string& id, std::time_t now) {
    sweep(now);
    auto it = by_id_.find(id);
    if (it == by_id_.end()) {
        const auto p = pending_.find(id);
        if (p == pending_.end()) return nullptr;
        if (expired(p->second, now)) {
            pending_.erase(p);
            return nullptr;
        }
        // Its cookie came back: a browser uses it. Room is made among local sessions only.
        if (by_id_.size() >= kMaxSessions && !make_room()) return nullptr;
        it = by_id_.emplace(id, std::move(p->second)).first;
        pending_.erase(p);
    }
    if (expired(it->second, now)) {
        by_id_.erase(it);
        return nullptr;
    }
    it->second.last_seen = now;
    return &it->second;
}

void Sessions::remove(const std::string& id) {
    by_id_.erase(id);
    pending_.erase(id);
}

}  // namespace onshi::web
