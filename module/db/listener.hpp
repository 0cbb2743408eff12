// LISTEN/NOTIFY on a connection of its own: wait(timeout) returns the notifications heard on the
// channel (none on timeout). The connection is a Session's (kept, reopened with backoff after a
// failure, LISTEN given again on each new one).
#pragma once

#include "db/session.hpp"

#include <string>
#include <vector>

namespace onshi::db {

struct Notification {
    std::string channel;
    std::string payload;
};

class Listener {
public:
    // channel: an SQL identifier ([a-z_][a-z0-9_]*), checked here.
    explicit Listener(std::string channel, Backoff backoff = {});

    // Connects and LISTENs when not connected; true when it just did (what was notified while
    // nobody listened is lost: the caller looks once). Throws Error(database).
    bool listen(const std::string& conninfo);
    // Waits up to timeout_ms for notifications (listen() first). Throws Error(database) when the
    // connection failed; then failed() gives the wait before the next try.
    std::vector<Notification> wait(int timeout_ms);
    long failed() noexcept { return session_.failed(); }

private:
    std::string channel_;
    Session session_;
    Connection* conn_ = nullptr;
};

}  // namespace onshi::db
