// `serve --https`: the simulator as the internet-facing service of a 資格確認限定型 facility. A libsoup-3
// HTTPS server (certificate from a test CA made at test time) in front of the simulator's own request
// and result folders, speaking the contract of module/onshi_batch/https.hpp (the client's one place
// for it): activation, sessions, PUT of request files, GET of results. Faults on demand for the
// client's retry, renewal and TLS handling.
#pragma once

#include <memory>
#include <string>

namespace onshi::sim {

struct HttpsOptions {
    int port = 0;                    // 0: any free port, written to port_file
    std::string port_file;
    std::string cert_file, key_file; // PEM
    std::string user_id, password_file, activation_code;
    std::string req_dir, res_dir;    // the simulator's own folders (never the client's spool)
    // faults
    int delay_ms = 0;                // every answer this much later (slow responses)
    int fail_503 = 0;                // the first N calls after login answer 503 with Retry-After
    int retry_after_s = 1;
    int drop = 0;                    // the first N calls after login: connection closed, no answer
    int session_calls = 0;           // a session expires after N calls (401); 0 = never
    bool reject_put = false;         // PUT of a request answers 400 (OQS refuses it)
};

class HttpsFront {
public:
    // Listens now (Error(io) when it cannot) and serves on a thread of its own until destroyed.
    explicit HttpsFront(const HttpsOptions& o);
    ~HttpsFront();
    HttpsFront(const HttpsFront&) = delete;
    HttpsFront& operator=(const HttpsFront&) = delete;
    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace onshi::sim
