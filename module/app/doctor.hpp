// `orca-onshi doctor`: the pure half. What the module expects of ORCA's database, compared with
// what the database says (information_schema, tbl_syskanri, the module schema version), as findings.
// No I/O here: module/cli/doctor_cmd.cpp asks the database and the file system and prints.
#pragma once

#include "core/model.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace onshi::app::doctor {

enum class Level { ok, warn, err, info };

struct Finding {
    Level level = Level::ok;
    std::string what;  // the thing checked, or the whole message
    std::string why;   // optional: why it matters / what to do ("" = nothing after `what`)
};

// "OK   what", "INFO what: why", "WARN what: why", "ERR  what: why" (": why" only when why is not empty).
std::string line(const Finding& f);
// "doctor: N OK, N WARN, N ERR", then ", N INFO" when there is any.
std::string summary(const std::vector<Finding>& fs);
bool has_err(const std::vector<Finding>& fs);

// One row of information_schema.columns, as plain data.
struct ColumnFact {
    std::string table, column, data_type;
    std::optional<long long> char_max_length;  // NULL for numbers, text and unconstrained varchar
    bool not_null = false;     // is_nullable = 'NO'
    bool has_default = false;  // column_default IS NOT NULL
};

// One column the module reads or writes: a number (smallint/integer/bigint/numeric all do) or text
// of at least `length` characters.
struct ExpectedColumn {
    std::string table, column;
    bool numeric = false;
    std::size_t length = 0;
};

// Every table orca-onshi reads or writes in ORCA's database.
const std::vector<std::string>& required_tables();
// tbl_onshi_kaku from bridge::kColumns (every column); tbl_onshi_houmon and tbl_onshi_aidlst as the
// stand-in (sql/orca/orca_standin.sql, orca-tables.md §4) defines them.
const std::vector<ExpectedColumn>& expected_columns();

// Tables: ERR per required table that is not in `present` (resolved through the search path).
// Columns: for each table of `expected` that is present, ERR per missing column, per text column
// shorter than expected, per column of the wrong kind; otherwise one OK line per table. A column of
// tbl_onshi_kaku, tbl_onshi_houmon or tbl_onshi_aidlst the module does not know (a newer ORCA): INFO
// naming the value written into it (bridge::orca_blank_value: '' or 0); of a type with no such value,
// WARN (left to its default or NULL), or ERR when it is NOT NULL without a default (no row could be written).
// `facts` should hold the columns of each table in the schema `present` resolved it to.
std::vector<Finding> check_schema(const std::vector<std::string>& present, const std::vector<ColumnFact>& facts,
                                  const std::vector<ExpectedColumn>& expected = expected_columns(),
                                  const std::vector<std::string>& required = required_tables());

Finding check_encoding(const std::string& server_encoding);
Finding check_schema_version(int have, int need);

// 1001 (医療機関情報) row count of a facility's hospnum.
Finding check_hospnum(int hospnum, long long rows_1001);

// The kanritbl field at 1-based byte position `pos` of the COBOL image (EUC-JP bytes: ASCII 1,
// JIS X 0208 and half-width kana 2, the rest 3), `len` bytes; blank-padded when the text is shorter
// (ORCA trims trailing blanks on write). `utf8` is kanritbl as the session (UTF8) reads it.
std::string kanritbl_field(std::string_view utf8, std::size_t pos, std::size_t len);

inline constexpr std::size_t k1051Houmon = 215;  // HOUMON: 訪問診療 '1' 照会する
inline constexpr std::size_t k1051Online = 216;  // ONLINE: オンライン診療 '1'

// p031_mark: star needs nothing of ORCA; consent needs 1051 HOUMON and/or ONLINE = '1' (orca-tables.md
// §3.1, §4). `kanritbl_1051` is the 1051 row valid today (nullopt: none). `schedules` are the
// facility's schedule kinds: a kind scheduled whose switch is off is an ERR, otherwise a WARN, unless
// both are off (ERR each: P031 shows neither 同意 view).
std::vector<Finding> check_p031_mark(int hospnum, Style p031_mark, const std::optional<std::string>& kanritbl_1051,
                                     const std::map<std::string, std::string>& schedules);

}  // namespace onshi::app::doctor
