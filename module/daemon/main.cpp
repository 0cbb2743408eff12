// orca-onshid: runs queued requests, resumes unfinished ones at start, queues scheduled ones, and
// serves the screens.
//
// Two processes, so that the jobs never depend on the screens (a clinic PC runs this for months):
// - the main process: its GLib main loop handles signals and watches the screens process; the job
//   runner (a few step threads, each with its own database connection, see below) claims due jobs
//   and does one step of each, so a slow OQS never blocks the loop nor another job;
//   one more thread queues scheduled jobs and adopts ORCA's requests (no SQL on the loop);
//   one watches the folder facilities' result folders (inotify) so a result is looked at at once;
// - the screens process, the same program run with --screens by the main process: the web server
//   (module/web) on its own loop with its own descriptors and database connections. The main process
//   binds [web] listen (so a bad address is refused at start, as before) and hands the socket over as
//   descriptor 3. The screens process ends with the main process (PR_SET_PDEATHSIG); if it ends on
//   its own (a crash, SIGKILL, descriptors exhausted), the main process starts another one second
//   later (up to 30 s apart if it keeps dying) while jobs go on.
// SIGTERM/SIGINT: each step thread finishes the step it is in (a result is committed whole or not at all),
// the screens process is stopped and the daemon exits. SIGHUP: both re-read the configuration.
#include <config.h>

#include "app/config.hpp"
#include "core/callback.hpp"
#include "app/log_glib.hpp"
#include "app/clock.hpp"
#include "core/dates.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/schedule.hpp"
#include "db/listener.hpp"
#include "db/pg.hpp"
#include "db/session.hpp"
#include "onshi_batch/codec.hpp"
#include "jobs/job.hpp"
#include "p031_bridge/ingest.hpp"
#include "web/server.hpp"

#define G_LOG_DOMAIN "orca-onshi"
#include <gio/gio.h>
#include <glib-unix.h>
#include <glib.h>

#include "app/gobject.hpp"  // (after G_LOG_DOMAIN)
#include <sys/prctl.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <semaphore>
#include <unordered_set>
#include <cstdio>
#include <ctime>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>
#include <algorithm>

namespace {

using namespace onshi;

struct Daemon {
    std::optional<std::string> config_path;
    std::shared_ptr<const app::Config> cfg;
    std::mutex cfg_mutex;
    std::atomic<bool> stopping{false};
    std::mutex stop_mu;
    std::condition_variable stop_cv;  // naps end at once when stopping
    GMainLoopPtr loop;
    bool verbose = false;
    bool screens = false;  // this is the screens process
    // Main process: the screens process and how to (re)start it.
    std::string self_exe;
    GObjectPtr<GSocket> listening;
    GObjectPtr<GSubprocess> screens_proc;
    gint64 screens_started = 0;
    int respawn_ms = 1000;

