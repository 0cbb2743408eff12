// The HTTPS transport (資格確認限定型 facilities: no 資格確認端末, no shared folders). libcurl.
//
// The service's wire format is not public. What this module sends is ours, kept in ONE place (the
// "wire" section of https.cpp) so it can be replaced when the real contract is known [?]:
//   POST {base}/v1/devices/activate  form institution_code, user_id, password, activation_code
//                                    → 200 text "device_token=<token>"; 403 wrong activation code
//   POST {base}/v1/sessions          form institution_code, user_id, password, device_token
//                                    → 200 text "session=<token>\nexpires_in=<s>"; 401 bad login
//   PUT  {base}/v1/requests/<file>   the request XML, Authorization: Bearer <session>
//                                    → 200/201 accepted (again: idempotent by file name);
//                                      400 with the reason: OQS rejected it (kept as <base>.err)
//   GET  {base}/v1/results/<stem>    → 200 the result, Content-Disposition filename <stem>.xml|zip|pdf;
//                                      404 not yet; 409 with the reason: the request was rejected
//   401 on any call with a session: the session expired (renewed once, then the call again).
// The messages themselves are the same XML files as on the folder transport: 01req → 受付番号 in
// 01res → 02req → 02res (処理中 or the result), so every target, the daemon, the bridge and the
// screens work unchanged.
//
// Locally the transport keeps a spool (req_dir: staged and sent requests; res_dir: fetched results),
// so a request staged before a crash is sent after it, and a fetched result is a local file like a
// folder result.
#pragma once

#include "app/config.hpp"
#include "core/retry.hpp"
#include "onshi_batch/folder.hpp"
#include "onshi_batch/transport.hpp"

#include <memory>
#include <mutex>
#include <string>

namespace onshi::oqs {

// A password file: a regular file, mode 0600 or 0640 (owner read, no group write, nothing for
// others), one line. Error(config) naming the file and the mode otherwise.
std::string read_password_file(const std::string& path);

class HttpClient;

// One facility's connection to the service: the curl handle (kept: keep-alive), the session.
class HttpsSession {
public:
    explicit HttpsSession(const app::Facility& fac);
    ~HttpsSession();
    HttpsSession(const HttpsSession&) = delete;
    HttpsSession& operator=(const HttpsSession&) = delete;

    struct Reply {
        long status = 0;
        std::string body, content_type, filename;
    };
    // A call with the session (logging in first, and once more on 401). Several runner threads may
    // call at once: the calls of one facility take turns on its handle.
    Reply call(const char* method, const std::string& path, const std::string& body, const std::string& content_type);
    // A fresh login now (doctor): Error with the reason when it fails.
    void check_login() {
        session_.clear();
        login();
    }
    // The device activation (orca-onshi activate): returns the device token.
    std::string activate(const std::string& activation_code);

private:
    void login();
    app::Facility fac_;
    std::unique_ptr<HttpClient> http_;
    std::string session_;
    std::mutex mu_;
};

// The session of a facility for this process (one per hospnum, kept between jobs).
std::shared_ptr<HttpsSession> https_session(const app::Facility& fac);

class HttpsTransport final : public Transport {
public:
    explicit HttpsTransport(const app::Facility& fac);
    void stage(const std::string& name, const std::string& content) override;
    bool publish(const std::string& name) override;
    std::optional<std::string> rejection(const std::string& request_name) override;
    std::optional<std::string> stable_result(const std::string& stem, const std::vector<std::string>& exts) override;
    void retire_result(const std::string& path, const std::string& archive_dir) override;

private:
    app::Facility fac_;
    FolderTransport local_;
    std::shared_ptr<HttpsSession> session_;
};

// orca-onshi activate: exchanges the facility's activation_code for a device credential and stores
// it in device_file (mode 0600). Error(config) with the reason when refused.
void activate_device(const app::Facility& fac);

}  // namespace onshi::oqs
