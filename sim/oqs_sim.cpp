// orca-onshi-sim: a synthetic OQS for tests and demos. Fills the ORCA stand-in with a population,
// states what orca-onshi must make of it, writes 02res files, and plays the 連携アプリ over a pair
// of folders. Synthetic people only. Exit status: 0 ok, 1 runtime error, 2 bad usage.
#include "calendar.hpp"
#include "core/error.hpp"
#include "core/text.hpp"
#include "orca_sql.hpp"
#include "output.hpp"
#include "population.hpp"
#include "result_xml.hpp"
#include "proxy.hpp"
#include "serve.hpp"

#include <sstream>
#include "units.hpp"

#include <glib.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace onshi::sim {
namespace {

constexpr const char* kUsage =
    "usage: orca-onshi-sim COMMAND [OPTIONS]\n"
    "commands:\n"
    "  populate         SQL (COPY) filling the ORCA stand-in patient tables\n"
    "  expect           TSV of what orca-onshi must make of every person\n"
    "  expect-validity  TSV of the changes a 資格確認 (OQSmuquc) reports\n"
    "  make-result      write one complete 02res (SegmentOfResult 1)\n"
    "  serve            answer OQS request files (OQSmuhvq/onq/tic/quc/imm, YZK/TKKsiquc) like the 連携アプリ\n"
    "  proxy            a CONNECT-only HTTP proxy on 127.0.0.1 (--port P --port-file F), for the HTTPS tests\n"
    "run 'orca-onshi-sim COMMAND --help' for the options of a command\n";

// Every option of every command; each command registers the ones it takes.
struct Args {
    gchar* seed = nullptr;
    gint size = -1;
    gchar* today = nullptr;
    gint hospnum = -1;
    gchar* out = nullptr;
    gchar* encoding = nullptr;
    gboolean zip = FALSE;
    gchar* wrapper = nullptr;
    gchar* pharma = nullptr;
    gchar* inst = nullptr;
    gchar* file_id = nullptr;
    gchar* reception = nullptr;
    gchar* now = nullptr;
    gchar* req_dir = nullptr;
    gchar* res_dir = nullptr;
    gchar* state = nullptr;
    gint processing = 1;
    gdouble processing_s = 0;
    gint delay_ms = 200;
    gint poll_ms = 100;
    gchar* fault = nullptr;
    gdouble exit_after = 0;
    gchar* change_seed = nullptr;
    gint change_rate = 0;
    gint welfare_pending_until = 0;
    gint units = -1;
    gchar* names = nullptr;  // make-result --names
    gint https_port = -1;
    gchar* port_file = nullptr;  // serve --https-port-file, proxy --port-file
    gchar* tls_cert = nullptr;
    gchar* tls_key = nullptr;
    gchar* https_user = nullptr;
    gchar* https_password_file = nullptr;
    gchar* activation_code = nullptr;
    gchar* http_fault = nullptr;

