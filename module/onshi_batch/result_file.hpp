// A result file on disk: plain XML, or a zip holding one XML (sniffed by content, not by name).
#pragma once

#include "onshi_batch/codec.hpp"

#include <string>

namespace onshi::oqs {

// Streams the file's XML into `sink` (see parse_result). Throws Error(malformed) for a bad zip
// (no or several .xml entries, encrypted, larger than kMaxResultBytes) and Error(io) if unreadable.
std::size_t read_result_file(const std::string& path, ResultSink& sink);

// Hex SHA-256 of the file's bytes.
std::string file_sha256(const std::string& path);

}  // namespace onshi::oqs