    std::shared_ptr<const app::Config> config() {
        std::lock_guard<std::mutex> g(cfg_mutex);
        return cfg;
    }
    // Returns true the first time.
    bool stop() {
        const bool first = !stopping.exchange(true);
        {
            std::lock_guard<std::mutex> g(stop_mu);
        }
        stop_cv.notify_all();
        return first;
    }
};

// INFO and up to journald (under systemd) or stderr; DEBUG only with --verbose.
GLogWriterOutput writer(GLogLevelFlags level, const GLogField* fields, gsize n, gpointer data) noexcept {
    // (GLib's own writers; nothing here throws.)
    const auto* d = static_cast<const Daemon*>(data);
    if ((level & G_LOG_LEVEL_DEBUG) && !d->verbose) return G_LOG_WRITER_HANDLED;
    if (g_log_writer_is_journald(fileno(stderr)) && g_log_writer_journald(level, fields, n, nullptr) == G_LOG_WRITER_HANDLED)
        return G_LOG_WRITER_HANDLED;
    return g_log_writer_standard_streams(level, fields, n, nullptr);
}

// Sleeps up to ms, waking early when the daemon stops.
void nap(Daemon& d, long ms) {
    std::unique_lock<std::mutex> l(d.stop_mu);
    d.stop_cv.wait_for(l, std::chrono::milliseconds(ms), [&d] { return d.stopping.load(); });
}

// ---- the job runner ----------------------------------------------------------------------------
// kStepThreads threads, each with its own connection, claim a due job (jobs::claim_due), do its one
// step and claim the next: a job waiting for OQS is a row with a next_at, not a thread. At most
// kIngestSlots of them ingest at once, so a big result never holds every thread. When nothing is
// due they sleep until the next job is (at most 5 s), or until the listener hears a new job on the
// onshi_job channel (LISTEN; a trigger on onshi.job notifies whoever queues it).
constexpr int kStepThreads = 3;
constexpr int kIngestSlots = 2;
constexpr long kMaxIdleMs = 5000;
constexpr long kStepRetryMs = 5000;  // a step that failed on our side: again after this

// A facility's transport shared by the step threads, one call at a time: the folder transport
// remembers what it saw of a result file (it is complete once seen unchanged twice), the HTTPS one
// has one session per facility.
class SharedTransport final : public oqs::Transport {
public:
    explicit SharedTransport(const app::Facility& fac) : t_(oqs::make_transport(fac)) {}
    void stage(const std::string& name, const std::string& content) override {
        std::lock_guard g(mu_);
        t_->stage(name, content);
    }
    bool publish(const std::string& name) override {
        std::lock_guard g(mu_);
        return t_->publish(name);
    }
    std::optional<std::string> rejection(const std::string& request_name) override {
        std::lock_guard g(mu_);
        return t_->rejection(request_name);
    }
    std::optional<std::string> stable_result(const std::string& stem, const std::vector<std::string>& exts) override {
        std::lock_guard g(mu_);
        return t_->stable_result(stem, exts);
    }
    std::optional<long> next_look_ms(const std::string& stem, const std::vector<std::string>& exts) override {
        std::lock_guard g(mu_);
        return t_->next_look_ms(stem, exts);
    }
    void retire_result(const std::string& path, const std::string& archive_dir) override {
        std::lock_guard g(mu_);
        t_->retire_result(path, archive_dir);
    }

private:
    std::mutex mu_;
    std::unique_ptr<oqs::Transport> t_;
};

struct Runner {
    std::mutex mu;
    std::condition_variable cv;
    std::uint64_t generation = 0;  // moved by every wake-up: a sleeper wakes when it changed
    std::counting_semaphore<> ingest_slots{kIngestSlots};
    std::mutex seen_mu;
    std::unordered_set<std::int64_t> seen;  // jobs this process has picked up (their log line, attempts)

    std::uint64_t now_generation() {
        std::lock_guard g(mu);
        return generation;
    }
    void wake() {
        {
            std::lock_guard g(mu);
            ++generation;
        }
        cv.notify_all();
    }
    void sleep(const Daemon& d, std::uint64_t since, long ms) {
        std::unique_lock l(mu);
        cv.wait_for(l, std::chrono::milliseconds(ms), [&] { return generation != since || d.stopping; });
    }
    // True the first time this process picks the job up.
    bool first_time(std::int64_t id) {
        std::lock_guard g(seen_mu);
        if (seen.size() > 100000) seen.clear();  // jobs finished elsewhere (cancelled, another daemon): forget them
        return seen.insert(id).second;
    }
    void forget(std::int64_t id) {
        std::lock_guard g(seen_mu);
        seen.erase(id);
    }

