#include "app/doctor.hpp"

#include "core/text.hpp"
#include "p031_bridge/kaku_row.hpp"

#include <algorithm>
#include <set>

namespace onshi::app::doctor {

namespace {

// tbl_onshi_houmon and tbl_onshi_aidlst as the stand-in defines them (sql/orca/orca_standin.sql,
// orca-tables.md §4): 0 = a number, n = text of at least n characters.
struct Spec { const char* column; std::size_t length; bool numeric; };
constexpr Spec kHoumon[] = {
    {"hospnum", 0, true},          {"tbl_uuid", 36, false},         {"ptid", 0, true},
    {"onshinryo_kbn", 1, false},   {"shokai_kbn", 1, false},        {"hknjanum", 8, false},
    {"kigo", 80, false},           {"num", 80, false},              {"edaban", 2, false},
    {"ftnjanum", 8, false},        {"jkysnum", 7, false},           {"doui_startymd", 8, false},
    {"doui_endymd", 8, false},     {"doui_torikesi", 1, false},     {"doui_torikesi_ymd", 8, false},
    {"kenshin_douiflg", 1, false}, {"yakuzai_douiflg", 1, false},   {"shinryo_douiflg", 1, false},
    {"ope_douiflg", 1, false},     {"gendo_shutokuflg", 1, false},  {"sikkan_shutokuflg", 1, false},
    {"kaku_kakuninymd", 8, false}, {"kaku_kakuninhms", 6, false},   {"kaku_kakuninflg", 1, false},
    {"shisetu_id", 2, false},      {"target_uuid", 36, false},      {"termid", 64, false},
    {"opid", 16, false},           {"creymd", 8, false},            {"crehms", 6, false},
    {"upymd", 8, false},           {"uphms", 6, false},
};
constexpr Spec kAidlst[] = {
    {"hospnum", 0, true},       {"tbl_uuid", 36, false},       {"fujyo_uuid", 36, false},
    {"ptid", 0, true},          {"ftnjanum", 8, false},        {"jkysnum", 20, false},
    {"rennum", 0, true},        {"tekstymd", 8, false},        {"tekedymd", 8, false},
    {"medical_type", 2, false}, {"nyugaikbn", 1, false},       {"sryym", 6, false},
    {"kofunum", 15, false},     {"ftngaku", 0, true},          {"xml_image_file_status", 1, false},
    {"aid_imagedata", 20000, false}, {"termid", 64, false},    {"opid", 16, false},
    {"creymd", 8, false},       {"crehms", 6, false},          {"upymd", 8, false},
    {"uphms", 6, false},
};

constexpr const char* kKaku = "tbl_onshi_kaku";

bool is_number_type(const std::string& t) {
    return t == "smallint" || t == "integer" || t == "bigint" || t == "numeric";
}
bool is_text_type(const std::string& t) { return t == "character varying" || t == "character" || t == "text"; }

// varchar(5), char(8), text, integer, ...
std::string type_label(const ColumnFact& f) {
    std::string base = f.data_type == "character varying" ? "varchar" : f.data_type == "character" ? "char" : f.data_type;
    if (f.char_max_length) base += "(" + std::to_string(*f.char_max_length) + ")";
    return base;
}

std::string join(const std::vector<std::string>& v, const char* sep) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
    return s;
}

std::string facility(int hospnum) { return "[facility " + std::to_string(hospnum) + "] "; }

}  // namespace

std::string line(const Finding& f) {
    const char* tag = f.level == Level::ok ? "OK   " : f.level == Level::info ? "INFO " : f.level == Level::warn ? "WARN " : "ERR  ";
    return tag + f.what + (f.why.empty() ? "" : ": " + f.why);
}

std::string summary(const std::vector<Finding>& fs) {
    std::size_t n[4] = {0, 0, 0, 0};
    for (const auto& f : fs) ++n[static_cast<int>(f.level)];
    return "doctor: " + std::to_string(n[0]) + " OK, " + std::to_string(n[1]) + " WARN, " + std::to_string(n[2]) + " ERR" +
           (n[3] ? ", " + std::to_string(n[3]) + " INFO" : "");
}

bool has_err(const std::vector<Finding>& fs) {
    return std::any_of(fs.begin(), fs.end(), [](const Finding& f) { return f.level == Level::err; });
}

