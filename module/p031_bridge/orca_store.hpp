// What the job runner reads and writes in ORCA's own tables (orca-tables.md), and nothing else:
// the insurance list a 資格有効性確認 asks about, the stored result a PDF request needs, ORCA's
// 同意一括 requests in tbl_jobkanri and their progress, and the 資格有効性 diffs against earlier
// rows of tbl_onshi_kaku. The caller owns the transaction.
#pragma once

#include "db/pg.hpp"
#include "onshi_batch/codec.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace onshi::bridge::orca {

// The insurances of a facility valid on `today`, not deleted, medical insurance (hknnum 0xx), real
// patients only; with seen_since ('' = all) only patients seen since that date (tbl_jyurrk). Each
// item's ArbitraryIdentifier is "<ptid>-<hknid>"; the 照会番号 is the patient number when asked for.
std::vector<oqs::SearchItem> insurance_list(db::Connection& db, int hospnum, const std::string& today, const std::string& seen_since,
                                            bool with_reference);

// The newest stored 保険 result (tbl_onshi_kaku) of a patient that carries the consent to 薬剤情報
// (drug) or to 特定健診情報; nullopt when there is none.
struct ConsentedInsurance {
    std::int64_t ptid = 0;
    std::string insurer_number, symbol, number, branch, treatment_flag;  // as stored (full width kept)
};
std::optional<ConsentedInsurance> consented_insurance(db::Connection& db, int hospnum, const std::string& ptnum, bool drug);

// ORCA's 同意一括 (P031 S+F5 / P0311 F12) requests not taken yet: tbl_jobkanri rows of shellid P02V001
// (訪問診療) or P02O001 (オンライン診療) with errcd '' (受付未) and a karte_uid.
struct OrcaRequest {
    std::string jobid, shellid;  // as stored (shellid may be blank padded)
    std::string consent_from, consent_to, karte_uid;
};
std::vector<OrcaRequest> pending_requests(db::Connection& db, int hospnum);

// The progress of one tbl_jobkanri row, as ORCA's own client and batch keep it (orca-tables.md §2.1).
struct JobkanriRow {
    int hospnum = 0;
    std::string jobid, shellid;
};
// 0001 受付前: taken by us.
void mark_jobkanri_taken(db::Connection& db, const JobkanriRow& row);
// 0002 受付完了, the 受付番号 in yobi.
void mark_jobkanri_received(db::Connection& db, const JobkanriRow& row, const std::string& reception_number);
// 0003 確認完了 with the counts (units; unit_errors of them 処理エラー); units nullopt: none recorded.
void mark_jobkanri_done(db::Connection& db, const JobkanriRow& row, std::optional<long long> units, long long unit_errors);
// 0003 with syokbn 9 and the error (its first 500 characters) in yobi.
void mark_jobkanri_failed(db::Connection& db, const JobkanriRow& row, const std::string& error);
// A request we refuse before taking it: 0003, syokbn 9, the reason in yobi.
void refuse_request(db::Connection& db, const JobkanriRow& row, const std::string& reason);

// 資格有効性確認: what changed for each asked-about insurance of the job's written results against the
// patient's previous confirmation (the newest earlier row of the same ptid), into onshi.validity_change.
// ptid and hknid come from our own ArbitraryIdentifier ("<ptid>-<hknid>"), echoed by OQS.
void record_validity_changes(db::Connection& db, std::int64_t job_id);

}  // namespace onshi::bridge::orca
