#include "card.hpp"

#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace onshi::sim::card {
namespace {

constexpr std::uint8_t kAidJpki[] = {0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01};
constexpr std::uint8_t kAidAux[] = {0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08};
constexpr std::uint8_t kAidKenmen[] = {0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x02};

Bytes sw(std::uint16_t s) { return {std::uint8_t(s >> 8), std::uint8_t(s & 0xFF)}; }
Bytes with_sw(Bytes data, std::uint16_t s) {
    data.push_back(std::uint8_t(s >> 8));
    data.push_back(std::uint8_t(s & 0xFF));
    return data;
}

Bytes read_file(const std::string& path, bool required = true) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        if (required) throw std::runtime_error("cannot read " + path);
        return {};
    }
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}
std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    return s;
}

// BER-TLV with a tag of 1 or 2 bytes and a definite length (short, 81 xx or 82 xx xx).
void put_tlv(Bytes& out, std::uint16_t tag, const Bytes& value) {
    if (tag > 0xFF) out.push_back(std::uint8_t(tag >> 8));
    out.push_back(std::uint8_t(tag & 0xFF));
    std::size_t n = value.size();
    if (n < 0x80) {
        out.push_back(std::uint8_t(n));
    } else if (n <= 0xFF) {
        out.push_back(0x81);
        out.push_back(std::uint8_t(n));
    } else {
        out.push_back(0x82);
        out.push_back(std::uint8_t(n >> 8));
        out.push_back(std::uint8_t(n & 0xFF));
    }
    out.insert(out.end(), value.begin(), value.end());
}
Bytes bytes_of(const std::string& s) { return Bytes(s.begin(), s.end()); }

bool same_aid(const Bytes& data, const std::uint8_t (&aid)[10]) {
    return data.size() == 10 && std::equal(data.begin(), data.end(), aid);
}

// A parsed command APDU (ISO 7816-4 cases 1, 2S/2E, 3S/3E, 4S/4E).
struct Apdu {
    std::uint8_t cla, ins, p1, p2;
    Bytes data;
    std::size_t le = 0;  // 0 = none expected
    bool has_le = false;
    bool extended = false;
    bool valid = true;
};
Apdu parse(const Bytes& c) {
    Apdu a{c[0], c[1], c[2], c[3], {}, 0, false, false, true};
    std::size_t n = c.size();
    if (n == 4) return a;
    if (n == 5) {  // case 2S
        a.has_le = true;
        a.le = c[4] ? c[4] : 256;
        return a;
    }
    if (c[4] != 0) {  // short Lc
        std::size_t lc = c[4];
        if (n == 5 + lc) {
            a.data.assign(c.begin() + 5, c.end());
        } else if (n == 6 + lc) {
            a.data.assign(c.begin() + 5, c.end() - 1);
            a.has_le = true;
            a.le = c.back() ? c.back() : 256;
        } else {
            a.valid = false;
        }
        return a;
    }
    // c[4] == 0 and n > 5: extended
    a.extended = true;
    if (n == 7) {  // case 2E
        a.has_le = true;
        a.le = (std::size_t(c[5]) << 8) | c[6];
        if (a.le == 0) a.le = 65536;
        return a;
    }
    std::size_t lc = (std::size_t(c[5]) << 8) | c[6];
    if (lc == 0) {
        a.valid = false;
    } else if (n == 7 + lc) {
        a.data.assign(c.begin() + 7, c.end());
    } else if (n == 9 + lc) {
        a.data.assign(c.begin() + 7, c.end() - 2);
        a.has_le = true;
        a.le = (std::size_t(c[n - 2]) << 8) | c[n - 1];
        if (a.le == 0) a.le = 65536;
    } else {
        a.valid = false;
    }
    return a;
}

}  // namespace

