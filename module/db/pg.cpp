#include "db/pg.hpp"

#include <config.h>

#include "core/error.hpp"

#include <algorithm>
#include <cstdlib>

namespace onshi::db {

// Defined in the generated migrations.cpp (one entry per sql/module/NNN_*.sql).
struct Migration { int version; const char* name; const char* sql; };
extern const Migration kMigrations[];
extern const int kMigrationCount;

long long Result::num(int row, int col) const {
    const std::string s = str(row, col);
    return s.empty() ? 0 : std::strtoll(s.c_str(), nullptr, 10);
}

Connection::Connection(const std::string& conninfo) : Connection(conninfo, {}) {}

Connection::Connection(const std::string& conninfo, const std::vector<std::pair<std::string, std::string>>& overrides)
    : conninfo_(conninfo) {
    // Keywords after the expanded dbname override what the conninfo says.
    std::vector<const char*> keys = {"dbname", "client_encoding", "fallback_application_name"};
    std::vector<const char*> vals = {conninfo.empty() ? nullptr : conninfo.c_str(), "UTF8", "orca-onshi"};
    for (const auto& [k, v] : overrides) {
        keys.push_back(k.c_str());
        vals.push_back(v.c_str());
    }
    keys.push_back(nullptr);
    vals.push_back(nullptr);
    conn_.reset(PQconnectdbParams(keys.data(), vals.data(), 1));
    if (!conn_ || PQstatus(conn_.get()) != CONNECTION_OK) fail("cannot connect to the database");
#ifndef ONSHI_SENSITIVE_DEBUG
    // An error's primary text only: its DETAIL and CONTEXT can quote the row or COPY line that failed
    // ("Failing row contains (…)": names, insurance numbers), and every message here may reach a log,
    // the job's error or the terminal.
    PQsetErrorVerbosity(conn_.get(), PQERRORS_TERSE);
#endif
}

void Connection::fail(const std::string& what) const {
    std::string msg = conn_ ? PQerrorMessage(conn_.get()) : "out of memory";
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    for (auto& ch : msg) if (ch == '\n') ch = ' ';
    throw Error(Errc::database, what + ": " + msg);
}

Result Connection::exec(const std::string& sql, const std::vector<Param>& params) {
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
    PGresult* r = PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr, nullptr, 0);
    Result res(r);
    const auto st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) fail("query failed");
    return res;
}

Result Connection::exec_prepared(const std::string& sql, const std::vector<Param>& params) {
    auto it = prepared_.find(sql);
    if (it == prepared_.end()) {
        std::string name = "onshi_" + std::to_string(prepared_.size() + 1);
        ResultHandle r(PQprepare(conn_.get(), name.c_str(), sql.c_str(), 0, nullptr));
        if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) fail("prepare failed");
        it = prepared_.emplace(sql, std::move(name)).first;
    }
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
    PGresult* r = PQexecPrepared(conn_.get(), it->second.c_str(), static_cast<int>(values.size()), values.data(), nullptr, nullptr, 0);
    Result res(r);
    const auto st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) fail("query failed");
    return res;
}

void Connection::run(const std::string& sql) {
    ResultHandle r(PQexec(conn_.get(), sql.c_str()));
    const auto st = PQresultStatus(r.get());
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) fail("statement failed");
}

std::string Connection::server_encoding() {
    return exec("SHOW server_encoding").str(0, 0);
}

Connection::Copy::Copy(Connection& c, const std::string& copy_sql) : c_(c) {
    ResultHandle r(PQexec(c_.conn_.get(), copy_sql.c_str()));
    if (PQresultStatus(r.get()) != PGRES_COPY_IN) c_.fail("COPY failed");
    buf_.reserve(1 << 16);
}

void Connection::Copy::put(std::string_view data) {
    if (buf_.size() + data.size() < (1 << 16)) {  // small pieces gather here
        buf_.append(data);
        return;
    }
    flush();
    // A large piece (a batch's COPY text) goes to libpq as it is, not copied here first.
    while (!data.empty()) {
        const std::size_t n = std::min<std::size_t>(data.size(), 1 << 30);
        if (PQputCopyData(c_.conn_.get(), data.data(), static_cast<int>(n)) != 1) c_.fail("COPY failed");
        data.remove_prefix(n);
    }
}

void Connection::Copy::flush() {
    if (buf_.empty()) return;
    if (PQputCopyData(c_.conn_.get(), buf_.data(), static_cast<int>(buf_.size())) != 1) c_.fail("COPY failed");
    buf_.clear();
}

