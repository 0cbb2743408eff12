// The screens' database work, off the GLib main loop: a few threads, each with its own connection
// (connect_timeout, tcp_user_timeout, statement_timeout), so a locked table or a dead database never
// holds up static pages, login or SIGHUP. A request is paused while its work runs and answered back
// on the main loop; if the work has not answered by its deadline the request gets 503 (and the
// work's late answer is dropped). A client that went away meanwhile is not answered.
#pragma once

#include "app/config.hpp"
#include "db/pg.hpp"
#include "web/api.hpp"

#include <libsoup/soup.h>

#include <functional>
#include <memory>

namespace onshi::web {

struct DbPoolLimits {
    std::size_t threads = 3;
    int connect_timeout_s = 2;        // libpq's smallest
    int statement_timeout_ms = 1500;  // SET statement_timeout on every connection of the pool
    int deadline_ms = 1800;           // a request is answered by then, 503 if need be
    std::size_t max_queued = 256;     // more waiting: 503 at once
};

class DbPool {
public:
    // Work runs on a pool thread with that thread's connection; it may throw (Error(database) -> 503,
    // a dropped connection -> one more try on a fresh one when retry is set, anything else -> 500).
    using Work = std::function<Response(db::Connection&)>;
    using Sender = void (*)(SoupServerMessage*, const Response&);

    DbPool(Sender send, const DbPoolLimits& limits = {});
    ~DbPool();  // waits for the threads (a statement ends within statement_timeout)
    DbPool(const DbPool&) = delete;
    DbPool& operator=(const DbPool&) = delete;

    // Main loop: pauses msg, runs work, answers msg on the main loop. deadline_ms 0: the pool's.
    void answer(SoupServerMessage* msg, const std::shared_ptr<const app::Config>& cfg, Work work, bool retry, int deadline_ms = 0);
    // Work nobody waits for (the audit of a login); errors are logged.
    void post(const std::shared_ptr<const app::Config>& cfg, std::function<void(db::Connection&)> work);

    struct Impl;

private:
    std::shared_ptr<Impl> impl_;
};

// A connection for the screens: conninfo with connect_timeout and tcp_user_timeout, then
// statement_timeout set. Error(database) when it cannot.
std::unique_ptr<db::Connection> web_connection(const std::string& conninfo, const DbPoolLimits& limits);

}  // namespace onshi::web
