#include <config.h>

#include "onshi_batch/https.hpp"

#include "app/files.hpp"
#include "app/gobject.hpp"
#include "app/unique_fd.hpp"
#include "core/callback.hpp"
#include "core/handle.hpp"

#include "core/error.hpp"
#include "core/log.hpp"

#include <curl/curl.h>
#include <glib.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

namespace onshi::oqs {
namespace {

namespace fs = std::filesystem;

// ---- the wire: every path, field and answer of the (not public) service, here and nowhere else [?] ----
namespace wire {
constexpr const char* kActivate = "/v1/devices/activate";
constexpr const char* kSessions = "/v1/sessions";
inline std::string request(const std::string& file) { return "/v1/requests/" + file; }
inline std::string result(const std::string& stem) { return "/v1/results/" + stem; }
constexpr const char* kForm = "application/x-www-form-urlencoded";
constexpr const char* kXml = "application/xml; charset=utf-8";
constexpr const char* kTokenKey = "device_token";
constexpr const char* kSessionKey = "session";
// "key=value" lines of an answer.
std::string value_of(const std::string& body, const std::string& key) {
    std::istringstream in(body);
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.starts_with(key + "=")) return line.substr(key.size() + 1);
    }
    return "";
}
}  // namespace wire

// A secret in memory: wiped when it goes.
struct Secret {
    std::string v;
    ~Secret() { explicit_bzero(v.data(), v.size()); }
};

std::once_flag curl_once;

using CurlHandle = Handle<CURL*, curl_easy_cleanup>;
using SlistHandle = Handle<curl_slist*, curl_slist_free_all>;
using CurlChars = Handle<char*, curl_free>;

// Only failures where nothing (or not all) came back are worth another try; a certificate that is
// not trusted, a bad option or a refused proxy will not get better.
bool transient(CURLcode c) {
    switch (c) {
        case CURLE_COULDNT_CONNECT: case CURLE_COULDNT_RESOLVE_HOST: case CURLE_COULDNT_RESOLVE_PROXY:
        case CURLE_OPERATION_TIMEDOUT: case CURLE_SEND_ERROR: case CURLE_RECV_ERROR: case CURLE_GOT_NOTHING:
        case CURLE_PARTIAL_FILE: case CURLE_HTTP2: case CURLE_HTTP2_STREAM: case CURLE_SSL_CONNECT_ERROR:
            return true;
        default:
            return false;
    }
}

std::string form(CURL* h, std::initializer_list<std::pair<const char*, const std::string*>> kv) {
    std::string out;
    for (const auto& [k, v] : kv) {
        const CurlChars e(curl_easy_escape(h, v->data(), static_cast<int>(v->size())));
        if (!out.empty()) out += '&';
        out += std::string(k) + "=" + (e ? e.get() : "");
    }
    return out;
}

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// filename="X" or filename=X of a Content-Disposition.
std::string disposition_filename(const std::string& v) {
    const auto at = lower(v).find("filename=");
    if (at == std::string::npos) return "";
    std::string f = v.substr(at + 9);
    if (const auto semi = f.find(';'); semi != std::string::npos) f.resize(semi);
    while (!f.empty() && (f.back() == ' ' || f.back() == '\r' || f.back() == '\n')) f.pop_back();
    if (f.size() >= 2 && f.front() == '"' && f.back() == '"') f = f.substr(1, f.size() - 2);
    return f;
}

}  // namespace

std::string read_password_file(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) throw Error(Errc::config, "password_file " + path + ": " + std::strerror(errno));
    if (!S_ISREG(st.st_mode)) throw Error(Errc::config, "password_file " + path + " is not a regular file");
    const unsigned mode = st.st_mode & 07777;
    if ((mode & 0137) != 0 || (mode & 0400) == 0) {
        char m[8];
        std::snprintf(m, sizeof m, "%04o", mode);
        throw Error(Errc::config, "password_file " + path + " has mode " + m + ": it must be 0600 or 0640 (chmod 0640, owner root, group orca-onshi)");
    }
    std::ifstream in(path, std::ios::binary);
    std::string line;
    std::getline(in, line);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) throw Error(Errc::config, "password_file " + path + " is empty");
    return line;
}

