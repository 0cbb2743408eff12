// One connection owner per thread: a Session holds the thread's connection, keeps it while it is
// alive() and opens a new one when it is not; after a failure the thread waits backoff_ms before the
// next try (first_ms, doubling, at most max_ms, for failures in a row: a connection that opens but
// whose first statement fails again counts as one more; the count ends when get() finds the
// connection kept since the last call). Not shared between threads.
#pragma once

#include "core/error.hpp"
#include "db/pg.hpp"

#include <functional>
#include <memory>
#include <string>

namespace onshi::db {

struct Backoff {
    long first_ms = 1000;
    long max_ms = 5000;
};

// The wait after `failures` failures in a row (0 for none): first_ms, 2×, 4×…, at most max_ms. Pure.
long backoff_ms(const Backoff& b, int failures) noexcept;

class Session {
public:
    // How a connection is opened (default: Connection(conninfo)); e.g. the screens add timeouts.
    using Opener = std::function<std::unique_ptr<Connection>(const std::string& conninfo)>;
    explicit Session(Backoff backoff = {}, Opener open = {});

    // The kept connection while it is alive(); else a new one on conninfo (which is used only to
    // open). Throws Error(database) when it cannot connect.
    Connection& get(const std::string& conninfo);
    // A connection is held and libpq saw it up.
    [[nodiscard]] bool alive() const noexcept { return conn_ && conn_->alive(); }
    // A connection is held but libpq calls it down. (After a statement failed on a connection whose
    // server went away, libpq may still call it up: dead() probes.)
    [[nodiscard]] bool lost() const noexcept { return conn_ && !conn_->alive(); }
    // The connection opened by the last get() is new (a LISTEN, a SET, … must be given again).
    [[nodiscard]] bool fresh() const noexcept { return fresh_; }

    // f(connection) on the kept connection; when that one turns out dead under f (the server
    // restarted since it was last used: libpq learns it only at the next statement, and may still
    // call the connection up after that statement failed, so a failure is followed by a probe), f
    // once more on a new connection at once, not counted as a failure. Any other error, and one on a new
    // connection, is thrown (then call failed()). f must be safe to run again after a failure (one
    // statement, or a transaction that rolled back with the connection).
    template <typename F>
    decltype(auto) run(const std::string& conninfo, F&& f) {
        if (alive()) {
            try {
                return f(get(conninfo));
            } catch (const Error& e) {
                if (e.code() != Errc::database || !dead()) throw;
                drop();
            }
        }
        return f(get(conninfo));
    }

    // After a database error on the kept connection: whether that connection is gone (libpq says so,
    // or a probe statement fails too).
    [[nodiscard]] bool dead() noexcept;

    // After an error: drops the connection (its transaction and claims end with it) and counts a
    // failure. Returns how long to wait before the next try.
    long failed() noexcept;
    // Drops the connection without counting a failure.
    void drop() noexcept { conn_.reset(); }
    [[nodiscard]] int failures() const noexcept { return failures_; }

private:
    Backoff backoff_;
    Opener open_;
    std::unique_ptr<Connection> conn_;
    int failures_ = 0;
    bool fresh_ = false;
};

}  // namespace onshi::db