Identity load_identity(const std::string& dir) {
    Identity id;
    id.auth_cert = read_file(dir + "/auth_cert.der");
    id.ca_cert = read_file(dir + "/ca_cert.der");
    id.sign_ca_cert = read_file(dir + "/sign_ca_cert.der");
    std::FILE* f = std::fopen((dir + "/auth_key.pem").c_str(), "r");
    if (!f) throw std::runtime_error("cannot read " + dir + "/auth_key.pem");
    id.auth_key = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
    std::fclose(f);
    if (!id.auth_key) throw std::runtime_error("not a private key: " + dir + "/auth_key.pem");
    std::ifstream in(dir + "/basic4.txt");
    if (!in) throw std::runtime_error("cannot read " + dir + "/basic4.txt");
    std::string line;
    while (std::getline(in, line)) {
        line = trim(line);
        auto eq = line.find('=');
        if (eq == std::string::npos || line[0] == '#') continue;
        std::string k = line.substr(0, eq), v = line.substr(eq + 1);
        if (k == "name") id.name = v;
        else if (k == "address") id.address = v;
        else if (k == "birth") id.birth = v;
        else if (k == "sex") id.sex = v;
    }
    Bytes p = read_file(dir + "/auth_pin", false);
    if (!p.empty()) id.auth_pin = trim(std::string(p.begin(), p.end()));
    p = read_file(dir + "/aux_pin", false);
    if (!p.empty()) id.aux_pin = trim(std::string(p.begin(), p.end()));
    p = read_file(dir + "/sign_pin", false);
    if (!p.empty()) id.sign_pin = trim(std::string(p.begin(), p.end()));
    return id;
}

bool is_extended(const Bytes& c) { return c.size() > 5 && c[4] == 0x00; }

Bytes basic4_ef(const Identity& id, bool leading) {
    Bytes inner;
    // DF 21: a header of offsets, as cards carry; its content is not interpreted by readers.
    put_tlv(inner, 0xDF21, Bytes{0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D,
                                 0x0E, 0x0F});
    put_tlv(inner, 0xDF22, bytes_of(id.name));
    put_tlv(inner, 0xDF23, bytes_of(id.address));
    put_tlv(inner, 0xDF24, bytes_of(id.birth));
    put_tlv(inner, 0xDF25, bytes_of(id.sex));
    Bytes out;
    if (leading) out = {0x30, 0x30, 0x00, 0x00};
    put_tlv(out, 0xFF20, inner);
    return out;
}

const Bytes& Card::atr() {
    // T=1, as JPKI cards answer (TCK 14).
    static const Bytes a = {0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14};
    return a;
}

Card::Card(Identity id, Options opt) : id_(std::move(id)), opt_(opt) {
    std::string token = opt_.juki ? "JPKIAPICCTOKEN" : "JPKIAPICCTOKEN2";
    token.resize(32, ' ');
    auto& j = files_[Ap::jpki];
    j[0x0006] = {bytes_of(token), Access::open, 0};
    j[0x000A] = {id_.auth_cert, Access::open, 0};
    j[0x000B] = {id_.ca_cert, Access::open, 0};
    j[0x0002] = {id_.sign_ca_cert, Access::open, 0};  // 署名用電子証明書's CA
    j[0x0001] = {{}, Access::never, 0};  // 署名用電子証明書: needs the signing password (not emulated)
    j[0x0017] = {{}, Access::key, 0};
    j[0x0018] = {{}, Access::pin, 0};
    j[0x001A] = {{}, Access::key, 0};  // 署名用 key: SIGN with it is not emulated
    j[0x001B] = {{}, Access::pin, 2};  // 署名用 password
    auto& a = files_[Ap::aux];
    a[0x0011] = {{}, Access::pin, 1};
    a[0x0001] = {{}, Access::never, 0};  // 個人番号: never readable here
    a[0x0002] = {basic4_ef(id_, opt_.basic4_leading), Access::aux_pin, 0};
    files_[Ap::kenmen];
    int tries = opt_.blocked ? 0 : opt_.pin_tries;
    pins_[0] = {id_.auth_pin, tries, 3};
    pins_[1] = {id_.aux_pin, tries, 3};
    pins_[2] = {id_.sign_pin, opt_.blocked ? 0 : 5, 5};
}

Card::~Card() {
    if (id_.auth_key) EVP_PKEY_free(id_.auth_key);
}

void Card::reset_session() {
    ap_ = Ap::none;
    ef_ = -1;
    verified_[0] = verified_[1] = verified_[2] = false;
}

Bytes Card::transmit(const Bytes& c) {
    if (c.size() < 4) return sw(0x6700);
    Apdu a = parse(c);
    if (!a.valid) return sw(0x6700);
    if (a.cla != 0x00 && a.cla != 0x80) return sw(0x6E00);
    switch (a.ins) {
    case 0xA4:
        if (a.cla != 0x00) return sw(0x6E00);
        return select(a.p1, a.data);
    case 0x20:
        if (a.cla != 0x00) return sw(0x6E00);
        if (a.p1 != 0x00 || a.p2 != 0x80) return sw(0x6A86);
        return verify(a.data, !a.data.empty());
    case 0xB0:
        if (a.cla != 0x00) return sw(0x6E00);
        if (!a.data.empty() || !a.has_le) return sw(0x6700);
        if (a.extended && opt_.short_only) return sw(0x6700);
        if (a.p1 & 0x80) return sw(0x6A86);  // short-EF addressing is not supported
        return read_binary(std::uint16_t((a.p1 << 8) | a.p2), a.le, a.extended);
    case 0x2A:
        if (a.cla != 0x80) return sw(0x6E00);
        if (a.p1 != 0x00 || a.p2 != 0x80) return sw(0x6A86);
        if (a.extended && opt_.short_only) return sw(0x6700);
        return sign(a.data);
    default:
        return sw(0x6D00);
    }
}

