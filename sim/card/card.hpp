// A My Number card (JPKI AP, 券面事項入力補助AP, 券面AP) for tests: the APDU side only, no I/O.
// Synthetic identities only (sim/card/make-test-card.sh); never a real person's data.
#pragma once

#include <openssl/evp.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace onshi::sim::card {

using Bytes = std::vector<std::uint8_t>;

struct Identity {
    Bytes auth_cert;       // 利用者証明用電子証明書 (DER)
    Bytes ca_cert;         // its CA (DER)
    Bytes sign_ca_cert;    // 署名用電子証明書's CA (DER; JPKI EF 0002)
    EVP_PKEY* auth_key = nullptr;  // owned by Card
    std::string name, address, birth, sex;  // 基本4情報
    std::string auth_pin = "1234", aux_pin = "1234";  // test PINs (from the identity folder)
    std::string sign_pin = "ABC123";                  // 署名用 password (6-16 characters, 5 tries)
};

struct Options {
    bool short_only = false;      // a reader that cannot carry extended APDUs: 67 00
    int pin_tries = 3;            // initial tries of both 4-digit PINs
    bool blocked = false;         // every PIN blocked from the start (the 署名用 password too)
    std::uint16_t blocked_sw = 0x63C0;  // a blocked PIN's answer to VERIFY-status: 63 C0 (as OpenSC
                                        // expects), or 69 83 / 69 84 as some cards answer
    bool drop_extended = false;   // a reader that fails extended APDUs at the PC/SC level (card_sim
                                  // drops the connection instead of answering; see is_extended)
    bool juki = false;            // token JPKIAPICCTOKEN (住基カード)
    bool basic4_leading = false;  // a few bytes before FF 20 (2023 style)
};

// Loads DIR/auth_cert.der, auth_key.pem, ca_cert.der, sign_ca_cert.der, basic4.txt (key=value lines)
// and the optional auth_pin / aux_pin / sign_pin files. Throws std::runtime_error.
Identity load_identity(const std::string& dir);

// True for an extended-length command APDU (case 2E, 3E or 4E: 00 after the header, then more).
bool is_extended(const Bytes& capdu);

// Builds EF 0002: [leading] FF 20 L {DF 21 .. DF 25}.
Bytes basic4_ef(const Identity& id, bool leading);

class Card {
public:
    Card(Identity id, Options opt);
    ~Card();
    Card(const Card&) = delete;
    Card& operator=(const Card&) = delete;

    // Power on / off / reset: the security state and the selection are lost; PIN counters are not.
    void reset_session();
    // One C-APDU in, one R-APDU out (data + SW1 SW2).
    Bytes transmit(const Bytes& capdu);

    static const Bytes& atr();

private:
    enum class Ap { none, jpki, aux, kenmen };
    enum class Access { open, never, aux_pin, key, pin };
    struct Ef {
        Bytes data;
        Access access = Access::open;
        int pin = 0;  // index into pins_ when access == pin
    };
    struct Pin {
        std::string value;
        int tries;
        int max_tries;
    };

    Bytes select(std::uint8_t p1, const Bytes& data);
    Bytes verify(const Bytes& data, bool has_data);
    Bytes read_binary(std::uint16_t offset, std::size_t le, bool extended);
    Bytes sign(const Bytes& data);

    Identity id_;
    Options opt_;
    std::map<Ap, std::map<std::uint16_t, Ef>> files_;
    Pin pins_[3];  // 0: JPKI 0018 (利用者証明用), 1: 入力補助 0011, 2: JPKI 001B (署名用 password)
    bool verified_[3] = {false, false, false};
    Ap ap_ = Ap::none;
    int ef_ = -1;  // FID of the current EF, -1 none
};

// Hex for traces: "00 A4 04 0C"; a VERIFY's data is masked.
std::string trace_hex(const Bytes& b, bool mask_verify);

}  // namespace onshi::sim::card
