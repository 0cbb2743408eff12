// libFuzzer target: the streaming 01res/02res reader (onshi_batch/codec.cpp) on arbitrary bytes,
// then what ingest does with each parsed record short of the database: validate_header/unit, the
// ★ and 同意 row recipes, ORCA's lengths (fit_to_orca) and the hold rules. The input is the
// document itself; its length picks the read size (element boundaries fall across reads).
// Any onshi::Error is an expected rejection; anything else (a crash, a sanitizer report, another
// exception) is a finding.
#include "core/error.hpp"
#include "onshi_batch/codec.hpp"
#include "onshi_batch/validate.hpp"
#include "p031_bridge/star.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

using namespace onshi;

namespace {

struct Sink final : oqs::ResultSink {
    ResultHeader header;
    bool header_ok = false;
    std::size_t n = 0;
    bridge::WriteContext ctx;
    Sink() {
        ctx.now_ymd = "20250101";
        ctx.now_hms = "120000";
        ctx.termid = "fuzz";
        ctx.new_uuid = [] { return std::string("00000000-0000-0000-0000-000000000000"); };
    }
    void on_header(const ResultHeader& h) override {
        header = h;
        try {
            oqs::validate_header(h);
            header_ok = true;
        } catch (const Error&) {
        }
        (void)bridge::kakuninymd_of(h);
    }
    void on_unit(BulkConfirmUnit&& u) override {
        ++n;
        try {
            oqs::validate_unit(u, n);
        } catch (const Error&) {
            return;  // ingest stops here: the file is malformed
        }
        if (!header_ok) return;
        const bridge::UnitMatch m = bridge::resolve(u, bridge::Lookups{});
        auto rows = bridge::map_star(header, u, m, "", ctx);
        for (auto& r : rows) (void)bridge::fit_to_orca(r);
        (void)bridge::hold_reason(rows);
        auto consent = bridge::map_consent(header, u, m, "2", ctx);
        for (auto& r : consent.kaku) (void)bridge::fit_to_orca(r);
        (void)bridge::hold_reason(consent.kaku);
        (void)bridge::flag_reason(u, m);
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::size_t chunk = 1 + size % 61;
    const char* doc = reinterpret_cast<const char*>(data);
    const std::size_t len = size;
    std::size_t off = 0;
    const oqs::ByteSource src = [&](char* buf, int want) {
        const std::size_t n = std::min({static_cast<std::size_t>(want), chunk, len - off});
        std::memcpy(buf, doc + off, n);
        off += n;
        return static_cast<int>(n);
    };
    Sink sink;
    try {
        oqs::parse_result(src, "fuzz.xml", sink);
    } catch (const Error&) {
    }
    return 0;
}
