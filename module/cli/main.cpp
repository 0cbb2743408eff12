// orca-onshi: the command line of the module (support staff and scripts; receptionists use ORCA).
#include <config.h>

#include "app/config.hpp"
#include "app/log_glib.hpp"
#include "cli/common.hpp"
#include "app/clock.hpp"
#include "core/dates.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "db/pg.hpp"
#include "onshi_batch/codec.hpp"
#include "onshi_batch/https.hpp"
#include "jobs/held_file.hpp"
#include "jobs/queries.hpp"
#include "jobs/submit.hpp"
#include "jobs/job.hpp"
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
using namespace onshi::cli;

constexpr const char* kUsage =
    "usage: orca-onshi [--config FILE] COMMAND [OPTIONS]\n"
    "\n"
    "commands:\n"
    "  db migrate                      create or update the module schema (onshi.*) in ORCA's database\n"
    "  db drop --yes                   drop the module schema (onshi.*: jobs, results, review, audit); ORCA's tables\n"
    "                                  and the rows written into them stay\n"
    "  doctor [--hospnum N]            check ORCA's database, the facility configuration and the share folders\n"
    "  fetch --hospnum N --kind KIND [range options] [--opid ID] [--queue]\n"
    "                                  run a bulk request to the end (--queue: leave it to orca-onshid)\n"
    "        KIND homecare|nursing      --consent-from/--consent-to YYYYMMDD (default: one month back to today)\n"
    "             online                consent range, or --exam-from/--exam-to YYYYMMDD (受診年月日)\n"
    "             welfare               --month YYYYMM (default: this month)\n"
    "             validity              資格有効性確認 of every valid ORCA insurance [--seen-since YYYYMMDD]\n"
    "  activate --hospnum N            transport=https: exchange the facility's activation_code for this device's\n"
    "                                  credential (stored in device_file, mode 0600)\n"
    "  register-refs --hospnum N       照会番号一括登録: register ORCA 患者番号 as 照会番号\n"
    "  pdf --hospnum N --patient PTNUM --type drug|checkup\n"
    "                                  fetch the 薬剤情報 / 特定健診 PDF of a consented patient\n"
    "  pdfs [--hospnum N]              stored PDFs\n"
    "  ingest --hospnum N [--kind KIND] [--opid ID] FILE...\n"
    "                                  ingest 02res result files (xml or zip, UTF-8 or Shift_JIS) held by hand;\n"
    "                                  KIND from the file name when not given: OQSmuhvq… homecare, OQSmuonq… online\n"
    "                                  (a name that says another kind is refused); consent-style facilities need one\n"
    "  p031 --hospnum N [--date YYYYMMDD] [--view all|homecare|online] [--all] [--page K] [--format text|tsv]\n"
    "                                  the list ORCA's P031 shows for the day: 【全体】, 訪問診療同意, オンライン診療同意;\n"
    "                                  --all = F9 全対象; text pages by 50 rows, tsv prints every row unless --page\n"
    "  jobs [--hospnum N]              the request list (リクエスト済み一覧)\n"
    "  review [--hospnum N] [--all]    units a person must decide on (保留: not written; 要確認: written, to check)\n"
    "  review accept ID [--patient PTNUM] [--name NAME] [--operator WHO]\n"
    "                                  write a held unit (外字 as 〓, or --name), or link a flagged one to a patient\n"
    "  review reject ID [--operator WHO]\n"
    "  job show ID                     one request: phases, counts, changes, errors\n"
    "  resume ID                       ask OQS again for an expired or failed request (same 受付番号)\n"
    "  cancel ID                       cancel a request that has not finished\n"
    "  user add NAME --role reception|admin [--facilities 1,2]\n"
    "                                  a user of the screens ([web] users_file; only those facilities,\n"
    "                                  default all); password from the terminal\n"
    "                                  (or one line on stdin when it is not a terminal), never from the command line\n"
    "  user passwd NAME                change a user's password\n"
    "  user del NAME                   remove a user\n"
    "  card check [--reader NAME]      each card reader: extended APDU, card, card type, certificate read time and APDUs\n"
    "  card read [--reader NAME] [--wait SECS] [--with-basic4] [--allow-last-try]\n"
    "                                  the 利用者証明用電子証明書; --with-basic4: 基本4情報 with the holder's 4-digit PIN\n"
    "                                  (terminal without echo, or one line of stdin); stops at 1 try left unless --allow-last-try\n"
    "  card consent --hospnum N --mode homecare|outpatient --identity visual|pin [--ope 1|0] [--shinryo 1|0]\n"
    "               [--kenshin 1|0] [--sikkan 1|0] [--prescription electronic|paper] [--reader NAME] [--with-basic4]\n"
    "                                  マイナ保険証 consent registration (our OQScrdq card request; a ★ row for P031)\n"
    "  card match --hospnum N [--reader NAME]\n"
    "                                  ORCA patients with the card's 基本4情報 (listed only, never linked)\n"
    "  --version                       print the version\n"
    "\n"
    "configuration: --config FILE, else $ORCA_ONSHI_CONFIG, else /etc/orca-onshi/orca-onshi.conf (+ conf.d/*.conf)\n";

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

