#include "https_front.hpp"

#include "core/error.hpp"

#include <libsoup/soup.h>

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

namespace onshi::sim {
namespace {

namespace fs = std::filesystem;

void log(const std::string& line) { std::fprintf(stderr, "orca-onshi-sim: https %s\n", line.c_str()); }

std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string first_line(const std::string& path) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return line;
}

std::string body_of(SoupServerMessage* msg) {
    GBytes* bytes = soup_message_body_flatten(soup_server_message_get_request_body(msg));
    gsize n = 0;
    const auto* data = static_cast<const char*>(g_bytes_get_data(bytes, &n));
    std::string text(data ? data : "", n);
    g_bytes_unref(bytes);
    return text;
}

std::map<std::string, std::string> form_of(SoupServerMessage* msg) {
    std::map<std::string, std::string> out;
    const std::string text = body_of(msg);
    if (text.empty()) return out;
    GHashTable* t = soup_form_decode(text.c_str());
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, t);
    while (g_hash_table_iter_next(&it, &k, &v)) out[static_cast<const char*>(k)] = v ? static_cast<const char*>(v) : "";
    g_hash_table_destroy(t);
    return out;
}

// The device token the activation hands out: derived, so a restarted simulator still knows it.
std::string device_token(const std::string& code, const std::string& user) {
    gchar* h = g_compute_checksum_for_string(G_CHECKSUM_SHA256, ("device:" + code + ":" + user).c_str(), -1);
    std::string t = std::string("dev-") + h;
    g_free(h);
    return t;
}

}  // namespace

struct HttpsFront::Impl {
    HttpsOptions o;
    std::string password;
    GMainContext* ctx = nullptr;
    GMainLoop* loop = nullptr;
    SoupServer* server = nullptr;
    std::thread thread;
    std::map<std::string, int> sessions;  // session → calls made with it
    std::set<std::string> received;       // request files already taken (PUT is idempotent by name)
    int after_login_calls = 0;
    int counter = 0;

    struct Answer {
        int status = 200;
        std::string type;
        std::string body;
        std::vector<std::pair<std::string, std::string>> headers;
        bool drop = false;
    };
    // A plain-text answer: every answer but a result file.
    static Answer text(int status, std::string body, std::vector<std::pair<std::string, std::string>> headers = {}) {
        return Answer{status, "text/plain; charset=utf-8", std::move(body), std::move(headers), false};
    }

