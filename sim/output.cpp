#include "output.hpp"

#include "core/error.hpp"

#include <zip.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

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

void write_zip_atomic(const std::string& dir, const std::string& name, const std::string& entry,
                      const std::string& bytes) {
    const std::string tmp = tmp_path(dir, name);
    int zerr = 0;
    zip_t* za = zip_open(tmp.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    if (!za) throw Error(Errc::io, "cannot create zip " + tmp + " (libzip error " + std::to_string(zerr) + ")");
    // The buffer is read at zip_close, while `bytes` is still alive.
    zip_source_t* src = zip_source_buffer(za, bytes.data(), bytes.size(), 0);
    if (!src || zip_file_add(za, entry.c_str(), src, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE) < 0) {
        const std::string msg = zip_strerror(za);
        if (src) zip_source_free(src);
        zip_discard(za);
        throw Error(Errc::io, "cannot add " + entry + " to " + tmp + ": " + msg);
    }
    if (zip_close(za) < 0) {
        const std::string msg = zip_strerror(za);
        zip_discard(za);
        std::remove(tmp.c_str());
        throw Error(Errc::io, "cannot write zip " + tmp + ": " + msg);
    }
    rename_into_place(tmp, dir, name);
}

std::string xml_entry_name(const std::string& zip_name) {
    const auto slash = zip_name.find_last_of('/');
    std::string base = slash == std::string::npos ? zip_name : zip_name.substr(slash + 1);
    const auto dot = base.find_last_of('.');
    if (dot != std::string::npos && dot > 0) base.erase(dot);
    return base + ".xml";
}

}  // namespace onshi::sim