    Args() = default;
    Args(const Args&) = delete;
    Args& operator=(const Args&) = delete;
    ~Args() {
        for (gchar* s : {port_file, tls_cert, tls_key, https_user, https_password_file, activation_code, http_fault, names})
            g_free(s);
        for (gchar* s : {seed, today, out, encoding, wrapper, pharma, inst, file_id, reception, now, req_dir, res_dir,
                         state, fault, change_seed})
            g_free(s);
    }
};

GOptionEntry str(const char* name, gchar** target, const char* help, const char* arg) {
    return {name, 0, 0, G_OPTION_ARG_STRING, target, help, arg};
}
GOptionEntry num(const char* name, gint* target, const char* help, const char* arg) {
    return {name, 0, 0, G_OPTION_ARG_INT, target, help, arg};
}

std::vector<GOptionEntry> population_options(Args& a) {
    return {str("seed", &a.seed, "population seed (required)", "S"),
            num("size", &a.size, "number of persons at OQS (required)", "N"),
            str("today", &a.today, "reference date (default: today)", "YYYYMMDD")};
}

std::vector<GOptionEntry> style_options(Args& a) {
    return {str("encoding", &a.encoding, "utf-8 (default) or shift_jis", "ENC"),
            {"zip", 0, 0, G_OPTION_ARG_NONE, &a.zip, "write the 02res as a zip holding the xml", nullptr},
            str("wrapper", &a.wrapper, "ResultList wrapper: none, resultlist, mixed (default)", "W")};
}

// Thrown once a command's --help is printed: main returns 0.
struct HelpShown {};

struct OptionContextFree { void operator()(GOptionContext* c) const { g_option_context_free(c); } };

// Parses argv (argv[0] = the command) with the given entries; anything left over is a usage error.
// --help is ours: GOption's own prints through g_print, which turns every non-ASCII character into
// '?' when the locale's charset is not UTF-8 (the C locale); the help text is printed as the UTF-8 it is.
void parse(int argc, char** argv, std::vector<GOptionEntry> entries, const char* summary) {
    gboolean help = FALSE;
    entries.push_back({"help", 'h', 0, G_OPTION_ARG_NONE, &help, "show the options of this command", nullptr});
    entries.push_back(GOptionEntry{});
    g_set_prgname((std::string("orca-onshi-sim ") + argv[0]).c_str());
    std::unique_ptr<GOptionContext, OptionContextFree> ctx(g_option_context_new(nullptr));
    g_option_context_set_help_enabled(ctx.get(), FALSE);
    g_option_context_set_summary(ctx.get(), summary);
    g_option_context_add_main_entries(ctx.get(), entries.data(), nullptr);
    GError* err = nullptr;
    const gboolean ok = g_option_context_parse(ctx.get(), &argc, &argv, &err);
    if (ok && help) {
        gchar* text = g_option_context_get_help(ctx.get(), TRUE, nullptr);
        std::fputs(text, stdout);
        g_free(text);
        throw HelpShown{};
    }
    ctx.reset();
    if (!ok) {
        const std::string msg = err->message;
        g_error_free(err);
        throw Error(Errc::usage, msg);
    }
    if (argc > 1) throw Error(Errc::usage, std::string("unexpected argument: ") + argv[1]);
}

std::string required(const gchar* value, const char* option) {
    if (!value || !*value) throw Error(Errc::usage, std::string("--") + option + " is required");
    return value;
}

// One of `choices`; the index of the match. Unset -> `fallback`.
int choice(const gchar* value, const char* option, std::initializer_list<const char*> choices, int fallback) {
    if (!value) return fallback;
    int i = 0;
    for (const char* c : choices) {
        if (std::strcmp(value, c) == 0) return i;
        ++i;
    }
    throw Error(Errc::usage, std::string("--") + option + ": unknown value " + value);
}

std::string date_option(const gchar* value, const char* option, const std::string& fallback) {
    if (!value) return fallback;
    Ymd d;
    if (!parse_ymd(value, d)) throw Error(Errc::usage, std::string("--") + option + " must be YYYYMMDD");
    return value;
}

struct Population {
    std::uint64_t seed = 0;
    int size = 0;
    std::string today;
};

std::uint64_t seed_option(const std::string& value, const char* option) {
    guint64 seed = 0;
    GError* err = nullptr;
    if (!g_ascii_string_to_unsigned(value.c_str(), 10, 0, G_MAXUINT64, &seed, &err)) {
        g_clear_error(&err);
        throw Error(Errc::usage, std::string("--") + option + " must be a non-negative integer");
    }
    return seed;
}

Population population_args(const Args& a, const std::string& default_today) {
    Population p;
    const std::uint64_t seed = seed_option(required(a.seed, "seed"), "seed");
    if (a.size < 0) throw Error(Errc::usage, "--size is required (>= 0)");
    p.seed = seed;
    p.size = a.size;
    p.today = date_option(a.today, "today", default_today);
    return p;
}

ResultStyle style_args(const Args& a) {
    ResultStyle s;
    s.encoding = static_cast<Encoding>(choice(a.encoding, "encoding", {"utf-8", "shift_jis"}, 0));
    s.wrapper = static_cast<Wrapper>(choice(a.wrapper, "wrapper", {"none", "resultlist", "mixed"}, 2));
    s.pharma = static_cast<PharmaSpelling>(
        choice(a.pharma, "pharma-spelling", {"pharmacists", "pharmaceutical", "mixed"}, 2));
    return s;
}

std::string local_today() { return local_now14().substr(0, 8); }

GOptionEntry fault_option(Args& a) {
    static const std::string help = std::string("comma-separated: ") + Faults::names();
    return str("fault", &a.fault, help.c_str(), "F[,F...]");
}

std::vector<GOptionEntry> change_options(Args& a) {
    return {str("change-seed", &a.change_seed, "seed of the injected changes (default 0)", "C"),
            num("change-rate", &a.change_rate, "percent of persons with a change (default 0)", "PCT")};
}

struct Changes {
    std::uint64_t seed = 0;
    int rate = 0;
};

Changes change_args(const Args& a) {
    if (a.change_rate < 0 || a.change_rate > 100) throw Error(Errc::usage, "--change-rate must be 0-100");
    return {a.change_seed ? seed_option(a.change_seed, "change-seed") : 0, a.change_rate};
}

template <class T>
void append(std::vector<T>& to, const std::vector<T>& more) {
    to.insert(to.end(), more.begin(), more.end());
}

// ----- commands ------------------------------------------------------------------------------

int cmd_populate(int argc, char** argv) {
    Args a;
    auto entries = population_options(a);
    entries.push_back(num("hospnum", &a.hospnum, "ORCA hospnum (required)", "H"));
    parse(argc, argv, entries, "Print SQL that fills tbl_ptnum, tbl_ptinf, tbl_pthkninf and tbl_ptkohinf.");
    const Population p = population_args(a, local_today());
    if (a.hospnum < 0 || a.hospnum > 32767) throw Error(Errc::usage, "--hospnum is required (0-32767)");
    const auto people = make_population(p.seed, p.size, p.today);
    write_populate_sql(std::cout, people, make_orca_only(p.seed, p.size, p.today), a.hospnum, p.today);
    return 0;
}

// One line per person: what the OQSmuhvq / OQSmuonq answer holds for them (with the unit faults
// of --fault) and what orca-onshi must make of it. A unit without results becomes one row.
int cmd_expect(int argc, char** argv) {
    Args a;
    auto entries = population_options(a);
    entries.push_back(fault_option(a));
    parse(argc, argv, entries, "Print what orca-onshi must make of every person (TSV).");
    const Population p = population_args(a, local_today());
    const Faults faults = Faults::parse(a.fault ? a.fault : "");
    std::cout << "index\tptnum\texpected_ptid\tresults\theld\twelfare\tref\ttreatment\texam_date\tstatus\tvalidity\n";
    for (const Person& x : make_population(p.seed, p.size, p.today)) {
        Unit u = consented_unit(x);
        apply_unit_faults(u, faults);
        const int results = u.results();
        std::cout << x.index << '\t' << x.ptnum << '\t' << x.expected_ptid() << '\t' << std::max(results, 1) << '\t'
                  << (results > 0 && x.held() ? 1 : 0) << '\t' << (x.welfare ? 1 : 0) << '\t' << x.reference_number()
                  << '\t' << treatment_name(x.treatment) << '\t' << x.exam_date << '\t' << u.status << '\t'
                  << u.validity << '\n';
    }
    return 0;
}

int cmd_expect_validity(int argc, char** argv) {
    Args a;
    auto entries = population_options(a);
    append(entries, change_options(a));
    parse(argc, argv, entries,
          "Print the change a re-check (OQSmuquc) reports for each ORCA patient (in ORCA, no test patient, "
          "insured) that has one (TSV).");
    const Population p = population_args(a, local_today());
    const Changes c = change_args(a);
    std::cout << "ptnum\tchange\n";
    for (const Person& x : make_population(p.seed, p.size, p.today)) {
        const Change change = draw_change(c.seed, c.rate, x.index);
        if (x.in_orca && !x.test_patient && x.insurance && change != Change::none)
            std::cout << x.ptnum << '\t' << change_name(change) << '\n';
    }
    return 0;
}

// --names FILE: line K (UTF-8) is the Name OQS sends for person K-1; the rest keep theirs.
void apply_names(std::vector<Person>& people, const char* file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw Error(Errc::usage, std::string("--names: cannot read ") + file);
    std::size_t k = 0;
    for (std::string line; std::getline(in, line); ++k) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty() || !onshi::text::is_valid_utf8(line))
            throw Error(Errc::usage, "--names: line " + std::to_string(k + 1) + " is empty or not UTF-8");
        if (k >= people.size()) throw Error(Errc::usage, "--names holds more names than the population (--size)");
        people[k].name = line;
        people[k].gaiji = people[k].black_circle = false;  // the name is the corpus's now
    }
}