    // The facility's transport for this configuration (a reload starts new ones).
    std::shared_ptr<SharedTransport> transport(const std::shared_ptr<const app::Config>& cfg, const app::Facility& fac) {
        std::lock_guard g(transports_mu);
        if (transports_cfg != cfg) {
            transports.clear();
            transports_cfg = cfg;
        }
        auto& t = transports[fac.hospnum];
        if (!t) t = std::make_shared<SharedTransport>(fac);
        return t;
    }

private:
    std::mutex transports_mu;
    std::shared_ptr<const app::Config> transports_cfg;
    std::map<int, std::shared_ptr<SharedTransport>> transports;
};

void step_worker(Daemon* d, Runner* r) {
    db::Session session;  // this thread's connection
    const std::string termid = bridge::default_termid();
    const auto progress = [](const jobs::Job& j, std::string_view what) {
        log::info("job %lld: %.*s (%s)", static_cast<long long>(j.id), static_cast<int>(what.size()), what.data(),
                  std::string(jobs::to_text(j.state)).c_str());
    };
    while (!d->stopping) {
        const auto cfg = d->config();
        const std::uint64_t gen = r->now_generation();
        try {
            db::Connection* db = &session.get(cfg->conninfo);
            std::vector<int> mine;
            for (const auto& [n, f] : cfg->facilities) mine.push_back(n);
            const auto claim = jobs::claim_due(*db, mine, kMaxIdleMs);
            if (claim.id == 0) {
                r->sleep(*d, gen, claim.wait_ms);
                continue;
            }
            if (claim.more) r->wake();  // more is due: another thread may take it meanwhile
            const std::int64_t id = claim.id;
            const auto it = cfg->facilities.find(claim.hospnum);
            if (r->first_time(id)) {
                const auto job = jobs::load(*db, id);
                log::info("job %lld (%s, facility %d): %s", static_cast<long long>(id), std::string(jobs::to_text(job.kind)).c_str(), job.hospnum,
                          job.state == jobs::State::queued ? "starting" : ("resuming from " + std::string(jobs::to_text(job.state))).c_str());
                jobs::count_attempt(*db, id);
            }
            std::optional<jobs::StepOutcome> out;
            try {
                const auto transport = r->transport(cfg, it->second);
                out = jobs::step(*db, it->second, *transport, id,
                                 jobs::RunOptions{termid, [d] { return d->stopping.load(); }, &r->ingest_slots}, progress);
            } catch (const std::exception& e) {
                // This job's trouble (its facility's folder, ...): it waits kStepRetryMs while the
                // others go on. If the connection is what failed, put_off throws too (below).
                log::warning("job %lld: %s; trying it again in %ld s", static_cast<long long>(id), e.what(), kStepRetryMs / 1000);
                jobs::put_off(*db, id, kStepRetryMs);
                jobs::release_claim(*db, id);
                continue;
            }
            jobs::release_claim(*db, id);
            if (out->job.finished()) {
                r->forget(id);
                log::info("job %lld %s%s%s", static_cast<long long>(id), std::string(jobs::to_text(out->job.state)).c_str(), out->job.error.empty() ? "" : ": ",
                          out->job.error.c_str());
            }
        } catch (const Error& e) {
            log::warning("%s", e.what());
            // A new connection next time, after a backoff (its claim ends with it); the job stays resumable.
            nap(*d, session.failed());
        } catch (const std::exception& e) {
            log::warning("internal error: %s", e.what());
            nap(*d, session.failed());
        }
    }
}

// Wakes the step threads when a job is queued or opened again (NOTIFY onshi_job), and once a second
// to see a stop.
void listener(Daemon* d, Runner* r) {
    db::Listener jobs_channel("onshi_job");
    while (!d->stopping) {
        try {
            if (jobs_channel.listen(d->config()->conninfo)) r->wake();  // what was queued while nobody listened
            if (!jobs_channel.wait(1000).empty()) r->wake();
        } catch (const Error& e) {
            log::warning("job wake-ups: %s", e.what());
            nap(*d, jobs_channel.failed());
        }
    }
    r->wake();  // the step threads see the stop at once
}

// Result folders watched (inotify, through GFileMonitor, on a main context of this thread's own): a
// result file written on this machine makes its facility's waiting jobs due at once rather than at
// their next poll. A CIFS share reports no file written by another machine (nor does NFS, nor a FUSE
// mount for what is written beneath it): a folder on such a file system (statfs) is also listed every
// kDirPollMs while a job of its facility awaits a result, and a name not there at the last listing
// does what an event does. The settle rule (core/settle.hpp) is the same whichever way a file is found.
constexpr guint kDirPollMs = 250;

// Whether a folder's file system may not report changes made by another machine (or beneath it).
bool events_unreliable(const std::string& dir, std::string& fs) {
    struct statfs st {};
    if (statfs(dir.c_str(), &st) != 0) return false;
    switch (static_cast<unsigned long>(st.f_type)) {
    case 0xFF534D42UL: fs = "cifs"; return true;   // CIFS_MAGIC_NUMBER
    case 0xFE534D42UL: fs = "smb2"; return true;   // SMB2_MAGIC_NUMBER
    case 0x517BUL: fs = "smb"; return true;        // SMB_SUPER_MAGIC
    case 0x6969UL: fs = "nfs"; return true;        // NFS_SUPER_MAGIC
    case 0x65735546UL: fs = "fuse"; return true;   // FUSE_SUPER_MAGIC (sshfs, bindfs, gvfs, ...)
    default: return false;
    }
}

class ResultWatcher {
public:
    ResultWatcher(Daemon* d, Runner* r) : d_(d), r_(r), ctx_(g_main_context_new()), loop_(g_main_loop_new(ctx_.get(), FALSE)) {}
    ~ResultWatcher() { clear(); }
    ResultWatcher(const ResultWatcher&) = delete;
    ResultWatcher& operator=(const ResultWatcher&) = delete;

    void run() {
        g_main_context_push_thread_default(ctx_.get());
        const GSourcePtr tick(g_timeout_source_new(1000));
        g_source_set_callback(tick.get(), on_tick, this, nullptr);
        g_source_attach(tick.get(), ctx_.get());
        on_tick(this);
        g_main_loop_run(loop_.get());
        clear();
        g_main_context_pop_thread_default(ctx_.get());
    }

private:
    struct Watch {
        ResultWatcher* w;
        int hospnum;
        GObjectPtr<GFileMonitor> monitor;
        GSourcePtr again;           // the second wake-up, pending
        std::unordered_set<std::int64_t> again_ids;
        std::string dir, fs;        // fs: the file system listed by the poll (empty: events suffice)
        GSourcePtr poll;            // the listing, while a job of the facility awaits a result
        std::unordered_set<std::string> listed;  // the names at the last listing
    };

