#include "p031_bridge/match.hpp"

#include "core/text.hpp"

#include <algorithm>
#include <set>

namespace onshi::bridge {
namespace {

constexpr char kSep = '\x1f';

// hknnum 002 and 031-034 with hojokbn A-I or 1-3 are skipped by ORCA's key12 search.
bool excluded_by_hojo(const InsuranceCandidate& c) {
    static const std::set<std::string, std::less<>> kHknnum{"002", "031", "032", "033", "034"};
    if (!kHknnum.contains(c.hknnum) || c.hojokbn.size() != 1) return false;
    const char h = c.hojokbn[0];
    return (h >= 'A' && h <= 'I') || (h >= '1' && h <= '3');
}

// The 枝番 rule: equal branch numbers match; a blank ORCA 枝番 (registered before 枝番 existed)
// matches a non-blank one only for 後期高齢 (hknnum 039), which has no 枝番.
bool edaban_matches(const InsuranceCandidate& c, std::string_view branch) {
    if (c.edaban == branch) return true;
    return c.edaban.empty() && c.hknnum == "039";
}

// Exactly one distinct patient among the candidates, or 0 (none, or ambiguous).
template <class It>
Ptid single(It first, It last, bool& ambiguous) {
    std::set<Ptid> ids(first, last);
    if (ids.size() > 1) ambiguous = true;
    return ids.size() == 1 ? *ids.begin() : 0;
}

Ptid lookup_insurance(const QualificationResult& r, const Lookups& l, bool& ambiguous) {
    const auto it = l.by_insurance.find(insurance_key_of(r));
    if (it == l.by_insurance.end()) return 0;
    const std::string branch = text::trim(r.insured_branch_number);
    std::vector<Ptid> ids;
    for (const auto& c : it->second)
        if (!c.test_patient && !excluded_by_hojo(c) && edaban_matches(c, branch)) ids.push_back(c.ptid);
    return single(ids.begin(), ids.end(), ambiguous);
}

Ptid lookup_kohi(const QualificationResult& r, const Lookups& l, bool& ambiguous) {
    if (text::trim(r.insurer_number).empty() && text::trim(r.insured_identification_number).empty()) return 0;
    const auto it = l.by_kohi.find(kohi_key_of(r));
    if (it == l.by_kohi.end()) return 0;
    std::vector<Ptid> ids;
    for (const auto& c : it->second)
        if (!c.test_patient) ids.push_back(c.ptid);
    return single(ids.begin(), ids.end(), ambiguous);
}

}  // namespace

std::string normalize_insurer_number(std::string_view oqs) {
    std::string n = text::trim(text::to_hankaku_ascii(oqs));
    // 6-digit 国保 numbers arrive zero-padded by some writers; no 8-digit 法別番号 starts with 00.
    if (n.size() == 8 && n.starts_with("00")) n.erase(0, 2);
    return n;
}

std::string normalize_ptnum(std::string_view ref) { return text::trim(text::to_hankaku_ascii(ref)); }

std::string insurance_key(std::string_view hknjanum, std::string_view kigo, std::string_view num) {
    std::string k(hknjanum);
    k += kSep;
    k += kigo;
    k += kSep;
    k += num;
    return k;
}

std::string kohi_key(std::string_view ftnjanum, std::string_view jkysnum) {
    std::string k(ftnjanum);
    k += kSep;
    k += jkysnum;
    return k;
}

std::string insurance_key_of(const QualificationResult& r) {
    return insurance_key(normalize_insurer_number(r.insurer_number),
                         text::to_zenkaku(text::trim(r.insured_card_symbol)),
                         text::to_zenkaku(text::trim(r.insured_identification_number)));
}

std::string kohi_key_of(const QualificationResult& r) {
    return kohi_key(text::trim(r.insurer_number), text::trim(r.insured_identification_number));
}

Ptid UnitMatch::ptid() const {
    for (const auto& r : results)
        if (r.ptid) return r.ptid;
    return 0;
}

UnitMatch resolve(const BulkConfirmUnit& unit, const Lookups& l) {
    UnitMatch m;
    m.results.resize(unit.results.size());

    // 1. 照会番号 as 患者番号.
    const std::string ref = normalize_ptnum(unit.reference_number);
    if (!ref.empty()) {
        const auto it = l.by_ptnum.find(ref);
        if (it != l.by_ptnum.end() && !it->second.test_patient && it->second.ptid != 0) {
            for (auto& r : m.results) r.ptid = r.looked_up = it->second.ptid;
            m.how = m.results.empty() ? How::none : How::reference_number;
            return m;
        }
    }

    // 2. Per result: insurance key (保険) or 公費 (医療扶助).
    bool any_insurance = false;
    for (std::size_t i = 0; i < unit.results.size(); ++i) {
        const auto& r = unit.results[i];
        const bool welfare = r.is_welfare();
        any_insurance |= !welfare;
        m.results[i].looked_up = welfare ? lookup_kohi(r, l, m.ambiguous) : lookup_insurance(r, l, m.ambiguous);
        m.results[i].ptid = m.results[i].looked_up;
    }

    // 3. Pairing (§1.4): the 保険 patient decides; a 医療扶助 row that found nobody inherits it;
    //    disagreement leaves every row unlinked.
    std::set<Ptid> insurance_ids, welfare_ids;
    for (std::size_t i = 0; i < unit.results.size(); ++i)
        (unit.results[i].is_welfare() ? welfare_ids : insurance_ids).insert(m.results[i].looked_up);
    welfare_ids.erase(0);
    Ptid decided = 0;
    if (any_insurance) {
        const bool one = insurance_ids.size() == 1 && *insurance_ids.begin() != 0;
        if (one && (welfare_ids.empty() || welfare_ids == insurance_ids)) decided = *insurance_ids.begin();
        else m.conflict = one || insurance_ids.size() > 1 || !welfare_ids.empty();
    } else if (welfare_ids.size() == 1) {
        decided = *welfare_ids.begin();
    } else {
        m.conflict = welfare_ids.size() > 1;
    }
    for (auto& r : m.results) r.ptid = decided;
    if (decided != 0)
        m.how = any_insurance ? How::insurance : How::kohi;
    return m;
}

std::string flag_reason(const BulkConfirmUnit& u, const UnitMatch& m) {
    if (u.processing_result_status == "2")
        return text::trim("処理エラー " + u.processing_result_code + " " + u.processing_result_message);
    if (u.qualification_validity == "4") return "該当資格なし（保険者のデータが未登録の可能性: 後日再取得）";
    if (m.conflict) return "保険と医療扶助が別の患者を指しています（ptid 0 で登録）";
    if (m.ambiguous) return "日レセの患者が2人以上該当します（推測しません: ptid 0 で登録）";
    if (m.ptid() == 0 && !u.results.empty()) return "日レセに該当する患者が見つかりません";
    return "";
}

const char* how_name(How h) {
    switch (h) {
    case How::reference_number: return "照会番号";
    case How::insurance: return "保険";
    case How::kohi: return "公費";
    case How::none: break;
    }
    return "";
}

}  // namespace onshi::bridge

namespace onshi::bridge {

std::string normalize_person_name(std::string_view name) { return text::to_zenkaku_address(name); }

std::vector<PtinfRow> basic4_candidates(std::string_view name, std::string_view birth, std::string_view sex,
                                        const std::vector<PtinfRow>& rows) {
    std::vector<PtinfRow> out;
    const std::string want = normalize_person_name(name);
    if (want.empty() || birth.empty() || sex.empty()) return out;
    for (const auto& r : rows) {
        if (r.test_patient) continue;
        if (text::trim(r.birthday) != birth || text::trim(r.sex) != sex) continue;
        if (normalize_person_name(r.name) != want) continue;
        out.push_back(r);
    }
    return out;
}

}  // namespace onshi::bridge
