// The screens' HTTP server: libsoup-3 on the GLib main loop of orca-onshid's screens process
// (module/daemon/main.cpp); its connections accepted by listener.hpp, its SQL on dbpool.hpp's threads. Static files from [web] static_dir, the JSON API (api.hpp) under /api/.
// Sessions, CSRF, security headers and the login requirement are here (screens/API.md "Security").
#pragma once

#include "app/config.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

typedef struct _GTlsCertificate GTlsCertificate;

typedef struct _GSocket GSocket;  // gio

namespace onshi::web {

class Server {
public:
    using ConfigSource = std::function<std::shared_ptr<const app::Config>()>;
    // The listening socket for [web] listen (backlog 128), the users file checked; Error(config)
    // when it cannot. orca-onshid binds it and hands it to its screens process.
    static GSocket* bind(const app::Config& cfg);
    // Serves on `listening` (a ref is taken), or binds [web] listen of the configuration now in force.
    explicit Server(ConfigSource config, GSocket* listening = nullptr);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    [[nodiscard]] std::string url() const;          // http(s)://host:port/
    [[nodiscard]] bool login_always() const;        // listening on something else than loopback

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

// "127.0.0.1:8931" -> host, port ("[::1]:8931" too). Error(config) when malformed.
void split_listen(const std::string& listen, std::string& host, int& port);
bool is_loopback(const std::string& host);  // 127.0.0.1 or ::1
// Where the screens are for [web] listen: http://host:port/
std::string screens_url(const app::Config& cfg);

// The certificate and key the screens use: [web] tls_cert/tls_key; when unset, the package's
// (app::kPackageTlsCert/Key) off loopback and none (plain HTTP) on loopback.
std::optional<std::pair<std::string, std::string>> tls_files(const app::Web& web, bool loopback);
// Loads them (nullptr: plain HTTP). Error(config) when they cannot be loaded: off loopback the
// daemon does not start without TLS.
GTlsCertificate* load_tls(const app::Web& web, bool loopback);

}  // namespace onshi::web
