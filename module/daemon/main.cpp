// orca-onshid: runs queued requests, resumes unfinished ones at start, queues scheduled ones.
// The GLib main loop handles signals and schedules; one worker thread (its own database
// connection) claims and runs jobs, so a slow OQS never blocks the loop. SIGTERM/SIGINT: the
// worker finishes the step it is in (a result is committed whole or not at all) and the daemon exits.
#include <config.h>

#include "app/config.hpp"
#include "core/dates.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/schedule.hpp"
#include "db/pg.hpp"
#include "onshi_batch/codec.hpp"
#include "onshi_batch/job.hpp"
#include "p031_bridge/ingest.hpp"
#include "web/server.hpp"

#define G_LOG_DOMAIN "orca-onshi"
#include <glib-unix.h>
#include <glib.h>

#include <atomic>
#include <cstdio>
#include <ctime>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace {

using namespace onshi;

struct Daemon {
    std::optional<std::string> config_path;
    std::shared_ptr<const app::Config> cfg;
    std::mutex cfg_mutex;
    std::atomic<bool> stopping{false};
    GMainLoop* loop = nullptr;
    bool verbose = false;

    std::shared_ptr<const app::Config> config() {
        std::lock_guard<std::mutex> g(cfg_mutex);
        return cfg;
    }
};

// INFO and up to journald (under systemd) or stderr; DEBUG only with --verbose.
GLogWriterOutput writer(GLogLevelFlags level, const GLogField* fields, gsize n, gpointer data) {
    const auto* d = static_cast<const Daemon*>(data);
    if ((level & G_LOG_LEVEL_DEBUG) && !d->verbose) return G_LOG_WRITER_HANDLED;
    if (g_log_writer_is_journald(fileno(stderr)) && g_log_writer_journald(level, fields, n, nullptr) == G_LOG_WRITER_HANDLED)
        return G_LOG_WRITER_HANDLED;
    return g_log_writer_standard_streams(level, fields, n, nullptr);
}

int min_poll_ms(const app::Config& cfg) {
    int ms = 2000;
    for (const auto& [n, f] : cfg.facilities) ms = std::min(ms, f.poll_interval_ms);
    return ms;
}

// Sleeps up to ms, waking early when the daemon stops.
void nap(const Daemon& d, int ms) {
    for (int left = ms; left > 0 && !d.stopping; left -= 100) g_usleep(static_cast<gulong>(std::min(left, 100)) * 1000);
}

void worker(Daemon* d) {
    std::unique_ptr<db::Connection> db;
    const std::string termid = bridge::default_termid();
    while (!d->stopping) {
        const auto cfg = d->config();
        try {
            if (!db) db = std::make_unique<db::Connection>(cfg->conninfo);
            std::vector<int> mine;
            for (const auto& [n, f] : cfg->facilities) mine.push_back(n);
            const std::int64_t id = jobs::claim_next(*db, mine);
            if (id == 0) {
                nap(*d, min_poll_ms(*cfg));
                continue;
            }
            const auto job = jobs::load(*db, id);
            const auto it = cfg->facilities.find(job.hospnum);
            log::info("job %lld (%s, facility %d): %s", static_cast<long long>(id), job.kind.c_str(), job.hospnum,
                      job.state == "queued" ? "starting" : ("resuming from " + job.state).c_str());
            const auto progress = [](const jobs::Job& j, std::string_view what) {
                log::info("job %lld: %.*s (%s)", static_cast<long long>(j.id), static_cast<int>(what.size()), what.data(), j.state.c_str());
            };
            const auto end = jobs::run(*db, it->second, id, jobs::RunOptions{termid, [d] { return d->stopping.load(); }}, progress);
            jobs::release_claim(*db, id);
            if (end.finished())
                log::info("job %lld %s%s%s", static_cast<long long>(id), end.state.c_str(), end.error.empty() ? "" : ": ", end.error.c_str());
        } catch (const Error& e) {
            log::warning("%s", e.what());
            db.reset();  // a new connection next time; the job stays resumable
            nap(*d, 5000);
        } catch (const std::exception& e) {
            log::warning("internal error: %s", e.what());
            db.reset();
            nap(*d, 5000);
        }
    }
    g_main_loop_quit(d->loop);
}

// Queues the scheduled jobs whose slot has come (once per slot, whatever the number of daemons).
gboolean check_schedules(gpointer data) {
    auto* d = static_cast<Daemon*>(data);
    const auto cfg = d->config();
    bool any = false;
    for (const auto& [n, f] : cfg->facilities) any |= !f.schedules.empty();
    if (!any || d->stopping) return G_SOURCE_CONTINUE;
    try {
        db::Connection db(cfg->conninfo);
        const std::time_t now = std::time(nullptr);
        for (const auto& [hospnum, f] : cfg->facilities) {
            for (const auto& [kind, text] : f.schedules) {
                const auto slot = last_slot(parse_schedule(text), now);
                if (now - slot.at > kCatchUpSeconds) continue;
                jobs::Params p;
                p.apply_defaults(kind, dates::today());
                if (const auto id = jobs::create_scheduled(db, hospnum, kind, p, slot.text))
                    log::info("job %lld queued by schedule_%s (%s)", static_cast<long long>(id), kind.c_str(), slot.text.c_str());
            }
        }
    } catch (const Error& e) {
        log::warning("schedules: %s", e.what());
    }
    return G_SOURCE_CONTINUE;
}

