// libpq with RAII: a connection, results, a transaction guard and COPY FROM STDIN.
// Every failure becomes Error(Errc::database) with PostgreSQL's own message.
#pragma once

#include "core/handle.hpp"

#include <libpq-fe.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace onshi::db {

using ResultHandle = Handle<PGresult*, PQclear>;
using ConnHandle = Handle<PGconn*, PQfinish>;

class Result {
public:
    explicit Result(PGresult* r) : r_(r) {}
    [[nodiscard]] int rows() const { return PQntuples(r_.get()); }
    [[nodiscard]] std::string_view get(int row, int col) const {
        return {PQgetvalue(r_.get(), row, col), static_cast<std::size_t>(PQgetlength(r_.get(), row, col))};
    }
    [[nodiscard]] std::string str(int row, int col) const { return std::string(get(row, col)); }
    [[nodiscard]] long long num(int row, int col) const;
    [[nodiscard]] bool is_null(int row, int col) const { return PQgetisnull(r_.get(), row, col) == 1; }
    [[nodiscard]] std::size_t fields() const { return static_cast<std::size_t>(PQnfields(r_.get())); }
    [[nodiscard]] std::string field_name(std::size_t col) const { return PQfname(r_.get(), static_cast<int>(col)); }
    [[nodiscard]] std::string affected() const { return PQcmdTuples(r_.get()); }

private:
    ResultHandle r_;
};

using Param = std::optional<std::string>;  // nullopt = SQL NULL

class Connection {
public:
    // conninfo as libpq takes it; "" = the environment. The session's client_encoding is UTF8.
    explicit Connection(const std::string& conninfo);
    // With more libpq keywords that override the conninfo's (e.g. {"connect_timeout", "2"}).
    Connection(const std::string& conninfo, const std::vector<std::pair<std::string, std::string>>& overrides);
    // What it was opened with (another connection to the same database: Connection(c.conninfo())).
    [[nodiscard]] const std::string& conninfo() const noexcept { return conninfo_; }

    Result exec(const std::string& sql, const std::vector<Param>& params = {});
    // The same, prepared on this connection the first time its text is seen and executed as such from
    // then on: no parse and plan per call (PostgreSQL's plan cache decides between a plan for the
    // values and one for any). For statements a connection runs many times (the ingest's lookups).
    Result exec_prepared(const std::string& sql, const std::vector<Param>& params = {});
    void run(const std::string& sql);  // one or more statements, no parameters

    // COPY ... FROM STDIN: rows already in COPY text format ("a\tb\n").
    class Copy {
    public:
        Copy(Connection& c, const std::string& copy_sql);
        void put(std::string_view data);
        void finish();
        ~Copy();
        Copy(const Copy&) = delete;
        Copy& operator=(const Copy&) = delete;

    private:
        Connection& c_;
        std::string buf_;
        bool open_ = true;
        void flush();
    };

    [[nodiscard]] std::string server_encoding();
    // The connection is still up as libpq last saw it (no round trip); false after the server went away.
    [[nodiscard]] bool alive() const noexcept { return conn_ && PQstatus(conn_.get()) == CONNECTION_OK; }
    [[nodiscard]] PGconn* raw() { return conn_.get(); }

private:
    ConnHandle conn_;
    std::string conninfo_;
    std::unordered_map<std::string, std::string> prepared_;  // statement text → its name on this connection
    [[noreturn]] void fail(const std::string& what) const;
};

// BEGIN on construction; ROLLBACK on destruction unless commit() ran. Never throws from the destructor.
class Transaction {
public:
    explicit Transaction(Connection& c) : c_(c) { c_.run("BEGIN"); }
    void commit() { c_.run("COMMIT"); done_ = true; }
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

private:
    Connection& c_;
    bool done_ = false;
};

// One value of a COPY text-format line: backslash, tab, newline and CR escaped.
void append_copy_value(std::string& line, std::string_view v);
// The values of one COPY text-format line (the inverse of append_copy_value, tab-separated).
std::vector<std::string> split_copy_line(std::string_view line);
// A bytea as PostgreSQL sends it in text form ("\\x" + hex) or encode(…, 'hex') gives it, back to
// its bytes. Payloads that may hold 外字 are read this way: never convert_from() inside SQL, which
// converts to the database's encoding (EUC_JP) and fails on what it cannot hold.
std::string bytea_from_hex(std::string_view hex);
// A PostgreSQL array literal of text: {"a","b"}.
std::string text_array(const std::vector<std::string>& v);

// Creates or updates the module's own schema (onshi.*) to the current version. Idempotent;
// serialised by an advisory lock. Never touches ORCA's tables. Returns the version now in force.
int migrate(Connection& c);
int schema_version(Connection& c);  // 0 when the schema does not exist
int current_schema_version();       // what this build expects
// Drops the module's own schema (onshi, CASCADE) and nothing else: ORCA's tables and the rows the
// module wrote into them stay. Serialised with migrate. Returns false when there was no schema.
bool drop_schema(Connection& c);

}  // namespace onshi::db
