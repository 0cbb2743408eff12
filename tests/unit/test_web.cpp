// The screens' guards without a server: conninfo masking (libpq's own parser), the Host/Origin
// allow-list, NUL in form text, strict ids, patient numbers, password strength, and the session
// table (lifetimes with a given clock, bounds) — tests/integration/web_security.sh runs them live.
// Also the pure functions of files in the I/O libraries this binary links: [web] listen
// (web::split_listen, web::is_loopback) and a request's parameters (jobs::Params::validate).
#include "core/error.hpp"
#include "core/text.hpp"
#include "db/conninfo.hpp"
#include "jobs/card_consent.hpp"
#include "jobs/submit.hpp"
#include "onshi_batch/card_request.hpp"
#include "jobs/job.hpp"
#include "web/api.hpp"
#include "web/auth.hpp"
#include "web/guard.hpp"
#include "web/server.hpp"

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
    const auto m = db::mask_conninfo("host=db port=5432 dbname=orca user=orca password=Pw-1 sslpassword='key pass' sslmode=require");
    ck_assert_msg(!has(m, "Pw-1") && !has(m, "key pass"), "%s", m.c_str());
    ck_assert(has(m, "password=***"));
    ck_assert(has(m, "sslpassword=***"));
    ck_assert(has(m, "host=db") && has(m, "dbname=orca") && has(m, "user=orca") && has(m, "sslmode=require"));
    // Spaces around '=' and a quoted password with an escaped quote.
    const auto q = db::mask_conninfo("dbname = orca password = 'a \\' b'");
    ck_assert_msg(!has(q, "a \\' b") && !has(q, " b") && has(q, "password=***"), "%s", q.c_str());
    ASSERT_STR(db::mask_conninfo("dbname='my db'"), "dbname='my db'");
}
END_TEST

