#include "web/server.hpp"

#include "app/gobject.hpp"
#include "core/callback.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/text.hpp"
#include "db/pg.hpp"
#include "web/api.hpp"
#include "web/auth.hpp"
#include "web/dbpool.hpp"
#include "web/guard.hpp"
#include "web/json.hpp"
#include "web/listener.hpp"

#include <libsoup/soup.h>

#include <climits>
#include <ctime>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <thread>

namespace onshi::web {

namespace {

constexpr const char* kCookie = "onshi_session";
constexpr goffset kMaxBody = 64 * 1024;
constexpr int kBacklog = 128;

const std::pair<const char*, const char*> kSecurityHeaders[] = {
    {"Cache-Control", "no-store"},
    {"X-Content-Type-Options", "nosniff"},
    {"X-Frame-Options", "DENY"},
    {"Referrer-Policy", "no-referrer"},
    {"Content-Security-Policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'"},
};

void security_headers(SoupServerMessage* msg) {
    SoupMessageHeaders* h = soup_server_message_get_response_headers(msg);
    for (const auto& [k, v] : kSecurityHeaders) soup_message_headers_replace(h, k, v);
}

void send(SoupServerMessage* msg, const Response& r) {
    security_headers(msg);
    SoupMessageHeaders* h = soup_server_message_get_response_headers(msg);
    for (const auto& [k, v] : r.headers) soup_message_headers_append(h, k.c_str(), v.c_str());
    soup_server_message_set_status(msg, static_cast<guint>(r.status), nullptr);
    soup_server_message_set_response(msg, r.content_type.c_str(), SOUP_MEMORY_COPY, r.body.data(), r.body.size());
}

// Never throws: the last resort inside a libsoup callback.
void send_500(SoupServerMessage* msg) noexcept {
    try {
        send(msg, json_error(500, "internal error"));
    } catch (...) {
        soup_server_message_set_status(msg, 500, nullptr);
    }
}

bool same(const std::string& a, const std::string& b) {  // constant time for equal lengths
    if (a.size() != b.size()) return false;
    unsigned char d = 0;
    for (std::size_t i = 0; i < a.size(); ++i) d |= static_cast<unsigned char>(a[i] ^ b[i]);
    return d == 0;
}

std::string cookie_value(SoupMessageHeaders* h, const std::string& name) {
    const char* c = soup_message_headers_get_list(h, "Cookie");
    if (!c) return "";
    std::string s = c;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && (s[i] == ' ' || s[i] == ';' || s[i] == ',')) ++i;
        const auto end = s.find(';', i);
        const std::string part = s.substr(i, end == std::string::npos ? std::string::npos : end - i);
        const auto eq = part.find('=');
        if (eq != std::string::npos && part.substr(0, eq) == name) return part.substr(eq + 1);
        if (end == std::string::npos) break;
        i = end + 1;
    }
    return "";
}

std::map<std::string, std::string> to_map(GHashTable* t) {
    std::map<std::string, std::string> m;
    if (!t) return m;
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, t);
    while (g_hash_table_iter_next(&it, &k, &v)) m[static_cast<const char*>(k)] = v ? static_cast<const char*>(v) : "";
    return m;
}

const char* content_type(const std::string& path) {
    static const std::pair<const char*, const char*> types[] = {
        {".html", "text/html; charset=utf-8"}, {".css", "text/css; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
        {".png", "image/png"},                 {".svg", "image/svg+xml"},
    };
    for (const auto& [ext, type] : types)
        if (path.size() > std::strlen(ext) && path.ends_with(ext)) return type;
    return nullptr;
}

}  // namespace

void split_listen(const std::string& listen, std::string& host, int& port) {
    const auto colon = listen.rfind(':');
    if (colon == std::string::npos || colon == 0) throw Error(Errc::config, "[web] listen '" + listen + "' is not host:port");
    host = listen.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    else if (host.find(':') != std::string::npos)  // ::1:8931 is ambiguous
        throw Error(Errc::config, "[web] listen '" + listen + "': an IPv6 address goes in brackets, e.g. [::1]:8931");
    const std::string p = listen.substr(colon + 1);
    if (!text::all_digits(p) || p.size() > 5 || std::stoi(p) < 1 || std::stoi(p) > 65535)
        throw Error(Errc::config, "[web] listen '" + listen + "': bad port");
    port = std::stoi(p);
}