int cmd_make_result(int argc, char** argv) {
    Args a;
    auto entries = population_options(a);
    for (const GOptionEntry& e : style_options(a)) entries.push_back(e);
    entries.push_back(str("out", &a.out, "output file (required)", "FILE"));
    entries.push_back(str("pharma-spelling", &a.pharma, "pharmacists, pharmaceutical, mixed (default)", "S"));
    entries.push_back(str("inst", &a.inst, "MedicalInstitutionCode (default 1310000017)", "CODE"));
    entries.push_back(str("file-id", &a.file_id, "ArbitraryFileIdentifier (default orca-onshi-sim)", "ID"));
    entries.push_back(str("reception", &a.reception, "ReceptionNumber (default from --now)", "R"));
    entries.push_back(str("now", &a.now, "ProcessExecutionTime (default: now)", "YYYYMMDDHHMMSS"));
    entries.push_back(fault_option(a));
    entries.push_back(num("units", &a.units, "only the first K persons of the population become units (default: all)", "K"));
    entries.push_back(str("names", &a.names, "UTF-8 file, one name a line: line K is the Name OQS sends for person K-1 (the names corpus)", "FILE"));
    parse(argc, argv, entries,
          "Write one complete 02res (SegmentOfResult 1), one BulkConfirmUnit per person. Of --fault only "
          "unit-errors, validity-mix and not-found apply.");

    std::string now = a.now ? a.now : local_now14();
    Ymd d;
    if (now.size() != 14 || !parse_ymd(now.substr(0, 8), d) ||
        now.find_first_not_of("0123456789") != std::string::npos)
        throw Error(Errc::usage, "--now must be YYYYMMDDHHMMSS");
    const Population p = population_args(a, now.substr(0, 8));
    const std::string out = required(a.out, "out");
    const ResultStyle style = style_args(a);
    const Faults faults = Faults::parse(a.fault ? a.fault : "");

    Header02 h;
    h.process_execution_time = now;
    h.confirmation_date = p.today;
    h.institution_code = a.inst ? a.inst : "1310000017";
    h.file_id = a.file_id ? a.file_id : "orca-onshi-sim";
    h.reception_number = a.reception ? a.reception : now + "000_0001";
    auto people = make_population(p.seed, p.size, p.today);
    if (a.names) apply_names(people, a.names);
    if (a.units > p.size) throw Error(Errc::usage, "--units is larger than the population (--size)");
    std::vector<Unit> units;
    for (const Person& x : people) {
        if (a.units >= 0 && static_cast<int>(units.size()) >= a.units) break;
        units.push_back(consented_unit(x));
        apply_unit_faults(units.back(), faults);
    }
    const std::string xml = write_02res(style, h, units);

    const auto slash = out.find_last_of('/');
    const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : out.substr(0, slash);
    const std::string name = slash == std::string::npos ? out : out.substr(slash + 1);
    if (a.zip) write_zip_atomic(dir, name, xml_entry_name(name), xml);
    else write_atomic(dir, name, xml);
    return 0;
}

