// OQS code tables (別紙5-1, as transcribed in public code; ../shared/reference/oqs-interface.md §6).
// One place for every code the module accepts; the official list can replace these rows.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace onshi::codes {

struct Code {
    std::string_view code;
    std::string_view label;
};

struct Table {
    std::string_view id;       // "OQSCD006"
    std::string_view element;  // the element it applies to
    std::span<const Code> rows;

    [[nodiscard]] std::optional<std::string_view> label(std::string_view code) const;
    [[nodiscard]] bool contains(std::string_view code) const { return label(code).has_value(); }
};

extern const Table segment_of_result;         // OQSCD003
extern const Table processing_result_status;  // OQSCD004
extern const Table character_code;            // OQSCD005 (0/1 and 1/2 both seen: [?])
extern const Table qualification_validity;    // OQSCD006
extern const Table sex;                       // OQSCD007
extern const Table reason_of_loss;            // OQSCD008
extern const Table personal_family;           // OQSCD009
extern const Table insured_card_class;        // OQSCD010
extern const Table limit_classification;      // OQSCD011
extern const Table limit_classification_flag; // OQSCD012
extern const Table disease_category;          // OQSCD013
extern const Table preschool;                 // OQSCD015
extern const Table consent;                   // OQSCD016
extern const Table limit_consent;             // OQSCD001
extern const Table prescription_issue;        // OQSCD017
extern const Table ticket_type;               // OQSCD018
extern const Table medical_treatment_type;    // OQSCD019
extern const Table medical_treatment_flag;    // OQSCD028

// SegmentOfResult values.
inline constexpr std::string_view kSegmentDone = "1";
inline constexpr std::string_view kSegmentProcessing = "2";
inline constexpr std::string_view kSegmentFailed = "9";

}  // namespace onshi::codes
