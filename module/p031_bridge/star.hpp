// The ★ (face-style, 顔認証) recipe: a BulkConfirmUnit becomes the tbl_onshi_kaku rows ORCA's own
// onlinequa2 API would write (../shared/reference/orca-tables.md §1.2-§1.4, decisions 2-7).
// Pure: UUIDs and the clock come from the caller.
#pragma once

#include "core/model.hpp"
#include "p031_bridge/kaku_row.hpp"
#include "p031_bridge/match.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <string_view>
#include <vector>

namespace onshi::bridge {

struct WriteContext {
    int hospnum = 1;
    std::string file_sikibetu;  // our request's ArbitraryFileIdentifier
    std::string opid;           // the ORCA operator who asked, '' for scheduled runs
    std::string termid;         // names this module and host
    std::string now_ymd, now_hms;
    std::function<std::string()> new_uuid;
};

// P031 lists rows by kakuninymd: QualificationConfirmationDate, else the date of ProcessExecutionTime.
std::string kakuninymd_of(const ResultHeader& h);

// Rows for one unit: one per 保険 result (in order), then one per 医療扶助 (A1) result.
// `linked_ptnum` is the 患者番号 of the matched patient ('' when none).
std::vector<KakuRow> map_star(const ResultHeader& h, const BulkConfirmUnit& u, const UnitMatch& m,
                              const std::string& linked_ptnum, const WriteContext& ctx);

// The consent style (ORCA's own 同意一括 batch, §2.2-2.5): rows with shokai_kbn '' and
// process_class / onshinryo_kbn = `flag` ('2' 訪問診療, '3' オンライン診療), listed under P031's
// 訪問診療同意 / オンライン診療同意 views; plus the patient's tbl_onshi_houmon record and the
// tbl_onshi_aidlst rows of each 医療券.
struct HoumonRow {
    Ptid ptid = 0;
    std::string onshinryo_kbn, tbl_uuid, hknjanum, kigo, num, edaban, ftnjanum, jkysnum, doui_startymd, doui_endymd;
    std::string kaku_kakuninymd, kaku_kakuninhms, gendo_shutokuflg, sikkan_shutokuflg, kenshin_douiflg, yakuzai_douiflg;
    std::string shinryo_douiflg, ope_douiflg;
};
struct AidRow {
    std::string tbl_uuid, fujyo_uuid;
    Ptid ptid = 0;
    std::string ftnjanum, jkysnum;
    int rennum = 0;
    std::string kofunum, sryym, medical_type;
};
struct ConsentRows {
    std::vector<KakuRow> kaku;
    std::vector<HoumonRow> houmon;
    std::vector<AidRow> aid;
};
ConsentRows map_consent(const ResultHeader& h, const BulkConfirmUnit& u, const UnitMatch& m, std::string_view flag,
                        const WriteContext& ctx);

// Every text column in the form ORCA's EUC_JP database takes (text::to_storable_form: the NFD, IVS
// and JIS-form decisions) and cut to ORCA's length (COBOL bytes, EUC-JP). Returns the names of the columns that had to be cut
// (recorded in the module's audit, never silent).
std::vector<std::string> fit_to_orca(KakuRow& row);

// Why a unit must be held for a person instead of written (a character ORCA's EUC_JP database
// cannot hold, or OQS's ● placeholder in a name), or nullopt. Gaiji::absent: the caller knows every
// character fits already (text::append_euc_jp converted the rows), so only ● is looked for.
enum class Gaiji { unknown, absent };

// The consent rows' text (tbl_onshi_houmon, tbl_onshi_aidlst) in the form ORCA's EUC_JP database takes
// (text::to_storable_form, as fit_to_orca gives the ★ row's columns: the 記号/番号 the same as
// there); why the unit must be held when one still holds a character that database cannot (the
// connection converts these rows: one such character would fail the whole COPY), or nullopt.
std::optional<std::string> fit_consent_to_orca(std::vector<HoumonRow>& houmon, std::vector<AidRow>& aid);
// f(column, value) for every text column of the consent rows that comes from OQS (what fit_consent_to_orca
// fits, and review accept gives 〓 for 外字).
void each_consent_text(std::vector<HoumonRow>& houmon, std::vector<AidRow>& aid, const std::function<void(const char*, std::string&)>& f);
std::optional<std::string> hold_reason(const std::vector<KakuRow>& rows, Gaiji gaiji = Gaiji::unknown);

}  // namespace onshi::bridge
