#include "db/listener.hpp"

#include "core/error.hpp"
#include "core/handle.hpp"

#include <libpq-fe.h>
#include <poll.h>

namespace onshi::db {

Listener::Listener(std::string channel, Backoff backoff) : channel_(std::move(channel)), session_(backoff) {
    bool ok = !channel_.empty() && !(channel_[0] >= '0' && channel_[0] <= '9');
    for (const char c : channel_) ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
    if (!ok) throw Error(Errc::internal, "LISTEN: not a channel name: " + channel_);
}

bool Listener::listen(const std::string& conninfo) {
    conn_ = nullptr;
    Connection& c = session_.get(conninfo);
    if (session_.fresh()) c.run("LISTEN " + channel_);
    conn_ = &c;
    return session_.fresh();
}

std::vector<Notification> Listener::wait(int timeout_ms) {
    std::vector<Notification> out;
    if (!conn_ || !session_.alive()) throw Error(Errc::database, "LISTEN " + channel_ + ": not connected");
    PGconn* c = conn_->raw();
    pollfd p{PQsocket(c), POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return out;  // timeout, or a signal: the caller looks again
    if (!PQconsumeInput(c)) throw Error(Errc::database, "LISTEN " + channel_ + ": " + PQerrorMessage(c));
    while (const Handle<PGnotify*, PQfreemem> note{PQnotifies(c)}) {
        out.push_back({note.get()->relname ? note.get()->relname : "", note.get()->extra ? note.get()->extra : ""});
    }
    return out;
}

}  // namespace onshi::db
