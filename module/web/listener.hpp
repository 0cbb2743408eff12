// The screens' connections, accepted by us and handed to libsoup one by one (Debian 12 has
// libsoup 3.2.3, whose own listener and keep-alive handling cannot run for months):
// - libsoup 3.2.3's listener stops accepting for good after one failed accept (EMFILE): here a
//   failed accept pauses accepting for a second and a cap on open connections keeps us below it;
// - libsoup 3.2.3 never closes a kept-alive connection the client has closed (CLOSE-WAIT; fixed in
//   3.3.0, commit d20c6601): every response says `Connection: close`, so no connection is ever idle
//   between requests (BENCHMARKS.md "Screens' connections" has the figures that chose this);
// - a header timeout and a body timeout: a client that is slow to send them is disconnected;
// - a write timeout: a response (a stored PDF, ...) that makes no progress for write_timeout_s,
//   the client reading nothing, has its connection closed (else it and its descriptor stay forever);
//   the time a request waits for its answer (database, card reader) before the response starts
//   does not count;
// - a body over the limit is refused from its headers (Content-Length) or, chunked, as soon as
//   the count passes it: a 413 is written straight away and the connection closed, the body is
//   never stored;
// - a listen backlog of our choosing (soup_server_listen's is 10).
// When the SoupServer has a TLS certificate (soup_server_set_tls_certificate), connections are
// wrapped in a GTlsServerConnection with it. Main loop only.
#pragma once

#include <libsoup/soup.h>

#include <cstddef>
#include <memory>
#include <string>

namespace onshi::web {

struct ListenerLimits {
    int header_timeout_s = 10;   // from accept to the end of the request headers
    int body_timeout_s = 30;     // from accept to the end of the request body
    int write_timeout_s = 60;    // the response written: at most this long without progress
    std::size_t max_connections = 0;  // 0: a quarter of RLIMIT_NOFILE, within 64..4096
    goffset max_body = 64 * 1024;
};

// A listening TCP socket on host:port with the given backlog (SO_REUSEADDR, non-blocking).
// Error(config) starting with `where` when it cannot.
GSocket* listen_socket(const std::string& host, int port, int backlog, const std::string& where);

class Listener {
public:
    // Accepts on `listening` (a ref is taken) for `soup`; the limits above.
    Listener(SoupServer* soup, GSocket* listening, const ListenerLimits& limits);
    ~Listener();
    Listener(const Listener&) = delete;
    Listener& operator=(const Listener&) = delete;

    [[nodiscard]] std::size_t open_connections() const;

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace onshi::web
