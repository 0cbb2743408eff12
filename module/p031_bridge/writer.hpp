// Writes the module's rows into ORCA's tables: tbl_onshi_kaku (COPY), tbl_onshi_houmon (ORCA's
// upsert, §2.4) and tbl_onshi_aidlst (COPY). Used by ingest and by `review accept`. The caller
// owns the transaction.
#pragma once

#include "db/pg.hpp"
#include "p031_bridge/star.hpp"

#include <string>
#include <vector>

namespace onshi::bridge {

std::string kaku_copy_line(const KakuRow& row);  // with the trailing newline
void copy_kaku(db::Connection& db, const std::string& lines);
void write_houmon(db::Connection& db, int hospnum, const std::vector<HoumonRow>& rows, const std::string& now_ymd,
                  const std::string& now_hms);
void copy_aid(db::Connection& db, int hospnum, const std::vector<AidRow>& rows, const std::string& now_ymd,
              const std::string& now_hms);

// A held unit's rows as one payload (lines "K\t…", "H\t…", "A\t…"), and back.
std::string to_payload(const std::vector<KakuRow>& kaku, const std::vector<HoumonRow>& houmon, const std::vector<AidRow>& aid);
ConsentRows from_payload(std::string_view payload);

}  // namespace onshi::bridge
