#include "app/config.hpp"

#include "app/gobject.hpp"
#include "core/error.hpp"
#include "core/schedule.hpp"
#include "core/text.hpp"

#include <glib.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <set>

namespace onshi::app {

const char* to_text(TransportKind t) { return t == TransportKind::https ? "https" : "folder"; }

std::optional<TransportKind> transport_from_text(std::string_view text) {
    for (const TransportKind t : {TransportKind::folder, TransportKind::https})
        if (text == to_text(t)) return t;
    return std::nullopt;
}

namespace {

namespace fs = std::filesystem;

using KeyFile = Handle<GKeyFile*, g_key_file_free>;
using Strv = Handle<gchar**, g_strfreev>;

struct Value {
    std::string text;
    std::string file;  // where it was set last
};
using Raw = std::map<std::string, std::map<std::string, Value>>;

const std::set<std::string, std::less<>> kDatabaseKeys{"conninfo"};
const std::set<std::string, std::less<>> kWebKeys{"listen", "users_file", "static_dir", "server_names", "tls_cert", "tls_key", "write_timeout_s"};
const std::set<std::string, std::less<>> kFacilityKeys{"institution_code", "transport", "req_dir", "res_dir",
                                                       "poll_interval_ms", "result_timeout_s", "p031_mark", "archive_dir",
                                                       "result_settle_ms", "pdf_dir", "schedule_homecare", "schedule_online",
                                                       "schedule_welfare", "schedule_nursing", "schedule_validity",
                                                       "serve_orca_jobs", "base_url", "user_id", "password_file",
                                                       "activation_code", "device_file", "client_cert", "client_key", "ca_file",
                                                       "proxy", "connect_timeout_s", "total_timeout_s"};

[[noreturn]] void fail(const std::string& file, const std::string& group, const std::string& key, const std::string& why) {
    std::string where = file + ": [" + group + "]";
    if (!key.empty()) where += " " + key;
    throw Error(Errc::config, where + ": " + why);
}

// "facility 3" -> 3; anything else -> nullopt.
std::optional<int> facility_number(const std::string& group) {
    static constexpr std::string_view prefix = "facility ";
    if (!group.starts_with(prefix)) return std::nullopt;
    const std::string n = group.substr(prefix.size());
    if (!text::all_digits(n) || n.size() > 2) return std::nullopt;
    return std::stoi(n);
}

void read_file(const std::string& path, Raw& raw) {
    const KeyFile kf(g_key_file_new());
    GError* err = nullptr;
    if (!g_key_file_load_from_file(kf.get(), path.c_str(), G_KEY_FILE_NONE, &err)) {
        std::string msg = err ? err->message : "cannot read";
        g_clear_error(&err);
        throw Error(Errc::config, path + ": " + msg);
    }
    const Strv groups(g_key_file_get_groups(kf.get(), nullptr));
    for (gchar** g = groups.get(); *g; ++g) {
        const std::string group = *g;
        const auto fac = facility_number(group);
        if (group != "database" && group != "web" && !fac)
            fail(path, group, "", "unknown group (expected [database], [web] or [facility N], N = ORCA hospnum 1-99)");
        if (fac && (*fac < 1 || *fac > 99)) fail(path, group, "", "hospnum must be 1-99");
        const auto& known = fac ? kFacilityKeys : group == "web" ? kWebKeys : kDatabaseKeys;
        const Strv keys(g_key_file_get_keys(kf.get(), *g, nullptr, nullptr));
        for (gchar** k = keys.get(); *k; ++k) {
            if (fac && std::string_view(*k) == "password")
                fail(path, group, *k, "the password never goes in the configuration: put it in a file (mode 0600 or 0640) named by password_file");
            if (!known.contains(*k)) fail(path, group, *k, "unknown key");
            const GCharPtr v(g_key_file_get_string(kf.get(), *g, *k, &err));
            if (!v) {
                std::string msg = err ? err->message : "bad value";
                g_clear_error(&err);
                fail(path, group, *k, msg);
            }
            raw[group][*k] = Value{v.get(), path};
        }
    }
}

int to_int(const Value& v, const std::string& group, const std::string& key, int lo, int hi) {
    if (!text::all_digits(v.text) || v.text.size() > 9) fail(v.file, group, key, "'" + v.text + "' is not a whole number");
    const int n = std::stoi(v.text);
    if (n < lo || n > hi) fail(v.file, group, key, std::to_string(n) + " is out of range " + std::to_string(lo) + "-" + std::to_string(hi));
    return n;
}

Facility make_facility(int hospnum, const std::string& group, const std::map<std::string, Value>& kv) {
    Facility f;
    f.hospnum = hospnum;
    auto get = [&](const char* key) -> const Value* {
        const auto it = kv.find(key);
        return it == kv.end() ? nullptr : &it->second;
    };
    auto any_file = [&] { return kv.empty() ? std::string("?") : kv.begin()->second.file; };
    const Value* code = get("institution_code");
    if (!code) fail(any_file(), group, "institution_code", "missing (the facility's 10-digit 医療機関コード)");
    if (code->text.size() != 10 || !text::all_digits(code->text)) fail(code->file, group, "institution_code", "'" + code->text + "' is not 10 digits");
    const int pref = std::stoi(code->text.substr(0, 2));
    if (pref < 1 || pref > 47) fail(code->file, group, "institution_code", "prefecture code " + code->text.substr(0, 2) + " is not 01-47");
    f.institution_code = code->text;
    if (const Value* v = get("transport")) {
        const std::optional<TransportKind> t = transport_from_text(v->text);
        if (!t) fail(v->file, group, "transport", "'" + v->text + "' is not one of: folder, https");
        f.transport = *t;
    }
    const bool https = f.transport == TransportKind::https;
    for (auto [key, dst] : {std::pair{"req_dir", &f.req_dir}, std::pair{"res_dir", &f.res_dir}}) {
        const Value* v = get(key);
        if (!v || v->text.empty()) {
            if (!https) fail(any_file(), group, key, "missing (required for transport=folder)");
            *dst = "/var/lib/orca-onshi/spool/" + std::to_string(hospnum) + (std::string(key) == "req_dir" ? "/req" : "/res");
            continue;
        }
        if (!fs::path(v->text).is_absolute()) fail(v->file, group, key, "'" + v->text + "' is not an absolute path");
        *dst = v->text;
    }
    f.https.device_file = "/var/lib/orca-onshi/device-" + std::to_string(hospnum);
    for (auto [key, dst] : {std::pair{"password_file", &f.https.password_file}, std::pair{"device_file", &f.https.device_file},
                            std::pair{"client_cert", &f.https.client_cert}, std::pair{"client_key", &f.https.client_key},
                            std::pair{"ca_file", &f.https.ca_file}}) {
        const Value* v = get(key);
        if (!v || v->text.empty()) continue;
        if (!fs::path(v->text).is_absolute()) fail(v->file, group, key, "'" + v->text + "' is not an absolute path");
        *dst = v->text;
    }
    if (const Value* v = get("base_url")) {
        if (!v->text.starts_with("https://") || v->text.size() <= 8)
            fail(v->file, group, "base_url", "'" + v->text + "' is not an https:// URL (TLS is required)");
        f.https.base_url = v->text;
        while (f.https.base_url.ends_with("/")) f.https.base_url.pop_back();
    }
    if (const Value* v = get("user_id")) f.https.user_id = v->text;
    if (const Value* v = get("proxy")) f.https.proxy = v->text;
    if (const Value* v = get("activation_code"); v && !v->text.empty()) {
        if (v->text.size() != 12 || !text::all_digits(v->text)) fail(v->file, group, "activation_code", "is not 12 digits");
        f.https.activation_code = v->text;
    }
    if (const Value* v = get("connect_timeout_s")) f.https.connect_timeout_s = to_int(*v, group, "connect_timeout_s", 1, 600);
    if (const Value* v = get("total_timeout_s")) f.https.total_timeout_s = to_int(*v, group, "total_timeout_s", 1, 3600);
    if (https) {
        if (f.https.base_url.empty()) fail(any_file(), group, "base_url", "missing (required for transport=https)");
        if (f.https.user_id.empty()) fail(any_file(), group, "user_id", "missing (required for transport=https)");
        if (f.https.password_file.empty()) fail(any_file(), group, "password_file", "missing (required for transport=https; never the password itself)");
        if (f.https.client_cert.empty() != f.https.client_key.empty())
            fail(any_file(), group, f.https.client_cert.empty() ? "client_cert" : "client_key", "client_cert and client_key go together");
    }
    if (const Value* v = get("archive_dir"); v && !v->text.empty()) {
        if (!fs::path(v->text).is_absolute()) fail(v->file, group, "archive_dir", "'" + v->text + "' is not an absolute path");
        f.archive_dir = v->text;
    }
    if (const Value* v = get("poll_interval_ms")) f.poll_interval_ms = to_int(*v, group, "poll_interval_ms", 50, 600000);
    if (const Value* v = get("serve_orca_jobs")) {
        if (v->text != "true" && v->text != "false") fail(v->file, group, "serve_orca_jobs", "'" + v->text + "' is not true or false");
        f.serve_orca_jobs = v->text == "true";
    }
    if (const Value* v = get("result_settle_ms")) f.result_settle_ms = to_int(*v, group, "result_settle_ms", 0, 60000);
    if (const Value* v = get("pdf_dir")) {
        if (!fs::path(v->text).is_absolute()) fail(v->file, group, "pdf_dir", "'" + v->text + "' is not an absolute path");
        f.pdf_dir = v->text;
    }
    for (const auto& [key, v] : kv) {
        if (!key.starts_with("schedule_") || v.text.empty()) continue;
        try {
            parse_schedule(v.text);
        } catch (const Error& e) {
            fail(v.file, group, key, e.what());
        }
        f.schedules[key.substr(9)] = v.text;
    }
    if (const Value* v = get("result_timeout_s")) f.result_timeout_s = to_int(*v, group, "result_timeout_s", 1, 86400);
    if (const Value* v = get("p031_mark")) {
        const std::optional<Style> mark = parse_style(v->text);
        if (!mark || *mark == Style::facility) fail(v->file, group, "p031_mark", "'" + v->text + "' is not one of: star, consent");
        f.p031_mark = *mark;
    }
    return f;
}

}  // namespace

const Facility& Config::facility(int hospnum) const {
    const auto it = facilities.find(hospnum);
    if (it == facilities.end())
        throw Error(Errc::config, "no [facility " + std::to_string(hospnum) + "] in the configuration");
    return it->second;
}

Config load_config(const std::optional<std::string>& path) {
    std::string main = kDefaultConfigPath;
    if (path) main = *path;
    else if (const char* env = std::getenv("ORCA_ONSHI_CONFIG"); env && *env) main = env;

    Config cfg;
    std::vector<std::string> files;
    std::error_code ec;
    if (fs::exists(main, ec)) files.push_back(main);
    const fs::path dropins = fs::path(main).parent_path() / "conf.d";
    if (fs::is_directory(dropins, ec)) {
        std::vector<std::string> extra;
        for (const auto& e : fs::directory_iterator(dropins, ec))
            if (e.path().extension() == ".conf" && e.is_regular_file()) extra.push_back(e.path().string());
        std::sort(extra.begin(), extra.end());
        files.insert(files.end(), extra.begin(), extra.end());
    }
    if (files.empty()) throw Error(Errc::config, main + ": no configuration file (and no conf.d/*.conf beside it)");

    Raw raw;
    for (const auto& f : files) read_file(f, raw);
    cfg.files = files;
    if (const auto it = raw.find("database"); it != raw.end())
        if (const auto c = it->second.find("conninfo"); c != it->second.end()) cfg.conninfo = c->second.text;
#ifdef PACKAGE_SCREENS_DIR
    cfg.web.static_dir = PACKAGE_SCREENS_DIR;
#endif
    if (const auto it = raw.find("web"); it != raw.end()) {
        for (const auto& [key, v] : it->second) {
            if (key == "listen") {
                if (!v.text.empty()) {
                    const auto colon = v.text.rfind(':');
                    const std::string port = colon == std::string::npos ? "" : v.text.substr(colon + 1);
                    if (colon == std::string::npos || colon == 0 || !text::all_digits(port) || port.size() > 5 || std::stoi(port) < 1 ||
                        std::stoi(port) > 65535)
                        fail(v.file, "web", key, "'" + v.text + "' is not host:port (e.g. 127.0.0.1:8931)");
                }
                cfg.web.listen = v.text;
            } else if (key == "server_names") {
                cfg.web.server_names.clear();
                std::string name;
                for (std::size_t i = 0; i <= v.text.size(); ++i) {
                    const char c = i < v.text.size() ? v.text[i] : ' ';
                    if (c == ' ' || c == ',' || c == ';' || c == '\t') {
                        if (!name.empty()) cfg.web.server_names.push_back(name);
                        name.clear();
                    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':') {
                        name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                    } else {
                        fail(v.file, "web", key, "'" + v.text + "' is not a list of host names (letters, digits, '.', '-'; IPv6 without [ ])");
                    }
                }
            } else if (key == "write_timeout_s") {
                cfg.web.write_timeout_s = to_int(v, "web", key, 1, 3600);
            } else if (key == "tls_cert" || key == "tls_key") {
                if (!v.text.empty() && !fs::path(v.text).is_absolute()) fail(v.file, "web", key, "'" + v.text + "' is not an absolute path");
                (key == "tls_cert" ? cfg.web.tls_cert : cfg.web.tls_key) = v.text;
            } else {
                if (v.text.empty() || !fs::path(v.text).is_absolute()) fail(v.file, "web", key, "'" + v.text + "' is not an absolute path");
                (key == "users_file" ? cfg.web.users_file : cfg.web.static_dir) = v.text;
            }
        }
    }
    if (cfg.web.tls_cert.empty() != cfg.web.tls_key.empty())
        fail(cfg.files.back(), "web", cfg.web.tls_cert.empty() ? "tls_cert" : "tls_key", "tls_cert and tls_key go together");
    for (const auto& [group, kv] : raw)
        if (const auto n = facility_number(group)) cfg.facilities.emplace(*n, make_facility(*n, group, kv));
    return cfg;
}

}  // namespace onshi::app
