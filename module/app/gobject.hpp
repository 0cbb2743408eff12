// GLib/GObject references owned (core/handle.hpp): one unref when the holder ends.
#pragma once

#include "core/handle.hpp"

#include <glib-object.h>
#include <glib.h>

namespace onshi {

// Any GObject (SoupServer, GSocket, GFileMonitor, GSubprocess, GTlsCertificate…): g_object_unref.
template <typename T>
using GObjectPtr = Handle<T*, g_object_unref>;

using GBytesPtr = Handle<GBytes*, g_bytes_unref>;
using GSourcePtr = Handle<GSource*, g_source_unref>;
using GMainLoopPtr = Handle<GMainLoop*, g_main_loop_unref>;
using GMainContextPtr = Handle<GMainContext*, g_main_context_unref>;
using GCharPtr = Handle<gchar*, g_free>;

// A source attached to a context, taken off it (g_source_destroy: its callback never runs again) and
// our reference dropped. Not from inside the source's own callback when it has a GDestroyNotify that
// frees what the callback still uses: there, drop the reference alone (reset()).
inline void destroy_source(GSourcePtr& s) noexcept {
    if (!s) return;
    g_source_destroy(s.get());
    s.reset();
}

}  // namespace onshi