    // The job a result or rejection file names (<prefix>01res_H01J00000012.xml,
    // <prefix>02res_H01J00000012P001.zip, <prefix>01req_H01J00000012.err: jobs::suffix), if any.
    static std::optional<std::int64_t> job_in_name(const std::string& name) {
        const auto at = name.find("_H");
        if (at == std::string::npos || at + 5 >= name.size()) return std::nullopt;
        std::size_t i = at + 2;
        while (i < name.size() && g_ascii_isdigit(name[i])) ++i;
        if (i == at + 2 || i >= name.size() || name[i] != 'J') return std::nullopt;
        std::int64_t id = 0;
        std::size_t digits = 0;
        for (++i; i < name.size() && g_ascii_isdigit(name[i]) && digits < 18; ++i, ++digits) id = id * 10 + (name[i] - '0');
        if (digits == 0) return std::nullopt;
        return id;
    }
    Daemon* d_;
    Runner* r_;
    GMainContextPtr ctx_;
    GMainLoopPtr loop_;
    std::shared_ptr<const app::Config> cfg_;
    std::vector<std::unique_ptr<Watch>> watches_;
    db::Session db_;  // this thread's connection
    bool polls_failed_ = false;  // the last look for awaiting jobs failed (warned once)

    void clear() {
        for (auto& w : watches_) {
            destroy_source(w->again);
            stop_poll(*w);
            if (!w->monitor) continue;
            g_signal_handlers_disconnect_by_data(w->monitor.get(), w.get());
            g_file_monitor_cancel(w->monitor.get());
            w->monitor.reset();
        }
        watches_.clear();
    }

    // GLib callbacks of this thread's loop (core/callback.hpp): nothing thrown through; the tick goes on.
    static gboolean on_tick(gpointer data) noexcept {
        return guarded("result folder watch", gboolean{G_SOURCE_CONTINUE}, [data] { return static_cast<ResultWatcher*>(data)->tick(); });
    }
    // Once a second: the stop, and a reloaded configuration (its folders watched afresh).
    gboolean tick() {
        auto* self = this;
        if (self->d_->stopping) {
            g_main_loop_quit(self->loop_.get());
            return G_SOURCE_REMOVE;
        }
        const auto cfg = self->d_->config();
        if (cfg == self->cfg_) {
            self->update_polls();
            return G_SOURCE_CONTINUE;
        }
        self->clear();
        self->cfg_ = cfg;
        self->db_.drop();
        for (const auto& [hospnum, f] : cfg->facilities) {
            if (f.transport != app::TransportKind::folder || f.res_dir.empty()) continue;
            auto w = std::make_unique<Watch>(Watch{self, hospnum});
            w->dir = f.res_dir;
            if (events_unreliable(f.res_dir, w->fs))
                log::info("facility %d: %s is on %s: listed every %u ms while a job awaits a result", hospnum, f.res_dir.c_str(),
                          w->fs.c_str(), kDirPollMs);
            const GObjectPtr<GFile> dir(g_file_new_for_path(f.res_dir.c_str()));
            GError* err = nullptr;
            w->monitor.reset(g_file_monitor_directory(dir.get(), G_FILE_MONITOR_WATCH_MOVES, nullptr, &err));
            if (!w->monitor) {
                log::warning("facility %d: cannot watch %s (%s): results are found by polling", hospnum, f.res_dir.c_str(), err ? err->message : "?");
                g_clear_error(&err);
                if (w->fs.empty()) continue;
            } else {
                g_signal_connect(w->monitor.get(), "changed", G_CALLBACK(on_changed), w.get());
            }
            log::debug("facility %d: watching %s", hospnum, f.res_dir.c_str());
            self->watches_.push_back(std::move(w));
        }
        self->update_polls();
        return G_SOURCE_CONTINUE;
    }

