#include "web/listener.hpp"

#include "app/gobject.hpp"
#include "core/callback.hpp"
#include "core/error.hpp"
#include "core/log.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <list>

namespace onshi::web {

namespace {

gint64 now_us() { return g_get_monotonic_time(); }

// What is written, before the body is read, to a request whose body is over the limit.
constexpr char kTooLargeBody[] = "{\"error\":\"request too large\"}\n";
const char kTooLarge[] =
    "HTTP/1.1 413 Payload Too Large\r\n"
    "Content-Type: application/json; charset=utf-8\r\n"
    "Content-Length: 30\r\n"
    "Connection: close\r\n"
    "Cache-Control: no-store\r\n"
    "X-Content-Type-Options: nosniff\r\n"
    "X-Frame-Options: DENY\r\n"
    "\r\n"
    "{\"error\":\"request too large\"}\n";
static_assert(sizeof kTooLargeBody - 1 == 30);

std::size_t default_max_connections() {
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return 1024;
    return std::clamp<std::size_t>(static_cast<std::size_t>(rl.rlim_cur) / 4, 64, 4096);
}

}  // namespace

struct Listener::Impl {
    // One accepted connection, from accept until libsoup (or we) closed its socket.
    struct Conn {
        Impl* owner = nullptr;
        GObjectPtr<GIOStream> stream;  // the GSocketConnection, or the GTlsServerConnection over it
        GObjectPtr<GSocket> sock;
        gint64 accepted = 0;
        SoupServerMessage* msg = nullptr;  // weak: cleared when the message goes away
        bool headers = false, body = false, refused = false;
        goffset chunked = 0;
        gint64 wrote = 0;  // the response's last progress (headers or body data written; 0: not started)
        gint64 shut = 0;  // when we shut it down (0: not yet)
    };

    SoupServer* soup = nullptr;  // the Server's
    GObjectPtr<GSocket> listening;
    ListenerLimits limits;
    std::list<Conn> conns;
    Conn* accepting = nullptr;  // the connection soup_server_accept_iostream is taking now
    GSource* accept_source = nullptr;
    guint sweep_id = 0;
    gulong started_id = 0;
    gint64 last_accept_warning = 0;

    void start_accepting() {
        if (accept_source) return;
        accept_source = g_socket_create_source(listening.get(), G_IO_IN, nullptr);
        // GLib callbacks (core/callback.hpp): an exception is logged; accepting goes on.
        GSocketSourceFunc f = [](GSocket*, GIOCondition, gpointer p) noexcept -> gboolean {
            return guarded("web: accept", gboolean{G_SOURCE_CONTINUE}, [p] { return static_cast<Impl*>(p)->accept_some(); });
        };
        g_source_set_callback(accept_source, G_SOURCE_FUNC(f), this, nullptr);
        g_source_attach(accept_source, g_main_context_get_thread_default());
    }
    void stop_accepting() {
        if (!accept_source) return;
        g_source_destroy(accept_source);
        g_source_unref(accept_source);
        accept_source = nullptr;
    }

