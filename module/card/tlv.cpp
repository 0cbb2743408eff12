#include "card/tlv.hpp"

#include "core/error.hpp"

namespace onshi::card {
namespace {

[[noreturn]] void bad(const std::string& what) { throw Error(Errc::card, "card data is not valid BER-TLV: " + what); }

// Tag and length header. Returns false if `in` is too short to hold the header.
bool header(std::span<const std::uint8_t> in, std::uint32_t& tag, bool& constructed, std::size_t& hdr, std::size_t& len) {
    std::size_t i = 0;
    if (in.empty()) return false;
    const std::uint8_t first = in[i++];
    constructed = (first & 0x20) != 0;
    tag = first;
    if ((first & 0x1F) == 0x1F) {
        // Subsequent tag bytes: bit 8 set = another follows. At most 3 tag bytes in all.
        for (;;) {
            if (i >= in.size()) return false;
            const std::uint8_t b = in[i++];
            tag = (tag << 8) | b;
            if (!(b & 0x80)) break;
            if (i >= 3) bad("tag longer than 3 bytes");
        }
    }
    if (i >= in.size()) return false;
    const std::uint8_t l = in[i++];
    if (l < 0x80) {
        len = l;
    } else if (l == 0x80) {
        bad("indefinite length");
    } else {
        const std::size_t n = l & 0x7F;
        if (n > 3) bad("length of " + std::to_string(n) + " bytes");
        if (i + n > in.size()) return false;
        len = 0;
        for (std::size_t k = 0; k < n; ++k) len = (len << 8) | in[i++];
    }
    hdr = i;
    return true;
}

}  // namespace

std::optional<std::size_t> tlv_total_size(std::span<const std::uint8_t> prefix) {
    std::uint32_t tag;
    bool c;
    std::size_t hdr, len;
    if (!header(prefix, tag, c, hdr, len)) return std::nullopt;
    return hdr + len;
}

Tlv parse_one(std::span<const std::uint8_t> in) {
    std::uint32_t tag;
    bool c;
    std::size_t hdr, len;
    if (!header(in, tag, c, hdr, len)) bad("truncated tag or length");
    if (len > in.size() - hdr) bad("length " + std::to_string(len) + " beyond the " + std::to_string(in.size() - hdr) + " bytes left");
    return Tlv{tag, c, in.subspan(hdr, len), hdr + len};
}

std::vector<Tlv> parse_all(std::span<const std::uint8_t> in) {
    std::vector<Tlv> out;
    std::size_t i = 0;
    while (i < in.size()) {
        if (in[i] == 0x00 || in[i] == 0xFF) {
            // Padding, unless FF starts a multi-byte tag (FF 20 ...) with room for its header.
            if (in[i] == 0x00 || i + 2 >= in.size() || in[i + 1] == 0xFF) {
                ++i;
                continue;
            }
        }
        const Tlv t = parse_one(in.subspan(i));
        out.push_back(t);
        i += t.size;
    }
    return out;
}

std::optional<Tlv> find_tlv(std::span<const std::uint8_t> in, std::uint32_t tag) {
    std::uint8_t tb[4];
    std::size_t tn = 0;
    for (int s = 24; s >= 0; s -= 8)
        if (tn || ((tag >> s) & 0xFF) || s == 0) tb[tn++] = static_cast<std::uint8_t>((tag >> s) & 0xFF);
    for (std::size_t i = 0; i + tn <= in.size(); ++i) {
        bool match = true;
        for (std::size_t k = 0; k < tn && match; ++k) match = in[i + k] == tb[k];
        if (!match) continue;
        try {
            return parse_one(in.subspan(i));
        } catch (const Error&) {
            // The same bytes inside leading data: look further; the last candidate's error wins.
            bool later = false;
            for (std::size_t j = i + 1; j + tn <= in.size() && !later; ++j) {
                bool m = true;
                for (std::size_t k = 0; k < tn && m; ++k) m = in[j + k] == tb[k];
                later = m;
            }
            if (!later) throw;
        }
    }
    return std::nullopt;
}

Basic4 decode_basic4(std::span<const std::uint8_t> ef) {
    const auto tpl = find_tlv(ef, 0xFF20);
    if (!tpl) throw Error(Errc::card, "基本4情報: no FF 20 template in the file");
    Basic4 b;
    bool name = false;
    for (const auto& t : parse_all(tpl->value)) {
        const std::string v(t.value.begin(), t.value.end());
        switch (t.tag) {
        case 0xDF22: b.name = v; name = true; break;
        case 0xDF23: b.address = v; break;
        case 0xDF24: b.birth = v; break;
        case 0xDF25: b.sex = v; break;
        default: break;  // DF 21 header and anything newer
        }
    }
    if (!name) throw Error(Errc::card, "基本4情報: no name (DF 22)");
    return b;
}

std::string sex_label(const std::string& code) {
    if (code == "1") return "男";
    if (code == "2") return "女";
    if (code == "9") return "適用不能";
    return "?";
}

}  // namespace onshi::card