int cmd_drop(const app::Config& cfg, bool yes) {
    if (!yes)
        throw Error(Errc::usage, "db drop removes the module schema onshi (jobs, results, review list, audit) for good: say --yes");
    db::Connection c(cfg.conninfo);
    std::printf(db::drop_schema(c) ? "module schema onshi dropped (ORCA's tables untouched)\n"
                                   : "no module schema onshi: nothing to drop\n");
    return 0;
}

// Runs a job in this process with a progress line; prints the outcome. Exit status for the CLI.
int run_here(db::Connection& db, const app::Config& cfg, std::int64_t id) {
    const auto first = jobs::load(db, id);
    const auto& fac = cfg.facility(first.hospnum);
    const bool tty = isatty(STDERR_FILENO);
    const auto progress = [&](const jobs::Job& j, std::string_view what) {
        std::fprintf(stderr, "%sjob %lld: %.*s%s%s (問い合わせ %d回)%s", tty ? "\r\033[K" : "", static_cast<long long>(j.id),
                     static_cast<int>(what.size()), what.data(), j.reception_number.empty() ? "" : " 受付番号 ",
                     j.reception_number.c_str(), j.poll_count, tty ? "" : "\n");
    };
    const auto j = jobs::run(db, fac, id, jobs::RunOptions{bridge::default_termid(), nullptr}, progress);
    if (tty) std::fputc('\n', stderr);
    if (j.state != jobs::State::done) {
        std::fprintf(stderr, "orca-onshi: job %lld %s: %s\n", static_cast<long long>(j.id), std::string(jobs::to_text(j.state)).c_str(), j.error.c_str());
        return j.state == jobs::State::expired ? exit_status(Errc::timeout) : exit_status(Errc::rejected);
    }
    const auto& k = jobs::kind_info(j.kind);
    std::printf("job %lld 正常終了  %s  受付番号 %s\n", static_cast<long long>(j.id), std::string(k.label).c_str(),
                j.reception_number.empty() ? "-" : j.reception_number.c_str());
    if (k.output == jobs::Output::rows)
        std::printf("対象 %s人  書込 %s行  患者特定 %s人  未特定 %s人  保留 %s人\n", num_or_dash(j.units).c_str(), num_or_dash(j.rows).c_str(),
                    num_or_dash(j.matched).c_str(), num_or_dash(j.unmatched).c_str(), num_or_dash(j.held).c_str());
    if (k.output == jobs::Output::references) {
        const auto n = jobs::reference_counts(db, j.id);
        std::printf("照会番号 登録 %lld件  エラー %lld件\n", n.registered, n.rejected);
    }
    if (k.output == jobs::Output::pdf) {
        if (const auto pdf = jobs::job_pdf(db, j.id)) std::printf("PDF %s (%lld bytes)\n", pdf->path.c_str(), pdf->bytes);
    }
    if (j.kind == jobs::Kind::validity) {
        const auto counts = jobs::validity_change_counts(db, j.id);
        std::printf("変更:");
        if (counts.empty()) std::printf(" なし");
        for (const auto& [change, n] : counts) std::printf(" %s %lld件", change.c_str(), n);
        std::printf("  (詳細: orca-onshi job show %lld)\n", static_cast<long long>(j.id));
    }
    if (!j.note.empty()) std::printf("%s\n", j.note.c_str());
    return 0;
}

