#include "onshi_batch/result_file.hpp"

#include "core/error.hpp"
#include "core/handle.hpp"

#include <glib.h>
#include <sys/stat.h>
#include <zip.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

namespace onshi::oqs {
namespace {

// The C handles of this file (core/handle.hpp).
int close_file(std::FILE* f) noexcept { return std::fclose(f); }  // (a standard function's address is not taken)
using File = Handle<std::FILE*, close_file>;
using Zip = Handle<zip_t*, zip_discard>;  // read only: discarded, never written back
using ZipFile = Handle<zip_file_t*, zip_fclose>;
using ZipSource = Handle<zip_source_t*, zip_source_free>;
using Checksum = Handle<GChecksum*, g_checksum_free>;

File open_file(const std::string& path) {
    File f(std::fopen(path.c_str(), "rb"));
    if (!f) throw Error(Errc::io, "cannot read " + path + ": " + std::strerror(errno));
    return f;
}

bool is_zip(const std::string& path) {
    auto f = open_file(path);
    unsigned char magic[4] = {};
    return std::fread(magic, 1, 4, f.get()) == 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4;
}

bool ends_with_xml(std::string_view n) {
    return n.size() > 4 && g_ascii_strcasecmp(std::string(n.substr(n.size() - 4)).c_str(), ".xml") == 0;
}

std::string zip_error_text(zip_error_t* ze) {
    std::string msg = zip_error_strerror(ze);
    zip_error_fini(ze);
    return msg;
}

// The one .xml entry of an open archive, streamed into the codec. `what` names the archive.
std::size_t read_zip_archive(zip_t* za, const std::string& path, ResultSink& sink) {
    const Zip z(za);
    const zip_int64_t n = zip_get_num_entries(z.get(), 0);
    zip_int64_t chosen = -1;
    for (zip_int64_t i = 0; i < n; ++i) {
        const char* name = zip_get_name(z.get(), static_cast<zip_uint64_t>(i), 0);
        if (!name) continue;
        const std::string_view nm(name);
        if (nm.ends_with("/")) continue;
        if (nm.find("..") != std::string_view::npos || nm.starts_with("/"))
            throw Error(Errc::malformed, path + ": zip entry with a path that leaves its folder");
        if (!ends_with_xml(nm)) continue;
        if (chosen >= 0) throw Error(Errc::malformed, path + ": zip holds more than one .xml");
        chosen = i;
    }
    if (chosen < 0) throw Error(Errc::malformed, path + ": zip holds no .xml");
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(z.get(), static_cast<zip_uint64_t>(chosen), 0, &st) == 0) {
        if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE)
            throw Error(Errc::malformed, path + ": the zip is password-protected (switch encryption off for this prefix in the 連携アプリ)");
        if ((st.valid & ZIP_STAT_SIZE) && st.size > kMaxResultBytes)
            throw Error(Errc::malformed, path + ": the XML inside the zip is larger than " + std::to_string(kMaxResultBytes >> 20) + " MiB");
    }
    const ZipFile zf(zip_fopen_index(z.get(), static_cast<zip_uint64_t>(chosen), 0));
    if (!zf) throw Error(Errc::malformed, path + ": cannot open the XML inside the zip");
    const ByteSource src = [&](char* buf, int len) -> int {
        const zip_int64_t got = zip_fread(zf.get(), buf, static_cast<zip_uint64_t>(len));
        if (got < 0) throw Error(Errc::malformed, path + ": the zip is damaged");
        return static_cast<int>(got);
    };
    return parse_result(src, path, sink);
}

// A plain XML result over kMaxResultBytes is refused before a byte of it is parsed.
void refuse_if_too_large(const std::string& what, std::uintmax_t size) {
    if (size > kMaxResultBytes)
        throw Error(Errc::malformed, what + ": result is larger than " + std::to_string(kMaxResultBytes >> 20) + " MiB (" +
                                         std::to_string(size >> 20) + " MiB): not read");
}

std::size_t read_zip(const std::string& path, ResultSink& sink) {
    int err = 0;
    zip_t* z = zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &err);
    if (!z) {
        zip_error_t ze;
        zip_error_init_with_code(&ze, err);
        throw Error(Errc::malformed, path + ": not a readable zip (" + zip_error_text(&ze) + ")");
    }
    return read_zip_archive(z, path, sink);
}

}  // namespace

std::size_t read_result_file(const std::string& path, ResultSink& sink) {
    if (is_zip(path)) return read_zip(path, sink);
    // libxml2 asks for 4 KB at a time: the file is read in 256 KiB pieces, not one read(2) per ask
    // (stdio's buffer, given here: glibc ignores a size without one). Made before the file, so it
    // outlives it.
    std::vector<char> buffer(1 << 18);
    auto f = open_file(path);
    std::setvbuf(f.get(), buffer.data(), _IOFBF, buffer.size());
    struct stat st {};
    if (::fstat(::fileno(f.get()), &st) == 0) refuse_if_too_large(path, static_cast<std::uintmax_t>(st.st_size));
    const ByteSource src = [&](char* buf, int len) -> int {
        const std::size_t got = std::fread(buf, 1, static_cast<std::size_t>(len), f.get());
        if (got == 0 && std::ferror(f.get())) throw Error(Errc::io, "cannot read " + path);
        return static_cast<int>(got);
    };
    return parse_result(src, path, sink);
}

std::size_t read_result_bytes(std::string_view data, const std::string& what, ResultSink& sink) {
    if (data.size() >= 4 && data.substr(0, 4) == std::string_view("PK\x03\x04", 4)) {
        zip_error_t ze;
        zip_error_init(&ze);
        ZipSource src(zip_source_buffer_create(data.data(), data.size(), 0, &ze));
        if (!src) throw Error(Errc::internal, what + ": cannot read the zip (" + zip_error_text(&ze) + ")");
        zip_t* z = zip_open_from_source(src.get(), ZIP_RDONLY | ZIP_CHECKCONS, &ze);
        if (!z) throw Error(Errc::malformed, what + ": not a readable zip (" + zip_error_text(&ze) + ")");
        (void)src.release();  // the archive owns its source now
        zip_error_fini(&ze);
        return read_zip_archive(z, what, sink);
    }
    refuse_if_too_large(what, data.size());
    std::size_t off = 0;
    const ByteSource src = [&](char* buf, int len) -> int {
        const std::size_t n = std::min(static_cast<std::size_t>(len), data.size() - off);
        std::memcpy(buf, data.data() + off, n);
        off += n;
        return static_cast<int>(n);
    };
    return parse_result(src, what, sink);
}

std::string file_sha256(const std::string& path) {
    auto f = open_file(path);
    const Checksum sum(g_checksum_new(G_CHECKSUM_SHA256));
    char buf[1 << 16];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f.get())) > 0) g_checksum_update(sum.get(), reinterpret_cast<const guchar*>(buf), n);
    return g_checksum_get_string(sum.get());
}

}  // namespace onshi::oqs