    // The listings run only for the facilities with a job awaiting a result (one query a second, and
    // only when some folder needs listing).
    void update_polls() {
        // A share mounted after the daemon started (over what was a local folder) is seen within a second:
        // statfs again each second, for the folders not known as shares (cheap on a local file system).
        for (auto& w : watches_)
            if (w->fs.empty() && events_unreliable(w->dir, w->fs))
                log::info("facility %d: %s is on %s now: listed every %u ms while a job awaits a result", w->hospnum, w->dir.c_str(),
                          w->fs.c_str(), kDirPollMs);
        if (std::none_of(watches_.begin(), watches_.end(), [](const auto& w) { return !w->fs.empty(); })) return;
        std::unordered_set<int> awaiting;
        try {
            for (const int h : db_.run(cfg_->conninfo, [](db::Connection& c) { return jobs::facilities_awaiting_results(c); }))
                awaiting.insert(h);
            polls_failed_ = false;
        } catch (const std::exception& e) {
            if (!polls_failed_) log::warning("result folder watch: %s", e.what());  // once, not every second
            polls_failed_ = true;
            (void)db_.failed();
            return;  // as they were
        }
        for (auto& w : watches_) {
            if (w->fs.empty()) continue;
            const bool want = awaiting.contains(w->hospnum);
            if (want && !w->poll) {
                w->listed.clear();  // everything there counts as new: it may have come while no listing ran
                list_dir(w.get());
                w->poll.reset(g_timeout_source_new(kDirPollMs));
                g_source_set_callback(w->poll.get(), on_poll, w.get(), nullptr);
                g_source_attach(w->poll.get(), ctx_.get());
            } else if (!want) {
                stop_poll(*w);
            }
        }
    }

    static void stop_poll(Watch& w) {
        if (!w.poll) return;
        destroy_source(w.poll);
        w.listed.clear();
    }

    static gboolean on_poll(gpointer data) noexcept {
        guarded("result folder listing", [data] { list_dir(static_cast<Watch*>(data)); });
        return G_SOURCE_CONTINUE;
    }

    // One listing of the folder (readdir only: the names are what an event would tell; whether a file is
    // whole is the settle rule's to say when the job looks). A job-named file not listed last time makes
    // its job due, as an event does.
    static void list_dir(Watch* w) {
        const Handle<GDir*, g_dir_close> dir(g_dir_open(w->dir.c_str(), 0, nullptr));
        if (!dir) {  // gone for now (the share away): the next listing that works takes every name as new
            w->listed.clear();
            return;
        }
        std::unordered_set<std::string> now;
        while (const gchar* n = g_dir_read_name(dir.get())) {
            std::string name(n);
            if (name[0] == '.') continue;
            if (!w->listed.contains(name))
                if (const auto id = job_in_name(name)) {
                    log::debug("facility %d: %s found by listing %s (%s)", w->hospnum, name.c_str(), w->dir.c_str(), w->fs.c_str());
                    w->w->found(w, *id);
                }
            now.insert(std::move(name));
        }
        w->listed = std::move(now);
    }

    static void on_changed(GFileMonitor*, GFile* file, GFile* other, GFileMonitorEvent ev, gpointer data) noexcept {
        guarded("result folder watch", [&] { changed(file, other, ev, static_cast<Watch*>(data)); });
    }
    static void changed(GFile* file, GFile* other, GFileMonitorEvent ev, Watch* w) {
        // A file closed after writing, or one that appeared whole (renamed or moved in).
        if (ev != G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT && ev != G_FILE_MONITOR_EVENT_CREATED && ev != G_FILE_MONITOR_EVENT_MOVED_IN &&
            ev != G_FILE_MONITOR_EVENT_RENAMED)
            return;
        GFile* named = ev == G_FILE_MONITOR_EVENT_RENAMED && other ? other : file;
        const GCharPtr base(named ? g_file_get_basename(named) : nullptr);
        const std::string name = base ? base.get() : "";
        const bool hidden = name.empty() || name[0] == '.';
        if (hidden) return;
        const auto id = job_in_name(name);
        if (!id) return;
        w->w->found(w, *id);
    }

    // A result or rejection file for job `id` appeared in w's folder.
    void found(Watch* w, std::int64_t id) {
        make_due(w->hospnum, id);
        // And once more shortly: a step looking at this very moment (the file not there yet) would
        // set its next look a poll later, after our wake-up.
        w->again_ids.insert(id);
        if (!w->again) {
            w->again.reset(g_timeout_source_new(200));
            g_source_set_callback(w->again.get(), on_again, w, nullptr);
            g_source_attach(w->again.get(), w->w->ctx_.get());
        }
    }

    static gboolean on_again(gpointer data) noexcept {
        auto* w = static_cast<Watch*>(data);
        w->again.reset();  // our ref (the loop holds its own while this runs); the source ends as this returns
        guarded("result folder watch", [w] {
            for (const auto id : w->again_ids) w->w->make_due(w->hospnum, id);
            w->again_ids.clear();
        });
        return G_SOURCE_REMOVE;
    }