const std::vector<std::string>& required_tables() {
    static const std::vector<std::string> t{"tbl_onshi_kaku", "tbl_ptnum",        "tbl_ptinf",
                                            "tbl_pthkninf",   "tbl_ptkohinf",     "tbl_onshi_houmon",
                                            "tbl_onshi_aidlst", "tbl_syskanri",   "tbl_jobkanri"};
    return t;
}

const std::vector<ExpectedColumn>& expected_columns() {
    static const std::vector<ExpectedColumn> v = [] {
        std::vector<ExpectedColumn> r;
        for (const auto& c : bridge::kColumns)
            r.push_back({kKaku, std::string(c.name), bridge::is_numeric(c.kind), bridge::is_numeric(c.kind) ? 0 : c.length});
        for (const auto& s : kHoumon) r.push_back({"tbl_onshi_houmon", s.column, s.numeric, s.length});
        for (const auto& s : kAidlst) r.push_back({"tbl_onshi_aidlst", s.column, s.numeric, s.length});
        return r;
    }();
    return v;
}

std::vector<Finding> check_schema(const std::vector<std::string>& present, const std::vector<ColumnFact>& facts,
                                  const std::vector<ExpectedColumn>& expected, const std::vector<std::string>& required) {
    std::vector<Finding> out;
    const std::set<std::string> have(present.begin(), present.end());
    std::vector<std::string> found;
    for (const auto& t : required) {
        if (have.count(t)) found.push_back(t);
        else out.push_back({Level::err, t + " is missing", "orca-onshi reads or writes it (is this ORCA's database, ORCA 5.2?)"});
    }
    if (!found.empty()) out.push_back({Level::ok, std::to_string(found.size()) + " tables present: " + join(found, ", ")});

    // Tables in the order `expected` names them.
    std::vector<std::string> tables;
    for (const auto& e : expected)
        if (std::find(tables.begin(), tables.end(), e.table) == tables.end()) tables.push_back(e.table);
    for (const auto& t : tables) {
        if (!have.count(t)) continue;  // already reported
        std::map<std::string, const ColumnFact*> cols;
        for (const auto& f : facts)
            if (f.table == t) cols.emplace(f.column, &f);
        if (cols.empty()) {
            out.push_back({Level::err, t + " shows no columns", "this database user has no privilege on it?"});
            continue;
        }
        bool bad = false;
        std::size_t n = 0;
        std::set<std::string> known;
        for (const auto& e : expected) {
            if (e.table != t) continue;
            ++n;
            known.insert(e.column);
            const std::string name = t + "." + e.column;
            const auto it = cols.find(e.column);
            if (it == cols.end()) {
                out.push_back({Level::err, name + " is missing"});
                bad = true;
                continue;
            }
            const ColumnFact& f = *it->second;
            if (e.numeric) {
                if (!is_number_type(f.data_type)) {
                    out.push_back({Level::err, name + " is " + type_label(f) + ", needs a number (smallint, integer, bigint or numeric)"});
                    bad = true;
                }
            } else if (!is_text_type(f.data_type)) {
                out.push_back({Level::err, name + " is " + type_label(f) + ", needs text of at least " + std::to_string(e.length) + " characters"});
                bad = true;
            } else if (f.char_max_length && *f.char_max_length >= 0 && static_cast<std::size_t>(*f.char_max_length) < e.length) {
                out.push_back({Level::err, name + " is " + type_label(f) + ", needs at least " + std::to_string(e.length)});
                bad = true;
            }
        }
        for (const auto& [col, f] : cols) {
            if (known.count(col)) continue;
            const std::string what = t + "." + col + " (" + type_label(*f) + ") is not known to orca-onshi";
            if (const auto v = bridge::orca_blank_value(f->data_type))
                out.push_back({Level::info, what, "a newer ORCA? written as " + (v->empty() ? std::string("''") : *v) + ", as ORCA's own insert does"});
            else if (f->not_null && !f->has_default) {
                out.push_back({Level::err, what, "NOT NULL without a default, and orca-onshi has no value for its type: no row can be written"});
                bad = true;
            } else
                out.push_back({Level::warn, what, "a newer ORCA? rows are written without it (" + std::string(f->has_default ? "its default" : "NULL") + ")"});
        }
        if (!bad) out.push_back({Level::ok, t + ": " + std::to_string(n) + " columns with the types and lengths orca-onshi needs"});
    }
    return out;
}

