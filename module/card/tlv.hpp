// BER-TLV (ISO 7816-4 / X.690 tags and lengths) and the 基本4情報 record, bounds-checked: whatever a
// card sends, the parser either returns views inside the input or throws Error(card). Pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace onshi::card {

struct Tlv {
    std::uint32_t tag = 0;            // the tag bytes big-endian: FF 20 → 0xFF20, DF 22 → 0xDF22
    bool constructed = false;
    std::span<const std::uint8_t> value;
    std::size_t size = 0;             // tag + length + value bytes
};

// One TLV at the start of `in`; Error(card) when it is truncated or its length is impossible.
Tlv parse_one(std::span<const std::uint8_t> in);
// Every TLV in `in`, one after another (00 / FF padding between or after them is skipped).
std::vector<Tlv> parse_all(std::span<const std::uint8_t> in);
// The first TLV with `tag` in `in`, whatever bytes come before it (searched byte by byte).
std::optional<Tlv> find_tlv(std::span<const std::uint8_t> in, std::uint32_t tag);

// How many bytes from the start of `prefix` the TLV starting there occupies (header + value),
// or nullopt when `prefix` is too short to tell (read more and ask again). Error(card) when
// `prefix` does not start with a valid tag and length.
std::optional<std::size_t> tlv_total_size(std::span<const std::uint8_t> prefix);

struct Basic4 {
    std::string name;     // DF 22, UTF-8
    std::string address;  // DF 23, UTF-8
    std::string birth;    // DF 24, YYYYMMDD
    std::string sex;      // DF 25: 1 male, 2 female, 9 not applicable
};
// Decodes the 入力補助AP EF 0002 contents (the FF 20 template, leading bytes tolerated).
Basic4 decode_basic4(std::span<const std::uint8_t> ef0002);
std::string sex_label(const std::string& code);  // 男 / 女 / 適用不能 / ?

}  // namespace onshi::card
