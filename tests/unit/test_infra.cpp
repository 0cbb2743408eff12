// The infrastructure under the adapters: the C-handle holder (core/handle.hpp), UniqueFd, the C
// callback wrapper (core/callback.hpp), the log interface's sink, a Session's backoff and
// reconnect bookkeeping (db/session.hpp, no database: the opener fails), and the failpoints being
// absent from a build without ONSHI_FAILPOINTS (this one, as the installed programs).
#include "app/gobject.hpp"
#include "app/unique_fd.hpp"
#include "core/callback.hpp"
#include "core/error.hpp"
#include "core/failpoint.hpp"
#include "core/handle.hpp"
#include "core/log.hpp"
#include "db/listener.hpp"
#include "db/session.hpp"

#include <check.h>
#undef fail
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

using namespace onshi;

namespace {

std::vector<int> g_freed;
void free_counted(int* p) { g_freed.push_back(*p); }
using Counted = Handle<int*, free_counted>;

std::vector<std::pair<log::Level, std::string>> g_logged;
void capture(log::Level level, const char* message) noexcept { g_logged.emplace_back(level, message); }

bool fd_open(int fd) { return ::fcntl(fd, F_GETFD) != -1 || errno != EBADF; }

}  // namespace

START_TEST(handle_frees_once) {
    g_freed.clear();
    int a = 1, b = 2, c = 3;
    {
        Counted h(&a);
        ck_assert(static_cast<bool>(h));
        ck_assert_ptr_eq(h.get(), &a);
        Counted moved(std::move(h));
        ck_assert(!h);  // NOLINT: moved-from is empty
        ck_assert_int_eq(static_cast<int>(g_freed.size()), 0);
        moved.reset(&b);  // frees a
        ck_assert_int_eq(static_cast<int>(g_freed.size()), 1);
        ck_assert_int_eq(g_freed[0], 1);
        Counted other(&c);
        other = std::move(moved);  // frees c, holds b
        ck_assert_int_eq(static_cast<int>(g_freed.size()), 2);
        ck_assert_int_eq(g_freed[1], 3);
        int* kept = other.release();
        ck_assert_ptr_eq(kept, &b);
        ck_assert(!other);
    }
    ck_assert_int_eq(static_cast<int>(g_freed.size()), 2);  // b was released, not freed
    {
        Counted h(&a);
        int** slot = h.out();  // frees a first
        ck_assert_int_eq(static_cast<int>(g_freed.size()), 3);
        *slot = &c;
    }
    ck_assert_int_eq(static_cast<int>(g_freed.size()), 4);
    ck_assert_int_eq(g_freed[3], 3);
}
END_TEST

START_TEST(unique_fd_closes) {
    int p[2];
    ck_assert_int_eq(::pipe(p), 0);
    {
        UniqueFd r(p[0]);
        UniqueFd w(p[1]);
        UniqueFd w2(std::move(w));
        ck_assert_int_eq(w.get(), -1);  // NOLINT: moved-from
        ck_assert(fd_open(p[0]) && fd_open(p[1]));
        w2.reset();
        ck_assert(!fd_open(p[1]));
        ck_assert(fd_open(p[0]));
    }
    ck_assert(!fd_open(p[0]));
    UniqueFd none;
    ck_assert(!none);
}
END_TEST

START_TEST(gobject_unref_once) {
    bool finalized = false;
    GObject* o = G_OBJECT(g_object_new(G_TYPE_OBJECT, nullptr));
    g_object_weak_ref(o, [](gpointer data, GObject*) { *static_cast<bool*>(data) = true; }, &finalized);
    {
        GObjectPtr<GObject> p(o);
        GObjectPtr<GObject> q(G_OBJECT(g_object_ref(o)));  // two references, two holders
        p.reset();
        ck_assert(!finalized);
    }
    ck_assert(finalized);
    GCharPtr s(g_strdup("x"));
    ck_assert_str_eq(s.get(), "x");
}
END_TEST

START_TEST(listener_refuses) {
    bool threw = false;
    try {
        db::Listener bad("onshi_job; DROP TABLE x");
    } catch (const Error& e) {
        threw = e.code() == Errc::internal;
    }
    ck_assert(threw);
    db::Listener l("onshi_job");
    threw = false;
    try {
        (void)l.wait(0);  // not connected yet
    } catch (const Error& e) {
        threw = e.code() == Errc::database;
    }
    ck_assert(threw);
}
END_TEST

