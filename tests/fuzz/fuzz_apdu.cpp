// libFuzzer target: APDU response handling of the My Number card layer (card/apdu.cpp,
// card/mynumber.cpp) against a card that answers with the fuzzer's bytes: status words (61xx
// GET RESPONSE, 6Cxx Le, 62 82, 63 Cx, 69 83, ...), short and extended READ BINARY, the
// certificate length, PIN status, VERIFY, SIGN and the 基本4情報. Error(card) is the expected
// rejection. Beyond memory safety it checks the card layer's promises: the 個人番号 EF is never
// selected, and no VERIFY carrying a PIN is sent when the PIN is blocked, at 1 try left without
// allow_last_try, or twice in one call.
#include "card/apdu.hpp"
#include "card/mynumber.hpp"
#include "card/tlv.hpp"
#include "core/error.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

using namespace onshi;
using namespace onshi::card;

namespace {

// Each answer: a length byte (0xFF: two more bytes, big-endian), then that many bytes (status word
// last). When the input is used up the card answers 6F 00.
class ScriptedCard final : public Transport {
public:
    ScriptedCard(const std::uint8_t* d, std::size_t n) : d_(d), n_(n) {}
    bool allow_last_try = false;
    int verifies = 0;  // VERIFY commands with data in the current operation

    Bytes transmit(std::span<const std::uint8_t> apdu) override {
        if (is_forbidden_select(apdu)) std::abort();                     // the 個人番号 is never selected
        if (apdu.size() > 4 && apdu[0] == 0x00 && apdu[1] == 0x20) {     // VERIFY with the PIN
            const int left = tries_left(last_status_);
            if (left == 0 || (left == 1 && !allow_last_try)) std::abort();
            if (++verifies > 1) std::abort();
        }
        Bytes r = next();
        // The status word that ends a PIN status inquiry (VERIFY without data, then any GET RESPONSE).
        const bool status_query = apdu.size() == 4 && apdu[1] == 0x20;
        if (status_query || (in_status_ && apdu.size() == 5 && apdu[1] == 0xC0))
            last_status_ = r.size() >= 2 ? static_cast<std::uint16_t>(r[r.size() - 2] << 8 | r.back()) : 0;
        in_status_ = status_query || (in_status_ && apdu.size() == 5 && apdu[1] == 0xC0);
        return r;
    }

private:
    Bytes next() {
        if (i_ >= n_) return {0x6F, 0x00};
        std::size_t len = d_[i_++];
        if (len == 0xFF && i_ + 2 <= n_) {
            len = static_cast<std::size_t>(d_[i_]) << 8 | d_[i_ + 1];
            i_ += 2;
        }
        if (len > n_ - i_) len = n_ - i_;
        Bytes r(d_ + i_, d_ + i_ + len);
        i_ += len;
        return r;
    }
    const std::uint8_t* d_;
    std::size_t n_, i_ = 0;
    std::uint16_t last_status_ = 0;
    bool in_status_ = false;
};

Pin pin_1234() {
    char text[] = "1234\n";
    std::FILE* f = fmemopen(text, sizeof text - 1, "r");
    Pin p = Pin::prompt("", f);
    std::fclose(f);
    return p;
}

template <class F>
void op(ScriptedCard& card, F&& f) {
    card.verifies = 0;
    try {
        f();
    } catch (const Error& e) {
        if (e.code() != Errc::card && e.code() != Errc::usage) std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const std::uint8_t ops = data[0];
    const std::size_t max_le = 257 + data[1] * 256u;
    const std::span<const std::uint8_t> rest(data + 2, size - 2);

    // The pure helpers on the raw bytes.
    try {
        const Response r = parse_response(rest);
        (void)classify(r.sw);
        (void)tries_left(r.sw);
        (void)sw_text(r.sw);
        (void)cert_length(r.data);
    } catch (const Error&) {
    }
    (void)trace_text(rest);

    ScriptedCard card(rest.data(), rest.size());
    card.allow_last_try = ops & 0x80;
    const Pin pin = pin_1234();
    if (ops & 0x01) op(card, [&] { (void)detect(card); });
    if (ops & 0x02) op(card, [&] { (void)read_auth_cert(card, false); });
    if (ops & 0x04) op(card, [&] { (void)read_auth_cert(card, true, max_le); });
    if (ops & 0x08) op(card, [&] { (void)pin_status(card, PinFile::aux_input); });
    if (ops & 0x10) op(card, [&] { verify_pin(card, PinFile::jpki_auth, pin, card.allow_last_try); });
    if (ops & 0x20) op(card, [&] {
        const std::uint8_t challenge[32] = {1, 2, 3};
        (void)sign_challenge(card, pin, challenge, card.allow_last_try);
    });
    if (ops & 0x40) op(card, [&] { (void)read_basic4(card, pin, card.allow_last_try); });
    return 0;
}
