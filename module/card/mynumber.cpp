#include "card/mynumber.hpp"

#include "core/error.hpp"
#include "core/handle.hpp"

#include <glib.h>

#include <algorithm>
#include <string.h>

namespace onshi::card {
namespace {

[[noreturn]] void refused(const std::string& what, std::uint16_t sw) { throw Error(Errc::card, what + ": the card answered " + sw_text(sw)); }

void must(Transport& t, const Bytes& apdu, const std::string& what, int* n = nullptr) {
    const auto r = send_command(t, apdu, n);
    if (!r.ok()) refused(what, r.sw);
}

void select_ap(Transport& t, Ap ap, int* n = nullptr) {
    const auto r = send_command(t, select_df(ap), n);
    if (r.ok()) return;
    if (classify(r.sw) == Status::not_found)
        throw Error(Errc::card, ap == Ap::jpki ? "no 公的個人認証AP on this card (not a My Number card)" : "no 券面事項入力補助AP on this card");
    refused("SELECT AP", r.sw);
}

// Reads [offset, offset + n) with short READ BINARY commands (≤ 256 bytes each).
void read_short(Transport& t, std::size_t offset, std::size_t n, Bytes& out, int* count) {
    while (n > 0) {
        // P1P2 holds a 15-bit offset: a file the card says is longer cannot be read this way.
        if (offset > 0x7FFF)
            throw Error(Errc::card, "READ BINARY: the file is longer than a short READ BINARY can address (offset " +
                                        std::to_string(offset) + ")");
        const std::size_t le = std::min<std::size_t>(n, 256);
        const auto r = send_command(t, read_binary(offset, le, false), count);
        const auto st = classify(r.sw);
        if (st != Status::ok && st != Status::end_of_file) refused("READ BINARY at " + std::to_string(offset), r.sw);
        if (r.data.empty()) throw Error(Errc::card, "READ BINARY at " + std::to_string(offset) + ": the file ended early");
        const std::size_t got = std::min(r.data.size(), n);
        out.insert(out.end(), r.data.begin(), r.data.begin() + static_cast<std::ptrdiff_t>(got));
        offset += got;
        n -= got;
        if (st == Status::end_of_file && n > 0) throw Error(Errc::card, "READ BINARY: the file ended early");
    }
}

Ap ap_of(PinFile f) { return f == PinFile::jpki_auth ? Ap::jpki : Ap::aux_input; }
Ef ef_of(PinFile f) { return f == PinFile::jpki_auth ? Ef::jpki_auth_pin : Ef::aux_pin; }

}  // namespace

const char* card_type_label(CardType t) {
    switch (t) {
    case CardType::none: return "none";
    case CardType::mynumber: return "My Number card";
    case CardType::juki: return "住基カード";
    case CardType::smartphone: return "smartphone certificate";
    case CardType::other: return "other";
    }
    return "other";
}

CardType detect(Transport& t, int* apdus) {
    const auto r = send_command(t, select_df(Ap::jpki), apdus);
    if (!r.ok()) return CardType::other;
    const auto e = send_command(t, select_ef(Ef::jpki_token), apdus);
    if (!e.ok()) return CardType::other;
    const auto d = send_command(t, read_binary(0, 32, false), apdus);
    if (classify(d.sw) != Status::ok && classify(d.sw) != Status::end_of_file) return CardType::other;
    std::string tok(d.data.begin(), d.data.end());
    while (!tok.empty() && (tok.back() == ' ' || tok.back() == '\0')) tok.pop_back();
    if (tok == "JPKIAPICCTOKEN2") return CardType::mynumber;
    if (tok == "JPKIAPICCTOKEN") return CardType::juki;
    if (tok == "JPKIAPGPSETOKEN") return CardType::smartphone;
    return CardType::other;
}

CertRead read_auth_cert(Transport& t, bool extended, std::size_t max_le, bool jpki_selected) {
    if (!jpki_selected) select_ap(t, Ap::jpki);
    must(t, select_ef(Ef::jpki_auth_cert), "SELECT EF 000A (利用者証明用電子証明書)");
    CertRead c;
    c.extended = extended;
    if (extended) {
        Response r;
        try {
            r = send_command(t, read_binary(0, std::clamp<std::size_t>(max_le, 257, 65536), true), &c.read_apdus);
        } catch (const NoAnswer& e) {
            throw ExtendedRefused(std::string("extended READ BINARY: the reader gave no answer (") + e.what() + ")", true);
        }
        const auto st = classify(r.sw);
        if (st != Status::ok && st != Status::end_of_file)
            throw ExtendedRefused("extended READ BINARY: the card answered " + sw_text(r.sw), false);
        const std::size_t n = cert_length(r.data);
        if (r.data.size() < n)
            throw ExtendedRefused("extended READ BINARY returned " + std::to_string(r.data.size()) + " of " + std::to_string(n) + " bytes", false);
        c.der.assign(r.data.begin(), r.data.begin() + static_cast<std::ptrdiff_t>(n));
        return c;
    }
    Bytes head;
    read_short(t, 0, 4, head, &c.read_apdus);
    const std::size_t n = cert_length(head);
    c.der = std::move(head);
    read_short(t, 4, n - 4, c.der, &c.read_apdus);
    return c;
}

CertRead read_cert(Transport& t, bool& ext_ok, std::string& how, std::size_t max_le, bool ext_known, bool jpki_selected) {
    const bool tried_extended = ext_ok;  // a failed extended read: the AP is selected again before the short reads
    if (ext_ok) {
        try {
            auto r = read_auth_cert(t, true, max_le, jpki_selected);
            how += ext_known ? ", confirmed by an extended READ BINARY" : "; an extended READ BINARY of the certificate worked";
            return r;
        } catch (const ExtendedRefused& e) {
            // Only the extended command itself failing means "no extended APDU"; anything else
            // (removal, a refused SELECT) ends the read.
            ext_ok = false;
            how += std::string(ext_known ? ", but" : ";") + (e.by_reader() ? " the reader failed" : " the card refused") +
                   " the extended READ BINARY (" + e.what() + "): short reads";
        }
    }
    return read_auth_cert(t, false, 65536, jpki_selected && !tried_extended);
}

PinState pin_status(Transport& t, PinFile which) {
    select_ap(t, ap_of(which));
    must(t, select_ef(ef_of(which)), "SELECT PIN EF");
    const auto r = send_command(t, verify_status());
    PinState s;
    if (r.ok()) return s;  // already verified in this session (tries unknown)
    const auto st = classify(r.sw);
    if (st == Status::blocked) { s.tries = 0; s.blocked = true; return s; }
    if (st == Status::wrong_pin) { s.tries = tries_left(r.sw); return s; }
    refused("PIN status", r.sw);
}

void verify_pin(Transport& t, PinFile which, const Pin& pin, bool allow_last_try) {
    const PinState s = pin_status(t, which);
    if (s.blocked)
        throw Error(Errc::card, "the PIN is blocked (no tries left): nothing was sent; the holder must have it reset at the municipal office");
    if (s.tries == 1 && !allow_last_try)
        throw Error(Errc::card, "only 1 PIN try left: nothing was sent (a wrong PIN now blocks the card; --allow-last-try to use it)");
    if (!pin.is_digits(4)) throw Error(Errc::usage, "the PIN has 4 digits");
    SecretBytes cmd;
    verify(pin, cmd);
    const auto r = send_command(t, cmd.get());
    if (r.ok()) return;
    const auto st = classify(r.sw);
    if (st == Status::blocked) throw Error(Errc::card, "wrong PIN: the PIN is now blocked (0 tries left)");
    if (st == Status::wrong_pin) {
        const int left = tries_left(r.sw);
        throw Error(Errc::card, "wrong PIN: " + std::to_string(left) + (left == 1 ? " try left (a wrong PIN now blocks the card)" : " tries left"));
    }
    refused("VERIFY", r.sw);
}

Bytes sign_challenge(Transport& t, const Pin& pin, std::span<const std::uint8_t> challenge, bool allow_last_try) {
    verify_pin(t, PinFile::jpki_auth, pin, allow_last_try);
    must(t, select_ef(Ef::jpki_auth_key), "SELECT EF 0017 (利用者証明用 key)");
    std::uint8_t hash[32];
    gsize hlen = sizeof hash;
    const Handle<GChecksum*, g_checksum_free> ck(g_checksum_new(G_CHECKSUM_SHA256));
    g_checksum_update(ck.get(), challenge.data(), static_cast<gssize>(challenge.size()));
    g_checksum_get_digest(ck.get(), hash, &hlen);
    const auto r = send_command(t, sign(digest_info_sha256(hash)));
    if (!r.ok()) refused("SIGN", r.sw);
    return r.data;
}

Basic4 read_basic4(Transport& t, const Pin& pin, bool allow_last_try) {
    verify_pin(t, PinFile::aux_input, pin, allow_last_try);
    must(t, select_ef(Ef::aux_basic4), "SELECT EF 0002 (基本4情報)");
    Bytes data;
    read_short(t, 0, 3, data, nullptr);
    // FF 20 L: the length, maybe 81 xx / 82 xx xx (read the missing length bytes first).
    const bool at_start = data[0] == 0xFF && data[1] == 0x20;
    if (at_start) {
        if (data[2] == 0x81 || data[2] == 0x82) read_short(t, 3, data[2] & 0x7F, data, nullptr);
        const std::optional<std::size_t> total = tlv_total_size(data);
        if (!total || *total > 0x7FFF) throw Error(Errc::card, "基本4情報: impossible length");
        if (*total > data.size()) read_short(t, data.size(), *total - data.size(), data, nullptr);
    } else {
        // Leading bytes before FF 20: read on until the template is complete (at most 2 KiB).
        for (;;) {
            try {
                if (find_tlv(data, 0xFF20)) break;
            } catch (const Error&) {
                // a template cut short by what was read so far
            }
            if (data.size() >= 2048) throw Error(Errc::card, "基本4情報: no complete FF 20 template in the first 2 KiB");
            const auto r = send_command(t, read_binary(data.size(), 256, false));
            const auto st = classify(r.sw);
            if ((st != Status::ok && st != Status::end_of_file) || r.data.empty()) {
                if (data.size() > 3) break;  // end of file: decode says what is missing
                refused("READ BINARY 基本4情報", r.sw);
            }
            data.insert(data.end(), r.data.begin(), r.data.end());
        }
    }
    Basic4 b = decode_basic4(data);
    explicit_bzero(data.data(), data.size());
    return b;
}

}  // namespace onshi::card
