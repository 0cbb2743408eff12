// The one wrapper for C callbacks (curl, libxml2, GLib/libsoup handlers, thread entry points): no
// exception may unwind through C. guarded(where, failure, body) runs body; if it throws, the
// exception is logged (where it happened; the text of an exception that is not ours masked, as it
// may hold anything) and the callback returns `failure`, the value that tells the C library to stop
// (curl: a short count or CURL_*FUNC_ABORT, libxml2: -1, GLib: G_SOURCE_REMOVE…).
#pragma once

#include "core/error.hpp"
#include "core/log.hpp"

#include <exception>
#include <utility>

namespace onshi {

// Logs the exception being handled (call only inside a catch block).
inline void log_callback_exception(const char* where) noexcept {
    try {
        throw;
    } catch (const Error& e) {
        log::warning("%s: %s", where, e.what());
    } catch (const std::exception& e) {
        log::warning("%s: internal error: %s", where, log::mask(e.what()).c_str());
    } catch (...) {
        log::warning("%s: internal error (unknown exception)", where);
    }
}

template <typename R, typename F>
R guarded(const char* where, R failure, F&& body) noexcept {
    try {
        return std::forward<F>(body)();
    } catch (...) {
        try {
            log_callback_exception(where);
        } catch (...) {
        }
        return failure;
    }
}

// For a callback whose caller rethrows once the C library has returned (libxml2's read callback: the
// parse ends with the source's own error): the exception is kept in `slot`, not logged.
template <typename R, typename F>
R guarded_into(std::exception_ptr& slot, R failure, F&& body) noexcept {
    try {
        return std::forward<F>(body)();
    } catch (...) {
        slot = std::current_exception();
        return failure;
    }
}

// For callbacks that return nothing (GLib signal handlers, thread entry points).
template <typename F>
void guarded(const char* where, F&& body) noexcept {
    try {
        std::forward<F>(body)();
    } catch (...) {
        try {
            log_callback_exception(where);
        } catch (...) {
        }
    }
}

}  // namespace onshi
