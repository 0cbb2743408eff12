// orca-onshi: the command line of the module (support staff and scripts; receptionists use ORCA).
#include <config.h>

#include "app/config.hpp"
#include "core/dates.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "db/pg.hpp"
#include "onshi_batch/codec.hpp"
#include "onshi_batch/job.hpp"
#include "p031_bridge/ingest.hpp"
#include "p031_bridge/p031_query.hpp"

#include <glib.h>

#include <cstdio>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

using namespace onshi;

constexpr const char* kUsage =
    "usage: orca-onshi [--config FILE] COMMAND [OPTIONS]\n"
    "\n"
    "commands:\n"
    "  db migrate                      create or update the module schema (onshi.*) in ORCA's database\n"
    "  fetch --hospnum N --kind homecare [--consent-from YYYYMMDD] [--consent-to YYYYMMDD] [--opid ID]\n"
    "                                  run a bulk request to the end (default range: one month back to today)\n"
    "  ingest --hospnum N FILE...      ingest 02res result files (xml or zip) held by hand\n"
    "  p031 --hospnum N [--date YYYYMMDD] [--format text|tsv]\n"
    "                                  the list ORCA's P031 【全体】 shows for the day\n"
    "  jobs [--hospnum N]              the request list (リクエスト済み一覧)\n"
    "  --version                       print the version\n"
    "\n"
    "configuration: --config FILE, else $ORCA_ONSHI_CONFIG, else /etc/orca-onshi/orca-onshi.conf (+ conf.d/*.conf)\n";

// Options after the command: --name value pairs and positional arguments.
struct Args {
    std::map<std::string, std::string> opt;
    std::vector<std::string> pos;

    [[nodiscard]] std::optional<std::string> get(const std::string& k) const {
        const auto it = opt.find(k);
        return it == opt.end() ? std::nullopt : std::optional(it->second);
    }
    [[nodiscard]] std::string require(const std::string& k) const {
        auto v = get(k);
        if (!v) throw Error(Errc::usage, "--" + k + " is required");
        return *v;
    }
    [[nodiscard]] int hospnum() const {
        const std::string v = require("hospnum");
        if (v.empty() || v.size() > 2 || v.find_first_not_of("0123456789") != std::string::npos || std::stoi(v) < 1)
            throw Error(Errc::usage, "--hospnum must be 1-99");
        return std::stoi(v);
    }
    void only(std::initializer_list<const char*> allowed) const {
        for (const auto& [k, v] : opt) {
            bool ok = false;
            for (const char* a : allowed) ok |= k == a;
            if (!ok) throw Error(Errc::usage, "unknown option --" + k);
        }
    }
};

Args parse_args(int argc, char** argv, int from) {
    Args a;
    for (int i = from; i < argc; ++i) {
        std::string s = argv[i];
        if (s.starts_with("--")) {
            std::string key = s.substr(2), val;
            if (const auto eq = key.find('='); eq != std::string::npos) {
                val = key.substr(eq + 1);
                key = key.substr(0, eq);
            } else {
                if (i + 1 >= argc) throw Error(Errc::usage, "--" + key + " needs a value");
                val = argv[++i];
            }
            a.opt[key] = val;
        } else {
            a.pos.push_back(s);
        }
    }
    return a;
}

std::string check_date(const std::string& opt, const std::string& v) {
    if (!dates::valid_ymd(v)) throw Error(Errc::usage, "--" + opt + " '" + v + "' is not a date (YYYYMMDD)");
    return v;
}

db::Connection connect(const app::Config& cfg) {
    db::Connection c(cfg.conninfo);
    const int have = db::schema_version(c);
    if (have != db::current_schema_version())
        throw Error(Errc::database, "the module schema is at version " + std::to_string(have) + ", this orca-onshi needs " +
                                        std::to_string(db::current_schema_version()) + ": run 'orca-onshi db migrate'");
    return c;
}

std::string num_or_dash(long long v) { return v < 0 ? "-" : std::to_string(v); }

void print_summary(const bridge::IngestSummary& s) {
    std::printf("対象 %zu人  書込 %zu行  患者特定 %zu人  未特定 %zu人  保留 %zu人\n", s.units, s.rows, s.matched, s.unmatched, s.held);
}

int cmd_migrate(const app::Config& cfg) {
    db::Connection c(cfg.conninfo);
    const int before = db::schema_version(c);
    const int now = db::migrate(c);
    std::printf(before == now ? "module schema is up to date (version %d)\n" : "module schema migrated to version %d\n", now);
    return 0;
}

