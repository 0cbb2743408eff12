#include "core/codes.hpp"

#include <array>

namespace onshi::codes {

std::optional<std::string_view> Table::label(std::string_view code) const {
    for (const auto& r : rows)
        if (r.code == code) return r.label;
    return std::nullopt;
}

namespace {
constexpr std::array<Code, 3> k003{{{"1", "正常終了"}, {"2", "処理中"}, {"9", "異常終了"}}};
constexpr std::array<Code, 2> k004{{{"1", "正常終了"}, {"2", "エラー"}}};
constexpr std::array<Code, 3> k005{{{"0", "UTF-8"}, {"1", "Shift_JIS"}, {"2", "Shift_JIS"}}};
constexpr std::array<Code, 6> k006{{{"1", "有効"}, {"2", "無効"}, {"3", "無効（新しい資格あり）"},
                                    {"4", "該当資格なし"}, {"5", "複数該当"}, {"6", "有効（未登録）"}}};
constexpr std::array<Code, 3> k007{{{"1", "男"}, {"2", "女"}, {"3", "未設定"}}};
constexpr std::array<Code, 4> k008{{{"01", "死亡"}, {"02", "生活保護受給開始"}, {"03", "医療保険等の資格取得"}, {"99", "その他"}}};
constexpr std::array<Code, 2> k009{{{"1", "本人"}, {"2", "家族"}}};
constexpr std::array<Code, 8> k010{{{"01", "被保険者証（一般）"}, {"02", "被保険者証（退職）"}, {"03", "短期被保険者証（一般）"},
                                    {"04", "短期被保険者証（退職）"}, {"05", "資格証明書"}, {"06", "特例退職被保険者証"},
                                    {"07", "自衛官診療証"}, {"A1", "医療扶助"}}};
constexpr std::array<Code, 3> k011{{{"01", "限度額適用認定証"}, {"02", "限度額適用・標準負担額減額認定証"}, {"03", "標準負担額減額認定証"}}};
constexpr std::array<Code, 16> k012{{{"A01", "ア"}, {"A02", "イ"}, {"A03", "ウ"}, {"A04", "エ"}, {"A05", "オ"}, {"A06", "オ（境）"},
                                     {"B01", "現役並みⅢ"}, {"B02", "現役並みⅡ"}, {"B03", "現役並みⅠ"}, {"B04", "一般"},
                                     {"B05", "低所得Ⅱ"}, {"B06", "低所得Ⅰ"}, {"B07", "低所得Ⅰ（老福）"}, {"B08", "低所得Ⅰ（境）"},
                                     {"B09", "一般Ⅱ"}, {"B10", "一般Ⅰ"}}};
constexpr std::array<Code, 3> k013{{{"1", "人工透析を要する慢性腎不全"}, {"2", "先天性血液凝固因子障害（第Ⅷ因子・第Ⅸ因子）"},
                                    {"3", "血液凝固因子製剤の投与に起因するＨＩＶ感染症"}}};
constexpr std::array<Code, 1> k015{{{"1", "未就学"}}};
constexpr std::array<Code, 4> k016{{{"0", "同意なし"}, {"1", "同意あり"}, {"2", "同意有効期限切れ"}, {"3", "同意取得困難"}}};
constexpr std::array<Code, 2> k001{{{"0", "未同意"}, {"1", "同意"}}};
constexpr std::array<Code, 2> k017{{{"1", "電子処方箋"}, {"2", "紙の処方箋"}}};
constexpr std::array<Code, 2> k018{{{"01", "医療券"}, {"02", "調剤券"}}};
constexpr std::array<Code, 5> k019{{{"01", "入院"}, {"02", "入院外"}, {"03", "歯科"}, {"04", "調剤"}, {"05", "訪問看護"}}};
constexpr std::array<Code, 4> k028{{{"1", "外来"}, {"2", "訪問診療等"}, {"3", "オンライン診療等"}, {"4", "救急時"}}};
}  // namespace

const Table segment_of_result{"OQSCD003", "SegmentOfResult", k003};
const Table processing_result_status{"OQSCD004", "ProcessingResultStatus", k004};
const Table character_code{"OQSCD005", "CharacterCodeIdentifier", k005};
const Table qualification_validity{"OQSCD006", "QualificationValidity", k006};
const Table sex{"OQSCD007", "Sex", k007};
const Table reason_of_loss{"OQSCD008", "ReasonOfLoss", k008};
const Table personal_family{"OQSCD009", "PersonalFamilyClassification", k009};
const Table insured_card_class{"OQSCD010", "InsuredCardClassification", k010};
const Table limit_classification{"OQSCD011", "LimitApplicationCertificateClassification", k011};
const Table limit_classification_flag{"OQSCD012", "LimitApplicationCertificateClassificationFlag", k012};
const Table disease_category{"OQSCD013", "SpecificDiseasesDiseaseCategory", k013};
const Table preschool{"OQSCD015", "PreschoolClassification", k015};
const Table consent{"OQSCD016", "ConsFlg", k016};
const Table limit_consent{"OQSCD001", "LimitApplicationCertificateRelatedConsFlg", k001};
const Table prescription_issue{"OQSCD017", "PrescriptionIssueSelect", k017};
const Table ticket_type{"OQSCD018", "TicketType", k018};
const Table medical_treatment_type{"OQSCD019", "MedicalTreatmentType", k019};
const Table medical_treatment_flag{"OQSCD028", "MedicalTreatmentFlag", k028};

}  // namespace onshi::codes
