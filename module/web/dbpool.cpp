#include "web/dbpool.hpp"

#include "core/error.hpp"
#include "app/gobject.hpp"
#include "core/callback.hpp"
#include "core/log.hpp"
#include "db/session.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace onshi::web {

std::unique_ptr<db::Connection> web_connection(const std::string& conninfo, const DbPoolLimits& limits) {
    // tcp_user_timeout: a database host that stops answering fails the statement instead of hanging
    // (statement_timeout is the server's, and a dead server does not enforce it).
    auto c = std::make_unique<db::Connection>(
        conninfo, std::vector<std::pair<std::string, std::string>>{
                      {"connect_timeout", std::to_string(limits.connect_timeout_s)},
                      {"tcp_user_timeout", std::to_string(limits.statement_timeout_ms + 1000)}});
    c->run("SET statement_timeout = " + std::to_string(limits.statement_timeout_ms));
    return c;
}

struct DbPool::Impl : std::enable_shared_from_this<DbPool::Impl> {
    struct Task {
        // Main loop only:
        GObjectPtr<SoupServerMessage> msg;  // a ref is held until answered
        bool gone = false;                  // the client went away
        gulong disconnected = 0;
        GSourcePtr deadline;
        // Set once:
        std::shared_ptr<const app::Config> cfg;
        Work work;
        std::function<void(db::Connection&)> fire;  // post(): nobody waits
        bool retry = false;
        std::atomic<bool> answered{false};
    };

    Sender send;
    DbPoolLimits limits;
    GMainContextPtr ctx;  // the main loop's
    std::mutex m;
    std::condition_variable cv;
    std::deque<std::shared_ptr<Task>> queue;
    bool stopping = false;
    std::vector<std::thread> threads;
    std::set<std::shared_ptr<Task>> pending;  // main loop: paused requests not yet answered

    // Main loop: answer once (the work's answer or the deadline's 503, whichever comes first).
    void finish(const std::shared_ptr<Task>& t, const Response& r) {
        if (t->answered.exchange(true)) return;
        destroy_source(t->deadline);
        if (t->disconnected) g_signal_handler_disconnect(t->msg.get(), t->disconnected);
        if (!t->gone) {
            send(t->msg.get(), r);
            soup_server_message_unpause(t->msg.get());
        }
        t->msg.reset();
        pending.erase(t);
    }

    void loop() {
        // This thread's connection, no backoff: a request is answered (503) by its deadline anyway.
        db::Session conn(db::Backoff{0, 0}, [this](const std::string& conninfo) { return web_connection(conninfo, limits); });
        for (;;) {
            std::shared_ptr<Task> t;
            {
                std::unique_lock<std::mutex> g(m);
                cv.wait(g, [this] { return stopping || !queue.empty(); });
                if (stopping) return;
                t = std::move(queue.front());
                queue.pop_front();
            }
            if (t->fire) {
                try {
                    t->fire(conn.get(t->cfg->conninfo));
                } catch (const std::exception& e) {
                    if (conn.dead()) conn.drop();
                    log::warning("web: %s", e.what());
                } catch (...) {
                    log::warning("web: internal error");
                }
                continue;
            }
            if (t->answered) continue;  // its deadline came first
            Response r;
            for (int attempt = 0;; ++attempt) {
                try {
                    r = t->work(conn.get(t->cfg->conninfo));  // a new connection if the kept one is not alive()
                    break;
                } catch (const Error& e) {
                    if (e.code() != Errc::database) {
                        log::warning("web: internal error: %s", e.what());
                        r = json_error(500, "internal error");
                        break;
                    }
                    const bool lost = conn.dead();  // libpq may still call a dead connection up: a probe decides
                    if (lost) conn.drop();
                    log::warning("web: %s", e.what());
                    if (attempt == 0 && t->retry && lost) continue;  // a connection that died: once more on a fresh one
                    r = json_error(503, "データベースに接続できません");
                    break;
                } catch (const std::exception& e) {
                    log::warning("web: internal error: %s", e.what());
                    r = json_error(500, "internal error");
                    break;
                } catch (...) {
                    log::warning("web: internal error");
                    r = json_error(500, "internal error");
                    break;
                }
            }
            struct Back {
                std::weak_ptr<Impl> pool;
                std::shared_ptr<Task> t;
                Response r;
            };
            g_main_context_invoke_full(
                ctx.get(), G_PRIORITY_DEFAULT,
                [](gpointer p) noexcept -> gboolean {
                    auto* b = static_cast<Back*>(p);
                    guarded("web: database answer", [b] {
                        if (auto pool = b->pool.lock()) pool->finish(b->t, b->r);
                    });
                    return G_SOURCE_REMOVE;
                },
                new Back{weak_from_this(), std::move(t), std::move(r)}, [](gpointer p) noexcept { delete static_cast<Back*>(p); });
        }
    }

