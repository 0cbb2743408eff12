// The folder transport: the 連携アプリ's REQ and RES shares (often CIFS mounts, where inotify sees no
// other machine's writes: the jobs poll; the daemon also watches them for files written locally).
// Requests are staged under a dot-name and renamed into place (atomic); a result is handed out only
// once core/settle.hpp's rule says so: the same size and time at two looks, and either it ends as its
// format ends and is 100 ms old, or it is settle_ms old (the 連携アプリ, or a CIFS client, may still
// be writing it in pieces).
#pragma once

#include "core/settle.hpp"
#include "onshi_batch/transport.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace onshi::oqs {

class FolderTransport final : public Transport {
public:
    FolderTransport(std::string req_dir, std::string res_dir, int settle_ms);

    // Writes `content` to req_dir/.<name>.tmp and syncs it; the request is not visible yet.
    void stage(const std::string& name, const std::string& content) override;
    // Renames the staged file into place if it is still staged; true if it did.
    bool publish(const std::string& name) override;
    [[nodiscard]] bool is_staged(const std::string& name) const;
    // For a transport that sends staged requests itself (HTTPS): the content, if still staged, and
    // removing it once sent.
    [[nodiscard]] std::optional<std::string> staged_content(const std::string& name) const;
    void drop_staged(const std::string& name);

    // The first of res_dir/<stem><ext> for ext in `exts` that exists and has stopped changing.
    // Symlinks and non-regular files are refused (Error io).
    std::optional<std::string> stable_result(const std::string& stem, const std::vector<std::string>& exts) override;
    std::optional<long> next_look_ms(const std::string& stem, const std::vector<std::string>& exts) override;
    // res_dir/<request basename>.err (OQS rejected the request), its text if present.
    std::optional<std::string> rejection(const std::string& request_name) override;

    // Done with a result: moved into `archive_dir` (mode 0600) when one is set, else removed.
    void retire_result(const std::string& path, const std::string& archive_dir) override;
    [[nodiscard]] const std::string& res_dir() const { return res_dir_; }
    [[nodiscard]] const std::string& req_dir() const { return req_dir_; }

private:
    std::string req_dir_, res_dir_;
    int settle_ms_;
    struct Seen { settle::Look look; long recheck_ms; };
    std::map<std::string, Seen> seen_;
    [[nodiscard]] std::string staged_path(const std::string& name) const;
};

// "OQSmuhvq01req_X.xml" -> "OQSmuhvq01req_X"
std::string basename_without_ext(const std::string& name);

}  // namespace onshi::oqs
