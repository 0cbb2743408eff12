#include "web/auth.hpp"

#include "app/files.hpp"

#include "core/error.hpp"

#include <crypt.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

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
        User u{line.substr(0, a), line.substr(a + 1, b - a - 1), line.substr(b + 1)};
        if (!valid_user_name(u.name) || !valid_role(u.role) || u.hash.empty() || u.hash[0] != '$')
            throw Error(Errc::config, path + ":" + std::to_string(n) + ": not name:role:hash (role reception or admin)");
        out.push_back(std::move(u));
    }
    return out;
}

void write_users(const std::string& path, const std::vector<User>& users) {
    std::string text;
    for (const auto& u : users) text += u.name + ":" + u.role + ":" + u.hash + "\n";
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

const Session& Sessions::create(const std::string& user, const std::string& role) {
    if (by_id_.size() >= kMaxSessions) {  // drop the least recently seen
        auto oldest = by_id_.begin();
        for (auto it = by_id_.begin(); it != by_id_.end(); ++it)
            if (it->second.last_seen < oldest->second.last_seen) oldest = it;
        by_id_.erase(oldest);
    }
    Session s{random_token(), user, role, random_token(), std::time(nullptr)};
    return by_id_[s.id] = std::move(s);
}

const Session* Sessions::find(const std::string& id) {
    const std::time_t now = std::time(nullptr);
    for (auto it = by_id_.begin(); it != by_id_.end();) {
        if (now - it->second.last_seen > idle_) it = by_id_.erase(it);
        else ++it;
    }
    const auto it = by_id_.find(id);
    if (it == by_id_.end()) return nullptr;
    it->second.last_seen = now;
    return &it->second;
}

void Sessions::remove(const std::string& id) { by_id_.erase(id); }

}  // namespace onshi::web