bool is_loopback(const std::string& host) { return host == "127.0.0.1" || host == "::1"; }

struct Server::Impl {
    ConfigSource config;
    GObjectPtr<SoupServer> soup;
    std::string host;
    int port = 0;
    bool loopback = false;
    bool tls = false;  // [web] tls_cert/tls_key, or the package's certificate off loopback
    Sessions sessions;
    std::unique_ptr<Listener> listener;  // accepts, times out and refuses (listener.hpp)
    std::unique_ptr<DbPool> pool;        // every SQL statement of the screens runs there (dbpool.hpp)
    // Failed logins by remote address and by user: (start of the window, count). kMaxFailures in
    // kFailWindow seconds and that address, or that user from anywhere, is refused (429) until the
    // window ends. A success never clears an address (another account's login must not reset it);
    // it clears its own user's count.
    static constexpr int kMaxFailures = 10;
    static constexpr std::time_t kFailWindow = 300;
    using Failures = std::map<std::string, std::pair<std::time_t, int>>;
    Failures failures, user_failures;
    static bool limited(const Failures& f, const std::string& key, std::time_t now) {
        const auto it = f.find(key);
        return it != f.end() && now - it->second.first <= kFailWindow && it->second.second >= kMaxFailures;
    }
    static void count_failure(Failures& f, const std::string& key, std::time_t now) {
        if (f.size() > 10000) std::erase_if(f, [now](const auto& kv) { return now - kv.second.first > kFailWindow; });
        auto& e = f[key];
        if (now - e.first > kFailWindow) e = {now, 0};
        ++e.second;
    }
    // The card consent runs on a thread of its own (it waits for the card): one at a time, since
    // there is one counter reader; the answer goes back to the main loop (the request is paused).
    struct CardState {
        std::atomic<bool> busy{false};
        std::atomic<bool> stopping{false};
    };
    std::shared_ptr<CardState> card = std::make_shared<CardState>();
    std::thread card_thread;
    void card_consent(SoupServerMessage* msg, std::shared_ptr<const app::Config> cfg, Request& req);

    // An audit row written on a pool thread: a login does not wait for the database.
    void audit_later(const std::shared_ptr<const app::Config>& cfg, const std::string& user, const std::string& action,
                     const std::string& detail) {
        pool->post(cfg, [user, action, detail](db::Connection& c) { audit(c, user, action, detail); });
    }

    // Login is needed off loopback always, and on loopback once the users file names someone.
    bool login_required(const std::vector<User>& users) const { return !loopback || !users.empty(); }
    // The session of this cookie if it is still its user's: a login session ends when its user's
    // record changed (deleted, password, role, facilities); a local-mode one when users appear.
    const Session* current_session(const std::string& sid, const std::vector<User>& users, bool login_mode) {
        const Session* s = sid.empty() ? nullptr : sessions.find(sid);
        if (!s) return nullptr;
        const bool valid = s->login ? !s->stamp.empty() && user_stamp(users, s->user) == s->stamp : !login_mode;
        if (valid) return s;
        log::info("web: session of %s ended (%s)", s->user.c_str(), s->login ? "the user's record changed" : "users were added");
        sessions.remove(sid);
        return nullptr;
    }

    HostGuard guard(const app::Config& cfg) const { return HostGuard(host, port, tls, cfg.web.server_names); }
    // The session cookie (Secure under TLS); empty value: the one that removes it.
    std::string cookie(const std::string& value) const {
        return std::string(kCookie) + "=" + value + "; HttpOnly; SameSite=Strict; Path=/" + (tls ? "; Secure" : "") +
               (value.empty() ? "; Max-Age=0" : "");
    }

    void handle(SoupServerMessage* msg, const char* path_c, GHashTable* query);
    void serve_static(SoupServerMessage* msg, const app::Config& cfg, std::string path);
    Response session_json(const Session& s, bool login_mode);
    Response login(SoupServerMessage* msg, const std::shared_ptr<const app::Config>& cfg, std::map<std::string, std::string>& form,
                   const std::string& old_sid);
};

