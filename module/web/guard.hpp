// Checks a request passes before the server looks at anything else: the Host it names (DNS
// rebinding: a hostile page whose name resolves to us must not reach the screens), the Origin of a
// write, and form or query text carrying a NUL. Pure functions: no I/O.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace onshi::web {

class HostGuard {
public:
    // listen_host: the listen address without [ ]; names: [web] server_names (lower case).
    HostGuard(const std::string& listen_host, int port, bool tls, const std::vector<std::string>& names);
    // A Host header of ours: an allowed name (case and a trailing dot ignored), the port ours when
    // given (when left out, ours must be the scheme's default). An empty or missing Host: refused.
    [[nodiscard]] bool host_ok(std::string_view host) const;
    // An Origin of ours: scheme http or https as we serve, an allowed name, our port.
    [[nodiscard]] bool origin_ok(std::string_view origin) const;
    // The allowed names: the listen address, localhost, 127.0.0.1, ::1, server_names.
    [[nodiscard]] const std::vector<std::string>& names() const { return names_; }

private:
    bool name_port_ok(std::string_view hostport) const;
    std::vector<std::string> names_;
    int port_;
    bool tls_;
};

// True when application/x-www-form-urlencoded text (a body or a query) holds a NUL, raw or as %00.
bool has_nul(std::string_view urlencoded);

}  // namespace onshi::web
