#include "card/pcsc.hpp"

#include "core/error.hpp"
#include "core/log.hpp"

#include <glib.h>
#include <PCSC/pcsclite.h>
#include <PCSC/reader.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace onshi::card::pcsc {
namespace {

[[noreturn]] void fail(const std::string& what, LONG rv) { throw Error(Errc::card, what + ": " + reason(rv)); }

bool removed(LONG rv) { return rv == SCARD_W_REMOVED_CARD || rv == SCARD_E_NO_SMARTCARD || rv == SCARD_W_UNPOWERED_CARD; }

}  // namespace

std::string reason(LONG rv) {
    char b[24];
    std::snprintf(b, sizeof b, " (0x%08lX)", static_cast<unsigned long>(rv));
    return std::string(pcsc_stringify_error(rv)) + b;
}

Context::Context() {
    const LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, h_.out());
    if (rv != SCARD_S_SUCCESS) (void)h_.release();  // no context was made: nothing to release
    if (rv == SCARD_E_NO_SERVICE) throw Error(Errc::card, "pcscd is not reachable (is the pcscd service running?)");
    if (rv != SCARD_S_SUCCESS) fail("SCardEstablishContext", rv);
}

std::vector<std::string> Context::readers() {
    DWORD len = 0;
    LONG rv = SCardListReaders(h_.get(), nullptr, nullptr, &len);
    if (rv == SCARD_E_NO_READERS_AVAILABLE) return {};
    if (rv != SCARD_S_SUCCESS) fail("SCardListReaders", rv);
    std::string buf(len, '\0');
    rv = SCardListReaders(h_.get(), nullptr, buf.data(), &len);
    if (rv == SCARD_E_NO_READERS_AVAILABLE) return {};
    if (rv != SCARD_S_SUCCESS) fail("SCardListReaders", rv);
    std::vector<std::string> out;
    for (std::size_t i = 0; i < buf.size() && buf[i];) {
        out.emplace_back(buf.c_str() + i);
        i += out.back().size() + 1;
    }
    return out;
}

bool Context::card_present(const std::string& reader) {
    SCARD_READERSTATE st{};
    st.szReader = reader.c_str();
    st.dwCurrentState = SCARD_STATE_UNAWARE;
    const LONG rv = SCardGetStatusChange(h_.get(), 0, &st, 1);
    if (rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT) fail("SCardGetStatusChange", rv);
    return (st.dwEventState & SCARD_STATE_PRESENT) && !(st.dwEventState & SCARD_STATE_MUTE);
}

std::string Context::wait_card(const std::string& reader, bool present, int timeout_ms) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    std::vector<std::string> names;
    std::vector<SCARD_READERSTATE> st;
    bool fresh = true;  // states just built as UNAWARE: the first answer reports them all as changed
    auto rebuild = [&] {
        fresh = true;
        names = reader.empty() ? readers() : std::vector<std::string>{reader};
        names.emplace_back("\\\\?PnP?\\Notification");
        st.assign(names.size(), SCARD_READERSTATE{});
        for (std::size_t i = 0; i < names.size(); ++i) {
            st[i].szReader = names[i].c_str();
            st[i].dwCurrentState = SCARD_STATE_UNAWARE;
        }
    };
    rebuild();
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
        if (left < 0) return "";
        const LONG rv = SCardGetStatusChange(h_.get(), static_cast<DWORD>(left), st.data(), static_cast<DWORD>(st.size()));
        if (rv == SCARD_E_TIMEOUT) return "";
        if (rv == SCARD_E_UNKNOWN_READER && reader.empty()) { rebuild(); continue; }
        if (rv != SCARD_S_SUCCESS) fail("SCardGetStatusChange", rv);
        for (std::size_t i = 0; i + 1 < st.size(); ++i) {
            const bool has = (st[i].dwEventState & SCARD_STATE_PRESENT) && !(st[i].dwEventState & SCARD_STATE_MUTE);
            if (has == present && !(st[i].dwEventState & SCARD_STATE_UNKNOWN)) {
                seen_at_ = std::chrono::steady_clock::now();
                seen_cpu_ms_ = process_cpu_ms();
                log::debug("card: status change seen: %s %s (at %.6f)", names[i].c_str(), present ? "has a card" : "is empty",
                           static_cast<double>(g_get_real_time()) / 1e6);
                return names[i];
            }
        }
        if (!fresh && (st.back().dwEventState & SCARD_STATE_CHANGED)) { rebuild(); continue; }  // a reader came or went
        fresh = false;
        for (auto& s : st) s.dwCurrentState = s.dwEventState & ~static_cast<DWORD>(SCARD_STATE_CHANGED);
    }
}