    gboolean accept_some() {
        for (int i = 0; i < 64; ++i) {
            if (conns.size() >= limits.max_connections) {
                // Full: leave the rest in the backlog; the sweep starts accepting again.
                g_source_unref(accept_source);
                accept_source = nullptr;
                return G_SOURCE_REMOVE;
            }
            GError* err = nullptr;
            const GObjectPtr<GSocket> s(g_socket_accept(listening.get(), nullptr, &err));
            if (!s) {
                const bool would_block = g_error_matches(err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
                if (!would_block && now_us() - last_accept_warning > 10 * G_USEC_PER_SEC) {
                    log::warning("web: accept: %s (%zu connections open); accepting again in a second", err->message, conns.size());
                    last_accept_warning = now_us();
                }
                g_clear_error(&err);
                if (would_block) return G_SOURCE_CONTINUE;
                // Out of descriptors (or another error): pause instead of spinning on a readable socket.
                g_source_unref(accept_source);
                accept_source = nullptr;
                return G_SOURCE_REMOVE;
            }
            take(s.get());
        }
        return G_SOURCE_CONTINUE;
    }

    void take(GSocket* s) {
        g_socket_set_blocking(s, FALSE);
        g_socket_set_option(s, IPPROTO_TCP, TCP_NODELAY, TRUE, nullptr);
        GObjectPtr<GIOStream> stream(G_IO_STREAM(g_socket_connection_factory_create_connection(s)));
        GError* err = nullptr;
        if (GTlsCertificate* cert = soup_server_get_tls_certificate(soup)) {
            GObjectPtr<GIOStream> tls(g_tls_server_connection_new(stream.get(), cert, &err));
            if (!tls) {
                log::warning("web: TLS: %s", err->message);
                g_clear_error(&err);
                g_socket_close(s, nullptr);
                return;
            }
            stream = std::move(tls);
        }
        const GObjectPtr<GSocketAddress> local(g_socket_get_local_address(s, nullptr));
        const GObjectPtr<GSocketAddress> remote(g_socket_get_remote_address(s, nullptr));
        if (!local || !remote) {  // the peer is already gone
            g_io_stream_close(stream.get(), nullptr, nullptr);
            return;
        }
        conns.push_back(Conn{});
        Conn& c = conns.back();
        c.owner = this;
        c.stream = std::move(stream);
        c.sock.reset(G_SOCKET(g_object_ref(s)));
        c.accepted = now_us();
        accepting = &c;
        // libsoup emits request-started for the connection's first (with Connection: close, only)
        // message from inside this call.
        if (!soup_server_accept_iostream(soup, c.stream.get(), local.get(), remote.get(), &err)) {
            log::warning("web: %s", err ? err->message : "cannot accept the connection");
            g_clear_error(&err);
            g_socket_shutdown(s, TRUE, TRUE, nullptr);
            c.shut = now_us();
        }
        accepting = nullptr;
    }

    // libsoup signal handlers (core/callback.hpp): nothing thrown through.
    static void on_started(SoupServer*, SoupServerMessage* msg, gpointer p) noexcept {
        guarded("web: request-started", [&] { started(msg, static_cast<Impl*>(p)); });
    }
    static void started(SoupServerMessage* msg, Impl* self) {
        // No keep-alive: a connection libsoup 3.2.3 would keep after the client closed it does not exist.
        soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Connection", "close");
        Conn* c = self->accepting;
        if (!c || c->msg) return;
        c->msg = msg;
        g_object_add_weak_pointer(G_OBJECT(msg), reinterpret_cast<gpointer*>(&c->msg));
        g_signal_connect(msg, "got-headers", G_CALLBACK(on_headers), c);
        g_signal_connect(msg, "got-chunk", G_CALLBACK(on_chunk), c);
        g_signal_connect(msg, "got-body", G_CALLBACK(+[](SoupServerMessage*, gpointer d) noexcept { static_cast<Conn*>(d)->body = true; }), c);
        g_signal_connect(msg, "wrote-headers", G_CALLBACK(+[](SoupServerMessage*, gpointer d) noexcept { static_cast<Conn*>(d)->wrote = now_us(); }), c);
        g_signal_connect(msg, "wrote-body-data",
                         G_CALLBACK(+[](SoupServerMessage*, guint, gpointer d) noexcept { static_cast<Conn*>(d)->wrote = now_us(); }), c);
    }

    static void on_headers(SoupServerMessage* msg, gpointer p) noexcept {
        guarded("web: got-headers", [&] { headers_in(msg, static_cast<Conn*>(p)); });
    }
    static void headers_in(SoupServerMessage* msg, Conn* c) {
        c->headers = true;
        SoupMessageHeaders* h = soup_server_message_get_request_headers(msg);
        if (soup_message_headers_get_encoding(h) == SOUP_ENCODING_CONTENT_LENGTH &&
            soup_message_headers_get_content_length(h) > c->owner->limits.max_body)
            c->owner->refuse(*c, msg);
    }

    static void on_chunk(SoupServerMessage* msg, GBytes* chunk, gpointer p) noexcept {
        guarded("web: got-chunk", [&] { chunk_in(msg, chunk, static_cast<Conn*>(p)); });
    }
    static void chunk_in(SoupServerMessage* msg, GBytes* chunk, Conn* c) {
        c->chunked += static_cast<goffset>(g_bytes_get_size(chunk));
        if (c->chunked > c->owner->limits.max_body && !c->refused) c->owner->refuse(*c, msg);
    }

    // 413 now, without reading the body: written straight to the connection (libsoup has written
    // nothing yet: it answers after the body), our side shut for writing so libsoup's own answer
    // fails, what it still reads is not kept, and the sweep closes the reading side within a second.
    // A client that sent "Expect: 100-continue" gets libsoup's own answer (it then reads no body).
    void refuse(Conn& c, SoupServerMessage* msg) {
        SoupMessageHeaders* h = soup_server_message_get_request_headers(msg);
        soup_server_message_set_status(msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, nullptr);
        soup_server_message_set_response(msg, "application/json; charset=utf-8", SOUP_MEMORY_STATIC, kTooLargeBody, sizeof kTooLargeBody - 1);
        if (soup_message_headers_get_expectations(h) & SOUP_EXPECTATION_CONTINUE) return;
        SoupMessageBody* body = soup_server_message_get_request_body(msg);
        soup_message_body_set_accumulate(body, FALSE);
        soup_message_body_truncate(body);
        c.refused = true;
        GOutputStream* out = g_io_stream_get_output_stream(c.stream.get());
        if (G_IS_POLLABLE_OUTPUT_STREAM(out))
            (void)g_pollable_output_stream_write_nonblocking(G_POLLABLE_OUTPUT_STREAM(out), kTooLarge, sizeof kTooLarge - 1, nullptr, nullptr);
        g_socket_shutdown(c.sock.get(), FALSE, TRUE, nullptr);
        c.shut = now_us();
        log::info("web: a request body over %lld bytes refused", static_cast<long long>(limits.max_body));
    }

    void forget(Conn& c) {
        if (c.msg) {
            g_signal_handlers_disconnect_by_data(c.msg, &c);
            g_object_remove_weak_pointer(G_OBJECT(c.msg), reinterpret_cast<gpointer*>(&c.msg));
        }
        c.stream.reset();
        c.sock.reset();
    }

    // Every second: forget what libsoup closed, shut what timed out (request not sent in time, or
    // response not read), close what libsoup left.
    void sweep() {
        const gint64 now = now_us();
        for (auto it = conns.begin(); it != conns.end();) {
            Conn& c = *it;
            if (g_socket_is_closed(c.sock.get())) {
                forget(c);
                it = conns.erase(it);
                continue;
            }
            const gint64 age = now - c.accepted;
            if (c.shut) {
                if (now - c.shut > 5 * G_USEC_PER_SEC) {
                    // libsoup did not close it after the shutdown: close it ourselves.
                    log::debug("web: closing a connection libsoup left open");
                    g_socket_close(c.sock.get(), nullptr);
                } else if (c.refused && now - c.shut > G_USEC_PER_SEC) {
                    g_socket_shutdown(c.sock.get(), TRUE, FALSE, nullptr);
                }
            } else if ((!c.headers && age > limits.header_timeout_s * G_USEC_PER_SEC) ||
                       (c.headers && !c.body && age > limits.body_timeout_s * G_USEC_PER_SEC)) {
                log::debug("web: %s timeout: connection closed", c.headers ? "body" : "header");
                g_socket_shutdown(c.sock.get(), TRUE, TRUE, nullptr);
                c.shut = now;
            } else if (c.wrote && now - c.wrote > limits.write_timeout_s * G_USEC_PER_SEC) {
                // The client reads nothing of its response: libsoup's write would wait forever.
                log::info("web: a response made no progress for %d s (the client reads nothing): connection closed", limits.write_timeout_s);
                g_socket_shutdown(c.sock.get(), TRUE, TRUE, nullptr);
                c.shut = now;
            }
            ++it;
        }
        if (conns.size() < limits.max_connections) start_accepting();
    }
};

GSocket* listen_socket(const std::string& host, int port, int backlog, const std::string& where) {
    const GObjectPtr<GSocketAddress> addr(g_inet_socket_address_new_from_string(host.c_str(), static_cast<guint>(port)));
    if (!addr) throw Error(Errc::config, where + ": the host is not an IP address");
    GError* err = nullptr;
    GObjectPtr<GSocket> s(g_socket_new(g_socket_address_get_family(addr.get()), G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &err));
    bool ok = static_cast<bool>(s);
    if (ok) {
        g_socket_set_listen_backlog(s.get(), backlog);
        ok = g_socket_bind(s.get(), addr.get(), TRUE, &err) && g_socket_listen(s.get(), &err);
    }
    if (!ok) {
        const std::string m = err ? err->message : "cannot listen";
        g_clear_error(&err);
        throw Error(Errc::config, where + ": " + m);
    }
    g_socket_set_blocking(s.get(), FALSE);
    return s.release();
}

Listener::Listener(SoupServer* soup, GSocket* listening, const ListenerLimits& limits) : impl_(std::make_unique<Impl>()) {
    impl_->soup = soup;
    impl_->listening.reset(G_SOCKET(g_object_ref(listening)));
    g_socket_set_blocking(listening, FALSE);
    impl_->limits = limits;
    if (!impl_->limits.max_connections) impl_->limits.max_connections = default_max_connections();
    impl_->started_id = g_signal_connect(soup, "request-started", G_CALLBACK(Impl::on_started), impl_.get());
    impl_->start_accepting();
    impl_->sweep_id = g_timeout_add(1000, +[](gpointer p) noexcept -> gboolean {
        guarded("web: connection sweep", [p] { static_cast<Impl*>(p)->sweep(); });
        return G_SOURCE_CONTINUE;
    }, impl_.get());
}

Listener::~Listener() {
    impl_->stop_accepting();
    if (impl_->sweep_id) g_source_remove(impl_->sweep_id);
    g_signal_handler_disconnect(impl_->soup, impl_->started_id);
    for (auto& c : impl_->conns) impl_->forget(c);
    impl_->conns.clear();
}

std::size_t Listener::open_connections() const { return impl_->conns.size(); }

}  // namespace onshi::web