    // The job, if it awaits an answer, looks now (no exception leaves: this runs in a GLib callback).
    void make_due(int hospnum, std::int64_t id) {
        try {
            // A connection that died since the last event (PostgreSQL restarted): a new one at once.
            db_.run(cfg_->conninfo, [&](db::Connection& c) { jobs::make_due(c, hospnum, id); });
            r_->wake();
        } catch (const std::exception& e) {
            log::warning("result folder watch: %s", e.what());
            (void)db_.failed();  // a new connection at the next event
        }
    }
};

void result_watcher(Daemon* d, Runner* r) {
    ResultWatcher w(d, r);
    w.run();
}

// Every thread's entry point (core/callback.hpp): an exception that leaves one is logged, never
// std::terminate.
template <typename F, typename... A>
std::thread start_thread(const char* what, F f, A... a) {
    return std::thread([what, f, a...]() noexcept { guarded(what, [&] { f(a...); }); });
}

void worker(Daemon* d) {
    Runner r;
    std::vector<std::thread> threads;
    threads.push_back(start_thread("job wake-ups thread", listener, d, &r));
    threads.push_back(start_thread("result folder watch thread", result_watcher, d, &r));
    for (int i = 0; i < kStepThreads; ++i) threads.push_back(start_thread("step thread", step_worker, d, &r));
    for (auto& t : threads) t.join();
    g_main_loop_quit(d->loop.get());
}

// Queues the scheduled jobs whose slot has come (once per slot, whatever the number of daemons).
void check_schedules(Daemon* d, db::Session& session) {
    const auto cfg = d->config();
    bool any = false;
    for (const auto& [n, f] : cfg->facilities) any |= !f.schedules.empty();
    if (!any || d->stopping) return;
    try {
        db::Connection& db = session.get(cfg->conninfo);
        const std::time_t now = std::time(nullptr);
        for (const auto& [hospnum, f] : cfg->facilities) {
            for (const auto& [kind, text] : f.schedules) {
                const auto slot = last_slot(parse_schedule(text), now);
                if (now - slot.at > kCatchUpSeconds) continue;
                const jobs::Kind k = jobs::parse_kind(kind);
                jobs::Params p;
                p.apply_defaults(k, dates::today());
                if (const auto id = jobs::create_scheduled(db, hospnum, k, p, slot.text))
                    log::info("job %lld queued by schedule_%s (%s)", static_cast<long long>(id), kind.c_str(), slot.text.c_str());
            }
        }
    } catch (const Error& e) {
        log::warning("schedules: %s", e.what());
        (void)session.failed();  // a new connection next time
    }
}

// ORCA's 同意一括 button: adopt the requests it left in tbl_jobkanri (no LISTEN/NOTIFY from ORCA: poll,
// on the ticker's kept connection). Returns the wait before the next poll after a failure (0: none).
long check_orca_requests(Daemon* d, db::Session& session) {
    const auto cfg = d->config();
    if (d->stopping) return 0;
    try {
        db::Connection* db = nullptr;
        for (const auto& [n, f] : cfg->facilities) {
            if (!f.serve_orca_jobs) continue;
            if (!db) db = &session.get(cfg->conninfo);
            jobs::adopt_orca_requests(*db, f);
        }
    } catch (const Error& e) {
        log::warning("ORCA requests: %s", e.what());
        return session.failed();  // a new connection next time, after the backoff
    }
    return 0;
}

// Unfinished jobs of a kind this version does not know (a newer version queued them): the runner
// never claims them (jobs::claim_due); each is logged once by this process.
void check_unknown_kinds(Daemon* d, db::Session& session, std::unordered_set<std::int64_t>& logged) {
    if (d->stopping) return;
    try {
        for (const auto& [id, kind] : jobs::unknown_kind_jobs(session.get(d->config()->conninfo)))
            if (logged.insert(id).second)
                log::warning("job %lld has the kind '%s', which this version does not know (a newer version queued it?): left alone",
                             static_cast<long long>(id), kind.c_str());
    } catch (const Error& e) {
        log::warning("jobs of unknown kinds: %s", e.what());
        (void)session.failed();  // a new connection next time
    }
}

// Schedules (every 20 s) and ORCA's requests (every 2 s) on a thread of their own, on one kept
// connection: a slow or locked database delays them, never the signals on the main loop. Between
// two polls the thread sleeps (a stop wakes it).
void ticker(Daemon* d) {
    db::Session session;  // this thread's connection
    std::unordered_set<std::int64_t> unknown_logged;
    gint64 next_schedules = 0, next_orca = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;
    while (!d->stopping) {
        gint64 now = g_get_monotonic_time();
        try {
            if (now >= next_schedules) {
                check_schedules(d, session);
                check_unknown_kinds(d, session, unknown_logged);
                next_schedules = now + 20 * G_USEC_PER_SEC;
            }
            if (now >= next_orca) {
                const long backoff_ms = check_orca_requests(d, session);
                next_orca = now + std::max<gint64>(2 * G_USEC_PER_SEC, backoff_ms * 1000);
            }
        } catch (const std::exception& e) {
            log::warning("internal error: %s", e.what());
        }
        now = g_get_monotonic_time();
        const gint64 next = std::min(next_schedules, next_orca);
        if (next > now) nap(*d, static_cast<long>((next - now + 999) / 1000));
    }
}

void spawn_screens(Daemon* d);

// The main loop's callbacks (core/callback.hpp): nothing thrown through.
gboolean respawn_screens(gpointer data) noexcept {
    guarded("web: starting the screens process", [data] { spawn_screens(static_cast<Daemon*>(data)); });
    return G_SOURCE_REMOVE;
}

void screens_ended(GSubprocess* proc, GAsyncResult* res, Daemon* d);

void screens_exited(GObject* source, GAsyncResult* res, gpointer data) noexcept {
    const GObjectPtr<GSubprocess> proc(G_SUBPROCESS(source));  // the reference spawn_screens took for the wait
    guarded("web: the screens process ended", [&] { screens_ended(proc.get(), res, static_cast<Daemon*>(data)); });
}

void screens_ended(GSubprocess* proc, GAsyncResult* res, Daemon* d) {
    (void)g_subprocess_wait_finish(proc, res, nullptr);
    std::string how = g_subprocess_get_if_signaled(proc) ? "signal " + std::to_string(g_subprocess_get_term_sig(proc))
                                                         : "status " + std::to_string(g_subprocess_get_exit_status(proc));
    if (proc == d->screens_proc.get()) {
        d->screens_proc.reset();
        if (!d->stopping) {
            // Quick deaths in a row: wait longer each time (up to 30 s); a long life resets the wait.
            if (g_get_monotonic_time() - d->screens_started > 60 * G_USEC_PER_SEC) d->respawn_ms = 1000;
            log::warning("web: the screens process ended (%s); starting another in %d s (jobs go on)", how.c_str(), d->respawn_ms / 1000);
            g_timeout_add(static_cast<guint>(d->respawn_ms), respawn_screens, d);
            d->respawn_ms = std::min(d->respawn_ms * 2, 30000);
        }
    }
}

void spawn_screens(Daemon* d) {
    if (d->stopping || d->screens_proc) return;
    const GObjectPtr<GSubprocessLauncher> launcher(g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_NONE));
    GSubprocessLauncher* l = launcher.get();
    g_subprocess_launcher_take_fd(l, dup(g_socket_get_fd(d->listening.get())), 3);
    // It ends when we do, whatever the way (even SIGKILL): it never keeps the port alone. (Runs in
    // the child between fork and exec: one system call, nothing that could throw or log.)
    g_subprocess_launcher_set_child_setup(l, [](gpointer) noexcept { prctl(PR_SET_PDEATHSIG, SIGTERM); }, nullptr, nullptr);
    std::vector<const char*> argv = {d->self_exe.c_str(), "--screens"};
    if (d->config_path) {
        argv.push_back("--config");
        argv.push_back(d->config_path->c_str());
    }
    if (d->verbose) argv.push_back("--verbose");
    argv.push_back(nullptr);
    GError* err = nullptr;
    d->screens_proc.reset(g_subprocess_launcher_spawnv(l, argv.data(), &err));
    if (!d->screens_proc) {
        log::warning("web: cannot start the screens process: %s; trying again in 30 s", err ? err->message : "?");
        g_clear_error(&err);
        g_timeout_add(30000, respawn_screens, d);
        return;
    }
    d->screens_started = g_get_monotonic_time();
    log::info("web: screens process %s started", g_subprocess_get_identifier(d->screens_proc.get()));
    g_subprocess_wait_async(G_SUBPROCESS(g_object_ref(d->screens_proc.get())), nullptr, screens_exited, d);
}