    void push(std::shared_ptr<Task> t) {
        {
            std::lock_guard<std::mutex> g(m);
            queue.push_back(std::move(t));
        }
        cv.notify_one();
    }
};

DbPool::DbPool(Sender send, const DbPoolLimits& limits) : impl_(std::make_shared<Impl>()) {
    impl_->send = send;
    impl_->limits = limits;
    impl_->ctx.reset(g_main_context_ref_thread_default());
    // Thread entry points (core/callback.hpp): an exception is logged, never std::terminate.
    for (std::size_t i = 0; i < limits.threads; ++i)
        impl_->threads.emplace_back([p = impl_.get()]() noexcept { guarded("web: database thread", [p] { p->loop(); }); });
}

DbPool::~DbPool() {
    {
        std::lock_guard<std::mutex> g(impl_->m);
        impl_->stopping = true;
    }
    impl_->cv.notify_all();
    for (auto& t : impl_->threads) t.join();
    // Requests still paused: let them go unanswered (the server is going away with its connections).
    for (const auto& t : std::set<std::shared_ptr<Impl::Task>>(impl_->pending)) {
        t->gone = true;
        impl_->finish(t, Response{});
    }
}

void DbPool::answer(SoupServerMessage* msg, const std::shared_ptr<const app::Config>& cfg, Work work, bool retry, int deadline_ms) {
    auto t = std::make_shared<Impl::Task>();
    t->cfg = cfg;
    t->work = std::move(work);
    t->retry = retry;
    {
        std::lock_guard<std::mutex> g(impl_->m);
        if (impl_->queue.size() >= impl_->limits.max_queued) {
            impl_->send(msg, json_error(503, "混み合っています。しばらくしてからやり直してください"));
            return;
        }
    }
    t->msg.reset(SOUP_SERVER_MESSAGE(g_object_ref(msg)));
    soup_server_message_pause(msg);
    Impl::Task* raw = t.get();
    t->disconnected = g_signal_connect(msg, "disconnected", G_CALLBACK(+[](SoupServerMessage*, gpointer p) noexcept { static_cast<Impl::Task*>(p)->gone = true; }), raw);
    struct Deadline {
        std::weak_ptr<Impl> pool;
        std::weak_ptr<Impl::Task> t;
    };
    t->deadline.reset(g_timeout_source_new(static_cast<guint>(deadline_ms ? deadline_ms : impl_->limits.deadline_ms)));
    g_source_set_callback(
        t->deadline.get(),
        [](gpointer p) noexcept -> gboolean {
            auto* d = static_cast<Deadline*>(p);
            guarded("web: database deadline", [d] {
                auto pool = d->pool.lock();
                auto t = d->t.lock();
                if (pool && t) {
                    log::warning("web: the database did not answer in time: 503");
                    t->deadline.reset();  // our ref only: finish() must not destroy the source that is running
                    pool->finish(t, json_error(503, "データベースが応答しません"));
                }
            });
            return G_SOURCE_REMOVE;
        },
        new Deadline{impl_, t}, [](gpointer p) noexcept { delete static_cast<Deadline*>(p); });
    g_source_attach(t->deadline.get(), impl_->ctx.get());
    impl_->pending.insert(t);
    impl_->push(std::move(t));
}

void DbPool::post(const std::shared_ptr<const app::Config>& cfg, std::function<void(db::Connection&)> work) {
    auto t = std::make_shared<Impl::Task>();
    t->cfg = cfg;
    t->fire = std::move(work);
    {
        std::lock_guard<std::mutex> g(impl_->m);
        if (impl_->queue.size() >= impl_->limits.max_queued) {
            log::warning("web: too much queued database work: one audit row dropped");
            return;
        }
    }
    impl_->push(std::move(t));
}

}  // namespace onshi::web