Response Server::Impl::session_json(const Session& s, bool login_mode) {
    Response r;
    Json o;
    o.begin_object().kv("user", s.user).kv("role", s.role).kv("csrf", s.csrf).kv("login_required", false).kv("login_mode", login_mode).end_object();
    r.body = o.text();
    return r;
}

Response Server::Impl::login(SoupServerMessage* msg, const std::shared_ptr<const app::Config>& cfg,
                             std::map<std::string, std::string>& form, const std::string& old_sid) {
    std::string name = form["user"];
    std::string password = form["password"];
    wipe(form["password"]);
    wipe(form["user"]);
    {
        const char* remote = soup_server_message_get_remote_host(msg);
        const std::time_t now = std::time(nullptr);
        if (limited(failures, remote ? remote : "?", now) || limited(user_failures, name, now)) {
            wipe(password);
            wipe(name);
            Response r = json_error(429, "ログインの失敗が続いたため、しばらく待ってからやり直してください");
            r.headers.emplace_back("Retry-After", std::to_string(kFailWindow));
            return r;
        }
    }
    const User* found = nullptr;
    const auto users = read_users(cfg->web.users_file);
    for (const auto& u : users)
        if (u.name == name) found = &u;
    // Verify against a dummy hash when the user does not exist, so timing does not tell.
    static const std::string dummy = hash_password("onshi-dummy");
    const bool good = verify_password(password, found ? found->hash : dummy) && found;
    wipe(password);
    const char* remote = soup_server_message_get_remote_host(msg);
    const std::string from = remote ? remote : "?";
    // Only a known name is logged: a password typed into the name field must not reach the log.
    const std::string who = found ? found->name : "(unknown user)";
    wipe(name);
    if (!good) {
        const std::time_t now = std::time(nullptr);
        count_failure(failures, from, now);
        if (found) count_failure(user_failures, found->name, now);
        log::warning("web: failed login for '%s' from %s", who.c_str(), from.c_str());
        audit_later(cfg, who, "login_failed", remote ? remote : "");
        return json_error(401, "ユーザー名またはパスワードが違います");
    }
    user_failures.erase(found->name);
    if (!old_sid.empty()) sessions.remove(old_sid);
    const Session* made = sessions.create_login(found->name, found->role, user_stamp(users, found->name));
    if (!made) {
        log::warning("web: login of %s refused: %zu sessions are live", found->name.c_str(), sessions.size());
        return json_error(503, "ログイン中のセッションが多すぎます。しばらくしてからやり直してください");
    }
    const Session& s = *made;
    log::info("web: %s logged in (%s) from %s", found->name.c_str(), found->role.c_str(), remote ? remote : "?");
    audit_later(cfg, found->name, "login", remote ? remote : "");
    Response r = session_json(s, true);
    r.headers.emplace_back("Set-Cookie", cookie(s.id));
    return r;
}

void Server::Impl::serve_static(SoupServerMessage* msg, const app::Config& cfg, std::string path) {
    if (path == "/") path = "/index.html";
    const char* type = content_type(path);
    if (!type || path.find("..") != std::string::npos || path.find('\0') != std::string::npos || path.find("//") != std::string::npos ||
        path.find('\\') != std::string::npos) {
        send(msg, json_error(404, "not found"));
        return;
    }
    char root[PATH_MAX], file[PATH_MAX];
    const std::string full = cfg.web.static_dir + path;
    if (!realpath(cfg.web.static_dir.c_str(), root) || !realpath(full.c_str(), file) ||
        !std::string(file).starts_with(std::string(root) + "/")) {
        send(msg, json_error(404, "not found"));
        return;
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        send(msg, json_error(404, "not found"));
        return;
    }
    Response r;
    r.content_type = type;
    r.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    send(msg, r);
}

