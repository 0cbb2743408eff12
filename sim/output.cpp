#include "output.hpp"

#include "core/error.hpp"

#include <zip.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <unistd.h>

namespace onshi::sim {
namespace {

std::string tmp_path(const std::string& dir, const std::string& name) { return dir + "/." + name + ".tmp"; }

void rename_into_place(const std::string& tmp, const std::string& dir, const std::string& name) {
    const std::string final_path = dir + "/" + name;
    if (std::rename(tmp.c_str(), final_path.c_str()) != 0) {
        const int e = errno;
        std::remove(tmp.c_str());
        throw Error(Errc::io, "rename " + tmp + " -> " + final_path + ": " + std::strerror(e));
    }
}

}  // namespace

void write_atomic(const std::string& dir, const std::string& name, const std::string& bytes) {
    const std::string tmp = tmp_path(dir, name);
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        out.close();
        if (!out) {
            std::remove(tmp.c_str());
            throw Error(Errc::io, "cannot write " + tmp);
        }
    }
    rename_into_place(tmp, dir, name);
}

void write_symlinked(const std::string& dir, const std::string& outside, const std::string& name, const std::string& bytes) {
    std::error_code ec;
    std::filesystem::create_directories(outside, ec);
    if (ec) throw Error(Errc::io, "cannot make " + outside + ": " + ec.message());
    write_atomic(outside, name, bytes);
    const std::string target = std::filesystem::absolute(std::filesystem::path(outside) / name).string();
    const std::string tmp = tmp_path(dir, name);
    std::remove(tmp.c_str());
    if (::symlink(target.c_str(), tmp.c_str()) != 0) throw Error(Errc::io, "symlink " + tmp + " -> " + target + ": " + std::strerror(errno));
    rename_into_place(tmp, dir, name);
}

std::string zip_bytes(const std::string& entry, const std::string& bytes) {
    zip_error_t error;
    zip_error_init(&error);
    zip_source_t* archive = zip_source_buffer_create(nullptr, 0, 0, &error);
    if (!archive) {
        zip_error_fini(&error);
        throw Error(Errc::internal, "zip: cannot create a buffer");
    }
    const auto fail = [&](const std::string& what) {
        zip_source_free(archive);
        zip_error_fini(&error);
        return Error(Errc::internal, "zip: " + what);
    };
    zip_t* za = zip_open_from_source(archive, ZIP_TRUNCATE, &error);
    if (!za) throw fail(zip_error_strerror(&error));
    zip_source_keep(archive);  // the archive owns one reference; ours survives zip_close, which fills it
    // The entry's buffer is read at zip_close, while `bytes` is still alive.
    zip_source_t* src = zip_source_buffer(za, bytes.data(), bytes.size(), 0);
    if (!src || zip_file_add(za, entry.c_str(), src, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE) < 0) {
        const std::string msg = zip_strerror(za);
        if (src) zip_source_free(src);
        zip_discard(za);
        throw fail("cannot add " + entry + ": " + msg);
    }
    if (zip_close(za) < 0) {
        const std::string msg = zip_strerror(za);
        zip_discard(za);
        throw fail(msg);
    }
    zip_stat_t st;
    std::string out;
    if (zip_source_stat(archive, &st) < 0 || zip_source_open(archive) < 0) throw fail("cannot read the archive back");
    out.resize(static_cast<std::size_t>(st.size));
    const zip_int64_t n = zip_source_read(archive, out.data(), st.size);
    zip_source_close(archive);
    if (n < 0 || static_cast<zip_uint64_t>(n) != st.size) throw fail("short read of the archive");
    zip_source_free(archive);
    zip_error_fini(&error);
    return out;
}

void write_zip_atomic(const std::string& dir, const std::string& name, const std::string& entry,
                      const std::string& bytes) {
    write_atomic(dir, name, zip_bytes(entry, bytes));
}

void write_in_chunks(const std::string& dir, const std::string& name, const std::string& bytes, int chunks,
                     const std::function<void()>& pause) {
    const std::string path = dir + "/" + name;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    const std::size_t n = static_cast<std::size_t>(chunks < 1 ? 1 : chunks);
    const std::size_t step = (bytes.size() + n - 1) / n;
    for (std::size_t off = 0; out && off < bytes.size(); off += step) {
        if (off > 0) pause();
        out.write(bytes.data() + off, static_cast<std::streamsize>(std::min(step, bytes.size() - off)));
        out.flush();
    }
    out.close();
    if (!out) throw Error(Errc::io, "cannot write " + path);
}

std::string xml_entry_name(const std::string& zip_name) {
    const auto slash = zip_name.find_last_of('/');
    std::string base = slash == std::string::npos ? zip_name : zip_name.substr(slash + 1);
    const auto dot = base.find_last_of('.');
    if (dot != std::string::npos && dot > 0) base.erase(dot);
    return base + ".xml";
}

}  // namespace onshi::sim
