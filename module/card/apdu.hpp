// ISO 7816-4 commands of the My Number card and what its answers mean (pure: no I/O).
// Files are named by the Ef enum: the 個人番号 (入力補助AP EF 0001) and the 署名用 certificate have
// no name here, so no caller can select them.
#pragma once

#include "card/pin.hpp"
#include "core/error.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace onshi::card {

using Bytes = std::vector<std::uint8_t>;

// Application AIDs (SELECT by DF name).
enum class Ap { jpki, aux_input };  // 公的個人認証AP, 券面事項入力補助AP
std::span<const std::uint8_t> aid(Ap ap);

// The elementary files this module may select.
enum class Ef : std::uint16_t {
    jpki_token = 0x0006,      // JPKI: token (32 bytes ASCII)
    jpki_auth_cert = 0x000A,  // JPKI: 利用者証明用電子証明書
    jpki_auth_ca = 0x000B,    // JPKI: its CA certificate
    jpki_auth_key = 0x0017,   // JPKI: 利用者証明用 private key (SIGN)
    jpki_auth_pin = 0x0018,   // JPKI: 利用者証明用 PIN (4 digits, 3 tries)
    aux_pin = 0x0011,         // 入力補助AP: PIN (4 digits, 3 tries)
    aux_basic4 = 0x0002,      // 入力補助AP: 基本4情報
};

// A command whose bytes are zeroized when it goes away (VERIFY carries the PIN).
class SecretBytes {
public:
    SecretBytes() = default;
    SecretBytes(const SecretBytes&) = delete;
    SecretBytes& operator=(const SecretBytes&) = delete;
    ~SecretBytes();
    Bytes& get() noexcept { return b_; }
    const Bytes& get() const noexcept { return b_; }

private:
    Bytes b_;
};

Bytes select_df(Ap ap);                                  // 00 A4 04 0C 0A <AID>
Bytes select_ef(Ef ef);                                  // 00 A4 02 0C 02 <FID>
// READ BINARY at offset (P1P2, < 0x8000), Le 1..65536: short (Le ≤ 256, 256 as 00) unless
// `extended` (case 2E: 00 Le1 Le2, 65536 as 00 00 00).
Bytes read_binary(std::size_t offset, std::size_t le, bool extended);
Bytes get_response(std::uint8_t le);                     // 00 C0 00 00 Le
Bytes verify_status();                                   // 00 20 00 80: tries left, consumes none
void verify(const Pin& pin, SecretBytes& out);           // 00 20 00 80 Lc <PIN ASCII>
Bytes sign(std::span<const std::uint8_t> digest_info);   // 80 2A 00 80 Lc <DigestInfo> 00

// DER DigestInfo of a SHA-256 hash (prefix 30 31 30 0D 06 09 60 86 48 01 65 03 04 02 01 05 00 04 20).
Bytes digest_info_sha256(std::span<const std::uint8_t> hash32);

// A response APDU: data and SW1SW2. Error(card) when shorter than two bytes.
struct Response {
    Bytes data;
    std::uint16_t sw = 0;
    [[nodiscard]] std::uint8_t sw1() const noexcept { return static_cast<std::uint8_t>(sw >> 8); }
    [[nodiscard]] std::uint8_t sw2() const noexcept { return static_cast<std::uint8_t>(sw & 0xFF); }
    [[nodiscard]] bool ok() const noexcept { return sw == 0x9000; }
};
Response parse_response(std::span<const std::uint8_t> raw);

enum class Status {
    ok,            // 90 00
    end_of_file,   // 62 82: fewer bytes than Le (the end of the file was reached)
    more_data,     // 61 xx: GET RESPONSE with Le xx
    wrong_le,      // 6C xx: send again with Le xx
    wrong_pin,     // 63 Cx, x > 0: x tries left
    blocked,       // 69 83, 69 84, or 63 C0
    not_found,     // 6A 82
    security,      // 69 82: security status not satisfied
    wrong_length,  // 67 00
    other,
};
Status classify(std::uint16_t sw) noexcept;
// Tries left from 63 Cx (0 when blocked: 69 83 / 69 84 / 63 C0); -1 for any other status word.
int tries_left(std::uint16_t sw) noexcept;
std::string sw_text(std::uint16_t sw);  // "6A82 (file or application not found)"

// Total length of a DER certificate from its first 4 bytes (30 82 LL LL → LLLL + 4).
std::size_t cert_length(std::span<const std::uint8_t> first4);

// Hex of an APDU for the trace; a VERIFY's data is shown as ** per byte.
std::string trace_text(std::span<const std::uint8_t> apdu);
bool is_verify_with_data(std::span<const std::uint8_t> apdu) noexcept;
// An extended-length command (case 2E/3E/4E: 00 after the header, then more bytes).
bool is_extended(std::span<const std::uint8_t> apdu) noexcept;
// True for a SELECT of an EF that no caller may select (個人番号 EF 0001, by FID), whatever AP.
bool is_forbidden_select(std::span<const std::uint8_t> apdu) noexcept;

// A command that got no answer at all: the reader failed it at the PC/SC level (SCardTransmit
// error, not a status word), the card still being there. What a reader that cannot carry an
// extended APDU gives. Error(card).
class NoAnswer : public Error {
public:
    explicit NoAnswer(const std::string& message) : Error(Errc::card, message) {}
};

// Whatever carries APDUs to the card (PC/SC, or a test's fake). transmit() returns the raw response;
// it throws NoAnswer when the reader gave none, Error(card) when the card went away.
class Transport {
public:
    virtual ~Transport() = default;
    virtual Bytes transmit(std::span<const std::uint8_t> apdu) = 0;
};

// Sends a command and follows 61 xx (GET RESPONSE, data appended) and 6C xx (the same short
// command again with Le xx). Each APDU sent adds one to *count when given.
Response send_command(Transport& t, std::span<const std::uint8_t> apdu, int* count = nullptr);

}  // namespace onshi::card
