#include "app/log_glib.hpp"

#include "core/log.hpp"

#define G_LOG_DOMAIN "orca-onshi"
#include <glib.h>

namespace onshi::log {
namespace {

void glib_sink(Level level, const char* message) noexcept {
    const GLogLevelFlags flags = level == Level::debug  ? G_LOG_LEVEL_DEBUG
                                 : level == Level::info ? G_LOG_LEVEL_INFO
                                                        : G_LOG_LEVEL_WARNING;
    g_log_structured(G_LOG_DOMAIN, flags, "MESSAGE", "%s", message);
}

}  // namespace

void install_glib_log() noexcept {
    // Every level to stderr (GLib's standard-streams writer sends INFO and DEBUG to stdout, which is
    // the CLI's data: a log line there corrupts a pipe). journald, when stderr is the journal, is
    // unchanged. This covers GLib's and libsoup's own messages too.
    g_log_writer_default_set_use_stderr(TRUE);
    set_sink(glib_sink);
}

}  // namespace onshi::log
