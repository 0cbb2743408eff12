#include "core/log.hpp"

#include <config.h>

#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <vector>

namespace onshi::log {
namespace {

std::atomic<Sink> g_sink{nullptr};

void emit(Level level, const char* fmt, va_list ap) {
    const Sink sink = g_sink.load(std::memory_order_acquire);
    if (!sink) return;
    char small[512];
    va_list again;
    va_copy(again, ap);
    const int n = std::vsnprintf(small, sizeof small, fmt, ap);
    if (n < 0) {
        va_end(again);
        return;
    }
    if (static_cast<std::size_t>(n) < sizeof small) {
        va_end(again);
        sink(level, small);
        return;
    }
    std::vector<char> big(static_cast<std::size_t>(n) + 1);
    std::vsnprintf(big.data(), big.size(), fmt, again);
    va_end(again);
    sink(level, big.data());
}

}  // namespace

void set_sink(Sink sink) noexcept { g_sink.store(sink, std::memory_order_release); }

void debug(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    emit(Level::debug, fmt, ap);
    va_end(ap);
}

void info(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    emit(Level::info, fmt, ap);
    va_end(ap);
}

void warning(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    emit(Level::warning, fmt, ap);
    va_end(ap);
}

std::string mask(std::string_view personal) {
#ifdef ONSHI_SENSITIVE_DEBUG
    return std::string(personal);
#else
    return personal.empty() ? std::string() : "***(" + std::to_string(personal.size()) + ")";
#endif
}

}  // namespace onshi::log
