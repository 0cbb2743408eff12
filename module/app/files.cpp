#include "app/files.hpp"

#include "app/unique_fd.hpp"
#include "core/error.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace onshi::app {

void write_file_atomic(const std::string& path, std::string_view content, mode_t mode) {
    const std::string tmp = path + ".tmp." + std::to_string(::getpid());
    UniqueFd file(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
    const int fd = file.get();
    if (!file) throw Error(Errc::io, path + ": " + std::strerror(errno));
    bool ok = ::fchmod(fd, mode) == 0;  // open's mode is masked by the umask
    for (std::size_t off = 0; ok && off < content.size();) {
        const ssize_t n = ::write(fd, content.data() + off, content.size() - off);
        if (n < 0 && errno == EINTR) continue;
        ok = n > 0;
        if (ok) off += static_cast<std::size_t>(n);
    }
    ok = ok && ::fsync(fd) == 0;
    const int e = errno;
    file.reset();
    if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
        const int err = ok ? errno : e;
        ::unlink(tmp.c_str());
        throw Error(Errc::io, path + ": " + std::strerror(err));
    }
}

}  // namespace onshi::app