// Creates (or finds the unfinished twin of) a job and runs it here, or leaves it queued.
int submit(const app::Config& cfg, int hospnum, jobs::Kind kind, const jobs::Params& params, const std::string& opid, bool queue) {
    (void)cfg.facility(hospnum);
    const auto rq = jobs::prepare(hospnum, kind, params, opid, jobs::Voice::cli);
    auto db = connect(cfg);
    const auto [id, resumed] = jobs::submit(db, rq, jobs::Voice::cli);
    const auto first = jobs::load(db, id);
    std::fprintf(stderr, resumed ? "job %lld: resuming (%s%s%s)\n" : "job %lld: %s\n", static_cast<long long>(id),
                 resumed ? std::string(jobs::to_text(first.state)).c_str() : "new request", resumed && !first.reception_number.empty() ? ", 受付番号 " : "",
                 resumed ? first.reception_number.c_str() : "");
    if (queue) {
        std::printf("job %lld queued\n", static_cast<long long>(id));
        return 0;
    }
    return run_here(db, cfg, id);
}

int cmd_fetch(const app::Config& cfg, const Args& a) {
    a.only({"hospnum", "kind", "consent-from", "consent-to", "exam-from", "exam-to", "month", "seen-since", "opid", "queue"});
    const std::string kind = a.require("kind");
    const auto& k = jobs::bulk_kind(kind, jobs::Voice::cli);
    const jobs::Params p = jobs::bulk_params([&](const jobs::ParamField& f) { return a.get(std::string(f.option)).value_or(""); });
    return submit(cfg, a.hospnum(), k.kind, p, a.get("opid").value_or(""), a.get("queue") == "yes");
}

int cmd_register_refs(const app::Config& cfg, const Args& a) {
    a.only({"hospnum", "opid", "queue"});
    return submit(cfg, a.hospnum(), jobs::Kind::register_refs, {}, a.get("opid").value_or(""), a.get("queue") == "yes");
}

int cmd_pdf(const app::Config& cfg, const Args& a) {
    a.only({"hospnum", "patient", "type", "opid"});
    const jobs::Kind kind = jobs::pdf_kind(a.require("type"), jobs::Voice::cli);
    jobs::Params p;
    p.ptnum = a.require("patient");
    return submit(cfg, a.hospnum(), kind, p, a.get("opid").value_or(""), false);  // no consent: refused, no job
}

int cmd_pdfs(const app::Config& cfg, const Args& a) {
    a.only({"hospnum"});
    const int hospnum = a.get("hospnum") ? a.hospnum() : 0;
    auto db = connect(cfg);
    const auto files = jobs::pdf_files(db, hospnum);
    std::printf("%-6s %-16s %-8s %-10s %8s %s\n", "ID", "取得日時", "種類", "患者番号", "bytes", "file");
    for (const auto& f : files)
        std::printf("%-6s %-16s %-8s %-10s %8s %s\n", f.job_id.c_str(), f.created_at.c_str(), f.type == "drug" ? "薬剤" : "特定健診",
                    f.ptnum.c_str(), f.bytes.c_str(), f.path.c_str());
    return 0;
}