int cmd_fetch(const app::Config& cfg, const Args& a) {
    a.only({"hospnum", "kind", "consent-from", "consent-to", "opid"});
    const int hospnum = a.hospnum();
    const auto& fac = cfg.facility(hospnum);
    const std::string kind = a.require("kind");
    jobs::kind_info(kind);
    const std::string today = dates::today();
    const std::string to = check_date("consent-to", a.get("consent-to").value_or(today));
    const std::string from = check_date("consent-from", a.get("consent-from").value_or(dates::add_months(to, -1)));
    if (from > to) throw Error(Errc::usage, "--consent-from is after --consent-to");
    const std::string opid = a.get("opid").value_or("").substr(0, 16);

    auto db = connect(cfg);
    bool resumed = false;
    const auto id = jobs::create_or_resume(db, hospnum, kind, from, to, opid, resumed);
    const auto first = jobs::load(db, id);
    std::fprintf(stderr, resumed ? "job %lld: resuming (%s%s%s)\n" : "job %lld: %s\n", static_cast<long long>(id),
                 resumed ? first.state.c_str() : "new request", resumed && !first.reception_number.empty() ? ", 受付番号 " : "",
                 resumed ? first.reception_number.c_str() : "");
    const bool tty = isatty(STDERR_FILENO);
    const auto progress = [&](const jobs::Job& j, std::string_view what) {
        std::fprintf(stderr, "%sjob %lld: %.*s%s%s (問い合わせ %d回)%s", tty ? "\r\033[K" : "", static_cast<long long>(j.id),
                     static_cast<int>(what.size()), what.data(), j.reception_number.empty() ? "" : " 受付番号 ",
                     j.reception_number.c_str(), j.poll_count, tty ? "" : "\n");
    };
    const auto j = jobs::run(db, fac, id, jobs::RunOptions{opid, bridge::default_termid()}, progress);
    if (tty) std::fputc('\n', stderr);
    if (j.state != "done") {
        std::fprintf(stderr, "orca-onshi: job %lld %s: %s\n", static_cast<long long>(j.id), j.state.c_str(), j.error.c_str());
        return j.state == "expired" ? exit_status(Errc::timeout) : exit_status(Errc::rejected);
    }
    std::printf("job %lld 正常終了  受付番号 %s  %s %s～%s\n", static_cast<long long>(j.id), j.reception_number.c_str(),
                std::string(jobs::kind_info(j.kind).label).c_str(), j.consent_from.c_str(), j.consent_to.c_str());
    std::printf("対象 %s人  書込 %s行  患者特定 %s人  未特定 %s人  保留 %s人\n", num_or_dash(j.units).c_str(), num_or_dash(j.rows).c_str(),
                num_or_dash(j.matched).c_str(), num_or_dash(j.unmatched).c_str(), num_or_dash(j.held).c_str());
    return 0;
}

int cmd_ingest(const app::Config& cfg, const Args& a) {
    a.only({"hospnum", "opid"});
    const int hospnum = a.hospnum();
    const auto& fac = cfg.facility(hospnum);
    if (a.pos.empty()) throw Error(Errc::usage, "ingest needs at least one FILE");
    auto db = connect(cfg);
    for (const auto& file : a.pos) {
        db::Transaction tx(db);
        bridge::IngestOptions io{hospnum, fac.institution_code, a.get("opid").value_or("").substr(0, 16), bridge::default_termid(), std::nullopt};
        const auto s = bridge::ingest_file(db, file, io);
        const auto& seg = s.header.segment_of_result;
        if (seg == "2") throw Error(Errc::rejected, file + ": SegmentOfResult 2 (処理中): no results in this file yet");
        if (seg == "9") throw Error(Errc::rejected, file + ": SegmentOfResult 9 (異常終了): " + s.header.error_code + " " + s.header.error_message);
        tx.commit();
        std::printf("%s: %s受付番号 %s\n", file.c_str(), s.duplicate ? "取込済み (既に登録されています) " : "",
                    s.header.reception_number.c_str());
        print_summary(s);
    }
    return 0;
}

// Display width of UTF-8 text in a terminal (East Asian wide characters count 2).
std::size_t width(const std::string& s) {
    std::size_t w = 0;
    for (const char* p = s.c_str(); *p; p = g_utf8_next_char(p)) {
        const gunichar c = g_utf8_get_char(p);
        w += g_unichar_iswide(c) ? 2 : 1;
    }
    return w;
}