Finding check_encoding(const std::string& enc) {
    if (enc == "EUC_JP") return {Level::ok, "server_encoding EUC_JP"};
    return {Level::warn, "server_encoding " + enc, "ORCA creates its database EUC_JP; is this ORCA's database?"};
}

Finding check_schema_version(int have, int need) {
    if (have == need) return {Level::ok, "module schema at version " + std::to_string(have)};
    if (have > need)
        return {Level::err, "module schema is at version " + std::to_string(have) + ", newer than this orca-onshi (" + std::to_string(need) + ")",
                "install the orca-onshi that migrated it"};
    return {Level::err, "module schema is at version " + std::to_string(have) + ", this orca-onshi needs " + std::to_string(need),
            "run orca-onshi db migrate"};
}

Finding check_hospnum(int hospnum, long long rows_1001) {
    const std::string n = std::to_string(hospnum);
    if (rows_1001 > 0) return {Level::ok, facility(hospnum) + "hospnum " + n + " has 1001 (医療機関情報) in tbl_syskanri"};
    return {Level::err, facility(hospnum) + "hospnum " + n + " has no 1001 (医療機関情報) in tbl_syskanri",
            "is " + n + " this clinic's ORCA hospnum?"};
}

std::string kanritbl_field(std::string_view s, std::size_t pos, std::size_t len) {
    std::string out;
    if (pos == 0) return std::string(len, ' ');
    std::size_t byte = 1;  // EUC-JP position of the character at s[i]
    for (std::size_t i = 0; i < s.size() && out.size() < len;) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        const std::size_t n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        const std::string_view ch = s.substr(i, n);
        const std::size_t b = text::euc_jp_bytes(ch);
        // Fields read here are ASCII; a multi-byte character shows as one '?' per byte inside the field.
        for (std::size_t k = 0; k < b; ++k)
            if (byte + k >= pos && byte + k < pos + len) out += b == 1 ? std::string(ch) : std::string("?");
        byte += b;
        i += n;
    }
    out.resize(len, ' ');
    return out;
}

std::vector<Finding> check_p031_mark(int hospnum, Style mark, const std::optional<std::string>& kanritbl_1051,
                                     const std::map<std::string, std::string>& schedules) {
    const std::string fac = facility(hospnum);
    if (mark == Style::star) return {{Level::ok, fac + "p031_mark=star: ★ rows (【全体】, ★ 顔認証照会) need no ORCA setting"}};
    if (mark != Style::consent)
        return {{Level::err, fac + "p031_mark=" + std::string(to_text(mark)) + " is not known to doctor", "expected star or consent"}};
    if (!kanritbl_1051)
        return {{Level::err, fac + "hospnum " + std::to_string(hospnum) + " has no 1051 (オンライン資格確認) valid today in tbl_syskanri",
                 "p031_mark=consent needs 1051 HOUMON and/or ONLINE = '1' (ORCA: マスタ登録 → システム管理 1051)"}};
    struct Switch { const char* name; const char* label; std::size_t pos; const char* view; std::vector<const char*> kinds; };
    const Switch sw[] = {{"HOUMON", "訪問診療", k1051Houmon, "訪問診療同意", {"homecare", "nursing"}},
                         {"ONLINE", "オンライン診療", k1051Online, "オンライン診療同意", {"online"}}};
    bool on[2];
    for (int i = 0; i < 2; ++i) on[i] = kanritbl_field(*kanritbl_1051, sw[i].pos, 1) == "1";
    std::vector<Finding> out;
    for (int i = 0; i < 2; ++i) {
        const Switch& s = sw[i];
        const std::string what = fac + "1051 " + s.name + " (" + s.label + ")";
        if (on[i]) {
            out.push_back({Level::ok, what + " is '1'"});
            continue;
        }
        std::string scheduled;
        for (const char* k : s.kinds)
            if (schedules.count(k)) scheduled = k;
        const std::string why = "ORCA's P031 will not show the " + std::string(s.view) + " view";
        if (!on[1 - i] || !scheduled.empty())
            out.push_back({Level::err, what + " is not '1'", why + (scheduled.empty() ? "" : " (schedule_" + scheduled + " is set)")});
        else
            out.push_back({Level::warn, what + " is not '1'", why + " (fine if this clinic does not use " + s.label + ")"});
    }
    return out;
}

}  // namespace onshi::app::doctor
