// The screens' JSON API (screens/API.md): data endpoints on top of the module's functions.
// Authentication, CSRF and static files are the server's (server.cpp); this sees an authenticated
// user and a parsed request.
#pragma once

#include "app/config.hpp"
#include "core/error.hpp"
#include "card/pin.hpp"
#include "db/pg.hpp"
#include "onshi_batch/card_request.hpp"

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace onshi::web {

struct Request {
    std::string method, path;
    std::map<std::string, std::string> query, form;  // form: POST body (application/x-www-form-urlencoded)
    std::string user, role;
    std::vector<int> facilities;  // the user's facilities; empty: all
};

struct Response {
    int status = 200;
    std::string content_type = "application/json; charset=utf-8";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string audit;  // POST: what to record in onshi.web_audit (detail)
};

Response json_error(int status, const std::string& message, const std::string& field = "");
// A refused request (Error usage): 400 with the message and, for an error about one field, that field.
Response usage_error(const Error& e);

// One /api/ request (not session/login/logout). Throws Error for the server to map to a status.
Response handle_api(const app::Config& cfg, db::Connection& db, const Request& req);

// POST /api/card/consent (the マイナ保険証 consent registration at the counter): parsed on the main
// loop, run on a thread of its own (it waits for the card and talks to it).
struct CardConsent {
    int hospnum = 0;
    oqs::CardRequest choices;  // mode, identity, consents, prescription (no certificate yet)
    card::Pin pin;             // 利用者証明用 (identity = PIN)
    card::Pin aux_pin;         // 券面事項入力補助用: when given, the 基本4情報 and ORCA's candidates
    bool allow_last_try = false;
    int wait_s = 60;
    std::string user;
};
// The form checked; a 400 Response for a bad field. The PIN fields of req.form are wiped either way.
std::variant<std::unique_ptr<CardConsent>, Response> parse_card_consent(const app::Config& cfg, Request& req);
// The card read, the `card` job (queued: the daemon's worker sends it), the candidates; audited.
// Never throws: errors are JSON responses (422 for the card, 503 for the database).
Response run_card_consent(const app::Config& cfg, CardConsent& c, const std::atomic<bool>* cancel);

// Writes one onshi.web_audit row.
void audit(db::Connection& db, const std::string& user, const std::string& action, const std::string& detail);

}  // namespace onshi::web
