// A card session at the counter, shared by the CLI (orca-onshi card ...) and the screens (orca-onshid):
// find the reader with the card (waiting for it, readers plugged in meanwhile included), read the
// 利用者証明用電子証明書 extended or with short reads, and, for a consent registration, the signature of
// a fresh challenge (PIN) and optionally the 基本4情報 (the 券面事項入力補助 PIN). The PINs come from a
// callback (the terminal prompt, or the screen's form) and live only in card::Pin.
#pragma once

#include "card/mynumber.hpp"
#include "card/pcsc.hpp"

#include <atomic>
#include <functional>
#include <optional>
#include <string>

namespace onshi::card {

// Whether to try an extended READ BINARY: the reader says so, or it says nothing (vpcd and some
// readers list no PC/SC v2 part 10 properties): then the card's answer decides.
bool worth_trying(const pcsc::Extended& e);

// The reader with a card: `reader`, else the first with a card; waits up to wait_ms for a card
// (0: no wait), calling on_wait once first. `cancel`, when set, is looked at every second.
// Error(card) when there is none.
std::string pick_reader(pcsc::Context& ctx, const std::string& reader, int wait_ms, const std::function<void()>& on_wait = {},
                        const std::atomic<bool>* cancel = nullptr);

struct ConsentRead {
    std::string reader;
    Bytes certificate;        // DER
    Bytes challenge;          // 32 random bytes
    Bytes signature;          // empty unless with_pin
    bool extended = false;    // the certificate came in one extended READ BINARY
    int cert_apdus = 0;
    std::optional<Basic4> basic4;
};

struct ConsentReadOptions {
    std::string reader;        // '' = any
    int wait_ms = 0;
    bool with_pin = false;     // 本人確認 by PIN: SIGN of the challenge (else 目視確認: no PIN at all)
    bool with_basic4 = false;  // also the 基本4情報 (券面事項入力補助用 PIN)
    bool allow_last_try = false;
    const std::atomic<bool>* cancel = nullptr;
    const char* last_try_hint = "--allow-last-try to use it";  // said when 1 try is left
};

// Asked for a PIN once its state allows sending it; `tries` = tries left (-1 unknown).
using PinSource = std::function<Pin(PinFile which, int tries)>;

// The PIN for `which`, once its state allows sending it: refused (Error(card), nothing sent) when
// blocked, or at 1 try left without allow_last_try (last_try_hint says what to do); asked from `pin`;
// Error(usage) unless 4 digits.
Pin checked_pin(Transport& c, PinFile which, bool allow_last_try, const char* last_try_hint, const PinSource& pin);

// One transaction on a My Number card (not 住基カード): certificate, challenge, signature, 基本4情報.
// Error(card) for anything the card or reader refuses; Error(usage) for a PIN that is not 4 digits.
ConsentRead read_for_consent(pcsc::Context& ctx, const ConsentReadOptions& o, const PinSource& pin, const std::function<void()>& on_wait = {});

}  // namespace onshi::card