int cmd_job(const app::Config& cfg, const Args& a) {
    if (a.pos.size() != 2 || a.pos[0] != "show") throw Error(Errc::usage, "job show ID");
    auto db = connect(cfg);
    const auto j = jobs::load(db, std::stoll(a.pos[1]));
    std::printf("job %lld  施設 %d  %s  %s\n", static_cast<long long>(j.id), j.hospnum, std::string(jobs::kind_info(j.kind).label).c_str(),
                j.params.label().c_str());
    std::printf("  状態          %s%s%s\n", std::string(jobs::to_text(j.state)).c_str(), j.error.empty() ? "" : ": ", j.error.c_str());
    std::printf("  受付番号      %s\n", j.reception_number.empty() ? "-" : j.reception_number.c_str());
    std::printf("  依頼作成      %s\n  01req送信     %s\n  受付          %s\n  終了          %s\n", j.created_at.c_str(),
                j.requested_at.empty() ? "-" : j.requested_at.c_str(), j.received_at.empty() ? "-" : j.received_at.c_str(),
                j.finished_at.empty() ? "-" : j.finished_at.c_str());
    std::printf("  問い合わせ    %d回   実行 %d回\n", j.poll_count, j.attempts);
    std::printf("  件数          対象 %s / 書込 %s / 特定 %s / 未特定 %s / 保留 %s\n", num_or_dash(j.units).c_str(), num_or_dash(j.rows).c_str(),
                num_or_dash(j.matched).c_str(), num_or_dash(j.unmatched).c_str(), num_or_dash(j.held).c_str());
    if (!j.note.empty()) std::printf("  注意          %s\n", j.note.c_str());
    for (const auto& c : jobs::validity_changes(db, j.id, j.hospnum))
        std::printf("  変更  %-10s 患者番号 %s  %s%s%s\n", c.change.c_str(), c.patient.c_str(), c.before.c_str(),
                    c.before.empty() && c.after.empty() ? "" : " -> ", c.after.c_str());
    return 0;
}

int cmd_resume(const app::Config& cfg, const Args& a) {
    if (a.pos.size() != 1) throw Error(Errc::usage, "resume ID");
    auto db = connect(cfg);
    const std::int64_t id = std::stoll(a.pos[0]);
    const auto j = jobs::load(db, id);
    if (!j.finished()) return run_here(db, cfg, id);
    if (!jobs::reopen(db, id)) throw Error(Errc::usage, "job " + a.pos[0] + " is " + std::string(jobs::to_text(j.state)) + ": nothing to resume");
    return run_here(db, cfg, id);
}

int cmd_cancel(const app::Config& cfg, const Args& a) {
    if (a.pos.size() != 1) throw Error(Errc::usage, "cancel ID");
    auto db = connect(cfg);
    if (!jobs::cancel(db, std::stoll(a.pos[0]))) throw Error(Errc::usage, "job " + a.pos[0] + " has already finished");
    std::printf("job %s cancelled\n", a.pos[0].c_str());
    return 0;
}

// The kind of one file: --kind, else its name's prefix (OQSmuhvq homecare, OQSmuonq online). A name
// that says another kind's prefix than --kind is refused.
std::optional<jobs::Kind> kind_for_file(const std::string& file, std::optional<jobs::Kind> given) {
    const auto named = jobs::kind_of_file_name(file);
    if (!given) return named;
    if (named && jobs::kind_info(*named).prefix != jobs::kind_info(*given).prefix)
        throw Error(Errc::usage, file + ": the file name says " + std::string(jobs::kind_info(*named).prefix) + " (" +
                                     std::string(jobs::to_text(*named)) + "), not --kind " + std::string(jobs::to_text(*given)) + " (" +
                                     std::string(jobs::kind_info(*given).prefix) + ")");
    return given;
}

int cmd_ingest(const app::Config& cfg, const Args& a) {
    a.only({"hospnum", "opid", "kind"});
    const int hospnum = a.hospnum();
    const auto& fac = cfg.facility(hospnum);
    if (a.pos.empty()) throw Error(Errc::usage, "ingest needs at least one FILE");
    const std::string given_text = a.get("kind").value_or("");
    const std::optional<jobs::Kind> given = given_text.empty() ? std::nullopt : std::optional(jobs::parse_kind(given_text));
    // Which rows: the ★ recipe, or (p031_mark = consent) the 同意 recipe of the file's kind. Every
    // file's kind is settled before the first is read, so a refusal leaves nothing written.
    std::vector<std::optional<jobs::Kind>> kinds;
    for (const auto& file : a.pos) {
        const auto kind = kind_for_file(file, given);
        if (fac.p031_mark == Style::consent && !kind)
            throw Error(Errc::usage, "facility " + std::to_string(hospnum) + " writes consent-style rows: " + file +
                                         " does not start with OQSmuhvq or OQSmuonq: say --kind homecare|online");
        kinds.push_back(kind);
    }
    auto db = connect(cfg);
    for (std::size_t i = 0; i < a.pos.size(); ++i) {
        const auto& file = a.pos[i];
        jobs::Job as;
        if (kinds[i]) as.kind = *kinds[i];
        const Style style = kinds[i] ? jobs::row_style(as, fac) : Style::star;
        bridge::IngestOptions io{hospnum, fac.institution_code, a.get("opid").value_or("").substr(0, 16), bridge::default_termid(),
                                 std::nullopt, true, style, kinds[i] ? std::string(jobs::kind_info(as.kind).treatment_flag) : ""};
        const auto s = jobs::ingest_held_file(db, file, io);
        std::printf("%s: %s受付番号 %s\n", file.c_str(), s.duplicate ? "取込済み (既に登録されています) " : "",
                    s.header.reception_number.c_str());
        print_summary(s);
    }
    return 0;
}