// ORCA's 同意一括 button: adopt the requests it left in tbl_jobkanri (no LISTEN/NOTIFY from ORCA: poll).
gboolean check_orca_requests(gpointer data) {
    auto* d = static_cast<Daemon*>(data);
    const auto cfg = d->config();
    if (d->stopping) return G_SOURCE_CONTINUE;
    try {
        std::unique_ptr<db::Connection> db;
        for (const auto& [n, f] : cfg->facilities) {
            if (!f.serve_orca_jobs) continue;
            if (!db) db = std::make_unique<db::Connection>(cfg->conninfo);
            jobs::adopt_orca_requests(*db, f);
        }
    } catch (const Error& e) {
        log::warning("ORCA requests: %s", e.what());
    }
    return G_SOURCE_CONTINUE;
}

gboolean on_stop(gpointer data) {
    auto* d = static_cast<Daemon*>(data);
    if (!d->stopping.exchange(true)) log::info("stopping: finishing the current step");
    return G_SOURCE_CONTINUE;
}

gboolean on_reload(gpointer data) {
    auto* d = static_cast<Daemon*>(data);
    try {
        auto fresh = std::make_shared<const app::Config>(app::load_config(d->config_path));
        std::lock_guard<std::mutex> g(d->cfg_mutex);
        if (fresh->web.listen != d->cfg->web.listen)
            log::warning("web: [web] listen changed to '%s': takes effect at the next start", fresh->web.listen.c_str());
        d->cfg = std::move(fresh);
        log::info("configuration reloaded");
    } catch (const Error& e) {
        log::warning("reload refused, keeping the running configuration: %s", e.what());
    }
    return G_SOURCE_CONTINUE;
}

}  // namespace

constexpr const char* kUsage =
    "usage: orca-onshid [--config FILE] [--verbose]\n"
    "オンライン資格確認の常駐プロセス: 日レセからの一括照会依頼と予定 (schedule) を実行し、結果を日レセの\n"
    "テーブル (P031) に書き込み、画面 ([web] listen) を提供します。\n"
    "  --config FILE   the configuration (else $ORCA_ONSHI_CONFIG, else /etc/orca-onshi/orca-onshi.conf + conf.d/*.conf)\n"
    "  --verbose       debug messages too\n"
    "  --version       print the version\n"
    "  -h, --help      this help\n";

int main(int argc, char** argv) {
    Daemon d;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--config" && i + 1 < argc) d.config_path = argv[++i];
        else if (a.starts_with("--config=")) d.config_path = a.substr(9);
        else if (a == "--verbose") d.verbose = true;
        else if (a == "--version") { std::printf("orca-onshid %s\n", PACKAGE_VERSION); return 0; }
        else if (a == "--help" || a == "-h") { std::fputs(kUsage, stdout); return 0; }
        else {
            std::fprintf(stderr, "orca-onshid: unknown option %s\n%s", a.c_str(), kUsage);
            return exit_status(Errc::usage);
        }
    }
    g_log_set_writer_func(writer, &d, nullptr);
    try {
        oqs::init_codec();
        d.cfg = std::make_shared<const app::Config>(app::load_config(d.config_path));
        db::Connection probe(d.cfg->conninfo);
        if (db::schema_version(probe) != db::current_schema_version())
            throw Error(Errc::database, "the module schema is not current: run 'orca-onshi db migrate'");
    } catch (const Error& e) {
        std::fprintf(stderr, "orca-onshid: %s\n", e.what());
        return exit_status(e.code());
    }
    d.loop = g_main_loop_new(nullptr, FALSE);
    g_unix_signal_add(SIGTERM, on_stop, &d);
    g_unix_signal_add(SIGINT, on_stop, &d);
    g_unix_signal_add(SIGHUP, on_reload, &d);
    check_schedules(&d);
    g_timeout_add_seconds(20, check_schedules, &d);
    g_timeout_add(2000, check_orca_requests, &d);
    std::unique_ptr<web::Server> server;
    if (!d.cfg->web.listen.empty()) {
        try {
            server = std::make_unique<web::Server>([&d] { return d.config(); });
        } catch (const Error& e) {
            std::fprintf(stderr, "orca-onshid: %s\n", e.what());
            g_main_loop_unref(d.loop);
            return exit_status(e.code());
        }
        log::info("web: screens at %s (%s)", server->url().c_str(),
                  server->login_always() ? "login required" : "loopback: login only with a users file");
    }
    log::info("orca-onshid %s started (%zu facilities)", PACKAGE_VERSION, d.cfg->facilities.size());
    std::thread w(worker, &d);
    g_main_loop_run(d.loop);
    d.stopping = true;
    w.join();
    server.reset();
    g_main_loop_unref(d.loop);
    log::info("orca-onshid stopped");
    return 0;
}