Bytes Card::select(std::uint8_t p1, const Bytes& data) {
    if (p1 == 0x04) {
        Ap to = same_aid(data, kAidJpki) ? Ap::jpki : same_aid(data, kAidAux) ? Ap::aux
                : same_aid(data, kAidKenmen) ? Ap::kenmen : Ap::none;
        if (to == Ap::none) return sw(data.empty() ? 0x6700 : 0x6A82);
        ap_ = to;
        ef_ = -1;
        return sw(0x9000);
    }
    if (p1 == 0x02) {
        if (data.size() != 2) return sw(0x6700);
        if (ap_ == Ap::none) return sw(0x6A82);
        std::uint16_t fid = std::uint16_t((data[0] << 8) | data[1]);
        if (!files_[ap_].count(fid)) return sw(0x6A82);
        ef_ = fid;
        return sw(0x9000);
    }
    return sw(0x6A86);
}

Bytes Card::verify(const Bytes& data, bool has_data) {
    if (ef_ < 0) return sw(0x6986);
    const Ef& ef = files_[ap_][std::uint16_t(ef_)];
    if (ef.access != Access::pin) return sw(0x6981);  // not a PIN EF
    Pin& pin = pins_[ef.pin];
    // VERIFY-status of a blocked PIN: 63 C0 (or what --blocked-sw says); with a PIN: 69 83.
    if (pin.tries <= 0) return sw(has_data ? (opt_.blocked_sw == 0x6984 ? 0x6984 : 0x6983) : opt_.blocked_sw);
    if (!has_data) return sw(std::uint16_t(0x63C0 | pin.tries));
    bool match = data.size() == pin.value.size() && std::equal(data.begin(), data.end(), pin.value.begin());
    if (match) {
        pin.tries = pin.max_tries;
        verified_[ef.pin] = true;
        return sw(0x9000);
    }
    verified_[ef.pin] = false;
    --pin.tries;
    return sw(std::uint16_t(0x63C0 | pin.tries));
}

Bytes Card::read_binary(std::uint16_t offset, std::size_t le, bool) {
    if (ef_ < 0) return sw(0x6986);
    const Ef& ef = files_[ap_][std::uint16_t(ef_)];
    switch (ef.access) {
    case Access::open: break;
    case Access::aux_pin:
        if (!verified_[1]) return sw(0x6982);
        break;
    case Access::pin:
    case Access::key: return sw(0x6981);  // not a transparent EF
    case Access::never: return sw(0x6982);
    }
    if (offset > ef.data.size()) return sw(0x6B00);
    std::size_t n = std::min(le, ef.data.size() - offset);
    return with_sw(Bytes(ef.data.begin() + offset, ef.data.begin() + offset + n), 0x9000);
}

Bytes Card::sign(const Bytes& data) {
    if (ap_ != Ap::jpki || ef_ != 0x0017) return sw(0x6986);
    if (!verified_[0]) return sw(0x6982);
    if (data.empty() || data.size() > 256 - 11) return sw(0x6700);
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(id_.auth_key, nullptr);
    Bytes out(256);
    std::size_t len = out.size();
    bool ok = ctx && EVP_PKEY_sign_init(ctx) > 0 && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
              EVP_PKEY_sign(ctx, out.data(), &len, data.data(), data.size()) > 0;
    EVP_PKEY_CTX_free(ctx);
    if (!ok) return sw(0x6F00);
    out.resize(len);
    return with_sw(std::move(out), 0x9000);
}

std::string trace_hex(const Bytes& b, bool mask_verify) {
    std::ostringstream o;
    bool verify = mask_verify && b.size() > 5 && b[1] == 0x20;
    std::size_t shown = verify ? 5 : b.size();
    char buf[4];
    for (std::size_t i = 0; i < shown; ++i) {
        std::snprintf(buf, sizeof buf, "%02X", b[i]);
        if (i) o << ' ';
        o << buf;
    }
    if (verify) o << " ********";
    return o.str();
}

}  // namespace onshi::sim::card
