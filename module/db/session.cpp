#include "db/session.hpp"

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
    if (conn_ && !conn_->alive()) conn_.reset();
    if (!conn_) {
        conn_ = open_ ? open_(conninfo) : std::make_unique<Connection>(conninfo);
        failures_ = 0;
        fresh_ = true;
    }
    return *conn_;
}

long Session::failed() noexcept {
    conn_.reset();
    if (failures_ < 1000) ++failures_;
    return backoff_ms(backoff_, failures_);
}

}  // namespace onshi::db
