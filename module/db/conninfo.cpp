#include "db/conninfo.hpp"

#include <libpq-fe.h>

#include <cstring>

namespace onshi::db {

std::string mask_conninfo(const std::string& conninfo) {
    // libpq parses it (keyword=value or a postgres:// URI, the same parser it connects with); every
    // option libpq itself shows as secret (dispchar "*": password, sslpassword, ...) becomes ***.
    char* err = nullptr;
    PQconninfoOption* opts = PQconninfoParse(conninfo.c_str(), &err);
    if (!opts) {
        if (err) PQfreemem(err);
        return "(not a valid conninfo: not shown)";
    }
    std::string out;
    for (const PQconninfoOption* o = opts; o->keyword; ++o) {
        if (!o->val) continue;
        std::string v = o->dispchar && o->dispchar[0] == '*' ? "***" : o->val;
        if (v.empty() || v.find_first_of(" '\\") != std::string::npos) {
            std::string q = "'";
            for (const char c : v) {
                if (c == '\'' || c == '\\') q += '\\';
                q += c;
            }
            v = q + "'";
        }
        if (!out.empty()) out += ' ';
        out += std::string(o->keyword) + "=" + v;
    }
    // The values are in memory libpq allocated: the passwords are zeroed before it is freed.
    for (PQconninfoOption* o = opts; o->keyword; ++o)
        if (o->val && o->dispchar && o->dispchar[0] == '*') explicit_bzero(o->val, std::strlen(o->val));
    PQconninfoFree(opts);
    return out;
}

ServerIdentity server_identity(Connection& c) {
    PGconn* p = c.raw();
    const auto s = [](const char* v) { return std::string(v ? v : ""); };
    return {s(PQdb(p)), s(PQhost(p)), s(PQport(p)), s(PQuser(p))};
}

}  // namespace onshi::db