START_TEST(mask_uri_form) {
    const auto u = db::mask_conninfo("postgresql://orca:Uri-Secret@db.example:5433/orca?sslpassword=Ssl-Secret&sslmode=require");
    ck_assert_msg(!has(u, "Uri-Secret") && !has(u, "Ssl-Secret"), "%s", u.c_str());
    ck_assert(has(u, "password=***") && has(u, "sslpassword=***"));
    ck_assert_msg(has(u, "host=db.example") && has(u, "port=5433") && has(u, "user=orca") && has(u, "dbname=orca"), "%s", u.c_str());
    const auto p = db::mask_conninfo("postgres://orca@db/orca?password=Query-Secret");
    ck_assert_msg(!has(p, "Query-Secret") && has(p, "password=***"), "%s", p.c_str());
    // Unparsable: nothing of it is shown.
    const auto bad = db::mask_conninfo("host=db password='unterminated");
    ck_assert_msg(!has(bad, "unterminated"), "%s", bad.c_str());
    ASSERT_STR(db::mask_conninfo(""), "");
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

// The error an expression throws: its code and message (Errc::internal and "" when it throws none).
template <class F>
static std::pair<Errc, std::string> thrown(F f) {
    try {
        f();
    } catch (const Error& e) {
        return {e.code(), e.what()};
    }
    return {Errc::internal, ""};
}

// [web] listen: host:port, an IPv6 host in brackets (taken off), a port 1..65535 of digits only.
START_TEST(listen_split) {
    std::string host;
    int port = 0;
    web::split_listen("127.0.0.1:8080", host, port);
    ASSERT_STR(host, "127.0.0.1");
    ck_assert_int_eq(port, 8080);
    web::split_listen("[::1]:8443", host, port);
    ASSERT_STR(host, "::1");
    ck_assert_int_eq(port, 8443);
    web::split_listen("[fe80::1:2]:1", host, port);  // the last colon is the port's, inside brackets or not
    ASSERT_STR(host, "fe80::1:2");
    ck_assert_int_eq(port, 1);
    web::split_listen("0.0.0.0:65535", host, port);
    ASSERT_STR(host, "0.0.0.0");
    ck_assert_int_eq(port, 65535);
    web::split_listen("192.0.2.7:0080", host, port);  // leading zeros: the same port
    ck_assert_int_eq(port, 80);

    // Refused with Error(config) naming the setting: no port, no host, a port that is not one.
    for (const char* bad : {"127.0.0.1", "localhost", "", ":8080", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:00000",
                            "127.0.0.1:65536", "127.0.0.1:123456", "127.0.0.1:99999", "127.0.0.1:-1", "127.0.0.1:+80",
                            "127.0.0.1: 80", "127.0.0.1:80 ", "127.0.0.1:8o", "127.0.0.1:0x50", "[::1]", "[::1]8080", "::1:8931", "fe80::1:80"}) {
        const auto [code, what] = thrown([&] { web::split_listen(bad, host, port); });
        ck_assert_msg(code == Errc::config, "'%s' accepted (host '%s', port %d) or refused as %s", bad, host.c_str(), port,
                      errc_name(code));
        ck_assert_msg(has(what, "[web] listen '" + std::string(bad) + "'"), "'%s': %s", bad, what.c_str());
    }
    ck_assert(has(thrown([&] { web::split_listen("127.0.0.1", host, port); }).second, "is not host:port"));
    ck_assert(has(thrown([&] { web::split_listen("127.0.0.1:65536", host, port); }).second, "bad port"));
}
END_TEST

// Loopback (no TLS, login only with a users file) is exactly 127.0.0.1 or ::1, as split_listen leaves
// them: any other spelling or address is treated as off loopback (TLS and login required).
START_TEST(listen_loopback) {
    ck_assert(web::is_loopback("127.0.0.1"));
    ck_assert(web::is_loopback("::1"));
    for (const char* off : {"0.0.0.0", "::", "localhost", "[::1]", "127.0.0.1 ", "127.0.0.2", "0:0:0:0:0:0:0:1", "192.168.1.10", ""})
        ck_assert_msg(!web::is_loopback(off), "'%s' taken for loopback", off);
    std::string host;
    int port = 0;
    web::split_listen("[::1]:8080", host, port);
    ck_assert(web::is_loopback(host));
    web::split_listen("[::]:8080", host, port);
    ck_assert(!web::is_loopback(host));
}
END_TEST

// Params::validate: Error(usage) with the option it is about, for what the CLI and the screens pass.
static jobs::Params consent(const std::string& from, const std::string& to) {
    jobs::Params p;
    p.consent_from = from;
    p.consent_to = to;
    return p;
}

static void refused(const jobs::Params& p, const char* kind, const std::string& why) {
    const auto [code, what] = thrown([&] { p.validate(jobs::parse_kind(kind)); });
    ck_assert_msg(code == Errc::usage, "%s %s: accepted or refused as %s (%s)", kind, p.label().c_str(), errc_name(code), what.c_str());
    ck_assert_msg(has(what, why), "%s %s: '%s' does not say '%s'", kind, p.label().c_str(), what.c_str(), why.c_str());
}

static void accepted(const jobs::Params& p, const char* kind) {
    const auto [code, what] = thrown([&] { p.validate(jobs::parse_kind(kind)); });
    ck_assert_msg(what.empty(), "%s %s refused: %s", kind, p.label().c_str(), what.c_str());
}

START_TEST(params_dates) {
    accepted(consent("20251021", "20251121"), "homecare");
    accepted(consent("20251121", "20251121"), "nursing");  // one day
    accepted(consent("20240229", "20240301"), "homecare");  // a leap day
    refused(consent("20250229", "20250301"), "homecare", "--consent-from '20250229' is not a date (YYYYMMDD)");
    refused(consent("20251021", "20251131"), "homecare", "--consent-to '20251131' is not a date");
    refused(consent("2025-10-21", "20251121"), "homecare", "--consent-from '2025-10-21' is not a date");
    refused(consent("2025102", "20251121"), "homecare", "--consent-from '2025102' is not a date");
    refused(consent("20251301", "20251121"), "homecare", "is not a date");
    refused(consent("20250001", "20251121"), "homecare", "is not a date");
    refused(consent("17991231", "20251121"), "homecare", "is not a date");
    // Backwards, even across a year, or with no end at all.
    refused(consent("20251122", "20251121"), "homecare", "--consent-from is after --consent-to");
    refused(consent("20260101", "20251231"), "online", "--consent-from is after --consent-to");
    refused(consent("20251021", ""), "homecare", "--consent-from needs --consent-to");

    jobs::Params exam;
    exam.exam_from = "20251101";
    exam.exam_to = "20251130";
    accepted(exam, "online");
    exam.exam_from = "20251201";
    refused(exam, "online", "--exam-from is after --exam-to");
    exam.exam_from = "20251100";
    refused(exam, "online", "--exam-from '20251100' is not a date");

    jobs::Params seen;
    accepted(seen, "validity");  // everyone: no range needed
    seen.seen_since = "20250401";
    accepted(seen, "validity");
    seen.seen_since = "20250431";
    refused(seen, "validity", "--seen-since '20250431' is not a date");

    jobs::Params month;
    month.month = "202511";
    accepted(month, "welfare");
    for (const char* bad : {"202513", "202500", "20251", "2025111", "2025-1"}) {
        month.month = bad;
        refused(month, "welfare", "--month '" + std::string(bad) + "' is not a month (YYYYMM)");
    }
}
END_TEST

START_TEST(params_per_kind) {
    const jobs::Params none;
    refused(none, "homecare", "a consent or examination range is needed");
    refused(none, "nursing", "a consent or examination range is needed");
    refused(none, "online", "a consent or examination range is needed");
    refused(consent("", "20251121"), "homecare", "a consent or examination range is needed");  // an end alone is no range

    jobs::Params both = consent("20251021", "20251121");
    both.exam_from = both.exam_to = "20251120";
    refused(both, "online", "not both");
    jobs::Params exam;
    exam.exam_from = exam.exam_to = "20251120";
    refused(exam, "homecare", "--exam-from/--exam-to are for --kind online");
    refused(exam, "welfare", "--exam-from/--exam-to are for --kind online");

    refused(none, "welfare", "--month is needed for welfare");
    refused(none, "pdf_drug", "--patient is needed");
    refused(none, "pdf_checkup", "--patient is needed");
    jobs::Params patient;
    patient.ptnum = "123";
    accepted(patient, "pdf_drug");
    accepted(none, "register_refs");
    refused(none, "no_such_kind", "unknown kind 'no_such_kind'");

    // The card kind: its request must decode (oqs::decode_card_params); no other kind takes one.
    oqs::CardRequest r;
    r.certificate = "Q0VSVA==";
    r.challenge = "Q0hBTA==";
    r.identity = "2";
    r.treatment = "1";
    jobs::Params card;
    card.card = oqs::encode_card_params(r);
    accepted(card, "card");
    jobs::Params homecare_with_card = consent("20251021", "20251121");
    homecare_with_card.card = card.card;
    refused(homecare_with_card, "homecare", "a card request is for kind card only");
    refused(none, "card", "card request: no certificate or challenge");
    r.identity = "1";  // PIN confirmation without a signature
    card.card = oqs::encode_card_params(r);
    refused(card, "card", "PIN confirmation without a signature");
    card.card = "cert";
    refused(card, "card", "card request: malformed parameters");
}
END_TEST

// The bulk tool's defaults (seed 000 §2-2) fill what the kind needs, and what they fill validates.
START_TEST(params_defaults) {
    jobs::Params h;
    h.apply_defaults(jobs::Kind::homecare, "20250331");
    ASSERT_STR(h.consent_from, "20250228");  // one month back, clamped to the month's end
    ASSERT_STR(h.consent_to, "20250331");
    accepted(h, "homecare");
    jobs::Params o;
    o.exam_to = "20240215";
    o.apply_defaults(jobs::Kind::online, "20251121");
    ASSERT_STR(o.exam_from, "20240201");
    ck_assert(o.consent_from.empty() && o.consent_to.empty());  // an examination range: no consent range added
    accepted(o, "online");
    jobs::Params w;
    w.apply_defaults(jobs::Kind::welfare, "20251121");
    ASSERT_STR(w.month, "202511");
    accepted(w, "welfare");
    jobs::Params v;
    v.apply_defaults(jobs::Kind::validity, "20251121");
    ASSERT_STR(v.label(), "");  // nothing added for validity
}
END_TEST

// ---- issue 15: what the front ends share (db/conninfo, jobs/submit, jobs/card_consent, web errors) ----

// Masking is idempotent and keeps what it does not hide: the masked text parses again (libpq) to the
// same text, and no secret comes back.
START_TEST(mask_round_trip) {
    for (const char* c : {"host=db port=5432 dbname=orca user=orca password=Pw-1 sslmode=require",
                          "postgresql://orca:Uri-Secret@db.example:5433/orca?application_name=x%20y",
                          "dbname='my db' options='-c search_path=orca'"}) {
        const auto once = db::mask_conninfo(c);
        ASSERT_STR(db::mask_conninfo(once), once);
        ck_assert_msg(!has(once, "Pw-1") && !has(once, "Uri-Secret"), "%s", once.c_str());
    }
    ck_assert(has(db::mask_conninfo("dbname='my db' options='-c search_path=orca'"), "options='-c search_path=orca'"));
}
END_TEST

template <class F>
static std::pair<std::string, std::string> refusal(F f) {  // message, field
    try {
        f();
    } catch (const Error& e) {
        ck_assert_msg(e.code() == Errc::usage, "refused as %s: %s", errc_name(e.code()), e.what());
        return {e.what(), e.field()};
    }
    return {"", ""};
}

static jobs::ConsentOptions consent_options(const char* mode, const char* identity) {
    jobs::ConsentOptions o;
    o.mode = mode;
    o.identity = identity;
    return o;
}

// The counter's choices become OQS codes in one place, for both front ends.
START_TEST(card_consent_codes) {
    auto o = consent_options("homecare", "pin");
    o.ope = "1";
    o.prescription = "paper";
    const auto rq = jobs::consent_choices(o, jobs::Voice::cli);  // flags not given: 0 on the command line
    ASSERT_STR(rq.treatment, "2");
    ASSERT_STR(rq.identity, "1");
    ASSERT_STR(rq.ope, "1");
    ASSERT_STR(rq.shinryo, "0");
    ASSERT_STR(rq.kenshin, "0");
    ASSERT_STR(rq.sikkan, "0");
    ASSERT_STR(rq.prescription, "2");
    auto w = consent_options("outpatient", "visual");
    w.ope = "0";
    w.shinryo = "1";
    w.kenshin = "1";
    w.sikkan = "0";
    w.prescription = "";  // the screen's "no choice"
    const auto sq = jobs::consent_choices(w, jobs::Voice::screen);
    ASSERT_STR(sq.treatment, "1");
    ASSERT_STR(sq.identity, "2");
    ASSERT_STR(sq.shinryo + sq.kenshin + sq.sikkan, "110");
    ASSERT_STR(sq.prescription, "");
    w.prescription = "electronic";
    ASSERT_STR(jobs::consent_choices(w, jobs::Voice::screen).prescription, "1");

    // Refusals: the same rule, each front end's words, the field named.
    auto r = refusal([] { jobs::consent_choices(consent_options("clinic", "pin"), jobs::Voice::cli); });
    ASSERT_STR(r.first, "--mode must be homecare (訪問診療) or outpatient (外来診療等)");
    ASSERT_STR(r.second, "mode");
    r = refusal([] { jobs::consent_choices(consent_options("", "pin"), jobs::Voice::screen); });
    ASSERT_STR(r.first, "動作モード（訪問診療 / 外来診療等）を選んでください");
    ASSERT_STR(r.second, "mode");
    r = refusal([] { jobs::consent_choices(jobs::ConsentOptions{}, jobs::Voice::cli); });
    ASSERT_STR(r.first, "--mode is required");
    r = refusal([] { jobs::consent_choices(consent_options("homecare", "face"), jobs::Voice::screen); });
    ASSERT_STR(r.second, "identity");
    ck_assert(has(r.first, "本人確認の方法"));
    auto bad = consent_options("homecare", "visual");
    bad.kenshin = "yes";
    r = refusal([&] { jobs::consent_choices(bad, jobs::Voice::cli); });
    ASSERT_STR(r.first, "--kenshin takes 1 or 0");
    ASSERT_STR(r.second, "kenshin");
    auto missing = consent_options("homecare", "visual");  // the screens need every consent answered
    missing.ope = missing.shinryo = missing.kenshin = "1";
    r = refusal([&] { jobs::consent_choices(missing, jobs::Voice::screen); });
    ASSERT_STR(r.second, "sikkan");
    ASSERT_STR(r.first, "同意する / 同意しない を選んでください");
    auto rx = consent_options("homecare", "visual");
    rx.prescription = "fax";
    r = refusal([&] { jobs::consent_choices(rx, jobs::Voice::cli); });
    ASSERT_STR(r.first, "--prescription must be electronic or paper");
    rx.prescription = "";  // on the command line an empty value is a value
    ASSERT_STR(refusal([&] { jobs::consent_choices(rx, jobs::Voice::cli); }).second, "prescription");

    // ... and read back.
    ASSERT_STR(std::string(jobs::treatment_label("2")), "訪問診療");
    ASSERT_STR(std::string(jobs::treatment_label("1")), "外来診療等");
    ASSERT_STR(std::string(jobs::identity_label("1")), "PIN");
    ASSERT_STR(std::string(jobs::identity_label("2")), "目視確認");
    ASSERT_STR(jobs::consent_label("1"), "同意する");
    ASSERT_STR(jobs::consent_label("0"), "同意しない");
    ASSERT_STR(jobs::consent_label(""), "-");
    ASSERT_STR(jobs::consent_label("9"), "9");
    ASSERT_STR(std::string(jobs::prescription_label("1")), "電子処方箋");
    ASSERT_STR(std::string(jobs::prescription_label("2")), "紙の処方箋");
    ASSERT_STR(std::string(jobs::prescription_label("")), "-");
    ASSERT_STR(jobs::insured_person_label("1"), "本人");
    ASSERT_STR(jobs::insured_person_label("2"), "家族");
    ASSERT_STR(jobs::insured_person_label("3"), "3");
}
END_TEST

// An error about one field: the screens' 400 JSON names it; the command line's option is the field's.
START_TEST(field_error_rendering) {
    const auto r = web::usage_error(Error(Errc::usage, "同意年月日の終了が開始より前です", "consent_to"));
    ck_assert_int_eq(r.status, 400);
    ASSERT_STR(r.body, "{\"error\":\"同意年月日の終了が開始より前です\",\"field\":\"consent_to\"}");
    const auto n = web::usage_error(Error(Errc::usage, "no field"));
    ASSERT_STR(n.body, "{\"error\":\"no field\"}");
    ASSERT_STR(jobs::option_name("consent_from"), "--consent-from");
    ASSERT_STR(jobs::option_name("seen_since"), "--seen-since");
    ASSERT_STR(jobs::option_name("kind"), "--kind");
}
END_TEST

static jobs::Params range(const char* cf, const char* ct, const char* ef = "", const char* et = "") {
    jobs::Params p;
    p.consent_from = cf;
    p.consent_to = ct;
    p.exam_from = ef;
    p.exam_to = et;
    return p;
}

// A request is checked once (jobs::check_params / prepare): the screens' words and fields, and on the
// command line the same words Params::validate uses (checked against it).
START_TEST(request_checked_once) {
    auto r = refusal([] { jobs::check_params(jobs::Kind::homecare, range("2020-01-01", "20251121"), jobs::Voice::screen); });
    ASSERT_STR(r.second, "consent_from");
    ASSERT_STR(r.first, "同意年月日（開始）は正しい日付（YYYYMMDD）ではありません");
    r = refusal([] { jobs::check_params(jobs::Kind::homecare, range("20251122", "20251121"), jobs::Voice::screen); });
    ASSERT_STR(r.second, "consent_to");
    ASSERT_STR(r.first, "同意年月日の終了が開始より前です");
    r = refusal([] { jobs::check_params(jobs::Kind::homecare, range("20251021", ""), jobs::Voice::screen); });
    ASSERT_STR(r.second, "consent_to");
    ck_assert(has(r.first, "両方"));
    // The command line fills the missing end instead.
    ASSERT_STR(refusal([] { jobs::check_params(jobs::Kind::homecare, range("20251021", ""), jobs::Voice::cli); }).first, "");
    r = refusal([] { jobs::check_params(jobs::Kind::homecare, range("", "", "20251101", "20251130"), jobs::Voice::screen); });
    ASSERT_STR(r.second, "exam_from");
    ck_assert(has(r.first, "オンライン診療だけ"));
    r = refusal([] { jobs::check_params(jobs::Kind::online, range("20251001", "20251031", "20251101", "20251130"), jobs::Voice::screen); });
    ASSERT_STR(r.second, "exam_from");
    ck_assert(has(r.first, "どちらか一方"));
    jobs::Params m;
    m.month = "202513";
    r = refusal([&] { jobs::check_params(jobs::Kind::welfare, m, jobs::Voice::screen); });
    ASSERT_STR(r.second, "month");

    // The command line: every refusal is word for word what Params::validate says of the same request.
    const jobs::Params cases[] = {range("2020-01-01", "20251121"), range("20251122", "20251121"), range("20251021", "20251131"),
                                  range("", "", "20251100", "20251130"), range("", "", "20251201", "20251130"),
                                  range("", "", "20251101", "20251130"), range("20251001", "20251031", "20251101", "20251130")};
    int refused = 0;
    for (const jobs::Kind kind : {jobs::Kind::homecare, jobs::Kind::online})
        for (const auto& p : cases) {
            const auto mine = refusal([&] { jobs::check_params(kind, p, jobs::Voice::cli); });
            if (mine.first.empty()) continue;
            ++refused;
            const auto theirs = refusal([&] { p.validate(kind); });
            ASSERT_STR(mine.first, theirs.first);
            ck_assert_msg(has(mine.first, jobs::option_name(mine.second)) || mine.second == "exam_from",
                          "'%s' does not name %s", mine.first.c_str(), jobs::option_name(mine.second).c_str());
        }
    ck_assert_int_ge(refused, 9);

    // prepare: the kind's defaults filled, a PDF's patient trimmed and required, no database.
    const auto rq = jobs::prepare(3, jobs::Kind::homecare, range("20251021", ""), "a-very-long-operator-name", jobs::Voice::cli);
    ASSERT_STR(rq.params.consent_to.substr(0, 2), "20");
    ck_assert_int_eq(static_cast<int>(rq.opid.size()), 16);
    ck_assert_int_eq(rq.hospnum, 3);
    jobs::Params pt;
    pt.ptnum = "  123 ";
    ASSERT_STR(jobs::prepare(1, jobs::Kind::pdf_drug, pt, "", jobs::Voice::screen).params.ptnum, "123");
    pt.ptnum = "   ";
    r = refusal([&] { jobs::prepare(1, jobs::Kind::pdf_drug, pt, "", jobs::Voice::screen); });
    ASSERT_STR(r.second, "patient");
    ASSERT_STR(r.first, "患者番号を入力してください");
    ASSERT_STR(std::string(jobs::to_text(jobs::pdf_kind("checkup", jobs::Voice::cli))), "pdf_checkup");
    r = refusal([] { jobs::pdf_kind("xray", jobs::Voice::cli); });
    ASSERT_STR(r.first, "--type must be drug or checkup");
    ASSERT_STR(r.second, "type");
    // Bulk kinds only: the screen's field; the command line's two refusals.
    r = refusal([] { jobs::bulk_kind("pdf_drug", jobs::Voice::screen); });
    ASSERT_STR(r.second, "kind");
    ck_assert(has(refusal([] { jobs::bulk_kind("nope", jobs::Voice::screen); }).first, "取得対象区分"));
    ck_assert(has(refusal([] { jobs::bulk_kind("nope", jobs::Voice::cli); }).first, "unknown kind 'nope'"));
    ck_assert(has(refusal([] { jobs::bulk_kind("register_refs", jobs::Voice::cli); }).first, "fetch takes the bulk kinds"));
    ASSERT_STR(std::string(jobs::to_text(jobs::bulk_kind("online", jobs::Voice::screen).kind)), "online");
}
END_TEST

int main() {
    Suite* s = suite_create("web");
    TCase* tc = tcase_create("web");
    tcase_set_timeout(tc, 60);
    for (auto* t : {mask_keyword_form, mask_uri_form, host_allow_list, nul_and_ids, password_strength, sessions_lifetimes,
                    sessions_bounded, users_file_stamp, listen_split, listen_loopback, params_dates, params_per_kind, params_defaults,
                    mask_round_trip, card_consent_codes, field_error_rendering, request_checked_once})
        tcase_add_test(tc, t);
    suite_add_tcase(s, tc);
    SRunner* sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    const int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
