// The screens' guards without a server: conninfo masking (libpq's own parser), the Host/Origin
// allow-list, NUL in form text, strict ids, patient numbers, password strength, and the session
// table (lifetimes with a given clock, bounds) — tests/integration/web_security.sh runs them live.
#include "core/text.hpp"
#include "web/api.hpp"
#include "web/auth.hpp"
#include "web/guard.hpp"

#include <check.h>
#undef fail

#include <cstdlib>
#include <string>

using namespace onshi;

#define ASSERT_STR(a, b)                                                                    \
    do {                                                                                    \
        const std::string ck_a_(a), ck_b_(b);                                               \
        ck_assert_msg(ck_a_ == ck_b_, "%s: '%s' != '%s'", #a, ck_a_.c_str(), ck_b_.c_str()); \
    } while (0)

static bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

START_TEST(mask_keyword_form) {
    const auto m = web::mask_conninfo("host=db port=5432 dbname=orca user=orca password=Pw-1 sslpassword='key pass' sslmode=require");
    ck_assert_msg(!has(m, "Pw-1") && !has(m, "key pass"), "%s", m.c_str());
    ck_assert(has(m, "password=***"));
    ck_assert(has(m, "sslpassword=***"));
    ck_assert(has(m, "host=db") && has(m, "dbname=orca") && has(m, "user=orca") && has(m, "sslmode=require"));
    // Spaces around '=' and a quoted password with an escaped quote.
    const auto q = web::mask_conninfo("dbname = orca password = 'a \\' b'");
    ck_assert_msg(!has(q, "a \\' b") && !has(q, " b") && has(q, "password=***"), "%s", q.c_str());
    ASSERT_STR(web::mask_conninfo("dbname='my db'"), "dbname='my db'");
}
END_TEST

START_TEST(mask_uri_form) {
    const auto u = web::mask_conninfo("postgresql://orca:Uri-Secret@db.example:5433/orca?sslpassword=Ssl-Secret&sslmode=require");
    ck_assert_msg(!has(u, "Uri-Secret") && !has(u, "Ssl-Secret"), "%s", u.c_str());
    ck_assert(has(u, "password=***") && has(u, "sslpassword=***"));
    ck_assert_msg(has(u, "host=db.example") && has(u, "port=5433") && has(u, "user=orca") && has(u, "dbname=orca"), "%s", u.c_str());
    const auto p = web::mask_conninfo("postgres://orca@db/orca?password=Query-Secret");
    ck_assert_msg(!has(p, "Query-Secret") && has(p, "password=***"), "%s", p.c_str());
    // Unparsable: nothing of it is shown.
    const auto bad = web::mask_conninfo("host=db password='unterminated");
    ck_assert_msg(!has(bad, "unterminated"), "%s", bad.c_str());
    ASSERT_STR(web::mask_conninfo(""), "");
}
END_TEST

START_TEST(host_allow_list) {
    const web::HostGuard g("127.0.0.1", 8931, false, {"orca-server", "192.168.1.10"});
    ck_assert(g.host_ok("127.0.0.1:8931"));
    ck_assert(g.host_ok("localhost:8931"));
    ck_assert(g.host_ok("LOCALHOST.:8931"));
    ck_assert(g.host_ok("[::1]:8931"));
    ck_assert(g.host_ok("orca-server:8931"));
    ck_assert(g.host_ok("192.168.1.10:8931"));
    ck_assert(!g.host_ok("evil.example:8931"));
    ck_assert(!g.host_ok("localhost.evil.example:8931"));
    ck_assert(!g.host_ok("127.0.0.1:8932"));
    ck_assert(!g.host_ok("127.0.0.1"));  // port 80 is not ours
    ck_assert(!g.host_ok(""));
    ck_assert(!g.host_ok("127.0.0.1:"));
    ck_assert(!g.host_ok("::1:8931"));
    ck_assert(!g.host_ok("[::1]x"));
    ck_assert(g.origin_ok("http://localhost:8931"));
    ck_assert(g.origin_ok("http://orca-server:8931"));
    ck_assert(!g.origin_ok("https://localhost:8931"));
    ck_assert(!g.origin_ok("http://evil.example:8931"));
    ck_assert(!g.origin_ok("http://localhost:8931@evil.example"));
    ck_assert(!g.origin_ok("null"));
    const web::HostGuard t("192.168.1.10", 443, true, {});
    ck_assert(t.host_ok("192.168.1.10"));
    ck_assert(t.host_ok("192.168.1.10:443"));
    ck_assert(t.origin_ok("https://192.168.1.10"));
    ck_assert(!t.origin_ok("http://192.168.1.10"));
    ck_assert(!t.host_ok("orca-server"));
}
END_TEST

START_TEST(nul_and_ids) {
    ck_assert(web::has_nul("hospnum=1%00&kind=homecare"));
    ck_assert(web::has_nul(std::string("a=1\0b", 5)));
    ck_assert(!web::has_nul("a=%0A&b=100&c=%300"));
    ck_assert(*text::strict_id("42") == 42);
    ck_assert(*text::strict_id("9223372036854775807") == 9223372036854775807LL);
    ck_assert(!text::strict_id("9223372036854775808"));
    ck_assert(!text::strict_id("99999999999999999999"));
    ck_assert(!text::strict_id("042"));
    ck_assert(!text::strict_id("0"));
    ck_assert(!text::strict_id(""));
    ck_assert(!text::strict_id("4 2"));
    ck_assert(!text::strict_id("+42"));
    ck_assert(!text::strict_id("100", 99));
    ck_assert(*text::strict_id("99", 99) == 99);
    ASSERT_STR(text::patient_number("  00123   "), "00123");
    ASSERT_STR(text::patient_number("123\xE3\x80\x80"), "123");
}
END_TEST

START_TEST(password_strength) {
    ck_assert(web::password_problem("Reception-Secret-7f3a", "uketsuke").empty());
    ck_assert(web::password_problem("reception-pass-1", "uketsuke").empty());
    ck_assert(!web::password_problem("Short-1", "a").empty());           // length
    ck_assert(!web::password_problem("passwordpassword", "a").empty());  // one kind
    ck_assert(!web::password_problem("password1234", "a").empty());      // two kinds
    ck_assert(!web::password_problem("aaaaaaaA1!", "a").empty());        // 4 different characters
    ck_assert(!web::password_problem("Kanri-2026-pass", "kanri").empty());  // the user's name
    ck_assert(web::password_problem("Kanri-2026-pass", "uketsuke").empty());
}
END_TEST

START_TEST(sessions_lifetimes) {
    web::Sessions s(100, 1000);  // idle 100 s, absolute 1000 s
    const std::time_t t0 = 1'000'000;
    const auto* a = s.create_login("kanri", "admin", "stamp", t0);
    ck_assert(a);
    const std::string id = a->id;
    for (std::time_t t = t0 + 90; t < t0 + 1000; t += 90) ck_assert_msg(s.find(id, t), "alive at +%ld", static_cast<long>(t - t0));
    ck_assert_msg(!s.find(id, t0 + 1001), "an open tab outlives the absolute lifetime");
    const auto* b = s.create_login("kanri", "admin", "stamp", t0);
    const std::string idb = b->id;
    ck_assert(!s.find(idb, t0 + 101));  // idle
}
END_TEST

START_TEST(sessions_bounded) {
    web::Sessions s;
    const std::time_t t0 = 2'000'000;
    // A local-mode session in use, and logged-in sessions.
    const std::string local = s.create_local(t0).id;
    ck_assert(s.find(local, t0));
    const std::string user = s.create_login("kanri", "admin", "stamp", t0)->id;
    // 10,000 cookie-less requests: each gets a session nobody uses.
    for (int i = 0; i < 10000; ++i) s.create_local(t0 + 1);
    ck_assert(s.pending() <= web::Sessions::kMaxPending);
    ck_assert_msg(s.find(user, t0 + 2), "a logged-in session was evicted");
    ck_assert_msg(s.find(local, t0 + 2), "a local session in use was evicted");
    // Logged-in sessions fill the table: further logins are refused, none is evicted.
    while (s.size() < web::Sessions::kMaxSessions) ck_assert(s.create_login("u", "reception", "x", t0 + 3));
    ck_assert(s.find(local, t0 + 3));
    ck_assert(s.create_login("u", "reception", "x", t0 + 3));  // the local one makes room
    ck_assert(!s.find(local, t0 + 3));
    ck_assert_msg(!s.create_login("u", "reception", "x", t0 + 3), "a login beyond the bound evicted a logged-in session");
    ck_assert(s.find(user, t0 + 4));
}
END_TEST

START_TEST(users_file_stamp) {
    std::vector<web::User> users{{"kanri", "admin", "$y$h1", {}}, {"uketsuke", "reception", "$y$h2", {2}}};
    const auto st = web::user_stamp(users, "uketsuke");
    ck_assert(!st.empty());
    users[1].hash = "$y$h3";
    ck_assert(web::user_stamp(users, "uketsuke") != st);  // password changed
    users[1].hash = "$y$h2";
    users[1].role = "admin";
    ck_assert(web::user_stamp(users, "uketsuke") != st);  // role changed
    users[1].role = "reception";
    users[1].facilities = {1, 2};
    ck_assert(web::user_stamp(users, "uketsuke") != st);  // facilities changed
    ck_assert(web::user_stamp(users, "nobody").empty());
    ck_assert(web::parse_facilities("1,2") == std::vector<int>({1, 2}));
    ck_assert(!web::parse_facilities("01"));
    ck_assert(!web::parse_facilities("1,"));
    ck_assert(!web::parse_facilities("100"));
    ck_assert(!web::parse_facilities(""));
}
END_TEST

int main() {
    Suite* s = suite_create("web");
    TCase* tc = tcase_create("web");
    tcase_set_timeout(tc, 60);
    for (auto* t : {mask_keyword_form, mask_uri_form, host_allow_list, nul_and_ids, password_strength, sessions_lifetimes,
                    sessions_bounded, users_file_stamp})
        tcase_add_test(tc, t);
    suite_add_tcase(s, tc);
    SRunner* sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    const int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
