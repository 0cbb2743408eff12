// Users of the screens and their sessions. Users file: one `name:role:hash[:facilities]` a line
// (role reception or admin, hash from libcrypt: yescrypt "$y$...", facilities the hospnums the user
// sees, comma-separated; none: every facility). Sessions live in memory only (a daemon restart
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
    std::vector<int> facilities;  // empty: all
};

// "1,3" -> {1, 3}; nullopt when it is not a comma list of hospnums 1-99.
std::optional<std::vector<int>> parse_facilities(const std::string& text);

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

// A password fit for the screens, or why not (for `user add/passwd`): at least 10 characters, at
// least 3 kinds of letters, digits and symbols (lower case, upper case, digits, others), at least 5
// different characters, not containing the user's name.
std::string password_problem(const std::string& password, const std::string& user);

// What a session is tied to: the user's record as it is now (role, hash, facilities); "" when the
// user is gone. A session whose stamp differs (password or role changed, user deleted) has ended.
std::string user_stamp(const std::vector<User>& users, const std::string& name);

struct Session {
    std::string id, user, role, csrf;
    std::string stamp;  // user_stamp() at login; "" for a local-mode session (no users file)
    bool login = false; // made by a login (never evicted for room); false: local mode
    std::time_t created = 0, last_seen = 0;
};

// In-memory sessions; idle ones expire, and every one after an absolute lifetime. Used from the main
// loop only (no locking). Logged-in sessions are never evicted for room: when kMaxSessions of them
// are live, a login is refused. Local-mode sessions (handed to whoever asks on loopback without a
// users file) wait in a small table of their own until their cookie first comes back, so cookie-less
// requests churn only that table.
class Sessions {
public:
    explicit Sessions(int idle_seconds = 8 * 3600, int max_seconds = 12 * 3600) : idle_(idle_seconds), max_(max_seconds) {}
    // After a login; nullptr when the table is full of logged-in sessions.
    const Session* create_login(const std::string& user, const std::string& role, const std::string& stamp,
                                std::time_t now = std::time(nullptr));
    // Local mode (user local, admin).
    const Session& create_local(std::time_t now = std::time(nullptr));
    // The live session with this id (touched), or nullptr.
    const Session* find(const std::string& id, std::time_t now = std::time(nullptr));
    void remove(const std::string& id);
    [[nodiscard]] std::size_t size() const { return by_id_.size(); }
    [[nodiscard]] std::size_t pending() const { return pending_.size(); }

    static constexpr std::size_t kMaxSessions = 10000;
    static constexpr std::size_t kMaxPending = 1000;

private:
    bool expired(const Session& s, std::time_t now) const { return now - s.last_seen > idle_ || now - s.created > max_; }
    void sweep(std::time_t now);
    bool make_room();  // evicts the least recently seen local-mode session; false: none
    int idle_, max_;
    std::map<std::string, Session> by_id_;
    std::map<std::string, Session> pending_;  // local mode, cookie not seen back yet
    std::vector<std::string> pending_order_;  // oldest first (may hold ids gone since)
    std::time_t swept_ = 0;
};

}  // namespace onshi::web
