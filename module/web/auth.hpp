// Users of the screens and their sessions. Users file: one `name:role:hash` a line (role reception
// or admin, hash from libcrypt: yescrypt "$y$..."). Sessions live in memory only (a daemon restart
// logs everybody out). Passwords are never logged and their buffers are zeroed after use.
#pragma once

#include <ctime>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace onshi::web {

struct User {
    std::string name, role, hash;
};

// Reads the users file; Error(config) naming the line for a malformed one. A missing file: empty.
std::vector<User> read_users(const std::string& path);
// Writes it (mode 0640, atomically through a temp file beside it).
void write_users(const std::string& path, const std::vector<User>& users);

bool valid_user_name(const std::string& name);  // [A-Za-z0-9._-]{1,32}
bool valid_role(const std::string& role);       // reception | admin

// A yescrypt hash of the password. Error(internal) if libcrypt fails.
std::string hash_password(const std::string& password);
// True when the password matches the hash (constant-time compare of crypt's output).
bool verify_password(const std::string& password, const std::string& hash);

// Overwrites the string's buffer with zeros, then clears it.
void wipe(std::string& s);

// 32 random bytes as 64 hex characters (getrandom).
std::string random_token();

struct Session {
    std::string id, user, role, csrf;
    std::time_t last_seen = 0;
};

// In-memory sessions; idle ones expire. Used from the main loop only (no locking).
class Sessions {
public:
    explicit Sessions(int idle_seconds = 8 * 3600) : idle_(idle_seconds) {}
    const Session& create(const std::string& user, const std::string& role);
    // The live session with this id (touched), or nullptr.
    const Session* find(const std::string& id);
    void remove(const std::string& id);

    static constexpr std::size_t kMaxSessions = 10000;

private:
    int idle_;
    std::map<std::string, Session> by_id_;
};

}  // namespace onshi::web