// ---- libcurl -----------------------------------------------------------------------------------
// Blocking easy handle, on the caller's thread: jobs run one at a time on the daemon's worker thread
// (or in the CLI), and every step of a job waits for the database anyway, so a multi handle in the
// GLib main loop would add callbacks without adding concurrency — and the main loop stays free for
// the screens. The handle is kept per facility (https_session) for keep-alive; curl_easy_reset keeps
// its connections and TLS session cache between calls.
class HttpClient {
public:
    explicit HttpClient(const app::Https& cfg) : cfg_(cfg) {
        std::call_once(curl_once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
        h_.reset(curl_easy_init());
        if (!h_) throw Error(Errc::internal, "curl_easy_init failed");
    }

    struct Result {
        long status = 0;
        std::string body, content_type, disposition;
    };

    // One call with retries (retry.hpp). `sink`: the body goes into this file instead of memory
    // (a result can be hundreds of MB). Error(io) when no HTTP answer came after the last attempt.
    Result send(const char* method, const std::string& path, const std::string& body, const char* content_type,
                const std::string& bearer, const std::string& sink = "") {
        const retry::Policy policy;
        for (int attempt = 1;; ++attempt) {
            const std::string rid = GCharPtr(g_uuid_string_random()).get();
            const auto t0 = std::chrono::steady_clock::now();
            Result r;
            std::string retry_after;
            CURLcode rc = perform(method, path, body, content_type, bearer, rid, sink, r, retry_after);
            const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
            if (rc != CURLE_OK) {
                const std::string why = std::string(curl_easy_strerror(rc)) + (errbuf_[0] ? std::string(": ") + errbuf_ : "");
                if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE)
                    throw Error(Errc::io, "https " + std::string(method) + " " + path + ": the server's TLS certificate is not trusted (" + why +
                                              "); check base_url and ca_file (request " + rid + ")");
                if (!transient(rc)) throw Error(Errc::io, "https " + std::string(method) + " " + path + ": " + why + " (request " + rid + ")");
                const auto wait = retry::next_wait_ms(policy, attempt, 0, std::nullopt, g_random_double());
                log::warning("https %s %s: %s (request %s, attempt %d/%d)%s", method, path.c_str(), why.c_str(), rid.c_str(), attempt,
                             policy.max_attempts, wait ? (", again in " + std::to_string(*wait) + " ms").c_str() : "");
                if (!wait) throw Error(Errc::io, "https " + std::string(method) + " " + path + ": " + why + " after " + std::to_string(attempt) + " attempts");
                std::this_thread::sleep_for(std::chrono::milliseconds(*wait));
                continue;
            }
            std::optional<int> ra;
            if (!retry_after.empty()) ra = retry::parse_retry_after_ms(retry_after, static_cast<std::int64_t>(std::time(nullptr)));
            const auto wait = retry::next_wait_ms(policy, attempt, r.status, ra, g_random_double());
            if (retry::retryable_status(r.status)) {
                log::warning("https %s %s: HTTP %ld (request %s, attempt %d/%d)%s", method, path.c_str(), r.status, rid.c_str(), attempt,
                             policy.max_attempts, wait ? (", again in " + std::to_string(*wait) + " ms" + (ra ? " (Retry-After)" : "")).c_str() : "");
                if (wait) {
                    std::this_thread::sleep_for(std::chrono::milliseconds(*wait));
                    continue;
                }
                throw Error(Errc::io, "https " + std::string(method) + " " + path + ": HTTP " + std::to_string(r.status) + " after " +
                                          std::to_string(attempt) + " attempts (request " + rid + ")");
            }
            log::debug("https %s %s: HTTP %ld (request %s, %.0f ms)", method, path.c_str(), r.status, rid.c_str(), ms);
            return r;
        }
    }

private:
    // curl callbacks (core/callback.hpp: an exception becomes 0, curl's write error).
    static size_t on_body(char* p, size_t size, size_t n, void* ud) noexcept {
        return guarded("HTTPS body", size_t{0}, [&]() -> size_t {
        auto* self = static_cast<HttpClient*>(ud);
        const size_t len = size * n;
        if (self->sink_fd_) {
            size_t off = 0;
            while (off < len) {
                const ssize_t w = ::write(self->sink_fd_.get(), p + off, len - off);
                if (w < 0) {
                    if (errno == EINTR) continue;
                    return 0;  // curl: write error
                }
                off += static_cast<size_t>(w);
            }
            return len;
        }
        if (self->mem_->size() + len > (4u << 20)) return 0;  // answers in memory are small; a result goes to a file
        self->mem_->append(p, len);
        return len;
        });
    }
    static size_t on_header(char* p, size_t size, size_t n, void* ud) noexcept {
        return guarded("HTTPS header", size_t{0}, [&]() -> size_t {
        auto* self = static_cast<HttpClient*>(ud);
        const std::string line(p, size * n);
        const auto colon = line.find(':');
        if (colon != std::string::npos) {
            const std::string k = lower(line.substr(0, colon));
            std::string v = line.substr(colon + 1);
            while (!v.empty() && (v.front() == ' ')) v.erase(0, 1);
            while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ')) v.pop_back();
            if (k == "retry-after") *self->retry_after_ = v;
            else if (k == "content-disposition") self->result_->disposition = v;
        }
        return size * n;
        });
    }