void Connection::Copy::finish() {
    flush();
    open_ = false;
    if (PQputCopyEnd(c_.conn_.get(), nullptr) != 1) c_.fail("COPY failed");
    bool failed = false;
    while (PGresult* r = PQgetResult(c_.conn_.get())) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK) failed = true;
        PQclear(r);
    }
    if (failed) c_.fail("COPY failed");
}

Connection::Copy::~Copy() {
    if (!open_) return;
    PQputCopyEnd(c_.conn_.get(), "aborted");
    while (PGresult* r = PQgetResult(c_.conn_.get())) PQclear(r);
}

Transaction::~Transaction() {
    if (done_) return;
    if (PGresult* r = PQexec(c_.raw(), "ROLLBACK")) PQclear(r);
}

void append_copy_value(std::string& line, std::string_view v) {
    // Runs without a character to escape go in whole (almost every value: digits, dates, names).
    std::size_t from = 0;
    for (std::size_t i = 0; i < v.size(); ++i) {
        const char ch = v[i];
        if (ch != '\\' && ch != '\t' && ch != '\n' && ch != '\r') continue;
        line.append(v.substr(from, i - from));
        line += ch == '\\' ? "\\\\" : ch == '\t' ? "\\t" : ch == '\n' ? "\\n" : "\\r";
        from = i + 1;
    }
    line.append(v.substr(from));
}

std::vector<std::string> split_copy_line(std::string_view line) {
    std::vector<std::string> out(1);
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char ch = line[i];
        if (ch == '\t') { out.emplace_back(); continue; }
        if (ch != '\\' || i + 1 == line.size()) { out.back() += ch; continue; }
        switch (line[++i]) {
        case 't': out.back() += '\t'; break;
        case 'n': out.back() += '\n'; break;
        case 'r': out.back() += '\r'; break;
        default: out.back() += line[i];
        }
    }
    return out;
}

std::string bytea_from_hex(std::string_view hex) {
    if (hex.starts_with("\\x")) hex.remove_prefix(2);
    std::string out;
    out.reserve(hex.size() / 2);
    auto val = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) out += static_cast<char>(val(hex[i]) * 16 + val(hex[i + 1]));
    return out;
}

std::string text_array(const std::vector<std::string>& v) {
    std::string s = "{";
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (i) s += ',';
        s += '"';
        for (char ch : v[i]) {
            if (ch == '"' || ch == '\\') s += '\\';
            s += ch;
        }
        s += '"';
    }
    return s + "}";
}

int current_schema_version() { return kMigrations[kMigrationCount - 1].version; }

int schema_version(Connection& c) {
    auto r = c.exec("SELECT to_regclass('onshi.schema_version') IS NOT NULL");
    if (r.str(0, 0) != "t") return 0;
    return static_cast<int>(c.exec("SELECT coalesce(max(version), 0) FROM onshi.schema_version").num(0, 0));
}

int migrate(Connection& c) {
    Transaction tx(c);
    c.exec("SELECT pg_advisory_xact_lock(hashtext('orca-onshi migrate'))");
    c.run("CREATE SCHEMA IF NOT EXISTS onshi");
    c.run("CREATE TABLE IF NOT EXISTS onshi.schema_version (version integer PRIMARY KEY, name text NOT NULL, "
          "applied_at timestamptz NOT NULL DEFAULT now())");
    const int have = schema_version(c);
    if (have > current_schema_version())
        throw Error(Errc::database, "the module schema is at version " + std::to_string(have) +
                                        ", newer than this orca-onshi (" + std::to_string(current_schema_version()) + ")");
    for (int i = 0; i < kMigrationCount; ++i) {
        const auto& m = kMigrations[i];
        if (m.version <= have) continue;
        c.run(m.sql);
        c.exec("INSERT INTO onshi.schema_version (version, name) VALUES ($1, $2)", {std::to_string(m.version), std::string(m.name)});
    }
    tx.commit();
    return current_schema_version();
}

bool drop_schema(Connection& c) {
    Transaction tx(c);
    c.exec("SELECT pg_advisory_xact_lock(hashtext('orca-onshi migrate'))");
    const bool had = c.exec("SELECT to_regnamespace('onshi') IS NOT NULL").str(0, 0) == "t";
    if (had) c.run("SET LOCAL client_min_messages = warning; DROP SCHEMA onshi CASCADE");
    tx.commit();
    return had;
}

}  // namespace onshi::db
