// orca-onshi-card-sim: a My Number card on vpcd (vsmartcard's pcscd driver) for tests.
// Connects to vpcd at 127.0.0.1:PORT; the card is present while connected. Synthetic data only.
#include "card.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

using onshi::sim::card::Bytes;
using onshi::sim::card::Card;

namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

const char kUsage[] =
    "マイナンバーカード (JPKI 利用者証明用 + 券面事項入力補助AP) のエミュレータ: vpcd の仮想リーダーに挿します (テスト用)\n"
    "usage: orca-onshi-card-sim --identity DIR [--port N] [--trace FILE] [--short-only] [--pin-tries N]\n"
    "                           [--blocked] [--blocked-sw 63C0|6983|6984] [--token mynumber|juki]\n"
    "                           [--basic4-leading] [--drop-extended]\n"
    "                           [--remove-after-apdus N] [--reconnect] [--removal-ms MS]\n"
    "DIR: auth_cert.der auth_key.pem ca_cert.der sign_ca_cert.der basic4.txt [auth_pin aux_pin sign_pin]\n"
    "     (sim/card/make-test-card.sh)\n";

unsigned long g_apdus = 0;

// false on EOF, error or stop. vpcd sends a command's 2-byte length and its bytes in two writes
// without TCP_NODELAY: its kernel holds the bytes back until the length is acknowledged, and ours
// would delay that acknowledgement (up to 40 ms a command, nothing a real reader has). TCP_QUICKACK,
// which the kernel clears again by itself, is set before every read so the ACK goes out at once.
bool read_all(int fd, std::uint8_t* p, std::size_t n) {
    while (n) {
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
        ssize_t r = ::recv(fd, p, n, 0);
        if (r < 0 && errno == EINTR) {
            if (g_stop) return false;
            continue;
        }
        if (r <= 0) return false;
        p += r;
        n -= std::size_t(r);
    }
    return true;
}
bool write_msg(int fd, const Bytes& b) {
    Bytes m{std::uint8_t(b.size() >> 8), std::uint8_t(b.size() & 0xFF)};
    m.insert(m.end(), b.begin(), b.end());
    std::size_t off = 0;
    while (off < m.size()) {
        ssize_t w = ::send(fd, m.data() + off, m.size() - off, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        off += std::size_t(w);
    }
    return true;
}

int connect_vpcd(int port, int wait_ms) {
    for (int waited = 0;; waited += 100) {
        if (g_stop) return -1;
        int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(std::uint16_t(port));
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0) {
            int one = 1;
            ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            return fd;
        }
        ::close(fd);
        if (waited >= wait_ms) return -1;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::string identity, trace_path;
    int port = 35963;
    long remove_after = -1;
    bool reconnect = false;
    int removal_ms = 1000;
    onshi::sim::card::Options opt;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::cerr << "orca-onshi-card-sim: " << a << " needs a value\n" << kUsage;
                std::exit(2);
            }
            return argv[++i];
        };
        if (a == "--identity") identity = value();
        else if (a == "--port") port = std::atoi(value().c_str());
        else if (a == "--trace") trace_path = value();
        else if (a == "--short-only") opt.short_only = true;
        else if (a == "--pin-tries") opt.pin_tries = std::atoi(value().c_str());
        else if (a == "--blocked") opt.blocked = true;
        else if (a == "--blocked-sw") {
            std::string v = value();
            if (v != "63C0" && v != "6983" && v != "6984") {
                std::cerr << "orca-onshi-card-sim: --blocked-sw 63C0|6983|6984\n";
                return 2;
            }
            opt.blocked_sw = std::uint16_t(std::stoul(v, nullptr, 16));
        } else if (a == "--drop-extended") opt.drop_extended = true;
        else if (a == "--token") {
            std::string t = value();
            if (t != "juki" && t != "mynumber") {
                std::cerr << "orca-onshi-card-sim: --token mynumber|juki\n";
                return 2;
            }
            opt.juki = t == "juki";
        } else if (a == "--basic4-leading") opt.basic4_leading = true;
        else if (a == "--remove-after-apdus") remove_after = std::atol(value().c_str());
        else if (a == "--reconnect") reconnect = true;
        else if (a == "--removal-ms") removal_ms = std::atoi(value().c_str());
        else if (a == "-h" || a == "--help") {
            std::cout << kUsage;
            return 0;
        } else {
            std::cerr << "orca-onshi-card-sim: unknown option " << a << "\n" << kUsage;
            return 2;
        }
    }
    if (identity.empty() || port <= 0 || port > 65535 || opt.pin_tries < 0 || opt.pin_tries > 15) {
        std::cerr << kUsage;
        return 2;
    }

    struct sigaction sa{};
    sa.sa_handler = on_signal;  // no SA_RESTART: a blocked recv returns EINTR
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);

    std::unique_ptr<Card> card;
    try {
        card = std::make_unique<Card>(onshi::sim::card::load_identity(identity), opt);
    } catch (const std::exception& e) {
        std::cerr << "orca-onshi-card-sim: " << e.what() << "\n";
        return 1;
    }
    std::ofstream trace;
    if (!trace_path.empty()) {
        trace.open(trace_path, std::ios::app);
        if (!trace) {
            std::cerr << "orca-onshi-card-sim: cannot write " << trace_path << "\n";
            return 1;
        }
    }
    auto log = [&](const std::string& line) {
        if (trace.is_open()) trace << line << std::endl;
    };

    int rc = 0;
    long since_insert = 0;
    while (!g_stop) {
        int fd = connect_vpcd(port, 10000);
        if (fd < 0) {
            if (!g_stop) {
                std::cerr << "orca-onshi-card-sim: cannot connect to vpcd on 127.0.0.1:" << port << "\n";
                rc = 1;
            }
            break;
        }
        log("# inserted");
        card->reset_session();
        since_insert = 0;
        while (!g_stop) {
            std::uint8_t hdr[2];
            if (!read_all(fd, hdr, 2)) break;
            std::size_t n = (std::size_t(hdr[0]) << 8) | hdr[1];
            Bytes msg(n);
            if (n && !read_all(fd, msg.data(), n)) break;
            if (n == 0) continue;
            if (n == 1) {  // vpcd's controls
                if (msg[0] == 0x04) {
                    if (!write_msg(fd, Card::atr())) break;
                } else if (msg[0] <= 0x02) {
                    log(msg[0] == 0x00 ? "# power off" : msg[0] == 0x01 ? "# power on" : "# reset");
                    card->reset_session();
                }
                continue;
            }
            if (opt.drop_extended && onshi::sim::card::is_extended(msg)) {
                // A reader that fails extended APDUs: no answer at all, an error at the PC/SC level.
                // vpcd fails a transmit only when reading the answer fails (an early end of the
                // connection is taken as an empty answer): announce a 2-byte answer, let vpcd read
                // that length, then reset the connection before the bytes. The next connection is
                // made first (it waits in vpcd's backlog) and vpcd's next presence poll takes it, so
                // pcscd never sees a removal. The card's selection is lost (as after a reader error);
                // its PIN counters are not.
                ++g_apdus;
                log("> " + onshi::sim::card::trace_hex(msg, true));
                log("# dropped: extended APDU");
                const std::uint8_t len2[2] = {0x00, 0x02};
                (void)::send(fd, len2, sizeof len2, MSG_NOSIGNAL);
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
                int next = connect_vpcd(port, 0);
                linger lg{1, 0};
                ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
                ::close(fd);
                fd = next;
                card->reset_session();
                if (fd < 0) break;
                continue;
            }
            Bytes r = card->transmit(msg);
            ++g_apdus;
            ++since_insert;
            log("> " + onshi::sim::card::trace_hex(msg, true));
            log("< " + onshi::sim::card::trace_hex(r, false));
            std::fill(msg.begin(), msg.end(), 0);  // a VERIFY's PIN does not linger
            if (!write_msg(fd, r)) break;
            if (remove_after >= 0 && since_insert >= remove_after) break;  // pulled out mid-session
        }
        ::close(fd);
        log("# removed");
        if (g_stop || !reconnect) break;
        for (int w = 0; w < removal_ms && !g_stop; w += 50) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    // Keep the process alive after a removal so a test can still read apdus= on SIGTERM.
    if (!g_stop && rc == 0 && remove_after >= 0 && !reconnect) {
        while (!g_stop) ::pause();
    }
    std::fprintf(stderr, "apdus=%lu\n", g_apdus);
    return rc;
}
