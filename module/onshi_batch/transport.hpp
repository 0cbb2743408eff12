// How request files reach OQS and result files come back: the 連携アプリ's shared folders
// (folder.hpp) or HTTPS for 資格確認限定型 facilities (https.hpp). A job (job.cpp) sees only this:
// it stages a request, persists that it sent it, publishes it (again after a crash: publishing is
// idempotent), then looks for a rejection or a result, which always arrives as a local file.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace onshi::app { struct Facility; }

namespace onshi::oqs {

class Transport {
public:
    virtual ~Transport() = default;
    // Keeps `content` durably under `name`, not sent yet.
    virtual void stage(const std::string& name, const std::string& content) = 0;
    // Sends the staged request if it is still staged; true if it did.
    virtual bool publish(const std::string& name) = 0;
    // OQS's rejection of a request (the .err text), if any.
    virtual std::optional<std::string> rejection(const std::string& request_name) = 0;
    // The local path of the complete result <stem><ext> (first of `exts`), once there is one.
    virtual std::optional<std::string> stable_result(const std::string& stem, const std::vector<std::string>& exts) = 0;
    // After stable_result found <stem><ext> present but not yet complete: when it is worth looking
    // again (core/settle.hpp), sooner than the poll; nullopt when there is nothing to look at again.
    virtual std::optional<long> next_look_ms(const std::string& /*stem*/, const std::vector<std::string>& /*exts*/) { return std::nullopt; }
    // Done with a result: moved into `archive_dir` (mode 0600) when one is set, else removed.
    virtual void retire_result(const std::string& path, const std::string& archive_dir) = 0;
};

// The facility's transport (`transport = folder | https`). Error(config) when it cannot be set up.
std::unique_ptr<Transport> make_transport(const app::Facility& fac);

}  // namespace onshi::oqs
