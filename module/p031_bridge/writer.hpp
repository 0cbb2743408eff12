// Writes the module's rows into ORCA's tables: tbl_onshi_kaku (COPY), tbl_onshi_houmon (ORCA's
// upsert, §2.4) and tbl_onshi_aidlst (COPY). Used by ingest and by `review accept`. The caller
// owns the transaction.
#pragma once

#include "db/pg.hpp"
#include "p031_bridge/star.hpp"

#include <string>
#include <vector>

namespace onshi::bridge {

// The columns of ORCA's three tables this build does not know (a newer ORCA), read from the catalog
// once when a write starts (ingest, review accept), each with the value ORCA would write
// (orca_blank_value): every COPY names them too, so no NULL reaches ORCA's tables.
struct ExtraColumns {
    std::string names;   // ", a, b" (appended to the COPY column list)
    std::string values;  // "\t\t0" (appended to each COPY line)
};
struct OrcaColumns {
    ExtraColumns kaku, houmon, aid;
};
OrcaColumns read_orca_columns(db::Connection& db);

std::string kaku_copy_line(const KakuRow& row);  // with the trailing newline
void append_kaku_copy_line(std::string& out, const KakuRow& row);  // the same, appended to `out`
// The encoding of COPY text: UTF-8 (the connection's), or EUC-JP made by text::append_euc_jp (the
// database's own bytes: PostgreSQL checks them and converts nothing).
enum class CopyText { utf8, euc_jp };
void copy_kaku(db::Connection& db, const OrcaColumns& cols, const std::string& lines, CopyText text = CopyText::utf8);
void write_houmon(db::Connection& db, const OrcaColumns& cols, int hospnum, const std::vector<HoumonRow>& rows,
                  const std::string& now_ymd, const std::string& now_hms);
void copy_aid(db::Connection& db, const OrcaColumns& cols, int hospnum, const std::vector<AidRow>& rows, const std::string& now_ymd,
              const std::string& now_hms);

// A held unit's rows as one payload (lines "K\t…", "H\t…", "A\t…"), and back.
std::string to_payload(const std::vector<KakuRow>& kaku, const std::vector<HoumonRow>& houmon, const std::vector<AidRow>& aid);
ConsentRows from_payload(std::string_view payload);

}  // namespace onshi::bridge