void Server::Impl::handle(SoupServerMessage* msg, const char* path_c, GHashTable* query) {
    const auto cfg = config();
    SoupMessageHeaders* req_h = soup_server_message_get_request_headers(msg);
    const HostGuard hosts = guard(*cfg);
    // Before anything else (no session, no cookie): a Host that is not ours is DNS rebinding.
    if (const char* h = soup_message_headers_get_one(req_h, "Host"); !h || !hosts.host_ok(h)) {
        log::debug("web: Host '%s' refused", h ? h : "");
        send(msg, json_error(421, "unknown host name (add it to [web] server_names)"));
        return;
    }
    const std::string method = soup_server_message_get_method(msg);
    const std::string path = path_c ? path_c : "/";
    if (method != "GET" && method != "HEAD" && method != "POST") {
        Response r = json_error(405, "method not allowed");
        r.headers.emplace_back("Allow", "GET, HEAD, POST");
        send(msg, r);
        return;
    }
    if (GUri* uri = soup_server_message_get_uri(msg); uri && g_uri_get_query(uri) && has_nul(g_uri_get_query(uri))) {
        send(msg, json_error(400, "a query value holds a NUL character"));
        return;
    }
    const bool api = path == "/api" || path.starts_with("/api/");
    const bool post = method == "POST";
    const std::string sid = cookie_value(req_h, kCookie);
    const auto users = read_users(cfg->web.users_file);
    const bool login_mode = login_required(users);
    const Session* session = current_session(sid, users, login_mode);

    // Cross-origin writes: an Origin, when sent, must be one of our names.
    if (post) {
        const char* origin = soup_message_headers_get_one(req_h, "Origin");
        if (origin && !hosts.origin_ok(origin)) {
            send(msg, json_error(403, "cross-origin request refused"));
            return;
        }
    }

    std::map<std::string, std::string> form;
    if (post) {
        SoupMessageBody* body = soup_server_message_get_request_body(msg);
        std::string text;
        {
            const GBytesPtr bytes(soup_message_body_flatten(body));
            gsize n = 0;
            const auto* data = static_cast<const char*>(g_bytes_get_data(bytes.get(), &n));
            text.assign(data ? data : "", n);
            if (n) explicit_bzero(const_cast<char*>(data), n);  // a password may be in it
        }
        if (has_nul(text)) {  // soup_form_decode would cut the value short at it
            wipe(text);
            send(msg, json_error(400, "a form value holds a NUL character"));
            return;
        }
        if (!text.empty()) {
            GHashTable* t = soup_form_decode(text.c_str());
            form = to_map(t);
            if (t) {  // zero the decoded values too
                GHashTableIter it;
                gpointer k, v;
                g_hash_table_iter_init(&it, t);
                while (g_hash_table_iter_next(&it, &k, &v))
                    if (v) explicit_bzero(v, std::strlen(static_cast<char*>(v)));
                g_hash_table_destroy(t);
            }
        }
        wipe(text);
    }

    if (path == "/api/login" && post) {
        send(msg, login(msg, cfg, form, sid));
        if (form.contains("password")) wipe(form["password"]);
        return;
    }
    if (form.contains("password")) wipe(form["password"]);
    if (path == "/api/session" && !post) {
        if (session) {
            send(msg, session_json(*session, login_mode));
        } else if (login_mode) {
            Response r;
            r.status = 401;
            r.body = Json().begin_object().kv("login_required", true).end_object().text();
            send(msg, r);
        } else {
            const Session& s = sessions.create_local();
            Response r = session_json(s, false);
            r.headers.emplace_back("Set-Cookie", cookie(s.id));
            send(msg, r);
        }
        return;
    }
    if (path == "/api/logout" && post) {
        if (session) {
            const char* token = soup_message_headers_get_one(req_h, "X-CSRF-Token");
            if (!token || !same(token, session->csrf)) {
                send(msg, json_error(403, "CSRF token missing or wrong"));
                return;
            }
            sessions.remove(sid);
        }
        Response r;
        r.body = "{}";
        r.headers.emplace_back("Set-Cookie", cookie(""));
        send(msg, r);
        return;
    }

    const bool open = !post && (path == "/login.html" || path == "/login.js" || path == "/style.css");
    if (login_mode && !session && !open) {
        if (!api && !post && (path == "/" || path.ends_with(".html"))) {
            Response r;
            r.status = 302;
            r.content_type = "text/plain";
            r.headers.emplace_back("Location", "/login.html");
            send(msg, r);
            return;
        }
        Response r;
        r.status = 401;
        r.body = Json().begin_object().kv("error", "ログインしてください").kv("login_required", true).end_object().text();
        send(msg, r);
        return;
    }
    if (post) {
        const char* token = soup_message_headers_get_one(req_h, "X-CSRF-Token");
        if (!session || !token || !same(token, session->csrf)) {
            send(msg, json_error(403, "CSRF token missing or wrong"));
            return;
        }
    }
    if (!api) {
        if (post) send(msg, json_error(405, "method not allowed"));
        else serve_static(msg, *cfg, path);
        return;
    }

    Request req;
    req.method = method;
    req.path = path;
    req.query = to_map(query);
    req.form = std::move(form);
    req.user = session ? session->user : "local";
    req.role = session ? session->role : "admin";
    if (session && session->login)
        for (const auto& u : users)
            if (u.name == session->user) req.facilities = u.facilities;
    if (post && path == "/api/card/consent") {
        card_consent(msg, cfg, req);
        return;
    }
    // On a pool thread: the main loop goes on serving (and answers 503 if the database does not).
    // A GET whose connection died is tried once more on a fresh one.
    const int deadline_ms = path == "/api/admin/doctor" ? 30000 : 0;  // doctor checks more than the database
    pool->answer(
        msg, cfg,
        [cfg, req = std::move(req)](db::Connection& c) {
            Response r = handle_api(*cfg, c, req);
            if (req.method == "POST" && r.status < 400) {
                try {
                    audit(c, req.user, req.path, r.audit);
                } catch (const std::exception& e) {
                    log::warning("web: audit of %s by %s failed: %s", req.path.c_str(), req.user.c_str(), e.what());
                }
            }
            log::debug("web: %s %s %d (%s)", req.method.c_str(), req.path.c_str(), r.status, req.user.c_str());
            return r;
        },
        !post, deadline_ms);
}

