// Writing result files the way the 連携アプリ must: never a half-written file under its final name.
#pragma once

#include <string>

namespace onshi::sim {

// Writes `bytes` to `<dir>/.<name>.tmp`, then renames it to `<dir>/<name>`. Throws Error(io).
void write_atomic(const std::string& dir, const std::string& name, const std::string& bytes);

// The same, but `<dir>/<name>` is a zip archive holding `bytes` as its single entry `entry`.
void write_zip_atomic(const std::string& dir, const std::string& name, const std::string& entry,
                      const std::string& bytes);

// "OQSmuhvq02res_x.zip" -> "OQSmuhvq02res_x.xml" (any name: its extension replaced by .xml).
std::string xml_entry_name(const std::string& zip_name);

}  // namespace onshi::sim
