// A file descriptor owned: closed once when the holder ends (core/handle.hpp).
#pragma once

#include "core/handle.hpp"

#include <unistd.h>

namespace onshi {

// close(), EINTR-safe: never retried. Linux releases the descriptor even when close() is interrupted,
// so a second close() could close a descriptor another thread has just been given.
inline int close_fd(int fd) noexcept { return ::close(fd); }

using UniqueFd = Handle<int, close_fd, -1>;

}  // namespace onshi
