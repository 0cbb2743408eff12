// What the front ends may know about a connection without libpq: a conninfo with its secrets masked,
// and which database a live connection is on. The libpq calls stay in this adapter.
#pragma once

#include "db/pg.hpp"

#include <string>

namespace onshi::db {

// A libpq conninfo (keyword or URI form) as keyword=value pairs in libpq's order, every secret (password,
// sslpassword, a URI's password) as ***; unparsable: a placeholder, never the text. Pure: no connection.
std::string mask_conninfo(const std::string& conninfo);

// Where a connection is: what libpq says it is connected to ("" for what it does not say).
struct ServerIdentity {
    std::string dbname, host, port, user;
};
ServerIdentity server_identity(Connection& c);

}  // namespace onshi::db
