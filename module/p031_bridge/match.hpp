// Patient resolution (../shared/reference/orca-tables.md §1.4, decision 3): 照会番号 as 患者番号
// first, then the insurance key with the 枝番 and 後期高齢 rules, then 公費 for 医療扶助; test patients
// are never linked, two candidates are never guessed between. Pure: the caller fetches Lookups.
#pragma once

#include "core/model.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace onshi::bridge {

using Ptid = std::int64_t;

struct Patient {
    Ptid ptid = 0;
    std::string ptnum;
    bool test_patient = false;  // tbl_ptinf.tstptnumkbn '1', or no tbl_ptinf row
};

struct InsuranceCandidate {  // a tbl_pthkninf row valid on the day, not deleted
    Ptid ptid = 0;
    std::string hknnum, hojokbn, edaban;
    bool test_patient = false;
};

struct KohiCandidate {  // a tbl_ptkohinf row valid on the day, not deleted
    Ptid ptid = 0;
    bool test_patient = false;
};

// What ORCA holds for the units of one batch, keyed as the functions below key it.
struct Lookups {
    std::unordered_map<std::string, Patient> by_ptnum;
    std::unordered_map<std::string, std::vector<InsuranceCandidate>> by_insurance;
    std::unordered_map<std::string, std::vector<KohiCandidate>> by_kohi;
    std::unordered_map<Ptid, std::string> ptnum_of;
};

// Keys, in the form ORCA stores them (trimmed; kigo/num 全角).
std::string normalize_insurer_number(std::string_view oqs);  // "00138057" -> "138057"
std::string normalize_ptnum(std::string_view reference_number);
std::string insurance_key(std::string_view hknjanum, std::string_view kigo_zenkaku, std::string_view num_zenkaku);
std::string kohi_key(std::string_view ftnjanum, std::string_view jkysnum);
// The keys a unit needs (to fetch Lookups for a batch).
std::string insurance_key_of(const QualificationResult& r);
std::string kohi_key_of(const QualificationResult& r);

enum class How { none, reference_number, insurance, kohi };

struct ResultMatch {
    Ptid ptid = 0;        // final
    Ptid looked_up = 0;   // this result's own lookup
    bool ambiguous = false;
};

struct UnitMatch {
    std::vector<ResultMatch> results;  // parallel to unit.results
    How how = How::none;
    bool ambiguous = false;   // two ORCA patients matched one key
    bool conflict = false;    // 保険 and 医療扶助 pointed at different patients

    [[nodiscard]] Ptid ptid() const;  // the first non-zero final ptid, else 0
};

UnitMatch resolve(const BulkConfirmUnit& unit, const Lookups& lookups);

// Why a written unit must still be looked at by a person (the review list's "flagged"), or "":
// a unit error, 該当資格なし, 保険 and 医療扶助 at odds, two ORCA patients, or no ORCA patient.
std::string flag_reason(const BulkConfirmUnit& unit, const UnitMatch& m);

const char* how_name(How h);

}  // namespace onshi::bridge

namespace onshi::bridge {

// The patient-matching helper for a card (基本4情報 of the 券面事項入力補助AP against tbl_ptinf):
// names compared after to_zenkaku with every space (U+3000, and ASCII ones made 全角 first) removed,
// the birth date as YYYYMMDD, the sex code (1/2). Test patients are never offered. The caller only
// lists the candidates: nothing is linked on these alone.
struct PtinfRow {
    std::string ptnum, name, birthday, sex;
    bool test_patient = false;
};
std::string normalize_person_name(std::string_view name);
// Rows whose name, birthday and sex all equal the card's, test patients excluded, in input order.
std::vector<PtinfRow> basic4_candidates(std::string_view name, std::string_view birth, std::string_view sex,
                                        const std::vector<PtinfRow>& rows);

}  // namespace onshi::bridge
