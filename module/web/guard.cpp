#include "web/guard.hpp"

#include <algorithm>
#include <cctype>

namespace onshi::web {
namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

}  // namespace

HostGuard::HostGuard(const std::string& listen_host, int port, bool tls, const std::vector<std::string>& names)
    : port_(port), tls_(tls) {
    names_ = {lower(listen_host), "localhost", "127.0.0.1", "::1"};
    for (const auto& n : names) names_.push_back(lower(n));
}

bool HostGuard::name_port_ok(std::string_view hp) const {
    std::string_view name = hp, port;
    if (hp.starts_with("[")) {  // [v6] or [v6]:port
        const auto close = hp.find(']');
        if (close == std::string_view::npos) return false;
        name = hp.substr(1, close - 1);
        const auto rest = hp.substr(close + 1);
        if (!rest.empty()) {
            if (rest[0] != ':') return false;
            port = rest.substr(1);
            if (port.empty()) return false;
        }
    } else {
        const auto colon = hp.rfind(':');
        if (colon != std::string_view::npos) {
            if (hp.find(':') != colon) return false;  // a bare IPv6 address is not a Host
            name = hp.substr(0, colon);
            port = hp.substr(colon + 1);
            if (port.empty()) return false;
        }
    }
    if (name.ends_with(".")) name.remove_suffix(1);
    if (name.empty()) return false;
    if (port.empty()) {
        if (port_ != (tls_ ? 443 : 80)) return false;
    } else {
        if (port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
        if (std::stoi(std::string(port)) != port_) return false;
    }
    const std::string n = lower(name);
    return std::find(names_.begin(), names_.end(), n) != names_.end();
}

bool HostGuard::host_ok(std::string_view host) const { return name_port_ok(host); }

bool HostGuard::origin_ok(std::string_view origin) const {
    const std::string_view scheme = tls_ ? "https://" : "http://";
    if (origin.size() <= scheme.size() || lower(origin.substr(0, scheme.size())) != scheme) return false;
    const auto rest = origin.substr(scheme.size());
    if (rest.find('/') != std::string_view::npos || rest.find('@') != std::string_view::npos) return false;
    return name_port_ok(rest);
}

bool has_nul(std::string_view s) {
    if (s.find('\0') != std::string_view::npos) return true;
    for (std::size_t i = 0; i + 2 < s.size(); ++i)
        if (s[i] == '%' && s[i + 1] == '0' && s[i + 2] == '0') return true;
    return false;
}

}  // namespace onshi::web