gboolean on_stop(gpointer data) noexcept {
    auto* d = static_cast<Daemon*>(data);
    guarded("stop", [d] {
        if (d->stop()) log::info("stopping: finishing the current step");
    });
    if (d->screens_proc) g_subprocess_send_signal(d->screens_proc.get(), SIGTERM);
    if (d->screens) g_main_loop_quit(d->loop.get());
    return G_SOURCE_CONTINUE;
}

void reload(Daemon* d);

gboolean on_reload(gpointer data) noexcept {
    guarded("reload", [data] { reload(static_cast<Daemon*>(data)); });
    return G_SOURCE_CONTINUE;
}

void reload(Daemon* d) {
    try {
        auto fresh = std::make_shared<const app::Config>(app::load_config(d->config_path));
        std::lock_guard<std::mutex> g(d->cfg_mutex);
        if (fresh->web.listen != d->cfg->web.listen && !d->screens)
            log::warning("web: [web] listen changed to '%s': takes effect at the next start", fresh->web.listen.c_str());
        d->cfg = std::move(fresh);
        log::info("%sconfiguration reloaded", d->screens ? "web: " : "");
    } catch (const Error& e) {
        log::warning("%sreload refused, keeping the running configuration: %s", d->screens ? "web: " : "", e.what());
    }
    if (d->screens_proc) g_subprocess_send_signal(d->screens_proc.get(), SIGHUP);
}

