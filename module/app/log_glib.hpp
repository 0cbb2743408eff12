// The programs' log writer: the core's log interface (core/log.hpp) onto GLib structured logging
// (domain "orca-onshi"; journald under systemd, stderr otherwise, as the program's GLib writer
// decides: every level goes to stderr, never stdout, which is the CLI's data). Each program calls
// install_glib_log() at startup.
#pragma once

namespace onshi::log {

void install_glib_log() noexcept;

}  // namespace onshi::log
