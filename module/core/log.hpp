// Logging through GLib structured logging (journald under systemd, stderr otherwise).
// Personal data (names, 照会番号, insurance numbers, 個人番号) goes through mask() first: masked unless
// the build was configured with --enable-sensitive-debug. PINs are never passed here at all.
#pragma once

#include <string>
#include <string_view>

namespace onshi::log {

void debug(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void info(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void warning(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// "***" plus the length, or the value itself in a sensitive-debug build.
std::string mask(std::string_view personal);

}  // namespace onshi::log
