#include "onshi_batch/folder.hpp"

#include "app/unique_fd.hpp"
#include "core/error.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace onshi::oqs {
namespace {

std::string sys_error(const std::string& what, const std::string& path) {
    return what + " " + path + ": " + std::strerror(errno);
}


}  // namespace

std::string basename_without_ext(const std::string& name) {
    const auto dot = name.rfind('.');
    return dot == std::string::npos ? name : name.substr(0, dot);
}

FolderTransport::FolderTransport(std::string req_dir, std::string res_dir, int settle_ms)
    : req_dir_(std::move(req_dir)), res_dir_(std::move(res_dir)), settle_ms_(settle_ms) {}

std::string FolderTransport::staged_path(const std::string& name) const { return req_dir_ + "/." + name + ".tmp"; }

void FolderTransport::stage(const std::string& name, const std::string& content) {
    const std::string tmp = staged_path(name);
    const UniqueFd f(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!f) throw Error(Errc::io, sys_error("cannot write", tmp));
    std::size_t off = 0;
    while (off < content.size()) {
        const ssize_t n = ::write(f.get(), content.data() + off, content.size() - off);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw Error(Errc::io, sys_error("cannot write", tmp));
        }
        off += static_cast<std::size_t>(n);
    }
    if (::fsync(f.get()) != 0) throw Error(Errc::io, sys_error("cannot sync", tmp));
}

bool FolderTransport::is_staged(const std::string& name) const {
    struct stat st {};
    return ::lstat(staged_path(name).c_str(), &st) == 0;
}

std::optional<std::string> FolderTransport::staged_content(const std::string& name) const {
    std::ifstream in(staged_path(name), std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void FolderTransport::drop_staged(const std::string& name) {
    const std::string tmp = staged_path(name);
    if (::unlink(tmp.c_str()) != 0 && errno != ENOENT) throw Error(Errc::io, sys_error("cannot remove", tmp));
}

bool FolderTransport::publish(const std::string& name) {
    const std::string tmp = staged_path(name);
    const std::string dst = req_dir_ + "/" + name;
    if (::rename(tmp.c_str(), dst.c_str()) == 0) return true;
    if (errno == ENOENT) return false;
    throw Error(Errc::io, sys_error("cannot rename into", dst));
}

namespace {

// The first and last settle::kEdgeBytes of the file (or all of it), through the descriptor.
bool read_edges(const std::string& path, std::uintmax_t size, std::string& head, std::string& tail) {
    const UniqueFd f(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (f.get() < 0) return false;
    const auto read_at = [&](std::string& out, off_t at, std::size_t n) {
        out.resize(n);
        std::size_t got = 0;
        while (got < n) {
            const ssize_t r = ::pread(f.get(), out.data() + got, n - got, at + static_cast<off_t>(got));
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) break;
            got += static_cast<std::size_t>(r);
        }
        out.resize(got);
    };
    const std::size_t n = static_cast<std::size_t>(std::min<std::uintmax_t>(size, settle::kEdgeBytes));
    read_at(head, 0, n);
    read_at(tail, static_cast<off_t>(size - n), n);
    return true;
}

}  // namespace

std::optional<std::string> FolderTransport::stable_result(const std::string& stem, const std::vector<std::string>& exts) {
    for (const auto& ext : exts) {
        const std::string path = res_dir_ + "/" + stem + ext;
        struct stat st {};
        if (::lstat(path.c_str(), &st) != 0) {
            if (errno == ENOENT) { seen_.erase(path); continue; }
            throw Error(Errc::io, sys_error("cannot read", path));
        }
        if (!S_ISREG(st.st_mode))
            throw Error(Errc::io, path + " is not a regular file (a symlink or device in the result folder is refused)");
        settle::Look now{static_cast<std::uintmax_t>(st.st_size), st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec, false};
        std::string head, tail;
        if (now.size > 0 && read_edges(path, now.size, head, tail)) now.complete = settle::looks_complete(ext, head, tail);
        struct timespec clock {};
        ::clock_gettime(CLOCK_REALTIME, &clock);
        const auto it = seen_.find(path);
        std::optional<settle::Look> before;
        if (it != seen_.end()) before = it->second.look;
        const auto v = settle::decide(before, now, clock.tv_sec * 1000000000LL + clock.tv_nsec, settle_ms_);
        if (v.ready) return path;
        seen_[path] = Seen{now, v.recheck_ms};
    }
    return std::nullopt;
}

std::optional<long> FolderTransport::next_look_ms(const std::string& stem, const std::vector<std::string>& exts) {
    std::optional<long> soonest;
    for (const auto& ext : exts) {
        const auto it = seen_.find(res_dir_ + "/" + stem + ext);
        if (it != seen_.end() && (!soonest || it->second.recheck_ms < *soonest)) soonest = it->second.recheck_ms;
    }
    return soonest;
}

std::optional<std::string> FolderTransport::rejection(const std::string& request_name) {
    const std::string path = res_dir_ + "/" + basename_without_ext(request_name) + ".err";
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) return std::nullopt;
    if (!S_ISREG(st.st_mode)) throw Error(Errc::io, path + " is not a regular file");
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str().substr(0, 400);
    for (auto& ch : text) if (ch == '\n' || ch == '\r') ch = ' ';
    return text;
}

void FolderTransport::retire_result(const std::string& path, const std::string& archive_dir) {
    seen_.erase(path);
    if (!archive_dir.empty()) {
        namespace fs = std::filesystem;
        const fs::path dst = fs::path(archive_dir) / fs::path(path).filename();
        std::error_code ec;
        fs::create_directories(archive_dir, ec);
        fs::rename(path, dst, ec);
        if (ec) {  // another file system (a CIFS share): copy, then remove
            fs::copy_file(path, dst, fs::copy_options::overwrite_existing, ec);
            if (ec) throw Error(Errc::io, "cannot archive " + path + " into " + archive_dir + ": " + ec.message());
        }
        fs::permissions(dst, fs::perms::owner_read | fs::perms::owner_write, ec);
    }
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) throw Error(Errc::io, sys_error("cannot remove", path));
}

}  // namespace onshi::oqs