int cmd_jobs(const app::Config& cfg, const Args& a) {
    a.only({"hospnum", "limit"});
    const int hospnum = a.get("hospnum") ? a.hospnum() : 0;
    auto db = connect(cfg);
    std::printf("%-6s %-19s %-16s %-26s %-24s %-9s %s\n", "ID", "リクエスト日時", "区分", "範囲", "受付番号", "状態", "件数 (対象/書込/特定/未特定/保留)");
    for (const auto& j : jobs::list(db, hospnum, 50)) {
        const std::string range = j.params.label();
        // A newer version's kind: its text, marked (nothing can be done with it here).
        const std::string kind = j.kind_known() ? std::string(jobs::kind_info(j.kind).label) : "不明な区分 '" + j.unknown_kind + "'";
        std::printf("%-6lld %-19s %-16s %-26s %-24s %-9s %s/%s/%s/%s/%s%s%s\n", static_cast<long long>(j.id), j.created_at.c_str(),
                    kind.c_str(), range.c_str(),
                    j.reception_number.empty() ? "-" : j.reception_number.c_str(), std::string(jobs::to_text(j.state)).c_str(), num_or_dash(j.units).c_str(),
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
    if (cmd == "card" && !(i < argc && (std::string(argv[i]) == "consent" || std::string(argv[i]) == "match")))
        return cmd_card(parse_args(argc, argv, i));
    oqs::init_codec();
    const app::Config cfg = app::load_config(config);
    if (cmd == "db") {
        const std::string sub = i < argc ? argv[i] : "";
        if (sub == "migrate" && i + 1 == argc) return cmd_migrate(cfg);
        if (sub == "drop" && (i + 1 == argc || (i + 2 == argc && std::string(argv[i + 1]) == "--yes")))
            return cmd_drop(cfg, i + 2 == argc);
        throw Error(Errc::usage, "db needs a subcommand: migrate, or drop --yes");
    }
    const Args a = parse_args(argc, argv, i);
    if (cmd == "card") return cmd_card_db(cfg, a);
    if (cmd == "activate") {
        a.only({"hospnum"});
        const int hospnum = a.hospnum();
        oqs::activate_device(cfg.facility(hospnum));
        std::printf("facility %d activated: the device credential is in %s\n", hospnum, cfg.facility(hospnum).https.device_file.c_str());
        return 0;
    }
    if (cmd == "fetch") return cmd_fetch(cfg, a);
    if (cmd == "ingest") return cmd_ingest(cfg, a);
    if (cmd == "p031") return cmd_p031(cfg, a);
    if (cmd == "jobs") return cmd_jobs(cfg, a);
    if (cmd == "doctor") return cmd_doctor(cfg, a);
    if (cmd == "job") return cmd_job(cfg, a);
    if (cmd == "resume") return cmd_resume(cfg, a);
    if (cmd == "cancel") return cmd_cancel(cfg, a);
    if (cmd == "register-refs") return cmd_register_refs(cfg, a);
    if (cmd == "pdf") return cmd_pdf(cfg, a);
    if (cmd == "pdfs") return cmd_pdfs(cfg, a);
    if (cmd == "review") return cmd_review(cfg, a);
    if (cmd == "user") return cmd_user(cfg, a);
    throw Error(Errc::usage, "unknown command '" + cmd + "'");
}

}  // namespace

int main(int argc, char** argv) {
    onshi::log::install_glib_log();
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
