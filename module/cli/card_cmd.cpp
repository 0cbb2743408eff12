// orca-onshi card: the card readers (PC/SC) and the My Number card.
//   card check   each reader: extended APDU, card, card type, certificate length, read time, APDUs
//   card read    the 利用者証明用電子証明書 (subject, validity) and, with --with-basic4, the 基本4情報
//                (PIN from the terminal without echo, or one line of stdin; never argv/env/logs)
//   card consent the マイナ保険証 consent registration at the clinic PC (seed 000 §1-1 ⑥-⑪): mode,
//                consent items, 目視確認 or PIN (利用者証明用 SIGN of a random challenge), the `card`
//                job (OQScrdq, our placeholder message), and the result as screen ⑪ shows it
//   card match   ORCA patients with the card's 基本4情報 (name, birth date, sex): listed, never linked
#include "cli/common.hpp"

#include "core/dates.hpp"
#include "core/handle.hpp"
#include "onshi_batch/card_request.hpp"
#include "jobs/card_consent.hpp"
#include "jobs/submit.hpp"
#include "jobs/job.hpp"
#include "p031_bridge/orca_queries.hpp"
#include "p031_bridge/ingest.hpp"
#include "p031_bridge/p031_query.hpp"

#include "card/mynumber.hpp"
#include "card/pcsc.hpp"
#include "card/pin.hpp"
#include "card/session.hpp"
#include "core/log.hpp"

#include <glib.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/x509.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>