START_TEST(callback_catches_and_logs) {
    log::set_sink(capture);
    g_logged.clear();
    // No exception: the body's value, nothing logged.
    ck_assert_int_eq(guarded("test callback", -1, [] { return 7; }), 7);
    ck_assert_int_eq(static_cast<int>(g_logged.size()), 0);
    // Our error: the failure value, logged with where it happened.
    const long r = guarded("curl write callback", 0L, []() -> long { throw Error(Errc::io, "disk full"); });
    ck_assert_int_eq(r, 0);
    ck_assert_int_eq(static_cast<int>(g_logged.size()), 1);
    ck_assert(g_logged[0].first == log::Level::warning);
    ck_assert_str_eq(g_logged[0].second.c_str(), "curl write callback: disk full");
    // Anything else: the failure value, its text masked.
    const int r2 = guarded("xml read", -1, []() -> int { throw std::out_of_range("資格太郎 0001"); });
    ck_assert_int_eq(r2, -1);
    ck_assert_int_eq(static_cast<int>(g_logged.size()), 2);
#ifndef ONSHI_SENSITIVE_DEBUG
    ck_assert_msg(g_logged[1].second.find("資格太郎") == std::string::npos, "%s", g_logged[1].second.c_str());
#endif
    ck_assert(g_logged[1].second.starts_with("xml read: internal error"));
    // Not even an exception type.
    const int r3 = guarded("thread", 5, []() -> int { throw 42; });
    ck_assert_int_eq(r3, 5);
    ck_assert_int_eq(static_cast<int>(g_logged.size()), 3);
    // The void form.
    bool ran = false;
    guarded("signal handler", [&] {
        ran = true;
        throw Error(Errc::internal, "boom");
    });
    ck_assert(ran);
    ck_assert_int_eq(static_cast<int>(g_logged.size()), 4);
    ck_assert_str_eq(g_logged[3].second.c_str(), "signal handler: boom");
    log::set_sink(nullptr);
}
END_TEST

START_TEST(log_sink) {
    g_logged.clear();
    log::set_sink(nullptr);
    log::warning("nobody hears %d", 1);
    ck_assert_int_eq(static_cast<int>(g_logged.size()), 0);
    log::set_sink(capture);
    log::info("job %lld: %s", 12LL, "done");
    const std::string big(3000, 'x');
    log::debug("%s!", big.c_str());
    log::set_sink(nullptr);
    ck_assert_int_eq(static_cast<int>(g_logged.size()), 2);
    ck_assert(g_logged[0].first == log::Level::info);
    ck_assert_str_eq(g_logged[0].second.c_str(), "job 12: done");
    ck_assert(g_logged[1].first == log::Level::debug);
    ck_assert_str_eq(g_logged[1].second.c_str(), (big + "!").c_str());
}
END_TEST

START_TEST(session_backoff) {
    const db::Backoff b{1000, 5000};
    ck_assert_int_eq(db::backoff_ms(b, 0), 0);
    ck_assert_int_eq(db::backoff_ms(b, 1), 1000);
    ck_assert_int_eq(db::backoff_ms(b, 2), 2000);
    ck_assert_int_eq(db::backoff_ms(b, 3), 4000);
    ck_assert_int_eq(db::backoff_ms(b, 4), 5000);
    ck_assert_int_eq(db::backoff_ms(b, 1000), 5000);
    ck_assert_int_eq(db::backoff_ms(db::Backoff{0, 0}, 3), 0);
    ck_assert_int_eq(db::backoff_ms(db::Backoff{300, 1000}, 3), 1000);
}
END_TEST

START_TEST(session_reconnects) {
    int opened = 0;
    db::Session s(db::Backoff{1000, 5000}, [&opened](const std::string& conninfo) -> std::unique_ptr<db::Connection> {
        ++opened;
        throw Error(Errc::database, "cannot connect to the database: " + conninfo);
    });
    ck_assert(!s.alive() && !s.lost());
    for (int i = 1; i <= 4; ++i) {
        bool threw = false;
        try {
            (void)s.get("dbname=x");
        } catch (const Error& e) {
            threw = e.code() == Errc::database;
        }
        ck_assert(threw);
        ck_assert_int_eq(opened, i);  // each get() tries again: no connection is kept
        const long wait = s.failed();
        ck_assert_int_eq(wait, db::backoff_ms(db::Backoff{1000, 5000}, i));
        ck_assert_int_eq(s.failures(), i);
    }
}
END_TEST

START_TEST(failpoints_absent) {
    // This program is built as the installed ones are (no -DONSHI_FAILPOINTS): the macro is empty,
    // so naming the point in the environment does nothing (were it compiled in, SIGKILL here).
    ck_assert_int_eq(ONSHI_FAILPOINTS_BUILT, 0);
    ::setenv("ONSHI_FAILPOINT", "unit_point", 1);
    ONSHI_FAILPOINT("unit_point");
    ::unsetenv("ONSHI_FAILPOINT");
    ck_assert(true);
}
END_TEST

int main() {
    Suite* s = suite_create("infra");
    TCase* tc = tcase_create("infra");
    tcase_add_test(tc, handle_frees_once);
    tcase_add_test(tc, unique_fd_closes);
    tcase_add_test(tc, gobject_unref_once);
    tcase_add_test(tc, listener_refuses);
    tcase_add_test(tc, callback_catches_and_logs);
    tcase_add_test(tc, log_sink);
    tcase_add_test(tc, session_backoff);
    tcase_add_test(tc, session_reconnects);
    tcase_add_test(tc, failpoints_absent);
    suite_add_tcase(s, tc);
    SRunner* sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    const int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
