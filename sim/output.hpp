// Writing result files the way the 連携アプリ must: never a half-written file under its final name.
#pragma once

#include <functional>
#include <string>

namespace onshi::sim {

// Writes `bytes` to `<dir>/.<name>.tmp`, then renames it to `<dir>/<name>`. Throws Error(io).
void write_atomic(const std::string& dir, const std::string& name, const std::string& bytes);

// The same, but `<dir>/<name>` is a zip archive holding `bytes` as its single entry `entry`.
void write_zip_atomic(const std::string& dir, const std::string& name, const std::string& entry,
                      const std::string& bytes);

// A zip archive (in memory) holding `bytes` as its single entry `entry`. Throws Error(internal).
std::string zip_bytes(const std::string& entry, const std::string& bytes);

// Fault injection: writes `bytes` straight to `<dir>/<name>` (no temporary name) in `chunks`
// pieces, flushing each and calling `pause` between them. Throws Error(io).
void write_in_chunks(const std::string& dir, const std::string& name, const std::string& bytes, int chunks,
                     const std::function<void()>& pause);

// Fault injection: writes `bytes` to `<outside>/<name>` (write_atomic; the folder made if missing),
// then puts a symlink to it under `<dir>/<name>` (made under a temporary name, renamed into place).
// Throws Error(io).
void write_symlinked(const std::string& dir, const std::string& outside, const std::string& name, const std::string& bytes);

// "OQSmuhvq02res_x.zip" -> "OQSmuhvq02res_x.xml" (any name: its extension replaced by .xml).
std::string xml_entry_name(const std::string& zip_name);

}  // namespace onshi::sim