    CURLcode perform(const char* method, const std::string& path, const std::string& body, const char* content_type,
                     const std::string& bearer, const std::string& rid, const std::string& sink, Result& r, std::string& retry_after) {
        CURL* h = h_.get();
        curl_easy_reset(h);
        errbuf_[0] = 0;
        const std::string url = cfg_.base_url + path;
        curl_easy_setopt(h, CURLOPT_URL, url.c_str());
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);  // always: there is no option to turn it off
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
        if (!cfg_.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, cfg_.ca_file.c_str());
        if (!cfg_.client_cert.empty()) {
            curl_easy_setopt(h, CURLOPT_SSLCERT, cfg_.client_cert.c_str());
            curl_easy_setopt(h, CURLOPT_SSLKEY, cfg_.client_key.c_str());
        }
        if (!cfg_.proxy.empty()) curl_easy_setopt(h, CURLOPT_PROXY, cfg_.proxy.c_str());  // else https_proxy/no_proxy
        curl_easy_setopt(h, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
        curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");  // gzip/deflate/br as libcurl supports
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, static_cast<long>(cfg_.connect_timeout_s));
        curl_easy_setopt(h, CURLOPT_TIMEOUT, static_cast<long>(cfg_.total_timeout_s));
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf_);
        curl_easy_setopt(h, CURLOPT_USERAGENT, "orca-onshi/" PACKAGE_VERSION);
        curl_slist* hl = nullptr;
        const std::string auth = "Authorization: Bearer " + bearer;
        if (!bearer.empty()) hl = curl_slist_append(hl, auth.c_str());
        hl = curl_slist_append(hl, ("X-Request-Id: " + rid).c_str());
        hl = curl_slist_append(hl, "Expect:");
        if (content_type) hl = curl_slist_append(hl, (std::string("Content-Type: ") + content_type).c_str());
        const SlistHandle headers(hl);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
        const std::string m = method;
        if (m == "POST" || m == "PUT") {
            curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
            curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
            if (m == "PUT") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "PUT");
        }
        mem_ = &r.body;
        result_ = &r;
        retry_after_ = &retry_after;
        sink_fd_.reset();
        if (!sink.empty()) {
            sink_fd_.reset(::open(sink.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
            if (!sink_fd_) throw Error(Errc::io, "cannot write " + sink + ": " + std::strerror(errno));
        }
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, this);
        curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(h, CURLOPT_HEADERDATA, this);
        const CURLcode rc = curl_easy_perform(h);
        if (sink_fd_) {
            if (rc == CURLE_OK && ::fsync(sink_fd_.get()) != 0) {
                const int err = errno;
                sink_fd_.reset();
                throw Error(Errc::io, "cannot sync " + sink + ": " + std::strerror(err));
            }
            sink_fd_.reset();
        }
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
        char* ct = nullptr;
        if (curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct) r.content_type = ct;
        // the password went out in a form body: wipe curl's view of it is not possible, ours is the caller's
        return rc;
    }

    app::Https cfg_;
    CurlHandle h_;
    char errbuf_[CURL_ERROR_SIZE]{};
    std::string* mem_ = nullptr;
    Result* result_ = nullptr;
    std::string* retry_after_ = nullptr;
    UniqueFd sink_fd_;
};

// ---- the session ----------------------------------------------------------------------------------

HttpsSession::HttpsSession(const app::Facility& fac) : fac_(fac), http_(std::make_unique<HttpClient>(fac.https)) {}
HttpsSession::~HttpsSession() { explicit_bzero(session_.data(), session_.size()); }

