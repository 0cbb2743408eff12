// The log interface. The core writes no log itself: each program installs a sink at startup
// (app/log_glib.hpp: GLib structured logging, journald under systemd, stderr otherwise); a test of
// the core can install a capturing one. Without a sink, messages go nowhere.
// Personal data (names, 照会番号, insurance numbers, 個人番号) goes through mask() first: masked unless
// the build was configured with --enable-sensitive-debug. PINs are never passed here at all.
#pragma once

#include <string>
#include <string_view>

namespace onshi::log {

enum class Level { debug, info, warning };
// Receives each message, formatted, without a trailing newline. Must not throw.
using Sink = void (*)(Level level, const char* message) noexcept;
// Installs the sink (nullptr: none). Call once at startup, before any thread logs.
void set_sink(Sink sink) noexcept;

void debug(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void info(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void warning(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// "***" plus the length, or the value itself in a sensitive-debug build.
std::string mask(std::string_view personal);

}  // namespace onshi::log
