// Small files the module keeps for itself (the users file, the device credential, an OQS rejection):
// written whole or not at all.
#pragma once

#include <string>
#include <string_view>
#include <sys/types.h>

namespace onshi::app {

// Writes `content` to a temporary file beside `path` with `mode` (whatever the umask), syncs it and
// renames it over `path`. Error(io) naming `path`; the temporary file is removed on failure.
void write_file_atomic(const std::string& path, std::string_view content, mode_t mode);

}  // namespace onshi::app