void HttpsSession::login() {
    Secret password{read_password_file(fac_.https.password_file)};
    std::ifstream in(fac_.https.device_file);
    Secret token;
    std::getline(in, token.v);
    if (token.v.empty())
        throw Error(Errc::config, "facility " + std::to_string(fac_.hospnum) + " is not activated (no " + fac_.https.device_file +
                                      "): run orca-onshi activate --hospnum " + std::to_string(fac_.hospnum));
    Secret body{form(nullptr, {{"institution_code", &fac_.institution_code}, {"user_id", &fac_.https.user_id},
                               {"password", &password.v}, {wire::kTokenKey, &token.v}})};
    const auto r = http_->send("POST", wire::kSessions, body.v, wire::kForm, "");
    if (r.status == 401 || r.status == 403)
        throw Error(Errc::config, "the service refused the login of user " + fac_.https.user_id + " (HTTP " + std::to_string(r.status) +
                                      (r.body.empty() ? "" : ": " + r.body.substr(0, 200)) + "); check user_id, password_file and the activation");
    if (r.status != 200) throw Error(Errc::io, "https login: HTTP " + std::to_string(r.status));
    explicit_bzero(session_.data(), session_.size());
    session_ = wire::value_of(r.body, wire::kSessionKey);
    if (session_.empty()) throw Error(Errc::io, "https login: no session in the answer");
    log::info("https: facility %d logged in as %s", fac_.hospnum, fac_.https.user_id.c_str());
}

HttpsSession::Reply HttpsSession::call(const char* method, const std::string& path, const std::string& body, const std::string& content_type) {
    std::lock_guard lock(mu_);
    if (session_.empty()) login();
    // a GET's body goes to a file of this process in the spool (two daemons may share the spool)
    const std::string sink = std::string(method) == "GET"
                                 ? fac_.res_dir + "/." + path.substr(path.rfind('/') + 1) + "." + std::to_string(::getpid()) + ".part"
                                 : "";
    auto once = [&] {
        try {
            return http_->send(method, path, body, content_type.empty() ? nullptr : content_type.c_str(), session_, sink);
        } catch (...) {
            if (!sink.empty()) ::unlink(sink.c_str());  // no half download left in the spool
            throw;
        }
    };
    HttpClient::Result r = once();
    if (r.status == 401) {  // the session expired: renew it once
        log::info("https: facility %d: session expired, logging in again", fac_.hospnum);
        session_.clear();
        login();
        r = once();
        if (r.status == 401) throw Error(Errc::io, "https " + std::string(method) + " " + path + ": HTTP 401 right after a new login");
    }
    Reply out;
    out.status = r.status;
    out.content_type = r.content_type;
    out.filename = disposition_filename(r.disposition);
    if (!sink.empty()) {
        if (r.status == 200) {
            out.body = sink;  // the path of the downloaded body
        } else {
            std::ifstream in(sink, std::ios::binary);
            std::ostringstream ss;
            ss << in.rdbuf();
            out.body = ss.str().substr(0, 4096);
            ::unlink(sink.c_str());
        }
    } else {
        out.body = std::move(r.body);
    }
    return out;
}

std::string HttpsSession::activate(const std::string& activation_code) {
    Secret password{read_password_file(fac_.https.password_file)};
    Secret body{form(nullptr, {{"institution_code", &fac_.institution_code}, {"user_id", &fac_.https.user_id},
                               {"password", &password.v}, {"activation_code", &activation_code}})};
    const auto r = http_->send("POST", wire::kActivate, body.v, wire::kForm, "");
    if (r.status == 403 || r.status == 401 || r.status == 400)
        throw Error(Errc::config, "the service refused the activation (HTTP " + std::to_string(r.status) +
                                      (r.body.empty() ? "" : ": " + r.body.substr(0, 200)) +
                                      "): check activation_code (12 digits, issued per device), user_id and password_file");
    if (r.status != 200) throw Error(Errc::io, "https activate: HTTP " + std::to_string(r.status));
    const std::string token = wire::value_of(r.body, wire::kTokenKey);
    if (token.empty()) throw Error(Errc::io, "https activate: no device token in the answer");
    return token;
}

std::shared_ptr<HttpsSession> https_session(const app::Facility& fac) {
    static std::mutex mu;
    static std::map<int, std::pair<std::string, std::shared_ptr<HttpsSession>>> sessions;
    // Everything the session depends on: a reloaded configuration that changes any of it gets a new one.
    const auto& h = fac.https;
    const std::string key = h.base_url + '\n' + h.user_id + '\n' + h.password_file + '\n' + h.device_file + '\n' + h.client_cert + '\n' +
                            h.client_key + '\n' + h.ca_file + '\n' + h.proxy + '\n' + std::to_string(h.connect_timeout_s) + '\n' +
                            std::to_string(h.total_timeout_s) + '\n' + fac.res_dir + '\n' + fac.institution_code;
    std::lock_guard lock(mu);
    auto& slot = sessions[fac.hospnum];
    if (!slot.second || slot.first != key) slot = {key, std::make_shared<HttpsSession>(fac)};
    return slot.second;
}

// ---- the transport ----------------------------------------------------------------------------

