#include "db/session.hpp"

#include "core/log.hpp"

namespace onshi::db {

long backoff_ms(const Backoff& b, int failures) noexcept {
    if (failures <= 0 || b.first_ms <= 0) return 0;
    long wait = b.first_ms;
    for (int i = 1; i < failures && wait < b.max_ms; ++i) wait *= 2;
    return wait < b.max_ms ? wait : b.max_ms;
}

Session::Session(Backoff backoff, Opener open) : backoff_(backoff), open_(std::move(open)) {}

Connection& Session::get(const std::string& conninfo) {
    fresh_ = false;
    if (conn_ && conn_->alive()) {
        // Kept since the last get(): what was done on it did not fail, the failures in a row end.
        // (Not on a new connection: a statement that fails right after each connect is a failure
        // in a row too, and the wait must grow.)
        failures_ = 0;
        return *conn_;
    }
    conn_.reset();
    conn_ = open_ ? open_(conninfo) : std::make_unique<Connection>(conninfo);
    fresh_ = true;
    return *conn_;
}

bool Session::dead() noexcept {
    if (!conn_ || !conn_->alive()) return true;
    try {
        conn_->run("SELECT 1");
        return false;
    } catch (const std::exception&) {
        return true;
    }
}

long Session::failed() noexcept {
    conn_.reset();
    if (failures_ < 1000) ++failures_;
    const long wait = backoff_ms(backoff_, failures_);
    log::debug("database: %d failure%s in a row; next try in %ld ms", failures_, failures_ == 1 ? "" : "s", wait);
    return wait;
}

}  // namespace onshi::db