void Server::Impl::card_consent(SoupServerMessage* msg, std::shared_ptr<const app::Config> cfg, Request& req) {
    auto parsed = parse_card_consent(*cfg, req);  // wipes the PIN fields
    if (auto* r = std::get_if<Response>(&parsed)) {
        send(msg, *r);
        return;
    }
    if (card->busy.exchange(true)) {
        send(msg, json_error(409, "カードリーダーは使用中です（別の読み取りが終わるまでお待ちください）"));
        return;
    }
    if (card_thread.joinable()) card_thread.join();  // the previous one has finished (busy was false)
    // The paused request, until the answer is back on the main loop: our ref, and whether its
    // connection went away meanwhile ("disconnected": libsoup has then let go of its I/O, and
    // unpausing it would be a GLib critical). Main loop only, but for `r`, which the card thread sets.
    struct Done {
        GObjectPtr<SoupServerMessage> msg;
        gulong disconnected = 0;
        bool gone = false;
        Response r;
        std::shared_ptr<CardState> state;
        ~Done() {
            if (disconnected) g_signal_handler_disconnect(msg.get(), disconnected);
        }
    };
    auto done = std::make_unique<Done>();
    done->msg.reset(SOUP_SERVER_MESSAGE(g_object_ref(msg)));
    done->state = card;
    done->disconnected = g_signal_connect(msg, "disconnected", G_CALLBACK(+[](SoupServerMessage*, gpointer p) noexcept {
                                              static_cast<Done*>(p)->gone = true;
                                          }), done.get());
    soup_server_message_pause(msg);
    // The card thread's entry point and the main loop callback: nothing thrown through (core/callback.hpp).
    card_thread = std::thread([done = std::move(done), cfg, c = std::move(std::get<std::unique_ptr<CardConsent>>(parsed))]() mutable noexcept {
        if (!guarded("web: card consent", false, [&] {
                done->r = run_card_consent(*cfg, *c, &done->state->stopping);
                return true;
            }))
            done->r = json_error(500, "internal error");
        c.reset();  // the PINs are zeroized here at the latest
        // Back on the main loop: answer and let the message go on (unless its client is gone).
        g_main_context_invoke_full(
            nullptr, G_PRIORITY_DEFAULT,
            [](gpointer p) noexcept -> gboolean {
                auto* d = static_cast<Done*>(p);
                if (d->gone) {
                    log::info("web: card consent answered after its client had gone: answer dropped");
                } else {
                    if (!guarded("web: card consent answer", false, [d] {
                            send(d->msg.get(), d->r);
                            return true;
                        }))
                        send_500(d->msg.get());
                    soup_server_message_unpause(d->msg.get());
                }
                d->state->busy = false;
                return G_SOURCE_REMOVE;
            },
            done.release(), [](gpointer p) noexcept { delete static_cast<Done*>(p); });
    });
}