namespace onshi::cli {
namespace {

using namespace onshi::card;

struct ReaderReport {
    std::string name;
    std::string extended = "no";
    std::string how;
    bool qualifies = false;
    std::string card = "no";
    std::string type = "none";
    std::string cert_len = "-";
    std::string cert_ms = "-";
    std::string apdus = "-";
};

ReaderReport check_reader(pcsc::Context& ctx, const std::string& name) {
    ReaderReport r;
    r.name = name;
    const bool present = ctx.card_present(name);
    r.card = present ? "yes" : "no";
    std::unique_ptr<pcsc::Card> c;
    try {
        c = std::make_unique<pcsc::Card>(ctx, name, !present);
    } catch (const Error& e) {
        r.how = e.what();
        return r;
    }
    const auto ext = c->reader_extended();
    bool ext_ok = worth_trying(ext);
    bool confirmed = false;
    r.how = "reader: " + ext.how;
    if (present) {
        try {
            pcsc::Transaction tx(*c);
            const CardType t = detect(*c);
            r.type = card_type_label(t);
            if (t == CardType::mynumber || t == CardType::juki) {
                c->reset_count();
                const auto t0 = std::chrono::steady_clock::now();
                const CertRead cert = read_cert(*c, ext_ok, r.how, ext.known ? ext.max_apdu_data : 65536, ext.known, true);
                const auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
                char b[32];
                std::snprintf(b, sizeof b, "%.1f", ms);
                r.cert_len = std::to_string(cert.der.size());
                r.cert_ms = b;
                r.apdus = std::to_string(cert.read_apdus);
                confirmed = cert.extended;
            }
        } catch (const Error& e) {
            r.how += "; " + std::string(e.what());
            r.extended = "?";
            return r;
        }
    }
    if (ext.known || confirmed) {
        r.extended = ext_ok ? "yes" : "no";
        if (ext_ok && !confirmed) r.how += present ? " (not confirmed: no My Number card)" : " (not confirmed: no card)";
    } else if (!ext_ok) {
        r.extended = "no";
    } else {
        r.extended = "unknown";
        r.how += present ? "; insert a My Number card to test an extended READ BINARY" : "; insert a card to test an extended READ BINARY";
    }
    r.qualifies = r.extended == "yes";
    return r;
}

std::string pad(const std::string& s, std::size_t w) { return s + std::string(w > width(s) ? w - width(s) : 0, ' '); }

int card_check(const Args& a) {
    a.only({"reader"});
    pcsc::Context ctx;
    std::vector<std::string> names = ctx.readers();
    if (const auto r = a.get("reader")) {
        if (std::find(names.begin(), names.end(), *r) == names.end()) throw Error(Errc::card, "no reader named '" + *r + "'");
        names = {*r};
    }
    if (names.empty()) throw Error(Errc::card, "no card reader (pcscd lists none)");
    std::vector<ReaderReport> rows;
    for (const auto& n : names) rows.push_back(check_reader(ctx, n));
    const std::vector<std::string> head{"reader", "extended APDU", "card", "card type", "cert bytes", "cert read ms", "APDUs"};
    std::vector<std::vector<std::string>> cells;
    for (const auto& r : rows) cells.push_back({r.name, r.extended, r.card, r.type, r.cert_len, r.cert_ms, r.apdus});
    std::vector<std::size_t> w(head.size());
    for (std::size_t i = 0; i < head.size(); ++i) {
        w[i] = width(head[i]);
        for (const auto& c : cells) w[i] = std::max(w[i], width(c[i]));
    }
    std::string out;
    auto line = [&](const std::vector<std::string>& v) {
        for (std::size_t i = 0; i < v.size(); ++i) out += (i ? "  " : "") + (i + 1 < v.size() ? pad(v[i], w[i]) : v[i]);
        out += '\n';
    };
    line(head);
    for (const auto& c : cells) line(c);
    out += '\n';
    for (const auto& r : rows) out += r.name + ": extended APDU " + r.extended + " (" + r.how + ")\n";
    bool any = false;
    for (const auto& r : rows) any = any || r.qualifies;
    std::fputs(out.c_str(), stdout);
    if (!any) throw Error(Errc::card, "no reader supports extended APDUs (the マイナ資格確認 needs extended Lc/Le)");
    return 0;
}

// OpenSSL's objects through the one holder (core/handle.hpp).
using Bio = Handle<BIO*, BIO_free>;
using X509Handle = Handle<X509*, X509_free>;

std::string asn1_time(const ASN1_TIME* t) {
    const Bio b(BIO_new(BIO_s_mem()));
    ASN1_TIME_print(b.get(), t);
    char* p = nullptr;
    const long n = BIO_get_mem_data(b.get(), &p);
    return std::string(p, static_cast<std::size_t>(n));
}

std::string cert_summary(const Bytes& der) {
    const unsigned char* p = der.data();
    const X509Handle x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    if (!x) throw Error(Errc::card, "the 利用者証明用電子証明書 is not a valid X.509 certificate");
    const Bio b(BIO_new(BIO_s_mem()));
    X509_NAME_print_ex(b.get(), X509_get_subject_name(x.get()), 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    char* s = nullptr;
    const long n = BIO_get_mem_data(b.get(), &s);
    std::string subject(s, static_cast<std::size_t>(n));
    const Bio ib(BIO_new(BIO_s_mem()));
    X509_NAME_print_ex(ib.get(), X509_get_issuer_name(x.get()), 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    const long in = BIO_get_mem_data(ib.get(), &s);
    std::string issuer(s, static_cast<std::size_t>(in));
    std::string out = "  subject     " + subject + "\n  issuer      " + issuer + "\n  valid from  " +
                      asn1_time(X509_get0_notBefore(x.get())) + "\n  valid until " + asn1_time(X509_get0_notAfter(x.get())) + "\n";
    const int expired = X509_cmp_current_time(X509_get0_notAfter(x.get()));
    if (expired < 0) out += "  (expired)\n";
    return out;
}

// --wait SECS (0-3600), or `def`.
int wait_seconds(const Args& a, int def) {
    int wait_s = def;
    if (const auto w = a.get("wait")) {
        try {
            wait_s = std::stoi(*w);
        } catch (const std::exception&) {
            wait_s = -1;
        }
        if (wait_s < 0 || wait_s > 3600) throw Error(Errc::usage, "--wait takes seconds (0-3600)");
    }
    return wait_s;
}

// The reader with a card: --reader, else the first with a card; --wait SECS waits for one to be
// inserted (readers plugged in meanwhile included).
std::string pick_reader(pcsc::Context& ctx, const Args& a) {
    const int wait_s = wait_seconds(a, 0);
    return card::pick_reader(ctx, a.get("reader").value_or(""), wait_s * 1000,
                             [wait_s] { std::fprintf(stderr, "waiting %d s for a card...\n", wait_s); });
}

// "PIN tries left: N" before a prompt, then the PIN from the terminal (no echo) or one line of stdin.
Pin prompt_pin(PinFile which, int tries) {
    if (tries >= 0) std::fprintf(stderr, "PIN tries left: %d%s\n", tries, tries == 1 ? " (a wrong PIN now blocks the card)" : "");
    return Pin::prompt(which == PinFile::jpki_auth ? "利用者証明用 PIN (4 digits, the card holder types it): "
                                                   : "券面事項入力補助用 PIN (4 digits, the card holder types it): ");
}

// The 基本4情報 behind the 券面事項入力補助用 PIN (already inside a transaction on the card).
Basic4 basic4_with_pin(Transport& c, bool last) {
    return read_basic4(c, checked_pin(c, PinFile::aux_input, last, "--allow-last-try to use it", prompt_pin), last);
}

int card_read(const Args& a) {
    a.only({"reader", "with-basic4", "allow-last-try", "wait"});
    const bool basic4 = a.get("with-basic4").has_value();
    const bool last = a.get("allow-last-try").has_value();
    pcsc::Context ctx;
    const std::string reader = pick_reader(ctx, a);
    pcsc::Card c(ctx, reader);
    const auto ext = c.reader_extended();
    bool ext_ok = worth_trying(ext);
    std::string how = ext.how;
    std::string out;
    {
        pcsc::Transaction tx(c);
        const CardType t = detect(c);
        if (t != CardType::mynumber && t != CardType::juki)
            throw Error(Errc::card, std::string("the card in ") + reader + " is not a My Number card (" + card_type_label(t) + ")");
        const CertRead cert = read_cert(c, ext_ok, how, ext.known ? ext.max_apdu_data : 65536, ext.known, true);
        if (const auto seen = ctx.seen_at()) {
            // The card's wait split (tests/bench/card_latency.sh): from the status change to the
            // certificate, the APDU round trips and our own CPU time.
            const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - *seen).count();
            log::debug("card read: certificate %.1f ms after the status change: %d APDUs taking %.1f ms in SCardTransmit, %.2f ms CPU (at %.6f)",
                       ms, c.apdus(), c.transmit_ms(), pcsc::process_cpu_ms() - ctx.seen_cpu_ms(),
                       static_cast<double>(g_get_real_time()) / 1e6);
        }
        out += std::string("reader        ") + reader + "\ncard          " + card_type_label(t) + "\n";
        out += "利用者証明用電子証明書 (" + std::to_string(cert.der.size()) + " bytes, " + std::to_string(cert.read_apdus) + " APDU" +
               (cert.read_apdus == 1 ? "" : "s") + (cert.extended ? ", extended" : ", short reads") + ")\n";
        out += cert_summary(cert.der);
        if (basic4) {
            const Basic4 b = basic4_with_pin(c, last);
            out += "基本4情報\n  氏名        " + b.name + "\n  住所        " + b.address + "\n  生年月日    " + b.birth + "\n  性別        " +
                   sex_label(b.sex) + "\n";
        }
    }
    std::fputs(out.c_str(), stdout);
    return 0;
}

// The ORCA patients with this 基本4情報 (test patients excluded), printed; returns how many.
std::size_t print_candidates(db::Connection& db, int hospnum, const Basic4& b) {
    const auto c = bridge::patient_candidates(db, hospnum, b.name, b.birth, b.sex);
    std::printf("ORCA の患者候補 (氏名・生年月日・性別が一致; 自動では紐付けません): %zu人\n", c.size());
    for (const auto& p : c) std::printf("  患者番号 %s  %s  %s  %s\n", p.ptnum.c_str(), p.name.c_str(), p.birthday.c_str(), sex_label(p.sex).c_str());
    return c.size();
}

int card_match(const app::Config& cfg, const Args& a) {
    a.only({"hospnum", "reader", "wait", "with-basic4", "allow-last-try"});
    const int hospnum = a.hospnum();
    (void)cfg.facility(hospnum);
    Basic4 b;
    {
        pcsc::Context ctx;
        const std::string reader = pick_reader(ctx, a);
        pcsc::Card c(ctx, reader);
        pcsc::Transaction tx(c);
        const CardType t = detect(c);
        if (t != CardType::mynumber && t != CardType::juki)
            throw Error(Errc::card, std::string("the card in ") + reader + " is not a My Number card (" + card_type_label(t) + ")");
        b = basic4_with_pin(c, a.get("allow-last-try").has_value());
    }
    auto db = connect(cfg);
    std::printf("基本4情報  %s  %s  %s\n", b.name.c_str(), b.birth.c_str(), sex_label(b.sex).c_str());
    print_candidates(db, hospnum, b);
    return 0;
}

int card_consent(const app::Config& cfg, const Args& a) {
    a.only({"hospnum", "mode", "identity", "ope", "shinryo", "kenshin", "sikkan", "prescription", "reader", "wait", "opid",
            "with-basic4", "allow-last-try"});
    const int hospnum = a.hospnum();
    (void)cfg.facility(hospnum);
    jobs::ConsentOptions co;
    co.mode = a.get("mode");
    co.identity = a.get("identity");
    co.ope = a.get("ope");
    co.shinryo = a.get("shinryo");
    co.kenshin = a.get("kenshin");
    co.sikkan = a.get("sikkan");
    co.prescription = a.get("prescription");
    oqs::CardRequest rq = jobs::consent_choices(co, jobs::Voice::cli);
    const int wait_s = wait_seconds(a, 120);  // at the counter: wait for the card to be put on the reader
    ConsentReadOptions o;
    o.reader = a.get("reader").value_or("");
    o.wait_ms = wait_s * 1000;
    o.with_pin = rq.identity == "1";
    o.with_basic4 = a.get("with-basic4").has_value();
    o.allow_last_try = a.get("allow-last-try").has_value();
    o.last_try_hint = "--allow-last-try to use it, or --identity visual";
    std::optional<Basic4> b4;
    {
        pcsc::Context ctx;
        const ConsentRead cr = read_for_consent(ctx, o, prompt_pin, [wait_s] { std::fprintf(stderr, "waiting %d s for a card...\n", wait_s); });
        rq.certificate = oqs::base64(cr.certificate);
        rq.challenge = oqs::base64(cr.challenge);
        if (!cr.signature.empty()) rq.signature = oqs::base64(cr.signature);
        b4 = cr.basic4;
    }
    jobs::Params params;
    params.card = oqs::encode_card_params(rq);
    const auto request = jobs::prepare(hospnum, jobs::Kind::card, params, a.get("opid").value_or(""), jobs::Voice::cli);
    auto db = connect(cfg);
    const auto id = jobs::submit(db, request, jobs::Voice::cli).id;
    std::fprintf(stderr, "job %lld: card request (%s, %s)\n", static_cast<long long>(id), std::string(jobs::treatment_label(rq.treatment)).c_str(),
                 std::string(jobs::identity_label(rq.identity)).c_str());
    const auto progress = [&](const jobs::Job& j, std::string_view what) {
        std::fprintf(stderr, "job %lld: %.*s\n", static_cast<long long>(j.id), static_cast<int>(what.size()), what.data());
    };
    const auto j = jobs::run(db, cfg.facility(hospnum), id, jobs::RunOptions{bridge::default_termid(), nullptr}, progress);
    if (j.state != jobs::State::done) {
        std::fprintf(stderr, "orca-onshi: job %lld %s: %s\n", static_cast<long long>(j.id), std::string(jobs::to_text(j.state)).c_str(), j.error.c_str());
        return j.state == jobs::State::expired ? exit_status(Errc::timeout) : exit_status(Errc::rejected);
    }
    const auto rows = bridge::card_result_rows(db, j.id);
    if (rows.empty()) throw Error(Errc::rejected, "job " + std::to_string(j.id) + " wrote no row");
    std::string out = "資格確認結果 (job " + std::to_string(j.id) + ")\n";
    for (const auto& r : rows) {
        out += "  照会番号        " + r.shokai_num + "\n  保険者番号      " + r.hknjanum + "\n  保険者名        " + r.hknjanum_name +
               "\n  記号            " + r.kigo + "\n  番号            " + r.num + "\n  枝番            " + r.edaban + "\n  フリガナ        " +
               r.kananame + "\n  氏名            " + r.name + "\n  性別            " + sex_label(r.sex) + "\n  区分            " +
               r.card_class + "\n  有効開始日      " + r.tekstymd + "\n  有効終了日      " + r.tekedymd + "\n  負担割合        " + r.ftnrate +
               "\n  本人・家族      " + jobs::insured_person_label(r.honkzkkbn) + "\n";
        out += "  同意  手術 " + jobs::consent_label(r.ope) + "  診療・薬剤 " + jobs::consent_label(r.shinryo) + "  特定健診 " +
               jobs::consent_label(r.kenshin) + "  特定疾病 " + jobs::consent_label(r.sikkan) + "\n";
        out += "  処方箋          " + std::string(jobs::prescription_label(r.prescription)) + "\n";
        out += "  ★ row written in tbl_onshi_kaku" + (r.ptnum.empty() ? std::string(" (no ORCA patient linked)") : " for 患者番号 " + r.ptnum) + "\n";
    }
    std::fputs(out.c_str(), stdout);
    if (b4) {
        std::printf("基本4情報  %s  %s  %s\n", b4->name.c_str(), b4->birth.c_str(), sex_label(b4->sex).c_str());
        print_candidates(db, hospnum, *b4);
    }
    return 0;
}

}  // namespace

int cmd_card(const Args& a) {
    if (a.pos.size() != 1 || (a.pos[0] != "check" && a.pos[0] != "read"))
        throw Error(Errc::usage, "card check [--reader NAME] | card read [--reader NAME] [--wait SECS] [--with-basic4] [--allow-last-try]"
                                 " | card consent ... | card match ...");
    return a.pos[0] == "check" ? card_check(a) : card_read(a);
}

int cmd_card_db(const app::Config& cfg, const Args& a) {
    if (a.pos.size() == 1 && a.pos[0] == "consent") return card_consent(cfg, a);
    if (a.pos.size() == 1 && a.pos[0] == "match") return card_match(cfg, a);
    throw Error(Errc::usage, "card consent --hospnum N --mode homecare|outpatient --identity visual|pin [--ope 1|0] [--shinryo 1|0]"
                             " [--kenshin 1|0] [--sikkan 1|0] [--prescription electronic|paper] [--reader NAME] [--with-basic4]"
                             " | card match --hospnum N [--reader NAME]");
}

}  // namespace onshi::cli
