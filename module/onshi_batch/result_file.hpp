// A result file on disk: plain XML, or a zip holding one XML (sniffed by content, not by name).
#pragma once

#include "onshi_batch/codec.hpp"

#include <string>
#include <string_view>

namespace onshi::oqs {

// Streams the file's XML into `sink` (see parse_result). Throws Error(malformed) for a bad zip
// (no or several .xml entries, encrypted, larger than kMaxResultBytes) and Error(io) if unreadable.
// A plain XML file larger than kMaxResultBytes is refused before it is read.
std::size_t read_result_file(const std::string& path, ResultSink& sink);

// The same checks for a result already in memory (xml or zip, sniffed by content); `what` names it
// in errors. `data` must outlive the call. Used by the fuzz targets and tests.
std::size_t read_result_bytes(std::string_view data, const std::string& what, ResultSink& sink);

// Hex SHA-256 of the file's bytes.
std::string file_sha256(const std::string& path);

}  // namespace onshi::oqs