namespace {

// libsoup's handler (core/callback.hpp): an exception is logged and answered 500.
void on_request(SoupServer*, SoupServerMessage* msg, const char* path, GHashTable* query, gpointer data) noexcept {
    if (!guarded("web: request", false, [&] {
            static_cast<Server::Impl*>(data)->handle(msg, path, query);
            return true;
        })) {
        log::warning("web: %s: answered 500", path ? path : "?");
        send_500(msg);
    }
}

}  // namespace

std::optional<std::pair<std::string, std::string>> tls_files(const app::Web& web, bool loopback) {
    if (!web.tls_cert.empty()) return std::pair{web.tls_cert, web.tls_key};
    if (loopback) return std::nullopt;
    return std::pair{std::string(app::kPackageTlsCert), std::string(app::kPackageTlsKey)};
}

GTlsCertificate* load_tls(const app::Web& web, bool loopback) {
    const auto files = tls_files(web, loopback);
    if (!files) return nullptr;
    GError* err = nullptr;
    GTlsCertificate* cert = g_tls_certificate_new_from_files(files->first.c_str(), files->second.c_str(), &err);
    if (!cert) {
        const std::string m = err ? err->message : "cannot load";
        g_clear_error(&err);
        std::string why = "[web] TLS certificate " + files->first + " / key " + files->second + ": " + m;
        if (web.tls_cert.empty())
            why += " (off loopback the screens are served over TLS only: set [web] tls_cert and tls_key, or listen on 127.0.0.1)";
        throw Error(Errc::config, why);
    }
    return cert;
}

GSocket* Server::bind(const app::Config& cfg) {
    std::string host;
    int port = 0;
    split_listen(cfg.web.listen, host, port);
    (void)read_users(cfg.web.users_file);  // a malformed users file: refuse to start
    // No certificate off loopback: refuse to start here, in the main process, not in the screens'.
    (void)GObjectPtr<GTlsCertificate>(load_tls(cfg.web, is_loopback(host)));
    return listen_socket(host, port, kBacklog, "[web] listen " + cfg.web.listen);
}

Server::Server(ConfigSource config, GSocket* listening) : impl_(std::make_unique<Impl>()) {
    impl_->config = std::move(config);
    const auto cfg = impl_->config();
    split_listen(cfg->web.listen, impl_->host, impl_->port);
    impl_->loopback = is_loopback(impl_->host);
    (void)read_users(cfg->web.users_file);  // a malformed users file: refuse to start
    const GObjectPtr<GTlsCertificate> cert(load_tls(cfg->web, impl_->loopback));
    impl_->tls = static_cast<bool>(cert);
    const GObjectPtr<GSocket> own(listening ? G_SOCKET(g_object_ref(listening)) : bind(*cfg));
    impl_->soup.reset(soup_server_new("server-header", "orca-onshid", "tls-certificate", cert.get(), nullptr));
    soup_server_add_handler(impl_->soup.get(), nullptr, on_request, impl_.get(), nullptr);
    impl_->pool = std::make_unique<DbPool>(send);
    ListenerLimits limits;
    limits.max_body = kMaxBody;
    limits.write_timeout_s = cfg->web.write_timeout_s;
    impl_->listener = std::make_unique<Listener>(impl_->soup.get(), own.get(), limits);
}

Server::~Server() {
    if (impl_) {
        impl_->card->stopping = true;  // a card wait ends within a second
        if (impl_->card_thread.joinable()) impl_->card_thread.join();
        impl_->pool.reset();      // paused requests let go
        impl_->listener.reset();  // no more connections taken
    }
    if (impl_ && impl_->soup) soup_server_disconnect(impl_->soup.get());  // impl_ unrefs it
}

std::string screens_url(const app::Config& cfg) {
    std::string host;
    int port = 0;
    split_listen(cfg.web.listen, host, port);
    const bool v6 = host.find(':') != std::string::npos;
    const bool tls = tls_files(cfg.web, is_loopback(host)).has_value();
    return std::string(tls ? "https://" : "http://") + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port) + "/";
}

std::string Server::url() const { return screens_url(*impl_->config()); }

bool Server::login_always() const { return !impl_->loopback; }

}  // namespace onshi::web