// The screens process: the web server on the listening socket the main process handed over (fd 3).
int run_screens(Daemon& d) {
    GError* err = nullptr;
    const GObjectPtr<GSocket> listening(g_socket_new_from_fd(3, &err));
    if (!listening) {
        std::fprintf(stderr, "orca-onshid --screens: no listening socket on descriptor 3: %s\n", err ? err->message : "?");
        g_clear_error(&err);
        return exit_status(Errc::usage);
    }
    if (getppid() == 1) return 0;  // the main process is already gone
    d.loop.reset(g_main_loop_new(nullptr, FALSE));
    g_unix_signal_add(SIGTERM, on_stop, &d);
    g_unix_signal_add(SIGINT, on_stop, &d);
    g_unix_signal_add(SIGHUP, on_reload, &d);
    int rc = 0;
    try {
        auto server = std::make_unique<web::Server>([&d] { return d.config(); }, listening.get());
        g_main_loop_run(d.loop.get());
    } catch (const Error& e) {
        std::fprintf(stderr, "orca-onshid --screens: %s\n", e.what());
        rc = exit_status(e.code());
    }
    return rc;
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
    log::install_glib_log();
    Daemon d;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--config" && i + 1 < argc) d.config_path = argv[++i];
        else if (a.starts_with("--config=")) d.config_path = a.substr(9);
        else if (a == "--verbose") d.verbose = true;
        else if (a == "--screens") d.screens = true;  // internal: started so by orca-onshid itself
        else if (a == "--version") { std::printf("orca-onshid %s\n", PACKAGE_VERSION); return 0; }
        else if (a == "--help" || a == "-h") { std::fputs(kUsage, stdout); return 0; }
        else {
            std::fprintf(stderr, "orca-onshid: unknown option %s\n%s", a.c_str(), kUsage);
            return exit_status(Errc::usage);
        }
    }
    g_log_set_writer_func(writer, &d, nullptr);
    if (d.screens) {
        try {
            d.cfg = std::make_shared<const app::Config>(app::load_config(d.config_path));
        } catch (const Error& e) {
            std::fprintf(stderr, "orca-onshid --screens: %s\n", e.what());
            return exit_status(e.code());
        }
        return run_screens(d);
    }
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
    if (!d.cfg->web.listen.empty()) {
        try {
            d.listening.reset(web::Server::bind(*d.cfg));
        } catch (const Error& e) {
            std::fprintf(stderr, "orca-onshid: %s\n", e.what());
            return exit_status(e.code());
        }
        const GCharPtr exe(g_file_read_link("/proc/self/exe", nullptr));
        d.self_exe = exe ? exe.get() : argv[0];
        std::string host;
        int port = 0;
        web::split_listen(d.cfg->web.listen, host, port);
        log::info("web: screens at %s (%s)", web::screens_url(*d.cfg).c_str(),
                  web::is_loopback(host) ? "loopback: login only with a users file" : "login required");
    }
    d.loop.reset(g_main_loop_new(nullptr, FALSE));
    g_unix_signal_add(SIGTERM, on_stop, &d);
    g_unix_signal_add(SIGINT, on_stop, &d);
    g_unix_signal_add(SIGHUP, on_reload, &d);
    if (d.listening) spawn_screens(&d);
    log::info("orca-onshid %s started (%zu facilities)", PACKAGE_VERSION, d.cfg->facilities.size());
    std::thread w = start_thread("job runner", worker, &d);
    std::thread t = start_thread("ticker thread", ticker, &d);
    g_main_loop_run(d.loop.get());
    d.stop();
    w.join();
    t.join();
    if (d.screens_proc) {
        // Stop the screens process; SIGKILL if it has not ended within 5 s.
        g_subprocess_send_signal(d.screens_proc.get(), SIGTERM);
        for (int i = 0; i < 50 && d.screens_proc; ++i) {
            while (g_main_context_iteration(nullptr, FALSE)) {
            }
            if (d.screens_proc) g_usleep(100 * 1000);
        }
        if (d.screens_proc) g_subprocess_force_exit(d.screens_proc.get());
    }
    d.listening.reset();
    log::info("orca-onshid stopped");
    return 0;
}