int cmd_serve(int argc, char** argv) {
    Args a;
    auto entries = population_options(a);
    for (const GOptionEntry& e : style_options(a)) entries.push_back(e);
    entries.push_back(str("req-dir", &a.req_dir, "request folder (required)", "DIR"));
    entries.push_back(str("res-dir", &a.res_dir, "result folder (required)", "DIR"));
    entries.push_back(str("state", &a.state, "keep receptions and registered reference numbers in this file (default: memory only)", "FILE"));
    entries.push_back(num("processing", &a.processing, "SegmentOfResult 2 answers before the result (default 1)", "K"));
    entries.push_back({"processing-s", 0, 0, G_OPTION_ARG_DOUBLE, &a.processing_s,
                       "also SegmentOfResult 2 while the 01req was accepted less than S seconds ago (default 0: off)", "S"});
    entries.push_back(num("delay-ms", &a.delay_ms, "delay before each answer (default 200)", "MS"));
    entries.push_back(num("poll-ms", &a.poll_ms, "poll interval (default 100)", "MS"));
    entries.push_back(fault_option(a));
    entries.push_back({"exit-after", 0, 0, G_OPTION_ARG_DOUBLE, &a.exit_after, "exit 0 after this many seconds",
                       "SECONDS"});
    append(entries, change_options(a));
    entries.push_back(num("welfare-pending-until", &a.welfare_pending_until,
                          "OQSmutic: no medical tickets yet while today's day of month < DAY (0 never, default; "
                          "32 always)",
                          "DAY"));
    entries.push_back(num("https", &a.https_port, "also serve the HTTPS contract of a 資格確認限定型 facility on 127.0.0.1:PORT (0: any)", "PORT"));
    entries.push_back(str("https-port-file", &a.port_file, "write the HTTPS port here once listening", "FILE"));
    entries.push_back(str("tls-cert", &a.tls_cert, "HTTPS: server certificate (PEM)", "FILE"));
    entries.push_back(str("tls-key", &a.tls_key, "HTTPS: server key (PEM)", "FILE"));
    entries.push_back(str("https-user", &a.https_user, "HTTPS: the facility's user ID", "ID"));
    entries.push_back(str("https-password-file", &a.https_password_file, "HTTPS: the user's password (first line)", "FILE"));
    entries.push_back(str("activation-code", &a.activation_code, "HTTPS: the device's 12-digit activation code", "CODE"));
    entries.push_back(str("names", &a.names, "UTF-8 file, one name a line: line K is the Name OQS sends for person K-1", "FILE"));
    entries.push_back(str("http-fault", &a.http_fault,
                          "HTTPS faults, comma-separated: delay:MS, 503:N[:RETRY_AFTER_S], drop:N, expire:N (session after N calls), reject-put",
                          "LIST"));
    parse(argc, argv, entries,
          "Answer OQS request files like the OQS connection app (renkei app): OQSmuhvq, OQSmuonq, OQSmutic, "
          "OQSmuquc, OQSmuimm (01req/02req) and YZKsiquc, TKKsiquc (01req).");

    ServeOptions o;
    const Population p = population_args(a, local_today());
    o.today = p.today;
    o.pin_date = a.today != nullptr;
    o.req_dir = required(a.req_dir, "req-dir");
    o.res_dir = required(a.res_dir, "res-dir");
    o.state_file = a.state ? a.state : "";
    if (a.processing < 0 || a.processing_s < 0 || a.delay_ms < 0 || a.poll_ms < 1 || a.exit_after < 0)
        throw Error(Errc::usage, "--processing, --processing-s, --delay-ms, --exit-after must be >= 0 and --poll-ms >= 1");
    o.processing = a.processing;
    o.processing_s = a.processing_s;
    o.delay_ms = a.delay_ms;
    o.poll_ms = a.poll_ms;
    o.exit_after_s = a.exit_after;
    o.style = style_args(a);
    o.zip = a.zip;
    o.faults = Faults::parse(a.fault ? a.fault : "");
    const Changes changes = change_args(a);
    o.change_seed = changes.seed;
    o.change_rate = changes.rate;
    if (a.welfare_pending_until < 0 || a.welfare_pending_until > 32)
        throw Error(Errc::usage, "--welfare-pending-until must be 0-32");
    o.welfare_pending_until = a.welfare_pending_until;
    if (a.https_port >= 0) {
        HttpsOptions h;
        h.port = a.https_port;
        h.port_file = a.port_file ? a.port_file : "";
        h.cert_file = required(a.tls_cert, "tls-cert");
        h.key_file = required(a.tls_key, "tls-key");
        h.user_id = required(a.https_user, "https-user");
        h.password_file = required(a.https_password_file, "https-password-file");
        h.activation_code = required(a.activation_code, "activation-code");
        h.req_dir = o.req_dir;
        h.res_dir = o.res_dir;
        const std::string faults = a.http_fault ? a.http_fault : "";
        std::istringstream in(faults);
        std::string f;
        auto number = [&](const std::string& s) {
            if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos || s.size() > 6)
                throw Error(Errc::usage, "--http-fault: '" + f + "' needs a number");
            return std::stoi(s);
        };
        while (std::getline(in, f, ',')) {
            const auto c1 = f.find(':');
            const std::string k = f.substr(0, c1), rest = c1 == std::string::npos ? "" : f.substr(c1 + 1);
            if (k == "delay") h.delay_ms = number(rest);
            else if (k == "drop") h.drop = number(rest);
            else if (k == "expire") h.session_calls = number(rest);
            else if (k == "reject-put") h.reject_put = true;
            else if (k == "503") {
                const auto c2 = rest.find(':');
                h.fail_503 = number(rest.substr(0, c2));
                if (c2 != std::string::npos) h.retry_after_s = number(rest.substr(c2 + 1));
            } else throw Error(Errc::usage, "--http-fault: unknown fault '" + f + "'");
        }
        o.https = h;
    }
    auto people = make_population(p.seed, p.size, p.today);
    if (a.names) apply_names(people, a.names);
    return serve(people, o);
}

