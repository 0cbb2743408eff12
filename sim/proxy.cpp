// `proxy`: a CONNECT-only HTTP proxy on 127.0.0.1, so the tests can check that the HTTPS transport goes
// through the proxy it is given (`proxy =` or https_proxy). It relays bytes only (TLS stays end to end)
// and logs each tunnel it opens. A test tool: one thread per connection, loopback only.
#include "proxy.hpp"

#include "core/error.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

namespace onshi::sim {
namespace {

std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop = true; }

struct Fd {
    int fd = -1;
    explicit Fd(int f) : fd(f) {}
    ~Fd() { if (fd >= 0) ::close(fd); }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
};

bool send_all(int fd, const char* p, std::size_t n) {
    while (n) {
        const ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        p += w;
        n -= static_cast<std::size_t>(w);
    }
    return true;
}

int connect_to(const std::string& host, const std::string& port) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (getaddrinfo(host.c_str(), port.c_str(), &hints, &res) != 0) return -1;
    int fd = -1;
    for (addrinfo* a = res; a && fd < 0; a = a->ai_next) {
        fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd >= 0 && ::connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
            ::close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    return fd;
}

void serve_one(int client_fd) {
    Fd client(client_fd);
    std::string head;
    char buf[16384];
    while (head.find("\r\n\r\n") == std::string::npos && head.size() < 8192) {
        const ssize_t n = ::recv(client.fd, buf, sizeof buf, 0);
        if (n <= 0) return;
        head.append(buf, static_cast<std::size_t>(n));
    }
    const std::string line = head.substr(0, head.find("\r\n"));
    char method[16] = {}, target[512] = {};
    if (std::sscanf(line.c_str(), "%15s %511s", method, target) != 2 || std::string(method) != "CONNECT") {
        const char* no = "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n";
        send_all(client.fd, no, std::strlen(no));
        std::fprintf(stderr, "orca-onshi-sim: proxy refused %s\n", method);
        return;
    }
    const std::string t = target;
    const auto colon = t.rfind(':');
    Fd server(colon == std::string::npos ? -1 : connect_to(t.substr(0, colon), t.substr(colon + 1)));
    if (server.fd < 0) {
        const char* bad = "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n";
        send_all(client.fd, bad, std::strlen(bad));
        std::fprintf(stderr, "orca-onshi-sim: proxy CONNECT %s failed\n", target);
        return;
    }
    std::fprintf(stderr, "orca-onshi-sim: proxy CONNECT %s\n", target);
    const char* ok = "HTTP/1.1 200 Connection established\r\n\r\n";
    if (!send_all(client.fd, ok, std::strlen(ok))) return;
    const std::size_t body = head.find("\r\n\r\n") + 4;  // bytes the client sent after the request
    if (body < head.size() && !send_all(server.fd, head.data() + body, head.size() - body)) return;
    pollfd p[2] = {{client.fd, POLLIN, 0}, {server.fd, POLLIN, 0}};
    while (!g_stop) {
        if (::poll(p, 2, 500) < 0) {
            if (errno == EINTR) continue;
            return;
        }
        for (int i = 0; i < 2; ++i) {
            if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            const ssize_t n = ::recv(p[i].fd, buf, sizeof buf, 0);
            if (n <= 0 || !send_all(p[1 - i].fd, buf, static_cast<std::size_t>(n))) return;
        }
    }
}

}  // namespace

int run_proxy(int port, const std::string& port_file) {
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    Fd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (listener.fd < 0) throw Error(Errc::io, std::string("proxy: socket: ") + std::strerror(errno));
    const int one = 1;
    setsockopt(listener.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    if (::bind(listener.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(listener.fd, 16) != 0)
        throw Error(Errc::io, std::string("proxy: cannot listen on 127.0.0.1:") + std::to_string(port) + ": " + std::strerror(errno));
    socklen_t len = sizeof a;
    getsockname(listener.fd, reinterpret_cast<sockaddr*>(&a), &len);
    const int bound = ntohs(a.sin_port);
    if (!port_file.empty()) {
        { std::ofstream(port_file + ".tmp") << bound << "\n"; }
        std::filesystem::rename(port_file + ".tmp", port_file);
    }
    std::fprintf(stderr, "orca-onshi-sim: proxy listening on 127.0.0.1:%d\n", bound);
    pollfd p{listener.fd, POLLIN, 0};
    while (!g_stop) {
        if (::poll(&p, 1, 500) <= 0) continue;
        const int c = ::accept4(listener.fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (c >= 0) std::thread(serve_one, c).detach();
    }
    return 0;
}

}  // namespace onshi::sim
