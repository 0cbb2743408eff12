#include "card/apdu.hpp"

#include "core/error.hpp"

#include <cstdio>
#include <string.h>

namespace onshi::card {
namespace {

constexpr std::uint8_t kJpkiAid[] = {0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01};
constexpr std::uint8_t kAuxAid[] = {0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08};
constexpr std::uint8_t kSha256Prefix[] = {0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                          0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};

std::string hex4(std::uint16_t sw) {
    char b[8];
    std::snprintf(b, sizeof b, "%04X", sw);
    return b;
}

}  // namespace

SecretBytes::~SecretBytes() {
    if (!b_.empty()) explicit_bzero(b_.data(), b_.size());
}

std::span<const std::uint8_t> aid(Ap ap) {
    if (ap == Ap::jpki) return kJpkiAid;
    return kAuxAid;
}

Bytes select_df(Ap ap) {
    const auto a = aid(ap);
    Bytes b{0x00, 0xA4, 0x04, 0x0C, static_cast<std::uint8_t>(a.size())};
    b.insert(b.end(), a.begin(), a.end());
    return b;
}

Bytes select_ef(Ef ef) {
    const auto f = static_cast<std::uint16_t>(ef);
    return {0x00, 0xA4, 0x02, 0x0C, 0x02, static_cast<std::uint8_t>(f >> 8), static_cast<std::uint8_t>(f & 0xFF)};
}

Bytes read_binary(std::size_t offset, std::size_t le, bool extended) {
    if (offset > 0x7FFF) throw Error(Errc::internal, "READ BINARY offset beyond 0x7FFF");
    if (le == 0 || le > 65536 || (!extended && le > 256)) throw Error(Errc::internal, "READ BINARY Le out of range");
    Bytes b{0x00, 0xB0, static_cast<std::uint8_t>(offset >> 8), static_cast<std::uint8_t>(offset & 0xFF)};
    if (extended) {
        const std::size_t v = le == 65536 ? 0 : le;
        b.push_back(0x00);
        b.push_back(static_cast<std::uint8_t>(v >> 8));
        b.push_back(static_cast<std::uint8_t>(v & 0xFF));
    } else {
        b.push_back(static_cast<std::uint8_t>(le == 256 ? 0 : le));
    }
    return b;
}

Bytes get_response(std::uint8_t le) { return {0x00, 0xC0, 0x00, 0x00, le}; }

Bytes verify_status() { return {0x00, 0x20, 0x00, 0x80}; }

void verify(const Pin& pin, SecretBytes& out) {
    if (pin.empty()) throw Error(Errc::usage, "no PIN given");
    auto& b = out.get();
    b.reserve(5 + Pin::kMax);  // no reallocation: no copy of the PIN left behind
    b.assign({0x00, 0x20, 0x00, 0x80, static_cast<std::uint8_t>(pin.size())});
    const auto p = pin.bytes();
    b.insert(b.end(), p.begin(), p.end());
}

Bytes sign(std::span<const std::uint8_t> digest_info) {
    if (digest_info.empty() || digest_info.size() > 255) throw Error(Errc::internal, "SIGN data length out of range");
    Bytes b{0x80, 0x2A, 0x00, 0x80, static_cast<std::uint8_t>(digest_info.size())};
    b.insert(b.end(), digest_info.begin(), digest_info.end());
    b.push_back(0x00);
    return b;
}

Bytes digest_info_sha256(std::span<const std::uint8_t> hash32) {
    if (hash32.size() != 32) throw Error(Errc::internal, "a SHA-256 hash has 32 bytes");
    Bytes b(std::begin(kSha256Prefix), std::end(kSha256Prefix));
    b.insert(b.end(), hash32.begin(), hash32.end());
    return b;
}

Response parse_response(std::span<const std::uint8_t> raw) {
    if (raw.size() < 2) throw Error(Errc::card, "the card answered " + std::to_string(raw.size()) + " byte(s), no status word");
    Response r;
    r.data.assign(raw.begin(), raw.end() - 2);
    r.sw = static_cast<std::uint16_t>((raw[raw.size() - 2] << 8) | raw[raw.size() - 1]);
    return r;
}

Status classify(std::uint16_t sw) noexcept {
    if (sw == 0x9000) return Status::ok;
    if (sw == 0x6282) return Status::end_of_file;
    if ((sw & 0xFF00) == 0x6100) return Status::more_data;
    if ((sw & 0xFF00) == 0x6C00) return Status::wrong_le;
    // 69 84 (reference data not usable) is what some cards answer for a blocked PIN; OpenSC and
    // myna read it as blocked too.
    if (sw == 0x6983 || sw == 0x6984 || sw == 0x63C0) return Status::blocked;
    if ((sw & 0xFFF0) == 0x63C0) return Status::wrong_pin;
    if (sw == 0x6A82) return Status::not_found;
    if (sw == 0x6982) return Status::security;
    if (sw == 0x6700) return Status::wrong_length;
    return Status::other;
}

int tries_left(std::uint16_t sw) noexcept {
    if (sw == 0x6983 || sw == 0x6984) return 0;
    if ((sw & 0xFFF0) == 0x63C0) return sw & 0x0F;
    return -1;
}

std::string sw_text(std::uint16_t sw) {
    const std::string h = hex4(sw);
    switch (classify(sw)) {
    case Status::ok: return h + " (OK)";
    case Status::end_of_file: return h + " (end of file reached)";
    case Status::more_data: return h + " (more data: GET RESPONSE)";
    case Status::wrong_le: return h + " (wrong Le: send again with Le " + std::to_string(sw & 0xFF) + ")";
    case Status::wrong_pin: return h + " (wrong PIN: " + std::to_string(sw & 0x0F) + " tries left)";
    case Status::blocked: return h + " (PIN blocked)";
    case Status::not_found: return h + " (file or application not found)";
    case Status::security: return h + " (security status not satisfied)";
    case Status::wrong_length: return h + " (wrong length)";
    case Status::other: break;
    }
    return h;
}

std::size_t cert_length(std::span<const std::uint8_t> first4) {
    if (first4.size() < 4 || first4[0] != 0x30 || first4[1] != 0x82)
        throw Error(Errc::card, "the certificate file does not start with a DER SEQUENCE (30 82 LL LL)");
    const std::size_t n = (static_cast<std::size_t>(first4[2]) << 8 | first4[3]) + 4;
    return n;
}

bool is_verify_with_data(std::span<const std::uint8_t> apdu) noexcept {
    return apdu.size() > 4 && apdu[1] == 0x20;
}

bool is_extended(std::span<const std::uint8_t> apdu) noexcept { return apdu.size() > 5 && apdu[4] == 0x00; }

bool is_forbidden_select(std::span<const std::uint8_t> apdu) noexcept {
    // SELECT EF by FID (P1 02) of 00 01, in any AP: the 個人番号 of the 入力補助AP (and the 署名用
    // certificate of the JPKI AP) are never read by this module.
    return apdu.size() >= 7 && apdu[1] == 0xA4 && apdu[2] == 0x02 && apdu[4] == 0x02 && apdu[5] == 0x00 && apdu[6] == 0x01;
}

std::string trace_text(std::span<const std::uint8_t> apdu) {
    std::string s;
    const bool secret = is_verify_with_data(apdu);
    for (std::size_t i = 0; i < apdu.size(); ++i) {
        if (i) s += ' ';
        if (secret && i >= 5) {
            s += "**";
            continue;
        }
        char b[4];
        std::snprintf(b, sizeof b, "%02X", apdu[i]);
        s += b;
    }
    return s;
}

Response send_command(Transport& t, std::span<const std::uint8_t> apdu, int* count) {
    auto send = [&](std::span<const std::uint8_t> a) {
        if (count) ++*count;
        return parse_response(t.transmit(a));
    };
    Response r = send(apdu);
    if (classify(r.sw) == Status::wrong_le) {
        // Only a short case-2 command (header + Le) can be sent again with another Le.
        if (apdu.size() != 5) return r;
        Bytes again(apdu.begin(), apdu.end());
        again[4] = r.sw2();
        r = send(again);
    }
    Bytes data = std::move(r.data);
    for (int guard = 0; classify(r.sw) == Status::more_data; ++guard) {
        if (guard > 512) throw Error(Errc::card, "the card keeps answering 61xx");
        r = send(get_response(r.sw2()));
        data.insert(data.end(), r.data.begin(), r.data.end());
    }
    r.data = std::move(data);
    return r;
}

}  // namespace onshi::card
