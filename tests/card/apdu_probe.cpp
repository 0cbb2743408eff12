// apdu_probe: talks to the first pcsc-lite reader whose name contains --reader (default "Virtual PCD").
//   apdu_probe --wait-reader SECS          exit 0 once such a reader is listed
//   apdu_probe --wait-card SECS            exit 0 once a card is present in it
//   apdu_probe --wait-absent SECS          exit 0 once no card is present
//   apdu_probe --status                    prints the reader's state flags
//   apdu_probe [--reader S] STEP...        one connection (T=1, shared); STEP is an APDU in hex
//                                          ("00A4040C0A..."), or sleep:MS. Prints one line per APDU:
//                                          the R-APDU in hex. A transmit error prints
//                                          "error NAME" and exits 3 (EMPTY_RESPONSE: fewer
//                                          than 2 bytes, what vpcd gives when the card just left).
// For tests only: it prints what the card answers (never a PIN: VERIFY data is not echoed).
#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

std::string g_filter = "Virtual PCD";

const char* err_name(LONG rv) {
    switch (rv) {
    case SCARD_W_REMOVED_CARD: return "SCARD_W_REMOVED_CARD";
    case SCARD_E_NO_SMARTCARD: return "SCARD_E_NO_SMARTCARD";
    case SCARD_W_RESET_CARD: return "SCARD_W_RESET_CARD";
    case SCARD_E_NOT_TRANSACTED: return "SCARD_E_NOT_TRANSACTED";
    case SCARD_E_READER_UNAVAILABLE: return "SCARD_E_READER_UNAVAILABLE";
    case SCARD_E_NO_SERVICE: return "SCARD_E_NO_SERVICE";
    case SCARD_E_NO_READERS_AVAILABLE: return "SCARD_E_NO_READERS_AVAILABLE";
    case SCARD_E_UNKNOWN_READER: return "SCARD_E_UNKNOWN_READER";
    case SCARD_E_TIMEOUT: return "SCARD_E_TIMEOUT";
    case SCARD_W_UNRESPONSIVE_CARD: return "SCARD_W_UNRESPONSIVE_CARD";
    case SCARD_W_UNPOWERED_CARD: return "SCARD_W_UNPOWERED_CARD";
    case SCARD_E_PROTO_MISMATCH: return "SCARD_E_PROTO_MISMATCH";
    case SCARD_F_COMM_ERROR: return "SCARD_F_COMM_ERROR";
    case SCARD_E_INSUFFICIENT_BUFFER: return "SCARD_E_INSUFFICIENT_BUFFER";
    default: return "other";
    }
}

// The first matching reader, or "".
std::string find_reader(SCARDCONTEXT ctx) {
    DWORD len = 0;
    if (SCardListReaders(ctx, nullptr, nullptr, &len) != SCARD_S_SUCCESS || len == 0) return "";
    std::vector<char> buf(len);
    if (SCardListReaders(ctx, nullptr, buf.data(), &len) != SCARD_S_SUCCESS) return "";
    for (const char* p = buf.data(); *p; p += std::strlen(p) + 1)
        if (std::strstr(p, g_filter.c_str())) return p;
    return "";
}

bool card_present(SCARDCONTEXT ctx, const std::string& reader) {
    SCARD_READERSTATE st{};
    st.szReader = reader.c_str();
    st.dwCurrentState = SCARD_STATE_UNAWARE;
    if (SCardGetStatusChange(ctx, 0, &st, 1) != SCARD_S_SUCCESS) return false;
    return (st.dwEventState & SCARD_STATE_PRESENT) && !(st.dwEventState & SCARD_STATE_MUTE);
}

int wait_for(const std::string& what, int secs) {
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(secs);
    while (std::chrono::steady_clock::now() < end) {
        SCARDCONTEXT ctx;
        if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &ctx) == SCARD_S_SUCCESS) {
            std::string r = find_reader(ctx);
            bool ok = what == "reader" ? !r.empty()
                      : what == "card" ? !r.empty() && card_present(ctx, r)
                                       : r.empty() || !card_present(ctx, r);
            SCardReleaseContext(ctx);
            if (ok) return 0;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    std::fprintf(stderr, "apdu_probe: timed out waiting for %s\n", what.c_str());
    return 1;
}

