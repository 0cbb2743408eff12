// PC/SC (pcsc-lite) adapter: RAII for the context and the card handle, reader listing, waiting for
// insertion/removal, extended-APDU detection, transactions, and an APDU trace at debug level (VERIFY
// data masked). Every failure is an onshi::Error(Errc::card) with the PC/SC reason.
#pragma once

#include "card/apdu.hpp"
#include "core/handle.hpp"

#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>

#include <cstdint>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace onshi::card::pcsc {

std::string reason(LONG rv);  // pcsc_stringify_error plus the code

// The handles (core/handle.hpp): a context released, a card left as it is (a Card resets it
// instead once a PIN was sent).
LONG leave_card(SCARDHANDLE h) noexcept;
using ContextHandle = Handle<SCARDCONTEXT, SCardReleaseContext>;
using CardHandle = Handle<SCARDHANDLE, leave_card>;

class Context {
public:
    Context();  // SCardEstablishContext(SCARD_SCOPE_SYSTEM); Error(card) when pcscd is not reachable
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;
    [[nodiscard]] SCARDCONTEXT get() const noexcept { return h_.get(); }

    std::vector<std::string> readers();  // empty when none
    bool card_present(const std::string& reader);
    // Waits until a card is present (or absent, `present` false) in `reader`, or any reader when
    // `reader` is empty, also following readers plugged in meanwhile (\\?PnP?\Notification).
    // Returns the reader, or "" on timeout.
    std::string wait_card(const std::string& reader, bool present, int timeout_ms);
    // When wait_card last saw the card it waited for (SCardGetStatusChange's answer), on the steady
    // clock and in process CPU time; unset until then. What follows is ours, what came before pcscd's.
    [[nodiscard]] std::optional<std::chrono::steady_clock::time_point> seen_at() const noexcept { return seen_at_; }
    [[nodiscard]] double seen_cpu_ms() const noexcept { return seen_cpu_ms_; }

private:
    ContextHandle h_;
    std::optional<std::chrono::steady_clock::time_point> seen_at_;
    double seen_cpu_ms_ = 0;
};

double process_cpu_ms();  // CLOCK_PROCESS_CPUTIME_ID

struct Extended {
    std::uint32_t max_apdu_data = 0;  // dwMaxAPDUDataSize (0: short APDUs only)
    bool known = false;               // the reader reported it (else only a real extended command can tell)
    std::string how;                  // how it was decided
};

class Card final : public Transport {
public:
    // SCARD_SHARE_SHARED (T=1 or T=0) with a card; SCARD_SHARE_DIRECT with none (`direct`), which
    // is enough for SCardControl.
    Card(Context& ctx, const std::string& reader, bool direct = false);
    ~Card() override;  // SCardDisconnect: SCARD_RESET_CARD once a PIN was sent, else LEAVE
    Card(const Card&) = delete;
    Card& operator=(const Card&) = delete;

    // NoAnswer when the reader fails an extended APDU (SCardTransmit error, card still there);
    // Error(card) on removal, reset by another application, or any other PC/SC failure.
    Bytes transmit(std::span<const std::uint8_t> apdu) override;
    // CM_IOCTL_GET_FEATURE_REQUEST → FEATURE_GET_TLV_PROPERTIES → dwMaxAPDUDataSize (tag 0x0A).
    Extended reader_extended();
    [[nodiscard]] int apdus() const noexcept { return count_; }
    [[nodiscard]] double transmit_ms() const noexcept { return transmit_ms_; }  // wall time inside SCardTransmit
    void reset_count() noexcept { count_ = 0; }
    void begin();
    void end() noexcept;

private:
    void reconnect();
    bool gone_within(int ms);  // the card shows as absent within ms
    SCARDCONTEXT ctx_ = 0;
    CardHandle h_;
    DWORD proto_ = 0;
    std::string reader_;
    bool pin_sent_ = false;
    bool in_tx_ = false;
    bool link_failed_ = false;  // the last command got no answer from the reader (extended APDU)
    int count_ = 0;
    double transmit_ms_ = 0;
};

// SCardBeginTransaction / SCardEndTransaction around a multi-APDU sequence.
class Transaction {
public:
    explicit Transaction(Card& c) : c_(c) { c_.begin(); }
    ~Transaction() { c_.end(); }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

private:
    Card& c_;
};

}  // namespace onshi::card::pcsc
