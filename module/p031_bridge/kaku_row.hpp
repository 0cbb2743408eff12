// A tbl_onshi_kaku row as the module builds it: one string per column, in ORCA's column order.
// Numeric columns hold their decimal text ("0"). Never NULL: '' in every blank text column.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace onshi::bridge {

enum class Kind : char { smallint = 'S', integer = 'I', bigint = 'B', varchar = 'V', character = 'C' };

enum class Col : std::size_t {
#define ONSHI_KAKU_COL(name, kind, len) name,
#include "core/kaku_columns.def"
#undef ONSHI_KAKU_COL
    count_
};
inline constexpr std::size_t kColumnCount = static_cast<std::size_t>(Col::count_);

struct ColumnInfo {
    std::string_view name;
    Kind kind;
    std::size_t length;  // characters as PostgreSQL counts, bytes as ORCA's COBOL counts
};

inline constexpr std::array<ColumnInfo, kColumnCount> kColumns{{
#define ONSHI_KAKU_COL(name, kind, len) {#name, static_cast<Kind>(#kind[0]), len},
#include "core/kaku_columns.def"
#undef ONSHI_KAKU_COL
}};

inline bool is_numeric(Kind k) { return k == Kind::smallint || k == Kind::integer || k == Kind::bigint; }

// A column of tbl_onshi_kaku, tbl_onshi_houmon or tbl_onshi_aidlst the module does not know (a newer
// ORCA) gets what ORCA's own DBINSERT gives a column of its record nobody set: '' for character
// types, 0 for numbers (information_schema.columns.data_type). Never NULL, whatever its default:
// a later P031 condition on the column would hide rows holding NULL. nullopt: a type ORCA does not use
// in these tables; the column is left out (its default, or NULL) and doctor warns.
inline std::optional<std::string> orca_blank_value(std::string_view data_type) {
    if (data_type == "character varying" || data_type == "character" || data_type == "text") return std::string();
    if (data_type == "smallint" || data_type == "integer" || data_type == "bigint" || data_type == "numeric" || data_type == "real" ||
        data_type == "double precision")
        return std::string("0");
    return std::nullopt;
}

class KakuRow {
public:
    KakuRow() {
        for (std::size_t i = 0; i < kColumnCount; ++i)
            if (is_numeric(kColumns[i].kind)) v_[i] = "0";
    }
    std::string& operator[](Col c) { return v_[static_cast<std::size_t>(c)]; }
    const std::string& operator[](Col c) const { return v_[static_cast<std::size_t>(c)]; }
    const std::string& at(std::size_t i) const { return v_[i]; }
    std::string& at(std::size_t i) { return v_[i]; }

private:
    std::array<std::string, kColumnCount> v_;
};

}  // namespace onshi::bridge
