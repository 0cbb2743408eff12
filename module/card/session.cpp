#include "card/session.hpp"

#include "core/error.hpp"

#include <openssl/rand.h>

#include <algorithm>

namespace onshi::card {

bool worth_trying(const pcsc::Extended& e) { return e.known ? e.max_apdu_data >= 2048 : true; }

std::string pick_reader(pcsc::Context& ctx, const std::string& reader, int wait_ms, const std::function<void()>& on_wait,
                        const std::atomic<bool>* cancel) {
    const auto names = ctx.readers();
    if (!reader.empty()) {
        const bool listed = std::find(names.begin(), names.end(), reader) != names.end();
        if (!listed && wait_ms == 0) throw Error(Errc::card, "no reader named '" + reader + "'");
        if (listed && ctx.card_present(reader)) return reader;
    } else {
        for (const auto& n : names)
            if (ctx.card_present(n)) return n;
        if (names.empty() && wait_ms == 0) throw Error(Errc::card, "no card reader (pcscd lists none)");
    }
    if (wait_ms > 0) {
        if (on_wait) on_wait();
        // In slices, so that a caller that goes away (the daemon stopping) is not kept waiting.
        for (int left = wait_ms; left > 0 && !(cancel && cancel->load()); left -= 1000) {
            const std::string got = ctx.wait_card(reader, true, std::min(left, 1000));
            if (!got.empty()) return got;
        }
    }
    throw Error(Errc::card, reader.empty() ? std::string("no card in any reader") : "no card in " + reader);
}

Pin checked_pin(Transport& c, PinFile which, bool allow_last_try, const char* last_try_hint, const PinSource& pin) {
    const char* what = which == PinFile::jpki_auth ? "利用者証明用" : "券面事項入力補助用";
    const PinState s = pin_status(c, which);
    if (s.blocked)
        throw Error(Errc::card, std::string("the ") + what + " PIN is blocked: nothing was sent; the holder must have it reset at the municipal office");
    if (s.tries == 1 && !allow_last_try)
        throw Error(Errc::card, std::string("only 1 PIN try left: nothing was sent (a wrong PIN now blocks the card; ") + last_try_hint + ")");
    Pin p = pin(which, s.tries);
    if (!p.is_digits(4)) throw Error(Errc::usage, "the PIN has 4 digits");
    return p;
}

ConsentRead read_for_consent(pcsc::Context& ctx, const ConsentReadOptions& o, const PinSource& pin, const std::function<void()>& on_wait) {
    ConsentRead out;
    out.reader = pick_reader(ctx, o.reader, o.wait_ms, on_wait, o.cancel);
    pcsc::Card c(ctx, out.reader);
    const auto ext = c.reader_extended();
    bool ext_ok = worth_trying(ext);
    std::string how = ext.how;
    pcsc::Transaction tx(c);
    const CardType t = detect(c);
    if (t != CardType::mynumber) throw Error(Errc::card, "the card in " + out.reader + " is not a My Number card (" + card_type_label(t) + ")");
    CertRead cert = read_cert(c, ext_ok, how, ext.known ? ext.max_apdu_data : 65536, ext.known, true);
    out.certificate = std::move(cert.der);
    out.extended = cert.extended;
    out.cert_apdus = cert.read_apdus;
    out.challenge.resize(32);
    if (RAND_bytes(out.challenge.data(), static_cast<int>(out.challenge.size())) != 1) throw Error(Errc::internal, "no random bytes for the challenge");
    // each Pin zeroizes itself at the end of its statement
    if (o.with_pin)
        out.signature = sign_challenge(c, checked_pin(c, PinFile::jpki_auth, o.allow_last_try, o.last_try_hint, pin), out.challenge,
                                       o.allow_last_try);
    if (o.with_basic4) out.basic4 = read_basic4(c, checked_pin(c, PinFile::aux_input, o.allow_last_try, o.last_try_hint, pin), o.allow_last_try);
    return out;
}

}  // namespace onshi::card