bool parse_hex(const std::string& s, std::vector<BYTE>& out) {
    std::string h;
    for (char c : s)
        if (c != ' ' && c != ':') h += c;
    if (h.size() % 2) return false;
    for (std::size_t i = 0; i < h.size(); i += 2) {
        char* end;
        std::string b = h.substr(i, 2);
        long v = std::strtol(b.c_str(), &end, 16);
        if (*end) return false;
        out.push_back(BYTE(v));
    }
    return !out.empty();
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> steps;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if ((a == "--wait-reader" || a == "--wait-card" || a == "--wait-absent") && i + 1 < argc)
            return wait_for(a.substr(7), std::atoi(argv[++i]));
        if (a == "--status") {  // the reader's state flags, for debugging the harness
            SCARDCONTEXT c;
            if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &c) != SCARD_S_SUCCESS) return 2;
            std::string r = find_reader(c);
            SCARD_READERSTATE st{};
            st.szReader = r.c_str();
            st.dwCurrentState = SCARD_STATE_UNAWARE;
            LONG rv = r.empty() ? SCARD_E_UNKNOWN_READER : SCardGetStatusChange(c, 0, &st, 1);
            std::printf("%s state=0x%lX rv=%s\n", r.c_str(), (unsigned long)st.dwEventState,
                        rv == SCARD_S_SUCCESS ? "ok" : err_name(rv));
            SCardReleaseContext(c);
            return 0;
        }
        if (a == "--reader" && i + 1 < argc) {
            g_filter = argv[++i];
            continue;
        }
        steps.push_back(a);
    }
    SCARDCONTEXT ctx;
    LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &ctx);
    if (rv != SCARD_S_SUCCESS) {
        std::printf("error %s\n", err_name(rv));
        return 2;
    }
    std::string reader = find_reader(ctx);
    if (reader.empty()) {
        std::printf("error no reader matching '%s'\n", g_filter.c_str());
        return 2;
    }
    SCARDHANDLE card;
    DWORD proto = 0;
    rv = SCardConnect(ctx, reader.c_str(), SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1 | SCARD_PROTOCOL_T0, &card, &proto);
    if (rv != SCARD_S_SUCCESS) {
        std::printf("error %s\n", err_name(rv));
        return 2;
    }
    int rc = 0;
    for (const std::string& s : steps) {
        if (s.rfind("sleep:", 0) == 0) {
            std::this_thread::sleep_for(std::chrono::milliseconds(std::atoi(s.c_str() + 6)));
            continue;
        }
        std::vector<BYTE> cmd;
        if (!parse_hex(s, cmd)) {
            std::fprintf(stderr, "apdu_probe: not hex: %s\n", s.c_str());
            rc = 2;
            break;
        }
        std::vector<BYTE> resp(65536 + 2 + 16);
        DWORD rlen = DWORD(resp.size());
        const SCARD_IO_REQUEST* pci = proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
        rv = SCardTransmit(card, pci, cmd.data(), DWORD(cmd.size()), nullptr, resp.data(), &rlen);
        std::memset(cmd.data(), 0, cmd.size());
        if (rv != SCARD_S_SUCCESS) {
            std::printf("error %s\n", err_name(rv));
            rc = 3;
            break;
        }
        if (rlen < 2) {  // vpcd answers a card that vanished mid-exchange with an empty R-APDU
            std::printf("error EMPTY_RESPONSE\n");
            rc = 3;
            break;
        }
        for (DWORD i = 0; i < rlen; ++i) std::printf("%02X", resp[i]);
        std::printf("\n");
        std::fflush(stdout);
    }
    SCardDisconnect(card, SCARD_RESET_CARD);
    SCardReleaseContext(ctx);
    return rc;
}
