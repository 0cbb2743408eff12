#include "core/log.hpp"

#include <config.h>

#define G_LOG_DOMAIN "orca-onshi"
#include <glib.h>

#include <cstdarg>

namespace onshi::log {
namespace {

void emit(GLogLevelFlags level, const char* fmt, va_list ap) {
    gchar* msg = g_strdup_vprintf(fmt, ap);
    g_log_structured(G_LOG_DOMAIN, level, "MESSAGE", "%s", msg);
    g_free(msg);
}

}  // namespace

void debug(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    emit(G_LOG_LEVEL_DEBUG, fmt, ap);
    va_end(ap);
}

void info(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    emit(G_LOG_LEVEL_INFO, fmt, ap);
    va_end(ap);
}

void warning(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    emit(G_LOG_LEVEL_WARNING, fmt, ap);
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