int cmd_proxy(int argc, char** argv) {
    Args a;
    gint port = 0;
    std::vector<GOptionEntry> entries;
    entries.push_back(num("port", &port, "port on 127.0.0.1 (default 0: any)", "P"));
    entries.push_back(str("port-file", &a.port_file, "write the port here once listening", "FILE"));
    parse(argc, argv, entries, "A CONNECT-only HTTP proxy on 127.0.0.1 that logs each tunnel (tests of the HTTPS transport).");
    if (port < 0 || port > 65535) throw Error(Errc::usage, "--port must be 0-65535");
    return run_proxy(port, a.port_file ? a.port_file : "");
}

}  // namespace
}  // namespace onshi::sim

int main(int argc, char** argv) {
    using namespace onshi::sim;
    if (argc < 2) {
        std::fputs(kUsage, stderr);
        return 2;
    }
    const std::string cmd = argv[1];
    try {
        if (cmd == "populate") return cmd_populate(argc - 1, argv + 1);
        if (cmd == "expect") return cmd_expect(argc - 1, argv + 1);
        if (cmd == "expect-validity") return cmd_expect_validity(argc - 1, argv + 1);
        if (cmd == "make-result") return cmd_make_result(argc - 1, argv + 1);
        if (cmd == "serve") return cmd_serve(argc - 1, argv + 1);
        if (cmd == "proxy") return cmd_proxy(argc - 1, argv + 1);
        if (cmd == "help" || cmd == "--help" || cmd == "-h") {
            std::fputs(kUsage, stdout);
            return 0;
        }
        std::fprintf(stderr, "orca-onshi-sim: unknown command %s\n%s", cmd.c_str(), kUsage);
        return 2;
    } catch (const HelpShown&) {
        return 0;
    } catch (const onshi::Error& e) {
        std::fprintf(stderr, "orca-onshi-sim: %s\n", e.what());
        return e.code() == onshi::Errc::usage ? 2 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "orca-onshi-sim: %s\n", e.what());
        return 1;
    }
}
