// orca-onshi doctor: checks ORCA's live database and the facility configuration, one finding each.
// Deliberately not cli::connect(): an old or missing module schema is a finding here, not a refusal.
#include "app/doctor_run.hpp"
#include "app/unique_fd.hpp"
#include "core/handle.hpp"

#include "onshi_batch/https.hpp"
#include "p031_bridge/orca_queries.hpp"

#include "app/clock.hpp"
#include "core/dates.hpp"
#include "core/error.hpp"
#include "db/conninfo.hpp"
#include "db/pg.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <set>

namespace onshi::app::doctor {

namespace {

class Report {
public:
    explicit Report(const std::function<void(const Finding&)>& each) : each_(each) {}
    void add(Finding f) {
        if (each_) each_(f);
        all_.push_back(std::move(f));
    }
    void add(const std::vector<Finding>& fs) {
        for (const auto& f : fs) add(f);
    }
    [[nodiscard]] std::vector<Finding>& all() { return all_; }

private:
    const std::function<void(const Finding&)>& each_;
    std::vector<Finding> all_;
};

std::string errtext(int e) { return std::strerror(e); }
std::string prefix(int hospnum, const char* key, const std::string& dir) {
    return "[facility " + std::to_string(hospnum) + "] " + key + " " + dir;
}

// Creates and removes .orca-onshi-doctor.<pid> in dir; "" on success, else the errno text.
std::string probe_write(const std::string& dir) {
    const std::string p = dir + "/.orca-onshi-doctor." + std::to_string(getpid());
    UniqueFd fd(::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!fd) return errtext(errno) + " (creating " + p + ")";
    const bool wrote = ::write(fd.get(), "x", 1) == 1;
    const int werr = errno;
    fd.reset();
    if (::unlink(p.c_str()) != 0) return errtext(errno) + " (removing " + p + ")";
    if (!wrote) return errtext(werr) + " (writing " + p + ")";
    return "";
}

// An existing directory: "" or the errno text.
std::string existing_dir(const std::string& dir) {
    struct stat st{};
    if (::stat(dir.c_str(), &st) != 0) return errtext(errno);
    if (!S_ISDIR(st.st_mode)) return errtext(ENOTDIR);
    return "";
}

Finding check_req_dir(int h, const std::string& dir) {
    const std::string what = prefix(h, "req_dir", dir);
    if (dir.empty()) return {Level::err, "[facility " + std::to_string(h) + "] req_dir is not set"};
    if (auto e = existing_dir(dir); !e.empty()) return {Level::err, what + " is not usable", e};
    if (auto e = probe_write(dir); !e.empty()) return {Level::err, what + " is not writable", e};
    return {Level::ok, what + " exists and is writable"};
}

std::vector<Finding> check_res_dir(int h, const std::string& dir) {
    const std::string what = prefix(h, "res_dir", dir);
    if (dir.empty()) return {{Level::err, "[facility " + std::to_string(h) + "] res_dir is not set"}};
    DIR* d = ::opendir(dir.c_str());
    if (!d) return {{Level::err, what + " is not readable", errtext(errno)}};
    errno = 0;
    while (::readdir(d) != nullptr) {
    }
    const int rerr = errno;
    ::closedir(d);
    if (rerr != 0) return {{Level::err, what + " is not readable", errtext(rerr)}};
    std::vector<Finding> out{{Level::ok, what + " exists and is readable"}};
    if (::access(dir.c_str(), W_OK | X_OK) != 0)
        out.push_back({Level::warn, what + " is not writable", errtext(errno) + "; processed results cannot be moved away"});
    return out;
}

// archive_dir, pdf_dir: an existing writable directory, or one that can be created.
std::optional<Finding> check_optional_dir(int h, const char* key, const std::string& dir) {
    if (dir.empty()) return std::nullopt;
    const std::string what = prefix(h, key, dir);
    struct stat st{};
    if (::stat(dir.c_str(), &st) == 0) {
        if (!S_ISDIR(st.st_mode)) return Finding{Level::err, what + " is not usable", errtext(ENOTDIR)};
        if (auto e = probe_write(dir); !e.empty()) return Finding{Level::err, what + " is not writable", e};
        return Finding{Level::ok, what + " exists and is writable"};
    }
    if (errno != ENOENT) return Finding{Level::err, what + " is not usable", errtext(errno)};
    // Does not exist: the nearest existing ancestor must be a directory we may create entries in.
    std::string parent = dir;
    while (true) {
        while (parent.size() > 1 && parent.back() == '/') parent.pop_back();
        const auto slash = parent.rfind('/');
        parent = slash == std::string::npos ? "." : slash == 0 ? "/" : parent.substr(0, slash);
        if (::stat(parent.c_str(), &st) == 0) break;
        if (errno != ENOENT) return Finding{Level::err, what + " cannot be created", errtext(errno) + " (" + parent + ")"};
        if (parent == "/" || parent == ".") break;
    }
    if (!S_ISDIR(st.st_mode)) return Finding{Level::err, what + " cannot be created", errtext(ENOTDIR) + " (" + parent + ")"};
    if (::access(parent.c_str(), W_OK | X_OK) != 0)
        return Finding{Level::err, what + " cannot be created", errtext(errno) + " (" + parent + ")"};
    return Finding{Level::ok, what + " does not exist yet and can be created (under " + parent + ")"};
}

// The screens' certificate: readable, in its dates (WARN 30 days before the end), the key its own.
std::vector<Finding> check_tls(const Web& web) {
    std::string cert = web.tls_cert, key = web.tls_key;
    std::string host = web.listen.substr(0, web.listen.rfind(':'));
    const bool loopback = host == "127.0.0.1" || host == "[::1]";
    struct stat st {};
    if (cert.empty()) {
        // The package's certificate: needed off loopback, checked whenever it is there.
        const bool there = ::stat(kPackageTlsCert, &st) == 0;
        if (web.listen.empty() || (loopback && !there)) return {};
        cert = kPackageTlsCert;
        key = kPackageTlsKey;
    }
    const std::string what = "[web] TLS certificate " + cert;
    std::vector<Finding> out;
    using Bio = Handle<BIO*, BIO_free>;
    const Bio cb(BIO_new_file(cert.c_str(), "r"));
    if (!cb) return {{Level::err, what + " is not readable", errtext(errno)}};
    const Handle<X509*, X509_free> x(PEM_read_bio_X509(cb.get(), nullptr, nullptr, nullptr));
    if (!x) return {{Level::err, what + " is not a PEM certificate"}};
    int days = 0, secs = 0;
    if (X509_cmp_current_time(X509_get0_notBefore(x.get())) > 0) out.push_back({Level::err, what + " is not valid yet", "its notBefore is in the future"});
    ASN1_TIME_diff(&days, &secs, nullptr, X509_get0_notAfter(x.get()));
    const std::string left = std::to_string(days) + " days left";
    if (days < 0 || (days == 0 && secs <= 0))
        out.push_back({Level::err, what + " has expired", "browsers refuse it: make a new one (see orca-onshi.conf(5), tls_cert)"});
    else if (days < 30)
        out.push_back({Level::warn, what + " expires soon (" + left + ")", "make a new one before it does"});
    const Bio kb(BIO_new_file(key.c_str(), "r"));
    bool key_checked = false;
    if (!kb) {
        const int e = errno;  // as another user than root: the key is root:orca-onshi 0640
        out.push_back({e == EACCES ? Level::warn : Level::err, "[web] TLS key " + key + " is not readable", errtext(e)});
    } else {
        const Handle<EVP_PKEY*, EVP_PKEY_free> k(PEM_read_bio_PrivateKey(kb.get(), nullptr, nullptr, nullptr));
        if (!k) out.push_back({Level::err, "[web] TLS key " + key + " is not a PEM private key (without a passphrase)"});
        else if (X509_check_private_key(x.get(), k.get()) != 1)
            out.push_back({Level::err, "[web] TLS key " + key + " does not belong to " + cert, "browsers cannot connect"});
        else key_checked = true;
    }
    if (::stat(key.c_str(), &st) == 0 && (st.st_mode & 0007))
        out.push_back({Level::err, "[web] TLS key " + key + " is readable by others", "chmod 0640 it (owner root, group orca-onshi)"});
    bool bad = false;
    for (const auto& f : out) bad |= f.level == Level::err;
    if (!bad) out.push_back({Level::ok, what + " is in its dates (" + left + ")" + (key_checked ? " and the key belongs to it" : "")});
    return out;
}

std::string conn_label(db::Connection& c) {
    const auto w = db::server_identity(c);
    return "database " + w.dbname + " reachable (host " + w.host + " port " + w.port + " user " + w.user + ")";
}

// The required tables that resolve through the search path, and their columns in the schema each
// resolves to.
void schema_facts(db::Connection& c, std::vector<std::string>& present, std::vector<ColumnFact>& facts) {
    std::vector<bridge::CatalogColumn> cols;
    bridge::table_catalog(c, required_tables(), present, cols);
    for (auto& col : cols) {
        ColumnFact f{std::move(col.table), std::move(col.column), std::move(col.data_type), col.char_max_length};
        f.not_null = col.not_null;
        f.has_default = col.has_default;
        facts.push_back(std::move(f));
    }
}

}  // namespace

std::vector<Finding> run(const Config& cfg, std::optional<int> only_hospnum, const std::function<void(const Finding&)>& each) {
    Report rep(each);
    std::vector<const Facility*> facs;
    if (only_hospnum) {
        const int h = *only_hospnum;
        const auto it = cfg.facilities.find(h);
        if (it != cfg.facilities.end()) facs.push_back(&it->second);
        else
            rep.add({Level::err, "[facility " + std::to_string(h) + "] is not configured",
                     "no [facility " + std::to_string(h) + "] group in the configuration"});
    } else {
        for (const auto& [h, f] : cfg.facilities) facs.push_back(&f);
        if (facs.empty()) rep.add({Level::warn, "no facility configured", "add a [facility N] group (N = ORCA hospnum)"});
    }

    std::optional<db::Connection> db;
    try {
        db.emplace(cfg.conninfo);
    } catch (const Error& e) {
        std::string msg;  // libpq's message on one line, single-spaced
        for (const char ch : std::string(e.what()))
            if (!((ch == ' ' || ch == '\t') && (msg.empty() || msg.back() == ' '))) msg += ch == '\t' ? ' ' : ch;
        rep.add({Level::err, msg});
    }
    bool syskanri = false;
    if (db) {
        // Each step on its own: one failing query is a finding, the others still run.
        const auto step = [&](const char* what, auto&& fn) {
            try {
                fn();
            } catch (const Error& e) {
                rep.add({Level::err, what, e.what()});
            }
        };
        step("database", [&] {
            rep.add({Level::ok, conn_label(*db)});
            rep.add(check_encoding(db->server_encoding()));
        });
        step("ORCA tables", [&] {
            std::vector<std::string> present;
            std::vector<ColumnFact> facts;
            schema_facts(*db, present, facts);
            for (const auto& t : present) syskanri |= t == "tbl_syskanri";
            rep.add(check_schema(present, facts));
        });
        step("module schema", [&] { rep.add(check_schema_version(db::schema_version(*db), db::current_schema_version())); });
    }
    if (!only_hospnum) rep.add(check_tls(cfg.web));
    const std::string today = dates::today();
    for (const Facility* f : facs) {
        const std::string h = std::to_string(f->hospnum);
        if (db) {
            try {
                if (!syskanri) {
                    rep.add({Level::warn, "[facility " + h + "] hospnum " + h + " not checked", "tbl_syskanri is missing"});
                } else {
                    rep.add(check_hospnum(f->hospnum, bridge::facility_info_rows(*db, f->hospnum)));
                }
            } catch (const Error& e) {
                rep.add({Level::err, "[facility " + h + "] hospnum " + h + " not checked", e.what()});
            }
        }
        if (f->p031_mark != Style::consent) {
            rep.add(check_p031_mark(f->hospnum, f->p031_mark, std::nullopt, f->schedules));
        } else if (db && syskanri) {
            try {
                const std::optional<std::string> k1051 = bridge::online_settings_1051(*db, f->hospnum, today);
                rep.add(check_p031_mark(f->hospnum, f->p031_mark, k1051, f->schedules));
            } catch (const Error& e) {
                rep.add({Level::err, "[facility " + h + "] 1051 (オンライン資格確認) not checked", e.what()});
            }
        } else if (db) {
            rep.add({Level::warn, "[facility " + h + "] 1051 HOUMON/ONLINE not checked", "tbl_syskanri is missing"});
        }
        if (f->transport == TransportKind::https) {
            // 資格確認限定型: a local spool, the secrets, the activation, and a real login (TLS verified)
            if (auto x = check_optional_dir(f->hospnum, "req_dir", f->req_dir)) rep.add(*x);
            if (auto x = check_optional_dir(f->hospnum, "res_dir", f->res_dir)) rep.add(*x);
            const std::string fac = "[facility " + h + "] ";
            bool usable = true;
            try {
                std::string pw = oqs::read_password_file(f->https.password_file);
                explicit_bzero(pw.data(), pw.size());
                rep.add({Level::ok, fac + "password_file " + f->https.password_file + " is readable and not readable by others"});
            } catch (const Error& e) {
                usable = false;
                rep.add({Level::err, fac + "password_file", e.what()});
            }
            struct stat st {};
            if (::stat(f->https.device_file.c_str(), &st) != 0) {
                usable = false;
                rep.add({Level::err, fac + "not activated (no " + f->https.device_file + ")", "run orca-onshi activate --hospnum " + h});
            } else {
                rep.add({Level::ok, fac + "activated (" + f->https.device_file + ")"});
            }
            if (usable) {
                try {
                    oqs::https_session(*f)->check_login();
                    rep.add({Level::ok, fac + "logged in to " + f->https.base_url + " as " + f->https.user_id + " (TLS verified)"});
                } catch (const Error& e) {
                    rep.add({Level::err, fac + "login to " + f->https.base_url, e.what()});
                }
            }
        } else {
            rep.add(check_req_dir(f->hospnum, f->req_dir));
            rep.add(check_res_dir(f->hospnum, f->res_dir));
        }
        if (auto x = check_optional_dir(f->hospnum, "archive_dir", f->archive_dir)) rep.add(*x);
        if (auto x = check_optional_dir(f->hospnum, "pdf_dir", f->pdf_dir)) rep.add(*x);
    }
    return std::move(rep.all());
}

}  // namespace onshi::app::doctor