namespace {
void make_spool(const std::string& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec || !fs::is_directory(dir)) throw Error(Errc::config, "cannot create the spool " + dir + ": " + ec.message());
    fs::permissions(dir, fs::perms::owner_all, ec);
}
// "OQSmuhvq02res_X_3" → "OQSmuhvq02req_X_3"
std::string request_of(const std::string& stem) {
    std::string s = stem;
    if (const auto at = s.find("res_"); at != std::string::npos) s.replace(at, 4, "req_");
    return s;
}
}  // namespace

HttpsTransport::HttpsTransport(const app::Facility& fac) : fac_(fac), local_(fac.req_dir, fac.res_dir, 0) {
    make_spool(fac.req_dir);
    make_spool(fac.res_dir);
    session_ = https_session(fac);
}

void HttpsTransport::stage(const std::string& name, const std::string& content) { local_.stage(name, content); }

bool HttpsTransport::publish(const std::string& name) {
    const auto content = local_.staged_content(name);
    if (!content) return false;
    const auto r = session_->call("PUT", wire::request(name), *content, wire::kXml);
    if (r.status == 400 || r.status == 409 || r.status == 422) {
        // OQS refused the request itself: kept as the folder transport's .err, the job fails with it
        app::write_file_atomic(fac_.res_dir + "/" + basename_without_ext(name) + ".err", r.body.empty() ? "HTTP " + std::to_string(r.status) : r.body, 0600);
    } else if (r.status != 200 && r.status != 201 && r.status != 202 && r.status != 204) {
        throw Error(Errc::io, "https PUT " + wire::request(name) + ": HTTP " + std::to_string(r.status) +
                                  (r.body.empty() ? "" : ": " + r.body.substr(0, 200)));
    }
    // sent: nothing to keep (a crash before this line sends it again; the service takes a file name once)
    local_.drop_staged(name);
    return true;
}

std::optional<std::string> HttpsTransport::rejection(const std::string& request_name) { return local_.rejection(request_name); }

std::optional<std::string> HttpsTransport::stable_result(const std::string& stem, const std::vector<std::string>& exts) {
    for (const auto& ext : exts) {  // fetched before a crash, not retired yet
        const std::string path = fac_.res_dir + "/" + stem + ext;
        struct stat st {};
        if (::lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) return path;
    }
    const auto r = session_->call("GET", wire::result(stem), "", "");
    if (r.status == 404) return std::nullopt;
    if (r.status == 409) {
        app::write_file_atomic(fac_.res_dir + "/" + request_of(stem) + ".err", r.body.empty() ? "HTTP 409" : r.body, 0600);
        return std::nullopt;
    }
    if (r.status != 200) throw Error(Errc::io, "https GET " + wire::result(stem) + ": HTTP " + std::to_string(r.status));
    // r.body is the downloaded file; its name must be <stem><one of exts>
    for (const auto& ext : exts) {
        if (r.filename != stem + ext) continue;
        const std::string path = fac_.res_dir + "/" + r.filename;
        if (::rename(r.body.c_str(), path.c_str()) != 0) throw Error(Errc::io, "cannot move the result into " + path + ": " + std::strerror(errno));
        return path;
    }
    ::unlink(r.body.c_str());
    throw Error(Errc::malformed, "https GET " + wire::result(stem) + ": the answer names '" + r.filename + "', not " + stem + " with one of the expected types");
}

void HttpsTransport::retire_result(const std::string& path, const std::string& archive_dir) { local_.retire_result(path, archive_dir); }

void activate_device(const app::Facility& fac) {
    if (fac.transport != app::TransportKind::https) throw Error(Errc::config, "facility " + std::to_string(fac.hospnum) + " does not use transport=https");
    if (fac.https.activation_code.empty())
        throw Error(Errc::config, "[facility " + std::to_string(fac.hospnum) + "] activation_code is not set (the 12-digit code issued for this device)");
    HttpsSession s(fac);
    Secret token{s.activate(fac.https.activation_code)};
    const fs::path dir = fs::path(fac.https.device_file).parent_path();
    std::error_code ec;
    fs::create_directories(dir, ec);
    app::write_file_atomic(fac.https.device_file, token.v + "\n", 0600);
    log::info("https: facility %d activated; device credential in %s", fac.hospnum, fac.https.device_file.c_str());
}

std::unique_ptr<Transport> make_transport(const app::Facility& fac) {
    if (fac.transport == app::TransportKind::https) return std::make_unique<HttpsTransport>(fac);
    return std::make_unique<FolderTransport>(fac.req_dir, fac.res_dir, fac.result_settle_ms);
}

}  // namespace onshi::oqs
