// The OQS bulk result as a domain model: every field of ../shared/reference/oqs-interface.md §4.
// Plain strings as received (already decoded to UTF-8); validation lives in codec/validate.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace onshi {

// The style of the P031 rows a result writes: the ★ recipe (顔認証照会, 【全体】) or ORCA's 同意一括
// recipe (訪/オ under the 同意 views). `facility` is a job's "as its facility's p031_mark says"; a
// facility's own p031_mark is star or consent. Text only at the boundaries: the configuration file
// (p031_mark), the database (onshi.job.style) and the screens' JSON, all through these two.
enum class Style { facility, star, consent };
std::string_view to_text(Style s);  // "", "star", "consent"
Style style_from_text(std::string_view text);                // throws Error(internal) for text no Style has
std::optional<Style> parse_style(std::string_view text);     // nullopt for text no Style has

// 02res (and 01res) MessageHeader.
struct ResultHeader {
    std::string process_execution_time;        // ProcessExecutionTime YYYYMMDDHHmmss
    std::string qualification_confirmation_date; // QualificationConfirmationDate YYYYMMDD
    std::string medical_institution_code;      // MedicalInstitutionCode
    std::string arbitrary_file_identifier;     // ArbitraryFileIdentifier
    std::string reception_number;              // ReceptionNumber (02res header)
    std::string segment_of_result;             // SegmentOfResult OQSCD003
    std::string error_code;                    // ErrorCode
    std::string error_message;                 // ErrorMessage
    std::string number_of_processing_result;   // NumberOfProcessingResult
    std::string number_of_normal_processing;   // NumberOfNormalProcessing
    std::string number_of_error;               // NumberOfError
    std::string character_code_identifier;     // CharacterCodeIdentifier OQSCD005
    // 01res body
    std::string body_reception_number;         // MessageBody/ReceptionNumber
    std::string reception_date_time;           // MessageBody/ReceptionDateTime
    // 薬剤情報/特定健診 error answers
    std::string result_code;                   // MessageBody/ResultCode (1 = OK)
    std::string message_contents;              // MessageBody/MessageContents
};

// QualificationConfirmSearchInfo echoed back in a BulkConfirmUnit.
struct SearchInfo {
    std::string insurer_number;            // InsurerNumber
    std::string insured_card_symbol;       // InsuredCardSymbol
    std::string insured_identification_number; // InsuredIdentificationNumber
    std::string insured_branch_number;     // InsuredBranchNumber
    std::string birthdate;                 // Birthdate
    std::string limit_cons_flg;            // LimitApplicationCertificateRelatedConsFlg
    std::string arbitrary_identifier;      // ArbitraryIdentifier
    std::string consent_date_from;         // ConsentDateFrom (echo, when present)
    std::string consent_date_to;           // ConsentDateTo
    std::string medical_treatment_flag;    // MedicalTreatmentFlag
};

struct SpecificDisease {                   // SpecificDiseasesCertificateInfo (0..3)
    std::string disease_category;          // SpecificDiseasesDiseaseCategory OQSCD013
    std::string certificate_date;          // SpecificDiseasesCertificateDate
    std::string valid_start_date;          // SpecificDiseasesValidStartDate
    std::string valid_end_date;            // SpecificDiseasesValidEndDate
    std::string self_pay;                  // SpecificDiseasesSelfPay
};

struct MedicalTicket {                     // PublicExpenseResultList/MedicalTicketInfo (医療扶助)
    std::string ticket_type;               // TicketType OQSCD018
    std::string valid_date;                // MedicalTicketValidDate
    std::string expiration_date;           // MedicalTicketExpirationDate
    std::string issue_number;              // IssueNumber
    std::string treatment_month;           // MedicalTreatmentMonth
    std::string designated_code;           // DesignatedMedicalInstitutionCode
    std::string designated_flag;           // DesignatedMedicalInstitutionFlag
    std::string designated_name;           // DesignatedMedicalInstitutionName
    std::string injury_name1, injury_name2, injury_name3; // InjuryName1-3
    std::string treatment_type;            // MedicalTreatmentType OQSCD019
    std::string self_pay_amount;           // SelfPayAmount
    std::string remarks1, remarks2, remarks3; // Remarks1-3
};

// One consent group: <Prefix>ConsFlg / ConsTime / AvailableTime.
struct Consent {
    std::string flg, time, available_time;
};

struct QualificationResult {               // ResultOfQualificationConfirmation
    std::string insured_card_classification; // OQSCD010
    std::string insurer_number;
    std::string insured_card_symbol;
    std::string insured_identification_number;
    std::string insured_branch_number;
    std::string personal_family_classification; // OQSCD009
    std::string insured_name;              // 世帯主 / 被保険者氏名
    std::string name, name_of_other, name_kana, name_of_other_kana;
    std::string sex1, sex2;                // OQSCD007
    std::string birthdate, address, post_number;
    std::string qualification_date, disqualification_date;
    std::string insured_certificate_issuance_date, insured_card_valid_date, insured_card_expiration_date;
    std::string insured_partial_contribution_ratio; // "030" = 3割
    std::string preschool_classification;  // OQSCD015
    std::string reason_of_loss;            // OQSCD008
    std::string insurer_name;
    // ElderlyRecipientCertificateInfo
    std::string elderly_certificate_date, elderly_valid_start_date, elderly_valid_end_date, elderly_contribution_ratio;
    // 限度額
    std::string limit_cons_flg, limit_cons_time, limit_available_time;
    std::string limit_classification;      // OQSCD011
    std::string limit_classification_flag; // OQSCD012
    std::string limit_certificate_date, limit_valid_start_date, limit_valid_end_date, limit_long_term_date;
    // 特定疾病
    std::string sikkan_cons_flg, sikkan_cons_time, sikkan_available_time;
    std::vector<SpecificDisease> specific_diseases;
    // Consent groups (OQSCD016)
    Consent checkup;       // SpecificHealthCheckupsInfo
    Consent pharmacists;   // PharmacistsInfo (also PharmaceuticalInfo)
    Consent diagnosis;     // DiagnosisInfo
    Consent operation;     // OperationInfo
    Consent qualification; // QualificationCons
    Consent diagnosis_name, infectious, allergy, contraindication, test, prescription; // 2025 groups
    std::string ons_registration_time;
    std::string qualification_confirmation_key;
    std::string qualification_change_flg;
    std::string arbitrary_identifier;
    std::string prescription_issue_select; // OQSCD017
    std::string consent_date_from, consent_date_to; // 同意年月日 / 同意有効期限 when given per result
    std::vector<MedicalTicket> medical_tickets;

    [[nodiscard]] bool is_welfare() const { return insured_card_classification == "A1"; }
};

struct BulkConfirmUnit {
    SearchInfo search;
    std::string processing_result_status;  // OQSCD004
    std::string processing_result_code;
    std::string processing_result_message;
    std::string qualification_validity;    // OQSCD006
    std::string reference_number;          // 照会番号
    std::vector<QualificationResult> results;
};

}  // namespace onshi
