// The My Number card over any Transport: card type, the 利用者証明用電子証明書, PIN status, VERIFY,
// SIGN, and the 基本4情報 of the 入力補助AP. The 個人番号 (入力補助AP EF 0001) cannot be read through
// this API: no function selects it and apdu.hpp's Ef has no name for it.
// A PIN is sent at most once per call and never at zero tries (63 C0 / 69 83 = blocked).
#pragma once

#include "card/apdu.hpp"
#include "card/pin.hpp"
#include "card/tlv.hpp"

#include <string>

namespace onshi::card {

enum class CardType { none, mynumber, juki, smartphone, other };
const char* card_type_label(CardType t);  // "My Number card", "住基カード", ...

// SELECT JPKI AP + EF 0006, read the 32-byte token.
CardType detect(Transport& t, int* apdus = nullptr);

struct CertRead {
    Bytes der;
    int read_apdus = 0;    // READ BINARY / GET RESPONSE commands used for the certificate
    bool extended = false; // read with one extended READ BINARY
};
// The extended READ BINARY of the certificate did not work: the card refused it (a status word
// other than 90 00 / 62 82 with a whole certificate), or the reader failed it (`by_reader`: no answer
// at the PC/SC level). Error(card).
class ExtendedRefused : public Error {
public:
    ExtendedRefused(const std::string& message, bool by_reader) : Error(Errc::card, message), by_reader_(by_reader) {}
    [[nodiscard]] bool by_reader() const noexcept { return by_reader_; }

private:
    bool by_reader_;
};

// The 利用者証明用電子証明書 (JPKI EF 000A). `extended`: one case-2E READ BINARY of the whole file;
// ExtendedRefused when that does not work. Without `extended`: 4 bytes for the length, then short
// reads (≤ 256) with the offset in P1P2. `jpki_selected`: the 公的個人認証AP is the current DF
// already (detect() just answered mynumber or juki in this transaction): no SELECT AP is sent.
CertRead read_auth_cert(Transport& t, bool extended, std::size_t max_le = 65536, bool jpki_selected = false);

// Reads the certificate: extended when `ext_ok`; when the card refuses it or the reader fails it
// (ExtendedRefused), with short reads, and `ext_ok` turns false. `how` gets how it was decided
// (`ext_known`: the reader itself reported its extended APDU size). `jpki_selected` as for
// read_auth_cert (the short reads after a failed extended one select the AP again).
CertRead read_cert(Transport& t, bool& ext_ok, std::string& how, std::size_t max_le, bool ext_known, bool jpki_selected = false);

struct PinState {
    int tries = -1;       // tries left (-1 unknown)
    bool blocked = false;
};
enum class PinFile { jpki_auth, aux_input };
// Selects the AP and the PIN EF and asks VERIFY without data (consumes no try).
PinState pin_status(Transport& t, PinFile which);
// VERIFY with the PIN after the status (the AP and EF stay selected). Refuses (no VERIFY) when
// blocked, or with one try left unless `allow_last_try`. Error(card) on a wrong PIN, saying the
// tries left. Only 4-digit PINs are sent.
void verify_pin(Transport& t, PinFile which, const Pin& pin, bool allow_last_try);

// 利用者証明用 SIGN of SHA-256(challenge) as a DigestInfo (VERIFY 0018 first). 256 bytes.
Bytes sign_challenge(Transport& t, const Pin& pin, std::span<const std::uint8_t> challenge, bool allow_last_try);

// 基本4情報 with the 入力補助AP PIN: VERIFY EF 0011, then EF 0002 (3 bytes for the length, then the rest).
Basic4 read_basic4(Transport& t, const Pin& pin, bool allow_last_try);

}  // namespace onshi::card