int cmd_p031(const app::Config& cfg, const Args& a) {
    a.only({"hospnum", "date", "format"});
    const int hospnum = a.hospnum();
    (void)cfg.facility(hospnum);  // a configured facility only
    const std::string date = check_date("date", a.get("date").value_or(dates::today()));
    const std::string format = a.get("format").value_or("text");
    if (format != "text" && format != "tsv") throw Error(Errc::usage, "--format must be text or tsv");
    auto db = connect(cfg);
    const auto rows = bridge::p031_rows(db, hospnum, date);
    std::vector<std::vector<std::string>> table;
    table.emplace_back(bridge::p031_titles().begin(), bridge::p031_titles().end());
    int n = 0;
    for (const auto& r : rows) table.push_back(bridge::p031_cells(r, ++n, date));
    if (format == "tsv") {
        for (const auto& line : table) {
            for (std::size_t i = 0; i < line.size(); ++i) std::printf("%s%s", i ? "\t" : "", line[i].c_str());
            std::printf("\n");
        }
        return 0;
    }
    std::vector<std::size_t> w(table[0].size(), 0);
    for (const auto& line : table)
        for (std::size_t i = 0; i < line.size(); ++i) w[i] = std::max(w[i], width(line[i]));
    std::printf("(P031) オンライン資格確認  確認日 %s  %s  【全体】 %zu件\n", dates::wareki(date).c_str(), date.c_str(), rows.size());
    for (const auto& line : table) {
        std::string out;
        for (std::size_t i = 0; i < line.size(); ++i) {
            out += line[i];
            if (i + 1 < line.size()) out += std::string(w[i] - width(line[i]) + 1, ' ');
        }
        std::printf("%s\n", out.c_str());
    }
    return 0;
}

int cmd_jobs(const app::Config& cfg, const Args& a) {
    a.only({"hospnum", "limit"});
    const int hospnum = a.get("hospnum") ? a.hospnum() : 0;
    auto db = connect(cfg);
    std::printf("%-6s %-19s %-8s %-19s %-24s %-9s %s\n", "ID", "リクエスト日時", "区分", "取得同意済範囲", "受付番号", "状態", "件数 (対象/書込/特定/未特定/保留)");
    for (const auto& j : jobs::list(db, hospnum, 50)) {
        const std::string range = j.consent_from + "-" + j.consent_to;
        std::printf("%-6lld %-19s %-8s %-19s %-24s %-9s %s/%s/%s/%s/%s%s%s\n", static_cast<long long>(j.id), j.created_at.c_str(),
                    std::string(jobs::kind_info(j.kind).label).c_str(), range.c_str(),
                    j.reception_number.empty() ? "-" : j.reception_number.c_str(), j.state.c_str(), num_or_dash(j.units).c_str(),
                    num_or_dash(j.rows).c_str(), num_or_dash(j.matched).c_str(), num_or_dash(j.unmatched).c_str(),
                    num_or_dash(j.held).c_str(), j.error.empty() ? "" : "  ", j.error.c_str());
    }
    return 0;
}

int run(int argc, char** argv) {
    int i = 1;
    std::optional<std::string> config;
    while (i < argc && std::string(argv[i]).starts_with("--")) {
        const std::string s = argv[i];
        if (s == "--version") { std::printf("orca-onshi %s\n", PACKAGE_VERSION); return 0; }
        if (s == "--help" || s == "-h") { std::fputs(kUsage, stdout); return 0; }
        if (s == "--config" && i + 1 < argc) { config = argv[i + 1]; i += 2; continue; }
        if (s.starts_with("--config=")) { config = s.substr(9); ++i; continue; }
        throw Error(Errc::usage, "unknown option " + s);
    }
    if (i >= argc) throw Error(Errc::usage, "no command given");
    const std::string cmd = argv[i++];
    if (cmd == "help") { std::fputs(kUsage, stdout); return 0; }
    oqs::init_codec();
    const app::Config cfg = app::load_config(config);
    if (cmd == "db") {
        if (i >= argc || std::string(argv[i]) != "migrate") throw Error(Errc::usage, "db needs a subcommand: migrate");
        return cmd_migrate(cfg);
    }
    const Args a = parse_args(argc, argv, i);
    if (cmd == "fetch") return cmd_fetch(cfg, a);
    if (cmd == "ingest") return cmd_ingest(cfg, a);
    if (cmd == "p031") return cmd_p031(cfg, a);
    if (cmd == "jobs") return cmd_jobs(cfg, a);
    throw Error(Errc::usage, "unknown command '" + cmd + "'");
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const onshi::Error& e) {
        std::fprintf(stderr, "orca-onshi: %s\n", e.what());
        if (e.code() == onshi::Errc::usage) std::fputs(kUsage, stderr);
        return onshi::exit_status(e.code());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "orca-onshi: internal error: %s\n", e.what());
        return onshi::exit_status(onshi::Errc::internal);
    }
}
