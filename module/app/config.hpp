// Configuration: /etc/orca-onshi/orca-onshi.conf, then conf.d/*.conf beside it in lexical order
// (later wins). --config FILE or ORCA_ONSHI_CONFIG names another main file. GKeyFile syntax.
#pragma once

#include "core/model.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace onshi::app {

inline constexpr const char* kDefaultConfigPath = "/etc/orca-onshi/orca-onshi.conf";

// transport = https (資格確認限定型: no 資格確認端末, no shares): module/onshi_batch/https.hpp.
struct Https {
    std::string base_url;        // https://... (TLS verification cannot be turned off)
    std::string user_id;
    std::string password_file;   // the password, one line; mode 0600 or 0640, else refused
    std::string activation_code; // 12 digits, per device: used once by `orca-onshi activate`
    std::string device_file;     // the device credential activation stored (default /var/lib/orca-onshi/device-<hospnum>)
    std::string client_cert, client_key, ca_file, proxy;  // optional; proxy '' = https_proxy from the environment
    int connect_timeout_s = 10;
    int total_timeout_s = 60;
};

// How request and result files travel (`transport =`); text only in the configuration file.
enum class TransportKind { folder, https };
const char* to_text(TransportKind t);                                // "folder", "https"
std::optional<TransportKind> transport_from_text(std::string_view text);  // nullopt for any other text

struct Facility {
    int hospnum = 0;
    std::string institution_code;   // 10-digit 医療機関コード
    TransportKind transport = TransportKind::folder;
    std::string req_dir, res_dir;      // folder: the shares; https: local spool (default /var/lib/orca-onshi/spool/<hospnum>/req|res)
    Https https;
    std::string archive_dir;        // processed result files are moved here (kept for `ingest`); '' = removed
    int poll_interval_ms = 2000;
    int result_timeout_s = 600;
    Style p031_mark = Style::star;   // star (★ in 【全体】) or consent (訪/オ under the 同意 views); never facility
    bool serve_orca_jobs = false;    // run the 同意一括 requests ORCA's P031/P0311 puts in tbl_jobkanri
    int result_settle_ms = 1000;    // a result must be unchanged this long before it is read
    std::string pdf_dir = "/var/lib/orca-onshi/pdf";  // 薬剤/特定健診 PDFs, per facility below it
    // Schedules for the daemon, by kind: "daily HH:MM" or "monthly D HH:MM" (D = 1-28).
    std::map<std::string, std::string> schedules;
};


// [web]: the screens' HTTP server in orca-onshid (module/web).
struct Web {
    std::string listen;                                  // host:port; '' = no web server
    std::string users_file = "/etc/orca-onshi/users";   // name:role:hash lines
    std::string static_dir;                              // the screens (HTML/JS/CSS)
    // Names the screens answer to besides the listen address and localhost (DNS rebinding: any
    // other Host is refused). Lower case, no port.
    std::vector<std::string> server_names;
    // TLS certificate and key (PEM). Empty: the package's (kPackageTlsCert/Key) off loopback, plain
    // HTTP on loopback.
    std::string tls_cert, tls_key;
    // A response the client does not read: its connection is closed after this long without progress.
    int write_timeout_s = 60;
};

inline constexpr const char* kPackageTlsCert = "/etc/orca-onshi/tls/orca-onshi.crt";
inline constexpr const char* kPackageTlsKey = "/etc/orca-onshi/tls/orca-onshi.key";

struct Config {
    std::string conninfo;
    Web web;  // libpq conninfo; empty = the libpq environment (PGHOST, PGDATABASE, ...)
    std::map<int, Facility> facilities;
    std::vector<std::string> files;  // what was read, in order

    // Throws Error(config) naming the facility when it is not configured.
    [[nodiscard]] const Facility& facility(int hospnum) const;
};

// Throws Error(Errc::config) naming file, group and key for anything unknown or invalid.
Config load_config(const std::optional<std::string>& path);

}  // namespace onshi::app