double process_cpu_ms() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

Card::Card(Context& ctx, const std::string& reader, bool direct) : ctx_(ctx.get()), reader_(reader) {
    const LONG rv = SCardConnect(ctx.get(), reader.c_str(), direct ? SCARD_SHARE_DIRECT : SCARD_SHARE_SHARED,
                                 direct ? 0 : (SCARD_PROTOCOL_T1 | SCARD_PROTOCOL_T0), h_.out(), &proto_);
    if (rv != SCARD_S_SUCCESS) (void)h_.release();  // no card handle was made: nothing to disconnect
    if (removed(rv)) throw Error(Errc::card, "no card in " + reader);
    if (rv != SCARD_S_SUCCESS) fail("SCardConnect " + reader, rv);
}

LONG leave_card(SCARDHANDLE h) noexcept { return SCardDisconnect(h, SCARD_LEAVE_CARD); }

Card::~Card() {
    if (in_tx_) SCardEndTransaction(h_.get(), SCARD_LEAVE_CARD);
    // After a PIN was sent the card is reset: its verified state must not outlive this session.
    // Otherwise h_ leaves it as it is (leave_card).
    if (pin_sent_ && h_) SCardDisconnect(h_.release(), SCARD_RESET_CARD);
}

void Card::reconnect() {
    DWORD p = 0;
    const LONG rv = SCardReconnect(h_.get(), SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1 | SCARD_PROTOCOL_T0, SCARD_LEAVE_CARD, &p);
    if (rv != SCARD_S_SUCCESS) fail("SCardReconnect", rv);
    proto_ = p;
}

bool Card::gone_within(int ms) {
    SCARD_READERSTATE st{};
    st.szReader = reader_.c_str();
    st.dwCurrentState = SCARD_STATE_UNAWARE;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    for (;;) {
        const LONG rv = SCardGetStatusChange(ctx_, 0, &st, 1);
        if (rv == SCARD_E_UNKNOWN_READER) return true;  // the reader itself went away
        if (rv == SCARD_S_SUCCESS && (st.dwEventState & (SCARD_STATE_EMPTY | SCARD_STATE_UNAVAILABLE))) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
        st.dwCurrentState = st.dwEventState & ~static_cast<DWORD>(SCARD_STATE_CHANGED);
        const LONG w = SCardGetStatusChange(ctx_, static_cast<DWORD>(std::max<long long>(left, 1)), &st, 1);
        if (w != SCARD_S_SUCCESS && w != SCARD_E_TIMEOUT) return w == SCARD_E_UNKNOWN_READER;
        st.dwCurrentState = SCARD_STATE_UNAWARE;
    }
}

void Card::begin() {
    LONG rv = SCardBeginTransaction(h_.get());
    if (rv == SCARD_W_RESET_CARD) {  // reset by someone else before we began: nothing of ours is lost
        reconnect();
        rv = SCardBeginTransaction(h_.get());
    }
    if (removed(rv)) throw Error(Errc::card, "the card was removed");
    if (rv != SCARD_S_SUCCESS) fail("SCardBeginTransaction", rv);
    in_tx_ = true;
}

void Card::end() noexcept {
    if (!in_tx_) return;
    SCardEndTransaction(h_.get(), SCARD_LEAVE_CARD);
    in_tx_ = false;
}