    Answer route(SoupServerMessage* msg, const std::string& method, const std::string& path) {
        SoupMessageHeaders* rh = soup_server_message_get_request_headers(msg);
        if (method == "POST" && path == "/v1/devices/activate") {
            auto f = form_of(msg);
            if (f["user_id"] != o.user_id || f["password"] != password) return text(401, "ユーザIDまたはパスワードが違います");
            if (f["activation_code"] != o.activation_code) return text(403, "アクティベーションコードが正しくありません");
            return text(200, "device_token=" + device_token(o.activation_code, o.user_id) + "\n");
        }
        if (method == "POST" && path == "/v1/sessions") {
            auto f = form_of(msg);
            if (f["user_id"] != o.user_id || f["password"] != password) return text(401, "ユーザIDまたはパスワードが違います");
            if (f["device_token"] != device_token(o.activation_code, o.user_id)) return text(403, "この端末は登録されていません");
            const std::string s = "s-" + std::to_string(++counter) + "-" + std::to_string(g_random_int());
            sessions[s] = 0;
            return text(200, "session=" + s + "\nexpires_in=3600\n");
        }
        // Everything else needs a session.
        const char* auth = soup_message_headers_get_one(rh, "Authorization");
        const std::string bearer = auth && std::string(auth).starts_with("Bearer ") ? std::string(auth).substr(7) : "";
        auto s = sessions.find(bearer);
        if (s == sessions.end()) return text(401, "セッションが無効です");
        if (o.session_calls > 0 && ++s->second > o.session_calls) {
            sessions.erase(s);
            return text(401, "セッションの有効期限が切れました");
        }
        ++after_login_calls;
        if (after_login_calls <= o.drop) return Answer{0, "", "", {}, true};
        if (after_login_calls <= o.drop + o.fail_503)
            return text(503, "しばらくしてから再度お試しください", {{"Retry-After", std::to_string(o.retry_after_s)}});
        static const std::regex file_name("^[A-Za-z0-9_.-]{1,120}$");
        if (method == "PUT" && path.starts_with("/v1/requests/")) {
            const std::string name = path.substr(13);
            if (!std::regex_match(name, file_name) || !name.ends_with(".xml")) return text(400, "ファイル名が正しくありません");
            if (o.reject_put) return text(400, "要求ファイルの形式に誤りがあります（HTTPS 受付で拒否）");
            if (received.count(name)) return text(200, "accepted again\n");
            const std::string content = body_of(msg);
            const fs::path tmp = fs::path(o.req_dir) / ("." + name + ".https");
            {
                std::ofstream out(tmp, std::ios::binary);
                out << content;
            }
            std::error_code ec;
            fs::rename(tmp, fs::path(o.req_dir) / name, ec);
            if (ec) return text(500, "cannot store");
            received.insert(name);
            return text(201, "accepted\n");
        }
        if (method == "GET" && path.starts_with("/v1/results/")) {
            const std::string stem = path.substr(12);
            if (!std::regex_match(stem, file_name)) return text(400, "名前が正しくありません");
            for (const char* ext : {".xml", ".zip", ".pdf"}) {
                const std::string p = o.res_dir + "/" + stem + ext;
                struct stat st {};
                if (::lstat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
                // still being written (the slow-write fault writes in pieces): not yet
                const auto age = std::chrono::system_clock::now().time_since_epoch() - std::chrono::seconds(st.st_mtim.tv_sec) -
                                 std::chrono::nanoseconds(st.st_mtim.tv_nsec);
                if (age < std::chrono::milliseconds(400)) return text(404, "処理中");
                const char* type = std::string(ext) == ".xml" ? "application/xml" : std::string(ext) == ".zip" ? "application/zip" : "application/pdf";
                return {200, type, read_all(p), {{"Content-Disposition", std::string("attachment; filename=\"") + stem + ext + "\""}}};
            }
            std::string req = stem;
            if (const auto at = req.find("res_"); at != std::string::npos) req.replace(at, 4, "req_");
            const std::string err = o.res_dir + "/" + req + ".err";
            if (fs::exists(err)) return text(409, read_all(err));
            return text(404, "まだ結果はありません");
        }
        return text(404, "not found");
    }

    static void respond(SoupServerMessage* msg, const Answer& a) {
        soup_server_message_set_status(msg, static_cast<guint>(a.status), nullptr);
        SoupMessageHeaders* h = soup_server_message_get_response_headers(msg);
        for (const auto& [k, v] : a.headers) soup_message_headers_replace(h, k.c_str(), v.c_str());
        soup_server_message_set_response(msg, a.type.c_str(), SOUP_MEMORY_COPY, a.body.data(), a.body.size());
    }

    static void on_request(SoupServer*, SoupServerMessage* msg, const char* path, GHashTable*, gpointer data) {
        auto* self = static_cast<Impl*>(data);
        const std::string method = soup_server_message_get_method(msg);
        const char* rid = soup_message_headers_get_one(soup_server_message_get_request_headers(msg), "X-Request-Id");
        Answer a;
        try {
            a = self->route(msg, method, path ? path : "/");
        } catch (const std::exception& e) {
            a = text(500, e.what());
        }
        log(method + " " + (path ? path : "/") + " -> " + (a.drop ? std::string("dropped") : std::to_string(a.status)) + " (request " +
            (rid ? rid : "-") + ")");
        if (a.drop) {
            GIOStream* io = soup_server_message_steal_connection(msg);
            if (io) {
                g_io_stream_close(io, nullptr, nullptr);
                g_object_unref(io);
            }
            return;
        }
        if (self->o.delay_ms <= 0) {
            respond(msg, a);
            return;
        }
        // slow: answer later, from this thread's main context
        struct Later { SoupServerMessage* msg; Answer a; };
        soup_server_message_pause(msg);
        g_object_ref(msg);
        GSource* src = g_timeout_source_new(static_cast<guint>(self->o.delay_ms));
        g_source_set_callback(
            src,
            [](gpointer p) -> gboolean {
                auto* l = static_cast<Later*>(p);
                respond(l->msg, l->a);
                soup_server_message_unpause(l->msg);
                return G_SOURCE_REMOVE;
            },
            new Later{msg, a},
            [](gpointer p) {
                auto* l = static_cast<Later*>(p);
                g_object_unref(l->msg);
                delete l;
            });
        g_source_attach(src, self->ctx);
        g_source_unref(src);
    }

    void run(std::promise<std::string>& ready) {
        g_main_context_push_thread_default(ctx);
        GError* err = nullptr;
        GTlsCertificate* cert = g_tls_certificate_new_from_files(o.cert_file.c_str(), o.key_file.c_str(), &err);
        if (!cert) {
            ready.set_value(std::string("TLS certificate: ") + (err ? err->message : "?"));
            g_clear_error(&err);
            g_main_context_pop_thread_default(ctx);
            return;
        }
        server = soup_server_new("tls-certificate", cert, "server-header", "oqs-sim", nullptr);
        g_object_unref(cert);
        soup_server_add_handler(server, nullptr, on_request, this, nullptr);
        if (!soup_server_listen_local(server, static_cast<guint>(o.port),
                                      static_cast<SoupServerListenOptions>(SOUP_SERVER_LISTEN_HTTPS | SOUP_SERVER_LISTEN_IPV4_ONLY), &err)) {
            ready.set_value(std::string("listen: ") + (err ? err->message : "?"));
            g_clear_error(&err);
            g_object_unref(server);
            server = nullptr;
            g_main_context_pop_thread_default(ctx);
            return;
        }
        GSList* uris = soup_server_get_uris(server);
        int port = uris ? g_uri_get_port(static_cast<GUri*>(uris->data)) : 0;
        g_slist_free_full(uris, reinterpret_cast<GDestroyNotify>(g_uri_unref));
        if (!o.port_file.empty()) {
            const std::string tmp = o.port_file + ".tmp";
            { std::ofstream(tmp) << port << "\n"; }
            fs::rename(tmp, o.port_file);
        }
        log("listening on https://127.0.0.1:" + std::to_string(port) + "/");
        ready.set_value("");
        g_main_loop_run(loop);
        soup_server_disconnect(server);
        g_object_unref(server);
        server = nullptr;
        g_main_context_pop_thread_default(ctx);
    }
};

HttpsFront::HttpsFront(const HttpsOptions& o) : impl_(std::make_unique<Impl>()) {
    impl_->o = o;
    impl_->password = first_line(o.password_file);
    if (impl_->password.empty()) throw Error(Errc::usage, "--https-password-file: empty or unreadable");
    impl_->ctx = g_main_context_new();
    impl_->loop = g_main_loop_new(impl_->ctx, FALSE);
    std::promise<std::string> ready;
    auto fut = ready.get_future();
    impl_->thread = std::thread([this, &ready] { impl_->run(ready); });
    const std::string err = fut.get();
    if (!err.empty()) {
        impl_->thread.join();
        g_main_loop_unref(impl_->loop);
        g_main_context_unref(impl_->ctx);
        impl_->loop = nullptr;
        throw Error(Errc::io, "https: " + err);
    }
}

HttpsFront::~HttpsFront() {
    if (!impl_->loop) return;
    g_main_context_invoke(impl_->ctx, [](gpointer l) -> gboolean { g_main_loop_quit(static_cast<GMainLoop*>(l)); return G_SOURCE_REMOVE; }, impl_->loop);
    if (impl_->thread.joinable()) impl_->thread.join();
    g_main_loop_unref(impl_->loop);
    g_main_context_unref(impl_->ctx);
}

}  // namespace onshi::sim
