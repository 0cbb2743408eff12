// libFuzzer target: the result-file reader (onshi_batch/result_file.cpp) on bytes in memory: a zip
// (libzip from a buffer: entry names, several or no .xml entries, encryption, sizes, damaged
// streams) or plain XML, sniffed by content as for a file. Any onshi::Error is an expected
// rejection; anything else is a finding.
#include "core/error.hpp"
#include "onshi_batch/result_file.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

using namespace onshi;

namespace {
struct Count final : oqs::ResultSink {
    std::size_t units = 0;
    void on_header(const ResultHeader&) override {}
    void on_unit(BulkConfirmUnit&&) override { ++units; }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    Count c;
    try {
        oqs::read_result_bytes(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.zip", c);
    } catch (const Error&) {
    }
    return 0;
}
