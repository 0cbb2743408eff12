// libFuzzer target: BER-TLV (card/tlv.cpp) on whatever a card might send: parse_one, parse_all,
// find_tlv, tlv_total_size and the 基本4情報 decoder. Every view returned must lie inside the
// input; Error(card) is the expected rejection, anything else is a finding.
#include "card/tlv.hpp"
#include "core/error.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

using namespace onshi;
using namespace onshi::card;

namespace {
void inside(std::span<const std::uint8_t> in, const Tlv& t) {
    if (t.value.size() > in.size() || t.size > in.size()) std::abort();
    if (!t.value.empty() && (t.value.data() < in.data() || t.value.data() + t.value.size() > in.data() + in.size())) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> in(data, size);
    try {
        const Tlv t = parse_one(in);
        inside(in, t);
        if (t.constructed) for (const auto& c : parse_all(t.value)) inside(t.value, c);
    } catch (const Error&) {
    }
    try {
        for (const auto& t : parse_all(in)) inside(in, t);
    } catch (const Error&) {
    }
    try {
        if (const auto n = tlv_total_size(in); n && *n <= in.size()) inside(in, parse_one(in));
    } catch (const Error&) {
    }
    for (std::uint32_t tag : {0xFF20u, 0xDF22u, 0x30u, 0x5F1Fu}) {
        try {
            if (const auto t = find_tlv(in, tag)) {
                inside(in, *t);
                if (t->tag != tag) std::abort();
            }
        } catch (const Error&) {
        }
    }
    try {
        const Basic4 b = decode_basic4(in);
        (void)sex_label(b.sex);
    } catch (const Error&) {
    }
    return 0;
}