Bytes Card::transmit(std::span<const std::uint8_t> apdu) {
    if (is_forbidden_select(apdu)) throw Error(Errc::internal, "refused: SELECT EF 0001 (個人番号) is never sent");
    const bool secret = is_verify_with_data(apdu);
    if (secret) pin_sent_ = true;
    ++count_;
    log::debug("card > %s", trace_text(apdu).c_str());
    Bytes rx(MAX_BUFFER_SIZE_EXTENDED);
    DWORD rlen = 0;
    const SCARD_IO_REQUEST* pci = nullptr;
    auto send = [&] {
        pci = proto_ == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
        rlen = static_cast<DWORD>(rx.size());
        const auto t0 = std::chrono::steady_clock::now();
        const LONG rv = SCardTransmit(h_.get(), pci, apdu.data(), static_cast<DWORD>(apdu.size()), nullptr, rx.data(), &rlen);
        transmit_ms_ += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        return rv;
    };
    LONG rv = send();
    if (rv == SCARD_E_PROTO_MISMATCH) {
        // The card was powered up again (a previous session's reset) with another protocol; the
        // command never reached it, so sending it once more with the active protocol is safe.
        reconnect();
        rv = send();
    }
    if (rv == SCARD_W_RESET_CARD) {
        // Someone reset the card: the selected AP and any verified PIN are gone. Reconnect, but do
        // not replay this command (never a PIN): the caller starts the sequence again.
        reconnect();
        throw Error(Errc::card, "the card was reset by another application; nothing was re-sent, try again");
    }
    if (removed(rv)) throw Error(Errc::card, "the card was removed during the read");
    const bool link_error = rv == SCARD_E_NOT_TRANSACTED || rv == SCARD_F_COMM_ERROR || rv == SCARD_E_READER_UNAVAILABLE;
    if (link_error && is_extended(apdu)) {
        // A reader that cannot carry extended APDUs fails them here, without a status word. The
        // caller falls back to short commands (a removal shows there).
        link_failed_ = true;
        throw NoAnswer("SCardTransmit of an extended APDU: " + reason(rv));
    }
    if (link_error && link_failed_ && apdu.size() >= 2 && apdu[1] == 0xA4) {
        // The first command after such a failure: some readers (and vpcd, which takes the card back
        // at its next presence poll) need a moment. A SELECT carries no secret and changes nothing
        // but the selection, so it is sent again for up to 2 s while the card is still there.
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
        while (std::chrono::steady_clock::now() < until && !gone_within(100)) {
            rv = send();
            if (rv != SCARD_E_NOT_TRANSACTED && rv != SCARD_F_COMM_ERROR && rv != SCARD_E_READER_UNAVAILABLE) break;
        }
        if (removed(rv)) throw Error(Errc::card, "the card was removed during the read");
    }
    if (rv != SCARD_S_SUCCESS) {
        // A card pulled out mid-command shows first as a failed transaction or a comm error.
        if ((rv == SCARD_E_NOT_TRANSACTED || rv == SCARD_F_COMM_ERROR || rv == SCARD_E_READER_UNAVAILABLE) && gone_within(2000))
            throw Error(Errc::card, "the card was removed during the read");
        fail("SCardTransmit", rv);
    }
    link_failed_ = false;
    rx.resize(rlen);
    if (rlen >= 2) {
        log::debug("card < %zu bytes, SW %s", static_cast<std::size_t>(rlen - 2),
                   sw_text(static_cast<std::uint16_t>(rx[rlen - 2] << 8 | rx[rlen - 1])).c_str());
    }
    return rx;
}

Extended Card::reader_extended() {
    Extended e;
    std::uint8_t buf[MAX_BUFFER_SIZE];
    DWORD len = 0;
    LONG rv = SCardControl(h_.get(), CM_IOCTL_GET_FEATURE_REQUEST, nullptr, 0, buf, sizeof buf, &len);
    if (rv != SCARD_S_SUCCESS) {
        e.how = "no PC/SC v2 part 10 features (" + std::string(pcsc_stringify_error(rv)) + ")";
        return e;
    }
    DWORD ioctl = 0;
    for (DWORD i = 0; i + 6 <= len; i += 2 + buf[i + 1]) {
        if (buf[i] == FEATURE_GET_TLV_PROPERTIES && buf[i + 1] == 4)
            ioctl = static_cast<DWORD>(buf[i + 2]) << 24 | static_cast<DWORD>(buf[i + 3]) << 16 | static_cast<DWORD>(buf[i + 4]) << 8 | buf[i + 5];
    }
    if (!ioctl) {
        e.how = "no FEATURE_GET_TLV_PROPERTIES";
        return e;
    }
    rv = SCardControl(h_.get(), ioctl, nullptr, 0, buf, sizeof buf, &len);
    if (rv != SCARD_S_SUCCESS) {
        e.how = "GET_TLV_PROPERTIES failed (" + std::string(pcsc_stringify_error(rv)) + ")";
        return e;
    }
    bool found = false;
    for (DWORD i = 0; i + 2 <= len && i + 2 + buf[i + 1] <= len; i += 2 + buf[i + 1]) {
        if (buf[i] == PCSCv2_PART10_PROPERTY_dwMaxAPDUDataSize && buf[i + 1] == 4) {
            e.max_apdu_data = static_cast<std::uint32_t>(buf[i + 2]) | static_cast<std::uint32_t>(buf[i + 3]) << 8 |
                              static_cast<std::uint32_t>(buf[i + 4]) << 16 | static_cast<std::uint32_t>(buf[i + 5]) << 24;
            found = e.known = true;
        }
    }
    e.how = found ? "dwMaxAPDUDataSize " + std::to_string(e.max_apdu_data) : "no dwMaxAPDUDataSize property";
    return e;
}

}  // namespace onshi::card::pcsc
