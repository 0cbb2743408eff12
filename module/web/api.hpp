// The screens' JSON API (screens/API.md): data endpoints on top of the module's functions.
// Authentication, CSRF and static files are the server's (server.cpp); this sees an authenticated
// user and a parsed request.
#pragma once

#include "app/config.hpp"
#include "db/pg.hpp"

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace onshi::web {

struct Request {
    std::string method, path;
    std::map<std::string, std::string> query, form;  // form: POST body (application/x-www-form-urlencoded)
    std::string user, role;
};

struct Response {
    int status = 200;
    std::string content_type = "application/json; charset=utf-8";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string audit;  // POST: what to record in onshi.web_audit (detail)
};

Response json_error(int status, const std::string& message, const std::string& field = "");

// One /api/ request (not session/login/logout). Throws Error for the server to map to a status.
Response handle_api(const app::Config& cfg, db::Connection& db, const Request& req);

// Writes one onshi.web_audit row.
void audit(db::Connection& db, const std::string& user, const std::string& action, const std::string& detail);

// libpq conninfo with the password value replaced by ***.
std::string mask_conninfo(const std::string& conninfo);

}  // namespace onshi::web
